import { setTimeout as sleep } from 'node:timers/promises';
import type { Response } from 'supertest';
import type { ProductDocument } from '../src/product-client/product-document';
import { type FakeReservation } from './fakes/inventory-service';
import { type RecordedRequest } from './fakes/product-service';
import type { TestApp } from './utils/app';
import { useOrderService } from './utils/fixture';
import {
  countRows,
  expectStatus,
  itemRows,
  mustOrderRow,
  OrderJson,
  orderRow,
  ORDERS,
  patchStatus,
  PRODUCTS,
  validOrderBody,
} from './utils/orders';
import { failedEffect, pendingEffects, stockSettled } from './utils/outbox';
import { expectProblem } from './utils/problem';
import { TestUser } from './utils/tokens';

/*
 * "Resilient neighbours": stock is reserved at the Inventory Service for every line of an order,
 * confirmed with the order and released when a pending order is cancelled or cannot be written.
 */

jest.setTimeout(60_000);

const MARGIN_MS = 1500;

type Line = { product: ProductDocument; quantity: number };

const bodyOf = (lines: Line[]) =>
  validOrderBody(lines.map(({ product, quantity }) => ({ product_id: product._id, quantity })));

async function eventTypes(t: TestApp, orderId: string): Promise<string[]> {
  const rows = await t.db.query<{ type: string }[]>(
    'SELECT type::text AS type FROM order_events WHERE order_id = $1 ORDER BY id',
    [orderId],
  );
  return rows.map((r) => r.type);
}

async function rowsFor(t: TestApp, orderId: string): Promise<{ orders: number; items: number }> {
  const [row] = await t.db.query<{ orders: number; items: number }[]>(
    `SELECT (SELECT count(*) FROM orders WHERE id = $1)::int AS orders,
            (SELECT count(*) FROM order_items WHERE order_id = $1)::int AS items`,
    [orderId],
  );
  return row;
}

