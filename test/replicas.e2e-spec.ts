import { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { runMigrationsLocked } from '../src/database/migrate';
import { createTestApp, TestApp } from './utils/app';
import { dataSourceFor } from './utils/database';
import { createOrder, expectStatus, OrderJson, ORDERS } from './utils/orders';
import { PgServer, removeServer, startPrimary, startStandby } from './utils/standby';
import { makeUser, TestUser } from './utils/tokens';

const DB = 'orders_replicated';
const MAX_LAG_S = 3;

interface Health {
  checks: { replicas?: { serving: number; replicas: { name: string; state: string }[] } };
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('reads from a streaming replica', () => {
  let primary: PgServer | undefined;
  let standby: PgServer | undefined;
  let t: TestApp;
  let admin: TestUser;
  let customer: TestUser;

  beforeAll(async () => {
    primary = await startPrimary();
    await withClient(primary.url('postgres'), (c) => c.query(`CREATE DATABASE ${DB}`));
    const ds = await dataSourceFor(primary.url(DB)).initialize();
    try {
      await runMigrationsLocked(ds);
    } finally {
      await ds.destroy();
    }
    standby = await startStandby(primary);
    t = await createTestApp({
      DATABASE_URL: primary.url(DB),
      DATABASE_REPLICA_URLS: `${standby.url(DB)}`,
      REPLICA_MAX_LAG_S: String(MAX_LAG_S),
    });
    admin = makeUser('admin');
    customer = makeUser('customer');
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    removeServer(standby);
    removeServer(primary);
  });

  const replicaState = async () => {
    const res = await t.http.get('/health/ready');
    expect(res.status).toBe(200);
    return (res.body as Health).checks.replicas!;
  };

  async function waitFor(state: string, ms = 15_000) {
    const deadline = Date.now() + ms;
    let last = '';
    while (Date.now() < deadline) {
      last = (await replicaState()).replicas[0].state;
      if (last === state) return;
      await sleep(100);
    }
    throw new Error(`the replica is still ${last}, not ${state}`);
  }

  const listIds = async () => {
    const res = await t.http.get(`${ORDERS}/all`).query({ limit: '100' }).set(admin.auth);
    expectStatus(res, 200);
    return (res.body as { orders: OrderJson[] }).orders.map((o) => o.id);
  };

  /** What the service's connections to the standby last ran (pg_stat_activity there). */
  const standbyStatements = () =>
    withClient(standby!.url('postgres'), async (c) => {
      const { rows } = await c.query<{ query: string }>(
        `SELECT query FROM pg_stat_activity WHERE datname = $1 AND application_name = 'order-service'`,
        [DB],
      );
      return rows.map((r) => r.query);
    });

  it('reports the replica in /health/ready, up', async () => {
    await waitFor('up');
    const report = await replicaState();
    expect(report.serving).toBe(1);
    expect(report.replicas).toEqual([
      { name: `127.0.0.1:${standby!.port}/${DB}`, state: 'up', lag_s: expect.any(Number) },
    ]);
    // The address is shown without credentials or the full URL.
    expect(JSON.stringify(report)).not.toContain('postgres://');
  });

  it('serves lists from the standby, writes and GET /:id from the primary', async () => {
    const order = await createOrder(t, customer);
    // Replication is asynchronous: the list shows the order once the standby has replayed it.
    for (let i = 0; i < 50 && !(await listIds()).includes(order.id); i++) await sleep(100);

    for (let i = 0; i < 10; i++) expect(await listIds()).toContain(order.id);
    // The list's page and count ran there (the lag check shares those connections).
    const ran = await standbyStatements();
    expect(ran.some((q) => /FROM orders p\b/.test(q))).toBe(true);

    // Replay paused: the standby no longer sees new orders, the primary does. The lag counts
    // from the last transaction replayed, so one is replayed just before.
    const recent = await createOrder(t, customer);
    for (let i = 0; i < 50 && !(await listIds()).includes(recent.id); i++) await sleep(50);
    await withClient(standby!.url('postgres'), (c) => c.query('SELECT pg_wal_replay_pause()'));
    try {
      const fresh = await createOrder(t, customer);
      const byId = await t.http.get(`${ORDERS}/${fresh.id}`).set(customer.auth);
      expectStatus(byId, 200);
      // Within REPLICA_MAX_LAG_S the (lagging) standby still serves the list.
      expect(await listIds()).not.toContain(fresh.id);

      // Past it, the standby is skipped and lists come from the primary.
      await waitFor('lagging');
      expect(await listIds()).toContain(fresh.id);
    } finally {
      await withClient(standby!.url('postgres'), (c) => c.query('SELECT pg_wal_replay_resume()'));
    }
    await waitFor('up');
  });

  it('the standby stopped: lists still answer, from the primary; readiness stays 200', async () => {
    standby!.stop('immediate');
    const order = await createOrder(t, customer);
    // No wait for the lag check: the failing replica query is repeated on the primary.
    expect(await listIds()).toContain(order.id);
    const history = await t.http.get(`${ORDERS}/${order.id}/history`).set(customer.auth);
    expectStatus(history, 200);
    expect((history.body as { events: unknown[] }).events).toHaveLength(1);
    const mine = await t.http.get(ORDERS).set(customer.auth);
    expectStatus(mine, 200);

    await waitFor('down');
    expect((await replicaState()).serving).toBe(0);
    expect(await listIds()).toContain(order.id);
    const exported = await t.http.get(`${ORDERS}/export`).set(admin.auth);
    expect(exported.status).toBe(200);
    expect(exported.text).toContain(order.id);

    // Back again: used again.
    standby!.start();
    await waitFor('up', 30_000);
  });
});
