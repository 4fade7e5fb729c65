import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { FakeProductService } from './fakes/product-service';
import { createEmptyDatabase, dropTestDatabase } from './utils/database';
import { PRODUCTS, validOrderBody } from './utils/orders';
import { SpawnedService, useServiceSpawner } from './utils/service';
import { makeUser, TEST_SECRET, TestUser } from './utils/tokens';

/*
 * Two instances of the built service on one database and one Redis, as replicas run behind a
 * load balancer: every guarantee that matters must hold across processes, not just inside one.
 */

const PER_USER_LIMIT = 25;
const MIGRATION_FILES = readdirSync(resolve(__dirname, '..', 'migrations')).filter((f) =>
  f.endsWith('.ts'),
).length;

type Instance = SpawnedService;

let fake: FakeProductService;
let database: { name: string; url: string };
let instances: Instance[] = [];

async function send(
  instance: Instance,
  method: string,
  path: string,
  user: TestUser,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${instance.url}${path}`, {
    method,
    headers: { ...user.auth, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
}

async function query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const services = useServiceSpawner();

beforeAll(async () => {
  fake = await FakeProductService.start();
  // An empty database: both instances start at once and race to migrate it.
  database = await createEmptyDatabase();
  const shared = {
    SECRET_KEY: TEST_SECRET,
    PRODUCT_SERVICE_URL: fake.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    RATE_LIMIT_PER_USER: String(PER_USER_LIMIT),
    RATE_LIMIT_ORDER_CREATION: '1000',
    LOG_LEVEL: 'warn',
  };
  instances = await Promise.all(
    [1, 2].map(() => services.spawn({ env: shared, database: { url: database.url } })),
  );
}, 90_000);

// Declared after the spawner's: the instances are gone when the database is dropped.
afterAll(async () => {
  await fake?.close();
  if (database) await dropTestDatabase(database.name);
}, 30_000);

describe('two instances on one database', () => {
  it('applied every migration exactly once although both started together', async () => {
    const rows = await query<{ name: string }>('SELECT name FROM migrations');
    expect(rows).toHaveLength(MIGRATION_FILES);
    expect(new Set(rows.map((r) => r.name)).size).toBe(MIGRATION_FILES);
  });

  it('creates one order for one Idempotency-Key sent to both instances at once', async () => {
    const customer = makeUser();
    const key = randomUUID();
    const body = validOrderBody([PRODUCTS.novel, PRODUCTS.battery]);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        send(instances[n % 2], 'POST', '/api/orders', customer, body, { 'Idempotency-Key': key }),
      ),
    );
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    // Every 201 is the same order, byte for byte; every other answer says the key is busy.
    expect(new Set(created.map((a) => a.text)).size).toBe(1);
    for (const other of answers.filter((a) => a.status !== 201)) {
      expect(other.status).toBe(409);
      expect(other.body.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    }
    const orders = await query('SELECT id FROM orders WHERE user_id = $1', [customer.userId]);
    expect(orders).toEqual([{ id: created[0].body.id }]);
    const items = await query('SELECT 1 FROM order_items WHERE order_id = $1', [orders[0].id]);
    expect(items).toHaveLength(2);

    // Once settled, either instance replays it.
    for (const instance of instances) {
      const replay = await send(instance, 'POST', '/api/orders', customer, body, {
        'Idempotency-Key': key,
      });
      expect(replay.status).toBe(201);
      expect(replay.text).toBe(created[0].text);
    }
  });

  it('lets exactly one of many concurrent transitions on one order win', async () => {
    const customer = makeUser();
    const admin = makeUser('admin');
    const order = await send(instances[0], 'POST', '/api/orders', customer, validOrderBody());
    expect(order.status).toBe(201);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        send(instances[n % 2], 'PATCH', `/api/orders/${order.body.id}/status`, admin, {
          status: 'confirmed',
        }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const lost of answers.filter((a) => a.status !== 200)) {
      expect(lost.status).toBe(409);
      expect(lost.body).toMatchObject({ code: 'INVALID_TRANSITION', current_status: 'confirmed' });
    }
    const [row] = await query('SELECT status, version FROM orders WHERE id = $1', [order.body.id]);
    expect(row).toEqual({ status: 'confirmed', version: 2 });
    const events = await query(
      "SELECT 1 FROM order_events WHERE order_id = $1 AND type = 'status_changed'",
      [order.body.id],
    );
    expect(events).toHaveLength(1);
  });

  it('keeps order numbers unique across instances', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        send(instances[n % 2], 'POST', '/api/orders', makeUser(), validOrderBody()),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(201));
    const numbers = answers.map((a) => a.body.order_number as string);
    expect(new Set(numbers).size).toBe(40);
    const [{ n }] = await query<{ n: string }>(
      'SELECT count(DISTINCT order_number) AS n FROM orders WHERE order_number = ANY($1)',
      [numbers],
    );
    expect(Number(n)).toBe(40);
  });

  it('holds one per-user rate limit across both instances (stored in Redis)', async () => {
    const customer = makeUser();
    const statuses: number[] = [];
    // Sequential and alternating: in-memory limits would allow PER_USER_LIMIT on each instance.
    for (let n = 0; n < PER_USER_LIMIT + 15; n++) {
      statuses.push((await send(instances[n % 2], 'GET', '/api/orders', customer)).status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(PER_USER_LIMIT);
    expect(statuses.slice(PER_USER_LIMIT)).toEqual(Array(15).fill(429));
  });
});
