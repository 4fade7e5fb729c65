import { Client } from 'pg';
import { createTestDatabase, dropTestDatabase } from './utils/database';
import { useOrderService } from './utils/fixture';
import {
  createOrder,
  expectStatus,
  NO_RATE_LIMITS,
  OrderJson,
  ORDERS,
  patchStatus,
  PRODUCTS,
  validOrderBody,
} from './utils/orders';
import { stockSettled } from './utils/outbox';
import { freePort, SpawnedService, useServiceSpawner } from './utils/service';
import { makeUser, TEST_SECRET } from './utils/tokens';

/*
 * Stock effects leave the request: a confirmation answers from the database, and the relay
 * tells the Inventory Service afterwards, holding no transaction, row lock or pool connection
 * while it waits for an answer.
 */

jest.setTimeout(90_000);

describe('stock relay with a slow Inventory Service and two pool connections', () => {
  const t = useOrderService({
    product: true,
    inventory: true,
    env: { DB_POOL_SIZE: '2', ...NO_RATE_LIMITS },
  });
  const { inventory, customer, admin } = t;

  it('confirms ten orders at once while reads stay prompt, and every hold ends confirmed', async () => {
    const orders: OrderJson[] = [];
    for (let i = 0; i < 10; i++) orders.push(await createOrder(t, customer));
    inventory.latencyMs = 2000;

    const started = Date.now();
    const confirmations = await Promise.all(
      orders.map((o) => patchStatus(t, admin, o.id, 'confirmed')),
    );
    for (const res of confirmations) expectStatus(res, 200);
    // Answered from the database, not after the Inventory Service's two seconds.
    expect(Date.now() - started).toBeLessThan(1500);

    // While the relay waits on ten slow confirmations, reads still get a connection at once.
    const reads: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      expectStatus(await t.http.get(`${ORDERS}/${orders[i].id}`).set(customer.auth), 200);
      reads.push(Date.now() - t0);
    }
    expect(Math.max(...reads)).toBeLessThan(500);

    await stockSettled(t.db, undefined, 30_000);
    for (const o of orders) {
      const held = [...inventory.reservations.values()].filter((r) => r.orderId === o.id);
      expect(held.map((r) => r.status)).toEqual(['CONFIRMED']);
    }
  });
});

describe('the service killed between a confirmation and its stock effect', () => {
  const t = useOrderService({ product: true, inventory: true });
  const { products, inventory } = t;
  const services = useServiceSpawner();
  const customer = makeUser('customer');
  const admin = makeUser('admin');
  let database: { name: string; url: string };

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await dropTestDatabase(database.name);
  });

  const start = (port: number): Promise<SpawnedService> =>
    services.spawn({
      port,
      database: { url: database.url },
      env: {
        SECRET_KEY: TEST_SECRET,
        PRODUCT_SERVICE_URL: products.url,
        INVENTORY_SERVICE_URL: inventory.url,
        INVENTORY_SERVICE_TIMEOUT_MS: '1000',
        MIGRATIONS_RUN: 'false',
        LOG_LEVEL: 'warn',
        ...NO_RATE_LIMITS,
      },
    });

  async function call(port: number, method: string, path: string, user = admin, body?: unknown) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { ...user.auth, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as OrderJson };
  }

  it('confirms the holds after a restart, exactly once', async () => {
    const port = await freePort();
    let service = await start(port);
    const created = await call(port, 'POST', ORDERS, customer, validOrderBody([PRODUCTS.novel]));
    expect(created.status).toBe(201);
    const order = created.body;
    const stockBefore = inventory.stock.get(PRODUCTS.novel)!;

    // The confirmation commits; its stock call is still on the wire when the process dies.
    inventory.latencyMs = 800;
    const confirmed = await call(port, 'PATCH', `${ORDERS}/${order.id}/status`, admin, {
      status: 'confirmed',
    });
    expect(confirmed.status).toBe(200);
    service.child.kill('SIGKILL');
    await service.exited;
    inventory.latencyMs = 0;
    const held = () => [...inventory.reservations.values()].filter((r) => r.orderId === order.id);
    expect(held().map((r) => r.status)).toEqual(['ACTIVE']);

    service = await start(port);
    const db = new Client({ connectionString: database.url });
    await db.connect();
    try {
      const deadline = Date.now() + 30_000;
      while (held()[0].status === 'ACTIVE' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(held().map((r) => r.status)).toEqual(['CONFIRMED']);
      // Sold once: the stock on hand went down by the line's quantity, no more.
      expect(inventory.stock.get(PRODUCTS.novel)).toBe(stockBefore - order.items[0].quantity);
      // The fake shows the hold confirmed as soon as it answers; the service records that a
      // moment later, when the answer has come back. The effect is settled once it has.
      await stockSettledFor(db, order.id);
      const { rows } = await db.query<{ stock_status: string }>(
        'SELECT stock_status FROM order_items WHERE order_id = $1',
        [order.id],
      );
      expect(rows).toEqual([{ stock_status: 'confirmed' }]);
    } finally {
      await db.end();
    }
    expect(await service.stop(15_000)).toBe(0);
  });
});

/** stockSettled for a plain client (the spawned service has no TestApp). */
async function stockSettledFor(db: Client, orderId: string): Promise<void> {
  await stockSettled(
    {
      query: (sql: string, params: unknown[]) => db.query(sql, params).then((r) => r.rows),
    } as never,
    orderId,
  );
}
