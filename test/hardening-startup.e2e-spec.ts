import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { createTestApp, TestApp } from './utils/app';
import { dataSourceFor, databaseUrl, withAdminClient } from './utils/database';
import { DatabaseProxy } from './utils/db-proxy';
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
  let t: TestApp;
  let proxy: DatabaseProxy;

  beforeAll(async () => {
    const server = new URL(process.env.TEST_DATABASE_URL!);
    proxy = new DatabaseProxy(server.hostname, Number(server.port || 5432));
    await proxy.open();
    const port = proxy.port;
    await proxy.close();
    t = await createTestApp({}, { mapDatabaseUrl: (url) => proxy.route(url) });
    proxy.port = port;
  });

  afterAll(async () => {
    await proxy.close();
    await t?.close();
  });

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
  let t: TestApp | undefined;
  const name = `order_test_empty_${process.env.JEST_WORKER_ID ?? 0}_${Date.now() % 100000}`;

  beforeAll(async () => {
    await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`));
  });

  afterAll(async () => {
    await t?.close();
    await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  });

  it('MIGRATIONS_RUN=false: live 200, ready 503 naming how many are pending, ready once applied', async () => {
    t = await createTestApp(
      { MIGRATIONS_RUN: 'false' },
      { mapDatabaseUrl: () => databaseUrl(name) },
    );
    const migrator: DataSource = dataSourceFor(databaseUrl(name));
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
