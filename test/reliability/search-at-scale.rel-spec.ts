import { readFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { Client } from 'pg';
import { createTestDatabase, dropTestDatabase } from '../utils/database';
import { ORDERS } from '../utils/orders';
import { planTable, searchPlans } from '../utils/search-plans';
import { seedBulkOrders } from '../utils/seed-orders';
import { SpawnedService, useServiceSpawner } from '../utils/service';
import { makeUser, TEST_SECRET } from '../utils/tokens';

/*
 * The search at a million orders (seeded with generate_series): every filter, alone and combined,
 * is planned on an index (no sequential scan of orders or order_items), and exporting all of them
 * streams in flat memory from the built service.
 */

const ORDER_COUNT = 1_000_000;
const MAX_GROWTH_MB = 64;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1024;
}

describe(`search and export at ${ORDER_COUNT.toLocaleString('en')} orders`, () => {
  let database: { name: string; url: string };
  let client: Client;
  const now = new Date();

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new Client({ connectionString: database.url });
    await client.connect();
    await seedBulkOrders(client, ORDER_COUNT, { now, rebuildIndexes: true });
  }, 1_200_000);

  afterAll(async () => {
    await client?.end();
    if (database) await dropTestDatabase(database.name);
  });

  it('plans every filter, sort and combination on an index: no sequential scan', async () => {
    const plans = await searchPlans(client, now);
    // The plan table, for the record (README, "Performance").
    console.log(`EXPLAIN ANALYZE at ${ORDER_COUNT} orders\n${planTable(plans)}`);
    const seqScans = plans.filter((p) => p.seqScans.length > 0);
    expect(seqScans.map((p) => `${p.scenario} / ${p.statement}: ${p.seqScans.join(', ')}`)).toEqual(
      [],
    );
    // Keyset pages do not slow down with depth: a cursor deep in the set reads about a page.
    expect(plans.filter((p) => p.statement === 'cursor page').every((p) => p.ms < 1000)).toBe(true);
  }, 300_000);

  describe('the export, from the built service', () => {
    let service: SpawnedService;
    let port: number;
    const admin = makeUser('admin');
    const services = useServiceSpawner();

    beforeAll(async () => {
      service = await services.spawn({
        database: { url: database.url },
        env: { MIGRATIONS_RUN: 'false', SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'warn' },
      });
      port = service.port;
    }, 90_000);

    afterAll(async () => {
      await service?.stop().catch(() => undefined);
    });

    const download = (path: string) =>
      new Promise<IncomingMessage>((ok, fail) =>
        get({ host: '127.0.0.1', port, path, headers: admin.auth }, ok).on('error', fail),
      );

    it(`grows the service's memory by less than ${MAX_GROWTH_MB} MB`, async () => {
      const pid = service.child.pid!;
      // Warm up (code paths, pools, JIT) on a small export, then take the baseline.
      const warm = await download(`${ORDERS}/export?flagged=true`);
      for await (const chunk of warm) void chunk;
      const baseline = rssMb(pid);

      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
      let lines = 0;
      let bytes = 0;
      const started = Date.now();
      try {
        const res = await download(`${ORDERS}/export`);
        expect(res.statusCode).toBe(200);
        for await (const chunk of res as AsyncIterable<Buffer>) {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
        }
      } finally {
        clearInterval(sampler);
      }
      console.log(
        `export of ${ORDER_COUNT} orders: ${(bytes / 1e6).toFixed(0)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
          `RSS ${baseline.toFixed(0)} MB → peak ${peak.toFixed(0)} MB`,
      );
      expect(lines).toBe(ORDER_COUNT + 1);
      expect(peak - baseline).toBeLessThan(MAX_GROWTH_MB);
    }, 900_000);
  });
});