describe('Inventory Service: stock reservations', () => {
  const RESERVATION_MINUTES = 20;
  const TIMEOUT_MS = 1000;
  const t = useOrderService({
    product: true,
    inventory: true,
    env: {
      INVENTORY_SERVICE_TIMEOUT_MS: String(TIMEOUT_MS),
      RESERVATION_MINUTES: String(RESERVATION_MINUTES),
    },
  });
  const { products, inventory, customer, admin } = t;

  /** A product of this test alone, with `stock` units at the Inventory Service. */
  function product(stock = 50, fields: Partial<ProductDocument> = {}): ProductDocument {
    const p = products.add({ price: 15, stock: 1000, ...fields });
    inventory.setStock(p._id, stock);
    return p;
  }

  const reservationsOf = (orderId: string): FakeReservation[] =>
    [...inventory.reservations.values()].filter((r) => r.orderId === orderId);

  const reservationsFor = (productId: string): FakeReservation[] =>
    [...inventory.reservations.values()].filter((r) => r.productId === productId);

  const calls = (kind: 'reserve' | 'confirm' | 'cancel'): RecordedRequest[] =>
    inventory.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/${kind}`));

  const post = (user: TestUser, body: Record<string, unknown>) => t.orders.create(user, body);

  /** Creates an order of `lines` and checks that each line holds an ACTIVE reservation. */
  async function reservedOrder(lines: Line[], user = customer): Promise<OrderJson> {
    const res = await post(user, bodyOf(lines));
    expectStatus(res, 201);
    const order = res.body as OrderJson;
    expect(reservationsOf(order.id).map((r) => r.status)).toEqual(lines.map(() => 'ACTIVE'));
    return order;
  }

  it('reserves every line with its quantity, for the order, with the caller’s token', async () => {
    const a = product(10);
    const b = product(10);
    const lines = [
      { product: a, quantity: 2 },
      { product: b, quantity: 3 },
    ];
    const before = Date.now();

    const res = await post(customer, bodyOf(lines));

    expectStatus(res, 201);
    const order = res.body as OrderJson;
    const held = reservationsOf(order.id);
    expect(
      held.map((r) => ({ product: r.productId, quantity: r.quantity, status: r.status })),
    ).toEqual(
      expect.arrayContaining([
        { product: a._id, quantity: 2, status: 'ACTIVE' },
        { product: b._id, quantity: 3, status: 'ACTIVE' },
      ]),
    );
    expect(held).toHaveLength(2);
    for (const r of held) {
      expect(r.userId).toBe(customer.userId);
      const expires = Date.parse(r.expiresAt);
      expect(expires).toBeGreaterThanOrEqual(before + RESERVATION_MINUTES * 60_000 - 5_000);
      expect(expires).toBeLessThanOrEqual(Date.now() + RESERVATION_MINUTES * 60_000 + 5_000);
    }
    expect(inventory.availableQuantity(a._id)).toBe(8);
    expect(inventory.availableQuantity(b._id)).toBe(7);

    // Each item carries its own reservation, in the response and in the database.
    const byProduct = new Map(held.map((r) => [r.productId, r.reservationId]));
    expect(order.items.map((i) => [i.product_id, i.reservation_id])).toEqual([
      [a._id, byProduct.get(a._id)],
      [b._id, byProduct.get(b._id)],
    ]);
    const items = await itemRows(t, order.id);
    expect(items.map((i) => [i.product_id, i.quantity, i.reservation_id])).toEqual([
      [a._id, 2, byProduct.get(a._id)],
      [b._id, 3, byProduct.get(b._id)],
    ]);

    // The reserve calls: one per line, with the caller's own token and the configured hold time.
    const reserves = calls('reserve');
    expect(reserves).toHaveLength(2);
    for (const call of reserves) {
      expect(call.headers.authorization).toBe(`Bearer ${customer.token}`);
    }
    expect(
      reserves
        .map((c) => ({ path: c.path, body: c.body }))
        .sort((x, y) => x.path.localeCompare(y.path)),
    ).toEqual(
      [
        {
          path: `/api/inventory/product/${a._id}/reserve`,
          body: { quantity: 2, orderId: order.id, expirationMinutes: RESERVATION_MINUTES },
        },
        {
          path: `/api/inventory/product/${b._id}/reserve`,
          body: { quantity: 3, orderId: order.id, expirationMinutes: RESERVATION_MINUTES },
        },
      ].sort((x, y) => x.path.localeCompare(y.path)),
    );
  });

  it('reserves a product listed twice once, for the summed quantity', async () => {
    const a = product(10);

    const res = await post(
      customer,
      validOrderBody([
        { product_id: a._id, quantity: 2 },
        { product_id: a._id, quantity: 4 },
      ]),
    );

    expectStatus(res, 201);
    const order = res.body as OrderJson;
    expect(reservationsOf(order.id).map((r) => [r.productId, r.quantity])).toEqual([[a._id, 6]]);
    expect(calls('reserve')).toHaveLength(1);
  });

  it('answers 409 INSUFFICIENT_STOCK naming the short product, releases the other lines and writes nothing', async () => {
    const plenty = product(10);
    const short = product(1);
    const alsoPlenty = product(10);
    const before = await countRows(t);

    const res = await post(
      customer,
      bodyOf([
        { product: plenty, quantity: 2 },
        { product: short, quantity: 3 },
        { product: alsoPlenty, quantity: 1 },
      ]),
    );

    const problem = expectProblem(res, 409, 'INSUFFICIENT_STOCK', [
      'product_id',
      'requested',
      'available',
    ]);
    expect(problem.product_id).toBe(short._id);
    expect(problem.detail).toContain(short._id);

    // The other lines were reserved and then released; nothing holds stock any more.
    expect(reservationsFor(short._id)).toEqual([]);
    const released = [...reservationsFor(plenty._id), ...reservationsFor(alsoPlenty._id)];
    expect(released.map((r) => r.status)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(inventory.availableQuantity(plenty._id)).toBe(10);
    expect(inventory.availableQuantity(alsoPlenty._id)).toBe(10);
    expect(calls('cancel')).toHaveLength(2);
    for (const call of calls('cancel')) {
      expect(call.headers.authorization).toBe(`Bearer ${customer.token}`);
    }

    // The reservations named an order that was never written.
    const orderIds = new Set(released.map((r) => r.orderId));
    expect(orderIds.size).toBe(1);
    expect(await rowsFor(t, [...orderIds][0])).toEqual({ orders: 0, items: 0 });
    expect(await countRows(t)).toEqual(before);
  });

  it('answers 503 INVENTORY_SERVICE_UNAVAILABLE and writes nothing when the Inventory Service is down', async () => {
    const a = product(10);
    const before = await countRows(t);
    await inventory.down();

    const res = await post(customer, bodyOf([{ product: a, quantity: 1 }]));

    expect({ status: res.status, code: (res.body as { code?: unknown }).code }).toEqual({
      status: 503,
      code: 'INVENTORY_SERVICE_UNAVAILABLE',
    });
    expect(await countRows(t)).toEqual(before);
    expect(reservationsFor(a._id)).toEqual([]);

    // Last, so that the checks above are made whatever this says: a well-formed problem that
    // names no socket error code (the suite's own rule, see test/utils/problem.ts).
    expectProblem(res, 503, 'INVENTORY_SERVICE_UNAVAILABLE');
  });

  it('answers 503 within the timeout when the Inventory Service is slower than INVENTORY_SERVICE_TIMEOUT_MS', async () => {
    const a = product(10);
    const before = await countRows(t);
    inventory.latencyMs = 10_000;

    const started = Date.now();
    const res = await post(customer, bodyOf([{ product: a, quantity: 1 }]));
    const elapsed = Date.now() - started;

    expect({ status: res.status, code: (res.body as { code?: unknown }).code }).toEqual({
      status: 503,
      code: 'INVENTORY_SERVICE_UNAVAILABLE',
    });
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(await countRows(t)).toEqual(before);
  });

  it('releases the lines it did reserve when the Inventory Service fails on another (503, nothing written)', async () => {
    const a = product(10);
    const b = product(10);
    const before = await countRows(t);
    inventory.failNext(500, 1);

    const res = await post(
      customer,
      bodyOf([
        { product: a, quantity: 2 },
        { product: b, quantity: 2 },
      ]),
    );

    expectProblem(res, 503, 'INVENTORY_SERVICE_UNAVAILABLE');
    const made = [...reservationsFor(a._id), ...reservationsFor(b._id)];
    expect(made.map((r) => r.status)).toEqual(['CANCELLED']);
    expect(inventory.availableQuantity(a._id)).toBe(10);
    expect(inventory.availableQuantity(b._id)).toBe(10);
    expect(await countRows(t)).toEqual(before);
  });

  it('answers 502 INVENTORY_SERVICE_BAD_RESPONSE to a reservation without an id, and writes nothing', async () => {
    const a = product(10);
    const before = await countRows(t);
    inventory.failNext(201, 1, { message: 'Stock reserved successfully' });

    const res = await post(customer, bodyOf([{ product: a, quantity: 1 }]));

    expectProblem(res, 502, 'INVENTORY_SERVICE_BAD_RESPONSE');
    expect(await countRows(t)).toEqual(before);
  });

  it('lets the Inventory Service, not the catalog’s stock field, decide what is in stock', async () => {
    const soldOutInCatalog = product(5, { stock: 0 });

    const res = await post(customer, bodyOf([{ product: soldOutInCatalog, quantity: 3 }]));

    expectStatus(res, 201);
    const order = res.body as OrderJson;
    const [held] = reservationsOf(order.id);
    expect(held).toEqual(
      expect.objectContaining({ productId: soldOutInCatalog._id, quantity: 3, status: 'ACTIVE' }),
    );
    expect(order.items[0].reservation_id).toBe(held.reservationId);
  });

  it('checks the products before reserving anything: an inactive or missing product reserves nothing', async () => {
    const fine = product(10);
    const inactive = product(10, { isActive: false });
    const before = await countRows(t);

    const res = await post(
      customer,
      bodyOf([
        { product: fine, quantity: 1 },
        { product: inactive, quantity: 1 },
      ]),
    );

    expectProblem(res, 422, 'PRODUCT_UNAVAILABLE', ['product_id']);
    expect(inventory.requests).toEqual([]);
    expect(await countRows(t)).toEqual(before);
  });

  it('does not reserve again when an Idempotency-Key replays the order', async () => {
    const a = product(10);
    const key = `neighbours-${a._id}`;
    const body = bodyOf([{ product: a, quantity: 2 }]);

    const first = await t.http
      .post(ORDERS)
      .set(customer.auth)
      .set('Idempotency-Key', key)
      .send(body);
    expectStatus(first, 201);
    const second = await t.http
      .post(ORDERS)
      .set(customer.auth)
      .set('Idempotency-Key', key)
      .send(body);
    expectStatus(second, 201);

    const order = first.body as OrderJson;
    expect((second.body as OrderJson).id).toBe(order.id);
    expect(calls('reserve')).toHaveLength(1);
    expect(reservationsFor(a._id).map((r) => [r.orderId, r.status])).toEqual([
      [order.id, 'ACTIVE'],
    ]);
    expect(inventory.availableQuantity(a._id)).toBe(8);
  });

  it('confirms the reservations when an admin confirms the order', async () => {
    const a = product(10);
    const b = product(10);
    const order = await reservedOrder([
      { product: a, quantity: 2 },
      { product: b, quantity: 1 },
    ]);

    const res = await patchStatus(t, admin, order.id, 'confirmed');

    expectStatus(res, 200);
    expect((res.body as OrderJson).status).toBe('confirmed');
    // The relay confirms the holds right after the change commits.
    await stockSettled(t.db, order.id);
    expect(reservationsOf(order.id).map((r) => r.status)).toEqual(['CONFIRMED', 'CONFIRMED']);
    // Confirmed holds are sales: the stock on hand went down.
    expect(inventory.stock.get(a._id)).toBe(8);
    expect(inventory.stock.get(b._id)).toBe(9);
    const confirms = calls('confirm');
    expect(confirms.map((c) => c.path).sort()).toEqual(
      order.items.map((i) => `/api/inventory/reservation/${i.reservation_id}/confirm`).sort(),
    );
    for (const call of confirms) expect(call.headers.authorization).toBe(`Bearer ${admin.token}`);
    const row = await mustOrderRow(t, order.id);
    expect({ status: row.status, version: row.version }).toEqual({
      status: 'confirmed',
      version: order.version + 1,
    });
    expect(row.confirmed_at).not.toBeNull();
    expect(await eventTypes(t, order.id)).toEqual(['created', 'status_changed']);
  });

  it('cancels the reservations when the customer cancels a pending order', async () => {
    const a = product(10);
    const b = product(10);
    const order = await reservedOrder([
      { product: a, quantity: 4 },
      { product: b, quantity: 5 },
    ]);
    expect(inventory.availableQuantity(a._id)).toBe(6);

    const res = await t.http
      .delete(`${ORDERS}/${order.id}/cancel`)
      .set(customer.auth)
      .send({ reason: 'Changed my mind' });

    expectStatus(res, 200);
    expect((res.body as OrderJson).status).toBe('cancelled');
    await stockSettled(t.db, order.id);
    expect(reservationsOf(order.id).map((r) => r.status)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(inventory.availableQuantity(a._id)).toBe(10);
    expect(inventory.availableQuantity(b._id)).toBe(10);
    expect(inventory.stock.get(a._id)).toBe(10);
    const cancels = calls('cancel');
    expect(cancels.map((c) => c.path).sort()).toEqual(
      order.items.map((i) => `/api/inventory/reservation/${i.reservation_id}/cancel`).sort(),
    );
    for (const call of cancels) {
      expect(call.headers.authorization).toBe(`Bearer ${customer.token}`);
    }
    expect((await mustOrderRow(t, order.id)).status).toBe('cancelled');
  });

  it('keeps a cancellation when the Inventory Service cannot release the holds, and releases them once it is back', async () => {
    const a = product(10);
    const order = await reservedOrder([{ product: a, quantity: 1 }]);
    await inventory.down();

    const res = await t.http.delete(`${ORDERS}/${order.id}/cancel`).set(customer.auth).send({});

    expectStatus(res, 200);
    expect((res.body as OrderJson).status).toBe('cancelled');
    expect((await mustOrderRow(t, order.id)).status).toBe('cancelled');
    await sleep(300);
    expect(reservationsOf(order.id).map((r) => r.status)).toEqual(['ACTIVE']);
    expect(await pendingEffects(t.db, 'stock', order.id)).toBe(1);

    // The relay keeps retrying; once the service is back the hold is released, once.
    await inventory.up();
    await stockSettled(t.db, order.id);
    expect(reservationsOf(order.id).map((r) => r.status)).toEqual(['CANCELLED']);
    expect(calls('cancel')).toHaveLength(1);
  });

  it('does not try to release the stock of a confirmed order that is cancelled (it was sold)', async () => {
    const a = product(10);
    const order = await reservedOrder([{ product: a, quantity: 3 }]);
    expectStatus(await patchStatus(t, admin, order.id, 'confirmed'), 200);
    await stockSettled(t.db, order.id);
    inventory.reset();

    const res = await t.http.delete(`${ORDERS}/${order.id}/cancel`).set(customer.auth).send({});

    expectStatus(res, 200);
    expect((res.body as OrderJson).status).toBe('cancelled');
    await stockSettled(t.db, order.id);
    expect(reservationsOf(order.id).map((r) => r.status)).toEqual(['CONFIRMED']);
    expect(calls('cancel')).toEqual([]);
  });

  it('releases the holds instead when a confirmed order is cancelled before its stock was confirmed', async () => {
    const a = product(10);
    const order = await reservedOrder([{ product: a, quantity: 3 }]);
    await inventory.down();
    expectStatus(await patchStatus(t, admin, order.id, 'confirmed'), 200);
    // The relay's first try has failed (a try still on the wire could go through).
    await failedEffect(t.db, order.id);
    const cancelled = await t.http
      .delete(`${ORDERS}/${order.id}/cancel`)
      .set(customer.auth)
      .send({});
    expectStatus(cancelled, 200);

    await inventory.up();
    await stockSettled(t.db, order.id);

    expect(reservationsOf(order.id).map((r) => r.status)).toEqual(['CANCELLED']);
    expect(calls('confirm')).toEqual([]);
    expect(inventory.stock.get(a._id)).toBe(10);
  });

  it('confirms at once from the database while the Inventory Service is down; the holds follow once it is back', async () => {
    const a = product(10);
    const order = await reservedOrder([{ product: a, quantity: 1 }]);
    const before = await mustOrderRow(t, order.id);
    await inventory.down();

    const res = await patchStatus(t, admin, order.id, 'confirmed');

    expectStatus(res, 200);
    expect((res.body as OrderJson).status).toBe('confirmed');
    const after = await mustOrderRow(t, order.id);
    expect({ status: after.status, version: after.version }).toEqual({
      status: 'confirmed',
      version: before.version + 1,
    });
    expect(await eventTypes(t, order.id)).toEqual(['created', 'status_changed']);
    expect(reservationsOf(order.id).map((r) => r.status)).toEqual(['ACTIVE']);

    await inventory.up();
    await stockSettled(t.db, order.id);
    expect(reservationsOf(order.id).map((r) => r.status)).toEqual(['CONFIRMED']);
    expect(inventory.stock.get(a._id)).toBe(9);
  });

  it('takes the stock again when a hold lapsed before confirmation, and confirms the new hold', async () => {
    const a = product(10);
    const order = await reservedOrder([{ product: a, quantity: 2 }]);
    const lapsed = order.items[0].reservation_id!;
    inventory.expire(lapsed);

    const res = await patchStatus(t, admin, order.id, 'confirmed');

    expectStatus(res, 200);
    expect((res.body as OrderJson).status).toBe('confirmed');
    await stockSettled(t.db, order.id);
    const held = reservationsOf(order.id);
    expect(held.map((r) => r.status).sort()).toEqual(['CONFIRMED', 'EXPIRED']);
    const fresh = held.find((r) => r.status === 'CONFIRMED')!;
    expect(fresh.quantity).toBe(2);
    expect(inventory.stock.get(a._id)).toBe(8);
    const [item] = await itemRows(t, order.id);
    expect({ reservation: item.reservation_id, stock: item.stock_status }).toEqual({
      reservation: fresh.reservationId,
      stock: 'confirmed',
    });
    const fetched = await t.http.get(`${ORDERS}/${order.id}`).set(admin.auth);
    expect((fetched.body as OrderJson).flags).toEqual([]);
    expect((fetched.body as OrderJson).items[0].reservation_id).toBe(fresh.reservationId);
    expect(await eventTypes(t, order.id)).toEqual([
      'created',
      'status_changed',
      'stock_reserved_again',
    ]);
  });

  it('flags the order, naming the lines, when a lapsed hold cannot be taken again', async () => {
    const a = product(10);
    const b = product(10);
    const order = await reservedOrder([
      { product: a, quantity: 4 },
      { product: b, quantity: 1 },
    ]);
    const short = order.items.find((i) => i.product_id === a._id)!;
    inventory.expire(short.reservation_id!);
    inventory.setStock(a._id, 1);

    expectStatus(await patchStatus(t, admin, order.id, 'confirmed'), 200);
    await stockSettled(t.db, order.id);

    // The line that had stock is sold; the other is flagged, never silently left out.
    const statuses = Object.fromEntries(
      (await itemRows(t, order.id)).map((i) => [i.product_id, i.stock_status]),
    );
    expect(statuses).toEqual({ [a._id]: 'lacking', [b._id]: 'confirmed' });
    expect(inventory.stock.get(a._id)).toBe(1);
    const flag = { code: 'stock_shortage', item_ids: [short.id] };

    const fetched = await t.http.get(`${ORDERS}/${order.id}`).set(customer.auth);
    expectStatus(fetched, 200);
    expect((fetched.body as OrderJson).flags).toEqual([flag]);
    expect((fetched.body as OrderJson).status).toBe('confirmed');

    const history = await t.http.get(`${ORDERS}/${order.id}/history`).set(admin.auth);
    const last = (history.body as { events: { type: string; details: unknown }[] }).events.at(-1);
    expect(last).toMatchObject({ type: 'stock_flagged', details: { item_ids: [short.id] } });

    const flagged = await t.http.get(`${ORDERS}/all?flagged=true&limit=100`).set(admin.auth);
    expectStatus(flagged, 200);
    const ids = (flagged.body as { orders: OrderJson[] }).orders.map((o) => o.id);
    expect(ids).toContain(order.id);
    const unflagged = (flagged.body as { orders: OrderJson[] }).orders.filter(
      (o) => o.flags.length === 0,
    );
    expect(unflagged).toEqual([]);
  });
});

describe('Inventory Service: not configured', () => {
  // The fake runs, so a test can show that nobody calls it.
  const t = useOrderService({
    product: true,
    inventory: true,
    env: { INVENTORY_SERVICE_URL: undefined },
  });
  const { products, inventory, customer } = t;

  it('checks stock against the product’s stock field: out of stock is 409 and nothing is reserved', async () => {
    const before = await countRows(t);
    const socks = products.products.get(PRODUCTS.socks)!;
    expect(socks.stock).toBe(0);

    const res: Response = await t.http
      .post(ORDERS)
      .set(customer.auth)
      .send(validOrderBody([PRODUCTS.novel, PRODUCTS.socks]));

    const problem = expectProblem(res, 409, 'INSUFFICIENT_STOCK', [
      'product_id',
      'requested',
      'available',
    ]);
    expect(problem).toEqual(
      expect.objectContaining({ product_id: PRODUCTS.socks, requested: 1, available: 0 }),
    );
    expect(inventory.requests).toEqual([]);
    expect(await countRows(t)).toEqual(before);
  });

  it('refuses more than the product’s stock field holds', async () => {
    const few = products.add({ price: 10, stock: 3 });
    // The Inventory Service would have plenty, but it is not configured.
    inventory.setStock(few._id, 100);

    const res = await t.http
      .post(ORDERS)
      .set(customer.auth)
      .send(validOrderBody([{ product_id: few._id, quantity: 4 }]));

    const problem = expectProblem(res, 409, 'INSUFFICIENT_STOCK', [
      'product_id',
      'requested',
      'available',
    ]);
    expect(problem).toEqual(
      expect.objectContaining({ product_id: few._id, requested: 4, available: 3 }),
    );
    expect(inventory.requests).toEqual([]);
  });

  it('takes an order in stock without any reservation', async () => {
    const res = await t.http
      .post(ORDERS)
      .set(customer.auth)
      .send(validOrderBody([{ product_id: PRODUCTS.novel, quantity: 2 }]));

    expectStatus(res, 201);
    const order = res.body as OrderJson;
    expect(order.items.map((i) => i.reservation_id)).toEqual([null]);
    expect((await itemRows(t, order.id)).map((i) => i.reservation_id)).toEqual([null]);
    expect(await orderRow(t, order.id)).toBeDefined();
    expect(inventory.requests).toEqual([]);
  });
});
