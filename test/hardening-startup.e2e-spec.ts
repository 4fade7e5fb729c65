import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import type { TestApp } from './utils/app';
import { createEmptyDatabase, dataSourceFor, dropTestDatabase } from './utils/database';
import { DatabaseProxy } from './utils/db-proxy';
import { useOrderService } from './utils/fixture';
import { ORDERS } from './utils/orders';
import { expectProblem } from './utils/problem';
import { makeUser } from './utils/tokens';

// Start-up never fails on the database: unreachable, or with migrations pending, the service
// comes up, answers its probes and 503s, and becomes ready by itself once the database is.

async function waitForStatus(t: TestApp, path: string, status: number, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await t.http.get(path);
    if (res.status === status) return res;
    if (Date.now() > deadline) throw new Error(`${path} still ${res.status} after ${ms} ms`);
    await sleep(100);
  }
}

describe('the database unreachable at start-up', () => {
  const proxy = DatabaseProxy.toTestServer();

  // Declared before the app's: the app starts against a port where nothing listens yet.
  beforeAll(() => proxy.reserve());

  afterAll(() => proxy.close());

  const t = useOrderService({ app: { mapDatabaseUrl: (url) => proxy.route(url) } });

  it('starts anyway: live 200, ready 503 naming the database', async () => {
    expect((await t.http.get('/health/live')).status).toBe(200);

    const ready = await t.http.get('/health/ready');
    const body = expectProblem(ready, 503, 'NOT_READY', ['checks']);
    expect(body.checks).toEqual(
      expect.objectContaining({ database: expect.objectContaining({ status: 'down' }) }),
    );
  });

  it('order endpoints answer 503 DATABASE_UNAVAILABLE with Retry-After, not 500', async () => {
    const customer = makeUser('customer');
    for (const res of [
      await t.http.get(ORDERS).set(customer.auth),
      await t.http.post(ORDERS).set(customer.auth).send({ items: [] }),
    ]) {
      expectProblem(res, 503, 'DATABASE_UNAVAILABLE');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    // Who is calling is still checked first.
    expectProblem(await t.http.get(ORDERS), 401, 'UNAUTHORIZED');
  });

  it('the same DataSource is handed out, unconnected until the database is there', () => {
    expect(t.app.get(DataSource)).toBe(t.db);
    expect(t.db.isInitialized).toBe(false);
  });

  it('becomes ready within seconds of the database coming back, with no restart', async () => {
    await proxy.open(proxy.port);
    const started = Date.now();

    await waitForStatus(t, '/health/ready', 200, 5000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(t.db.isInitialized).toBe(true);
    const res = await t.http.get(ORDERS).set(makeUser('customer').auth);
    expect(res.status).toBe(200);
  });
});

describe('pending migrations at start-up', () => {
  let empty: { name: string; url: string };

  // Declared before the app's, which starts on this database with nothing migrated.
  beforeAll(async () => {
    empty = await createEmptyDatabase();
  });

  const t = useOrderService({
    env: { MIGRATIONS_RUN: 'false' },
    app: { mapDatabaseUrl: () => empty.url },
  });

  // Declared after the app's, so the app has closed its connections first.
  afterAll(async () => {
    if (empty) await dropTestDatabase(empty.name);
  });

  it('MIGRATIONS_RUN=false: live 200, ready 503 naming how many are pending, ready once applied', async () => {
    const migrator: DataSource = dataSourceFor(empty.url);
    await migrator.initialize();
    try {
      const total = migrator.migrations.length;
      expect(total).toBeGreaterThan(0);

      expect((await t.http.get('/health/live')).status).toBe(200);
      const ready = await t.http.get('/health/ready');
      const body = expectProblem(ready, 503, 'NOT_READY', ['checks']);
      expect(body.detail).toMatch(new RegExp(`\\b${total} pending migrations?\\b`));
      expect(body.detail).toMatch(/MIGRATIONS_RUN=false/);
      expectProblem(
        await t.http.get(ORDERS).set(makeUser('customer').auth),
        503,
        'DATABASE_UNAVAILABLE',
      );

      // The migration Job runs.
      await migrator.runMigrations({ transaction: 'each' });
      await waitForStatus(t, '/health/ready', 200, 5000);
      expect((await t.http.get(ORDERS).set(makeUser('customer').auth)).status).toBe(200);
    } finally {
      await migrator.destroy();
    }
  });
});
