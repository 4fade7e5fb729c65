import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { IdempotencyService, requestHash } from '../src/idempotency/idempotency.service';
import type { ProductDocument } from '../src/product-client/product-document';
import { useOrderService } from './utils/fixture';
import { countRows, expectStatus, itemRows, OrderJson, validOrderBody } from './utils/orders';
import { expectProblem } from './utils/problem';
import {
  backdateKey,
  countEvents,
  etag,
  inFlight,
  keyRows,
  ordersOf,
  utf8Bytes,
  waitUntil,
} from './utils/safety';
import { makeUser, TestUser } from './utils/tokens';

const REPLAYED = 'idempotent-replayed';

describe('Idempotency-Key on POST /api/orders', () => {
  const t = useOrderService({ product: true });
  const fake = t.products;

  /** A product of this test alone, so stock and price changes do not leak between tests. */
  const product = (fields: Partial<ProductDocument> = {}): ProductDocument =>
    fake.add({ price: 20, stock: 50, ...fields });

  const body = (p: ProductDocument, quantity = 1) =>
    validOrderBody([{ product_id: p._id, quantity }]);

  const post = (user: TestUser, payload: Record<string, unknown>, key?: string) =>
    t.orders.create(user, payload, { idempotencyKey: key });

  /** A first, non-replayed 201 and its stored key. */
  async function expectFirst(res: Response, user: TestUser, key: string): Promise<OrderJson> {
    expectStatus(res, 201);
    expect(res.headers[REPLAYED]).toBeUndefined();
    const order = res.body as OrderJson;
    expect(order.user_id).toBe(user.userId);
    expect(res.headers.etag).toBe(etag(order.version));
    const [row, ...others] = await keyRows(t, user.userId, key);
    expect(others).toEqual([]);
    expect(row).toMatchObject({
      user_id: user.userId,
      key,
      request_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      response_status: 201,
    });
    expect(row.response_body).toEqual(res.body);
    return order;
  }

  /** A replay: 201, marked, byte for byte the first answer. */
  function expectReplay(res: Response, first: Response): void {
    expectStatus(res, 201);
    expect(res.headers[REPLAYED]).toBe('true');
    expect(res.text).toBe(first.text);
    expect(res.body).toEqual(first.body);
    expect(res.headers.etag).toBe(first.headers.etag);
  }

  async function expectNothingStored(user: TestUser): Promise<void> {
    expect(await keyRows(t, user.userId)).toEqual([]);
    expect(await ordersOf(t, user.userId)).toEqual([]);
  }

  it('replays the first response for the same key and body and creates nothing, even after a price change', async () => {
    const customer = makeUser();
    const p = product({ price: 20 });
    const key = randomUUID();
    const before = await countRows(t);
    const eventsBefore = await countEvents(t);

    const first = await post(customer, body(p, 2), key);
    const order = await expectFirst(first, customer, key);
    expect(order.items).toHaveLength(1);
    expect(order.items[0]).toMatchObject({ unit_price: 20, quantity: 2, subtotal: 40 });

    // The catalogue moves on; the stored answer must not.
    fake.add({ ...p, price: 35 });
    const lookups = fake.requestsFor(p._id);

    const second = await post(customer, body(p, 2), key);
    expectReplay(second, first);
    expect((second.body as OrderJson).items[0].unit_price).toBe(20);

    // The same JSON with its members in another order is the same request.
    const reordered = {
      shipping_address: body(p, 2).shipping_address,
      items: [{ quantity: 2, product_id: p._id }],
    };
    const third = await post(customer, reordered, key);
    expectReplay(third, first);

    // A replay needs nothing from the neighbours: it works while the Product Service is down.
    await fake.down();
    expectReplay(await post(customer, body(p, 2), key), first);
    await fake.up();

    // Exactly one order, with its one item and its one creation event.
    expect(await countRows(t)).toEqual({ orders: before.orders + 1, items: before.items + 1 });
    expect(await ordersOf(t, customer.userId)).toEqual([
      { id: order.id, order_number: order.order_number, status: 'pending', version: 1, items: 1 },
    ]);
    const items = await itemRows(t, order.id);
    expect(items.map((i) => [i.product_id, i.unit_price, i.quantity])).toEqual([
      [p._id, '20.00', 2],
    ]);
    expect(await countEvents(t)).toBe(eventsBefore + 1);
    expect(fake.requestsFor(p._id)).toBe(lookups);

    // A request without a key is a new order, as before.
    const fresh = await post(customer, body(p, 2));
    expectStatus(fresh, 201);
    expect((fresh.body as OrderJson).id).not.toBe(order.id);
    expect((fresh.body as OrderJson).items[0].unit_price).toBe(35);
    expect(await ordersOf(t, customer.userId)).toHaveLength(2);
  });

  it('lets 20 concurrent requests with one key create exactly one order', async () => {
    const customer = makeUser();
    const p = product();
    const key = randomUUID();
    const payload = body(p, 3);
    fake.latencyMs = 150;

    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post(customer, payload, key)),
    );

    const firsts = answers.filter((r) => r.status === 201 && r.headers[REPLAYED] === undefined);
    expect(firsts).toHaveLength(1);
    const [first] = firsts;
    const order = await expectFirst(first, customer, key);
    for (const res of answers) {
      if (res === first) continue;
      if (res.status === 201) {
        expectReplay(res, first);
      } else {
        expectProblem(res, 409, 'IDEMPOTENCY_KEY_IN_USE');
        expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      }
    }

    expect(await ordersOf(t, customer.userId)).toEqual([
      { id: order.id, order_number: order.order_number, status: 'pending', version: 1, items: 1 },
    ]);
    expect(await countEvents(t, order.id)).toBe(1);

    // Once it is settled, every retry is the replay.
    fake.latencyMs = 0;
    expectReplay(await post(customer, payload, key), first);
    expect(await ordersOf(t, customer.userId)).toHaveLength(1);
  });

  it('answers 409 IDEMPOTENCY_KEY_IN_USE with Retry-After while the first request is in flight', async () => {
    const customer = makeUser();
    const p = product();
    const key = randomUUID();
    fake.latencyMs = 500;

    const pending = inFlight(post(customer, body(p), key));
    // The first request has claimed its key once it asks the Product Service.
    await waitUntil(() => fake.requestsFor(p._id) >= 1, 'the first request reaches the fake');

    const second = await post(customer, body(p), key);
    expectProblem(second, 409, 'IDEMPOTENCY_KEY_IN_USE');
    expect(second.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(second.headers[REPLAYED]).toBeUndefined();
    const [claim] = await keyRows(t, customer.userId, key);
    expect(claim).toMatchObject({ response_status: null, response_body: null });
    expect(await ordersOf(t, customer.userId)).toEqual([]);

    const first = await pending;
    const order = await expectFirst(first, customer, key);
    expect(fake.requestsFor(p._id)).toBe(1);

    fake.latencyMs = 0;
    expectReplay(await post(customer, body(p), key), first);
    expect((await ordersOf(t, customer.userId)).map((o) => o.id)).toEqual([order.id]);
  });

  it('refuses the same key with a different body: 422 IDEMPOTENCY_KEY_REUSED, nothing changed', async () => {
    const customer = makeUser();
    const p = product();
    const other = product();
    const key = randomUUID();

    const first = await post(customer, body(p, 1), key);
    const order = await expectFirst(first, customer, key);
    const [stored] = await keyRows(t, customer.userId, key);

    for (const changed of [
      body(p, 2),
      body(other, 1),
      validOrderBody([{ product_id: p._id, quantity: 1 }], { customer_notes: 'Leave at door' }),
    ]) {
      const res = await post(customer, changed, key);
      expectProblem(res, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(res.headers[REPLAYED]).toBeUndefined();
    }

    expect(await keyRows(t, customer.userId, key)).toEqual([stored]);
    expect((await ordersOf(t, customer.userId)).map((o) => o.id)).toEqual([order.id]);
    // The original request still replays.
    expectReplay(await post(customer, body(p, 1), key), first);
  });

  it('scopes keys to the caller: two users with the same key get two orders', async () => {
    const alice = makeUser();
    const bob = makeUser();
    const p = product();
    const key = `shared-${randomUUID()}`;

    const a = await post(alice, body(p), key);
    const aliceOrder = await expectFirst(a, alice, key);
    const b = await post(bob, body(p), key);
    const bobOrder = await expectFirst(b, bob, key);
    expect(bobOrder.id).not.toBe(aliceOrder.id);
    expect(bobOrder.user_id).toBe(bob.userId);

    // A third caller may even use it with another body: the key is hers alone.
    const carol = makeUser();
    await expectFirst(await post(carol, body(p, 5), key), carol, key);

    expectReplay(await post(alice, body(p), key), a);
    expectReplay(await post(bob, body(p), key), b);
    expect((await ordersOf(t, alice.userId)).map((o) => o.id)).toEqual([aliceOrder.id]);
    expect((await ordersOf(t, bob.userId)).map((o) => o.id)).toEqual([bobOrder.id]);
    const rows = await t.db.query<{ user_id: string }[]>(
      'SELECT user_id FROM idempotency_keys WHERE key = $1 ORDER BY user_id',
      [key],
    );
    expect(rows.map((r) => r.user_id)).toEqual([alice.userId, bob.userId, carol.userId].sort());
  });

  it('stores nothing for a 400: the corrected request with the same key succeeds', async () => {
    const customer = makeUser();
    const p = product();
    const key = randomUUID();

    // Refused by validation: quantity 0.
    const invalid = await post(customer, body(p, 0), key);
    expectProblem(invalid, 400, 'VALIDATION_FAILED');
    await expectNothingStored(customer);

    // Refused by the service after the key was claimed: 600 + 600 of one product exceeds 1000.
    const tooMany = validOrderBody([
      { product_id: p._id, quantity: 600 },
      { product_id: p._id, quantity: 600 },
    ]);
    const merged = await post(customer, tooMany, key);
    expectProblem(merged, 400, 'VALIDATION_FAILED');
    await expectNothingStored(customer);

    const corrected = await post(customer, body(p, 2), key);
    const order = await expectFirst(corrected, customer, key);
    expect(order.items[0].quantity).toBe(2);
    expectReplay(await post(customer, body(p, 2), key), corrected);
    expect(await ordersOf(t, customer.userId)).toHaveLength(1);
  });

  it('stores nothing for a 409 INSUFFICIENT_STOCK: after a restock the same request succeeds', async () => {
    const customer = makeUser();
    const p = product({ stock: 1 });
    const key = randomUUID();

    const short = await post(customer, body(p, 2), key);
    expectProblem(short, 409, 'INSUFFICIENT_STOCK', ['product_id', 'requested', 'available']);
    await expectNothingStored(customer);

    fake.add({ ...p, stock: 10 });
    const retry = await post(customer, body(p, 2), key);
    await expectFirst(retry, customer, key);
    expect(await ordersOf(t, customer.userId)).toHaveLength(1);
  });

  it('stores nothing when the Product Service is down or failing: the retry succeeds', async () => {
    const customer = makeUser();
    const p = product();
    const key = randomUUID();

    await fake.down();
    const down = await post(customer, body(p), key);
    expect([down.status, down.body.code]).toEqual([503, 'PRODUCT_SERVICE_UNAVAILABLE']);
    await expectNothingStored(customer);
    await fake.up();

    // More failures than the client's retries; cleared before the retry below.
    fake.failNext(500, 50);
    const failing = await post(customer, body(p), key);
    expect([failing.status, failing.body.code]).toEqual([503, 'PRODUCT_SERVICE_UNAVAILABLE']);
    await expectNothingStored(customer);
    fake.reset();

    const retry = await post(customer, body(p), key);
    const order = await expectFirst(retry, customer, key);
    expectReplay(await post(customer, body(p), key), retry);
    expect((await ordersOf(t, customer.userId)).map((o) => o.id)).toEqual([order.id]);

    // The problem documents are checked last so that the checks above run whatever these find.
    expectProblem(failing, 503, 'PRODUCT_SERVICE_UNAVAILABLE');
    expectProblem(down, 503, 'PRODUCT_SERVICE_UNAVAILABLE');
  });

  it('keeps keys for 24 hours; purgeExpired() deletes older ones and keeps the rest', async () => {
    const customer = makeUser();
    const p = product();
    const [oldKey, dayKey, freshKey] = ['old', 'day', 'fresh'].map((k) => `${k}-${randomUUID()}`);
    const answers: Record<string, Response> = {};
    for (const key of [oldKey, dayKey, freshKey]) {
      answers[key] = await post(customer, body(p), key);
      await expectFirst(answers[key], customer, key);
    }
    await backdateKey(t, customer.userId, oldKey, 25);
    await backdateKey(t, customer.userId, dayKey, 23);

    const [{ expired }] = await t.db.query<{ expired: number }[]>(
      `SELECT count(*)::int AS expired FROM idempotency_keys WHERE created_at < now() - interval '24 hours'`,
    );
    expect(expired).toBeGreaterThanOrEqual(1);

    const purged = await t.app.get(IdempotencyService).purgeExpired();
    expect(purged).toBe(expired);
    expect((await keyRows(t, customer.userId)).map((r) => r.key).sort()).toEqual(
      [dayKey, freshKey].sort(),
    );
    const [{ left }] = await t.db.query<{ left: number }[]>(
      `SELECT count(*)::int AS left FROM idempotency_keys WHERE created_at < now() - interval '24 hours'`,
    );
    expect(left).toBe(0);

    // A 23-hour-old key still replays; a purged one is a new request.
    expectReplay(await post(customer, body(p), dayKey), answers[dayKey]);
    expectReplay(await post(customer, body(p), freshKey), answers[freshKey]);
    const reused = await post(customer, body(p), oldKey);
    const order = await expectFirst(reused, customer, oldKey);
    expect(order.id).not.toBe((answers[oldKey].body as OrderJson).id);
    expect(await ordersOf(t, customer.userId)).toHaveLength(4);

    // Nothing left to purge.
    expect(await t.app.get(IdempotencyService).purgeExpired()).toBe(0);
  });

  it('treats an expired key that is not purged yet as new: a new order, then replays of it', async () => {
    const customer = makeUser();
    const p = product();
    const key = randomUUID();
    const otherKey = randomUUID();

    const first = await post(customer, body(p), key);
    const firstOrder = await expectFirst(first, customer, key);
    await backdateKey(t, customer.userId, key, 25);

    const second = await post(customer, body(p), key);
    const secondOrder = await expectFirst(second, customer, key);
    expect(secondOrder.id).not.toBe(firstOrder.id);
    const [row] = await keyRows(t, customer.userId, key);
    expect(Date.now() - row.created_at.getTime()).toBeLessThan(60_000);
    expectReplay(await post(customer, body(p), key), second);

    // An expired key is forgotten with its body: another body is not a reuse either.
    const other = await post(customer, body(p), otherKey);
    await expectFirst(other, customer, otherKey);
    await backdateKey(t, customer.userId, otherKey, 25);
    const changed = await post(customer, body(p, 4), otherKey);
    const changedOrder = await expectFirst(changed, customer, otherKey);
    expect(changedOrder.items[0].quantity).toBe(4);

    expect(await ordersOf(t, customer.userId)).toHaveLength(4);
  });

  it('takes over a claim abandoned by a crashed request, but not one that is in flight', async () => {
    const customer = makeUser();
    const p = product();
    const [abandoned, busy] = [randomUUID(), randomUUID()];
    const hash = requestHash(body(p));
    await t.db.query(
      `INSERT INTO idempotency_keys (user_id, key, request_hash, locked_at, created_at)
       VALUES ($1, $2, $4, now() - interval '1 hour', now() - interval '1 hour'),
              ($1, $3, $4, now(), now())`,
      [customer.userId, abandoned, busy, hash],
    );

    const inUse = await post(customer, body(p), busy);
    expectProblem(inUse, 409, 'IDEMPOTENCY_KEY_IN_USE');
    expect(inUse.headers['retry-after']).toMatch(/^[1-9]\d*$/);

    const recovered = await post(customer, body(p), abandoned);
    await expectFirst(recovered, customer, abandoned);
    expect(await ordersOf(t, customer.userId)).toHaveLength(1);
  });

  describe('invalid keys', () => {
    const invalid: [string, string][] = [
      ['an empty key', ''],
      ['256 characters', 'k'.repeat(256)],
      ['non-ASCII characters', utf8Bytes('ключ')],
      ['a control character', 'abc\tdef'],
    ];

    it.each(invalid)('refuses %s with 400 and creates nothing', async (_what, key) => {
      const customer = makeUser();
      const p = product();
      const res = await post(customer, body(p), key);
      const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(problem.errors).toEqual([{ field: 'Idempotency-Key', detail: expect.any(String) }]);
      await expectNothingStored(customer);
      expect(fake.requestsFor(p._id)).toBe(0);
    });

    it('accepts 1 and 255 printable ASCII characters', async () => {
      const customer = makeUser();
      const p = product();
      const longest = `~${Array.from({ length: 254 }, (_, i) => String.fromCharCode(0x20 + (i % 95))).join('')}`;
      expect(longest).toHaveLength(255);
      for (const key of ['x', longest]) {
        await expectFirst(await post(customer, body(p), key), customer, key);
      }
      expect(await ordersOf(t, customer.userId)).toHaveLength(2);
    });
  });
});
