import { randomUUID } from 'node:crypto';
import { FakeInventoryService } from './fakes/inventory-service';
import { FakeProductService } from './fakes/product-service';
import { createTestApp, TestApp } from './utils/app';
import {
  createOrder,
  expectStatus,
  mustOrderRow,
  NO_RATE_LIMITS,
  OrderJson,
  OrderListJson,
  ORDERS,
  PRODUCTS,
  validOrderBody,
} from './utils/orders';
import { stockSettled } from './utils/outbox';
import {
  cents,
  deliver,
  eventRows,
  historyTypes,
  nowSeconds,
  OLD_WEBHOOK_SECRET,
  paymentEvent,
  paymentEventRows,
  postRaw,
  signature,
  signatureHeader,
  WEBHOOK,
  WEBHOOK_SECRET,
} from './utils/payments';
import { expectProblem } from './utils/problem';
import { makeUser } from './utils/tokens';

/*
 * The Payment Service's signed webhook: who may call it, exactly-once effects, events arriving
 * out of order, and paid orders confirming themselves through the order process.
 */

jest.setTimeout(60_000);

describe('payment webhook', () => {
  let products: FakeProductService;
  let inventory: FakeInventoryService;
  let t: TestApp;
  const customer = makeUser('customer');
  const admin = makeUser('admin');

  beforeAll(async () => {
    products = await FakeProductService.start();
    inventory = await FakeInventoryService.start();
    t = await createTestApp({
      PRODUCT_SERVICE_URL: products.url,
      INVENTORY_SERVICE_URL: inventory.url,
      // Two secrets: the sender is rotating from the old one to the new one.
      PAYMENT_WEBHOOK_SECRET: `${WEBHOOK_SECRET}, ${OLD_WEBHOOK_SECRET}`,
      ...NO_RATE_LIMITS,
    });
  });

  afterAll(async () => {
    await t?.close();
    await inventory?.close();
    await products?.close();
  });

  const newOrder = (): Promise<OrderJson> =>
    createOrder(t, customer, validOrderBody([{ product_id: PRODUCTS.novel, quantity: 2 }]));

  /** What must not move when a delivery is refused. */
  async function unchanged(order: OrderJson) {
    const row = await mustOrderRow(t, order.id);
    expect({ version: row.version, payment: row.payment_status, status: row.status }).toEqual({
      version: order.version,
      payment: 'pending',
      status: 'pending',
    });
    expect(await paymentEventRows(t, order.id)).toEqual([]);
  }

  describe('signature', () => {
    let order: OrderJson;
    let raw: string;
    beforeAll(async () => {
      order = await newOrder();
      raw = JSON.stringify(paymentEvent('payment.captured', order.id, cents(order.total)));
    });

    it.each([
      ['no header', null],
      ['an empty header', ''],
      ['no v1', `t=${nowSeconds()}`],
      ['no t', `v1=${'a'.repeat(64)}`],
      ['a t that is not a number', `t=soon,v1=${'a'.repeat(64)}`],
      ['a v1 that is not hex', `t=${nowSeconds()},v1=zz`],
      ['garbage', 'sha256=abc'],
    ])('%s → 401 INVALID_SIGNATURE, nothing changes', async (_name, header) => {
      const res = await postRaw(t, raw, header);
      expectProblem(res, 401, 'INVALID_SIGNATURE');
      await unchanged(order);
    });

    it('a wrong secret → 401 INVALID_SIGNATURE', async () => {
      const res = await postRaw(t, raw, signatureHeader(raw, 'whsec_someone_else_0123456789'));
      expectProblem(res, 401, 'INVALID_SIGNATURE');
      await unchanged(order);
    });

    it('a tampered body (signature of another body) → 401 INVALID_SIGNATURE', async () => {
      const tampered = raw.replace(`"amount":${cents(order.total)}`, '"amount":1');
      expect(tampered).not.toBe(raw);
      const res = await postRaw(t, tampered, signatureHeader(raw));
      expectProblem(res, 401, 'INVALID_SIGNATURE');
      await unchanged(order);
    });

    it('the same body replayed with an old t → 401 SIGNATURE_EXPIRED', async () => {
      const old = nowSeconds() - 301;
      const res = await postRaw(t, raw, signatureHeader(raw, WEBHOOK_SECRET, old));
      expectProblem(res, 401, 'SIGNATURE_EXPIRED');
      // A t from the future is no better.
      const ahead = await postRaw(t, raw, signatureHeader(raw, WEBHOOK_SECRET, nowSeconds() + 301));
      expectProblem(ahead, 401, 'SIGNATURE_EXPIRED');
      // Moving t forward breaks the signature instead.
      const moved = `t=${nowSeconds()},v1=${signature(WEBHOOK_SECRET, old, raw)}`;
      expectProblem(await postRaw(t, raw, moved), 401, 'INVALID_SIGNATURE');
      await unchanged(order);
    });

    it('checks the raw bytes: odd spacing signed as sent is accepted', async () => {
      const o = await newOrder();
      const event = paymentEvent('payment.authorized', o.id, cents(o.total));
      const spaced = JSON.stringify(event, null, 3);
      const res = await postRaw(t, spaced, signatureHeader(spaced));
      expectStatus(res, 200);
      expect(res.body).toEqual({ received: true, outcome: 'applied' });
    });

    it('a secret being rotated out is still accepted, and so is a header with both v1', async () => {
      const o = await newOrder();
      const first = JSON.stringify(paymentEvent('payment.authorized', o.id, cents(o.total)));
      expectStatus(await postRaw(t, first, signatureHeader(first, OLD_WEBHOOK_SECRET)), 200);
      const second = JSON.stringify(paymentEvent('payment.captured', o.id, cents(o.total)));
      const ts = nowSeconds();
      const both = `t=${ts},v1=${signature('whsec_unknown_0123456789abcdef', ts, second)},v1=${signature(WEBHOOK_SECRET, ts, second)}`;
      expectStatus(await postRaw(t, second, both), 200);
      expect((await mustOrderRow(t, o.id)).payment_status).toBe('completed');
    });
  });

  it('without PAYMENT_WEBHOOK_SECRET the webhook does not exist (404)', async () => {
    const off = await createTestApp({ PAYMENT_WEBHOOK_SECRET: undefined });
    try {
      const raw = JSON.stringify(paymentEvent('payment.captured', randomUUID(), 100));
      const res = await postRaw(off, raw, signatureHeader(raw));
      expectProblem(res, 404, 'NOT_FOUND');
    } finally {
      await off.close();
    }
  });

  it('a body that breaks the contract → 400, nothing stored', async () => {
    const order = await newOrder();
    const event = paymentEvent('payment.captured', order.id, cents(order.total));
    for (const bad of [
      { ...event, data: { ...event.data, amount: 10.5 } },
      { ...event, data: { ...event.data, currency: 'usd' } },
      { ...event, data: { ...event.data, order_id: 'not-a-uuid' } },
      { ...event, id: undefined },
    ]) {
      const res = await deliver(t, bad as typeof event);
      expectProblem(res, 400, 'VALIDATION_FAILED', ['errors']);
    }
    await unchanged(order);
  });

  it('an unknown order → 404, nothing stored', async () => {
    const event = paymentEvent('payment.captured', randomUUID(), 100);
    expectProblem(await deliver(t, event), 404, 'NOT_FOUND');
    const [row] = await t.db.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM payment_events WHERE id = $1',
      [event.id],
    );
    expect(row.n).toBe(0);
  });

  it('an unknown type → 200, recorded, ignored', async () => {
    const order = await newOrder();
    const event = paymentEvent('payment.disputed', order.id, cents(order.total));
    const res = await deliver(t, event);
    expectStatus(res, 200);
    expect(res.body).toEqual({ received: true, outcome: 'ignored:unknown_type' });
    expect(await paymentEventRows(t, order.id)).toEqual([
      { id: event.id, type: 'payment.disputed', outcome: 'ignored:unknown_type' },
    ]);
    expect((await mustOrderRow(t, order.id)).version).toBe(order.version);
  });

  it('capture of the exact total confirms the order as system; holds and events follow', async () => {
    const order = await newOrder();
    const res = await deliver(t, paymentEvent('payment.captured', order.id, cents(order.total)));
    expectStatus(res, 200);
    expect(res.body).toEqual({ received: true, outcome: 'applied' });

    const row = await mustOrderRow(t, order.id);
    expect(row).toMatchObject({
      status: 'confirmed',
      payment_status: 'completed',
      payment_intent_id: `pi_${order.id.slice(0, 8)}`,
      amount_captured: order.total.toFixed(2),
    });
    const history = await t.db.query<{ type: string; actor_role: string }[]>(
      'SELECT type::text AS type, actor_role FROM order_events WHERE order_id = $1 ORDER BY id',
      [order.id],
    );
    expect(history).toEqual([
      { type: 'created', actor_role: 'customer' },
      { type: 'status_changed', actor_role: 'system' },
      { type: 'payment_status_changed', actor_role: 'system' },
    ]);
    const events = await eventRows(t, order.id);
    expect(events.map((e) => [e.kind, e.payload.sequence])).toEqual([
      ['order.created', 1],
      ['order.status_changed', 2],
      ['order.payment_status_changed', 3],
    ]);
    expect(events[1].payload.data.change).toMatchObject({
      from: 'pending',
      to: 'confirmed',
      reason: 'payment_captured',
      actor_id: 'system',
      actor_role: 'system',
    });
    expect(events[2].payload.data.change).toMatchObject({ from: 'pending', to: 'completed' });

    await stockSettled(t.db, order.id);
    const holds = [...inventory.reservations.values()].filter((r) => r.orderId === order.id);
    expect(holds.map((h) => h.status)).toEqual(['CONFIRMED']);
  });

  it('a repeated delivery → 200 duplicate, one effect', async () => {
    const order = await newOrder();
    const event = paymentEvent('payment.captured', order.id, cents(order.total));
    expect((await deliver(t, event)).body).toEqual({ received: true, outcome: 'applied' });
    const after = await mustOrderRow(t, order.id);
    const again = await deliver(t, event);
    expectStatus(again, 200);
    expect(again.body).toEqual({ received: true, outcome: 'duplicate' });
    expect((await mustOrderRow(t, order.id)).version).toBe(after.version);
    expect(await eventRows(t, order.id)).toHaveLength(3);
  });

  it('ten concurrent deliveries of one event → one effect', async () => {
    const order = await newOrder();
    const event = paymentEvent('payment.captured', order.id, cents(order.total));
    const answers = await Promise.all(Array.from({ length: 10 }, () => deliver(t, event)));
    for (const res of answers) expectStatus(res, 200);
    const outcomes = answers.map((r) => (r.body as { outcome: string }).outcome).sort();
    expect(outcomes).toEqual(['applied', ...Array(9).fill('duplicate')]);
    expect(await historyTypes(t, order.id)).toEqual([
      'created',
      'status_changed',
      'payment_status_changed',
    ]);
    expect((await eventRows(t, order.id)).map((e) => e.kind)).toEqual([
      'order.created',
      'order.status_changed',
      'order.payment_status_changed',
    ]);
    expect(await paymentEventRows(t, order.id)).toHaveLength(1);
  });

  it('events older than what the order knows change nothing but the history', async () => {
    const order = await newOrder();
    const amount = cents(order.total);
    const authorized = paymentEvent('payment.authorized', order.id, amount);
    const captured = paymentEvent('payment.captured', order.id, amount);
    const failed = paymentEvent('payment.failed', order.id, amount);
    // Delivered captured first, then the authorization and a failure that happened before it.
    expectStatus(await deliver(t, captured), 200);
    const paid = await mustOrderRow(t, order.id);
    for (const late of [authorized, failed]) {
      const res = await deliver(t, late);
      expectStatus(res, 200);
      expect(res.body).toEqual({ received: true, outcome: 'ignored:out_of_order' });
    }
    const row = await mustOrderRow(t, order.id);
    expect({ status: row.status, payment: row.payment_status, version: row.version }).toEqual({
      status: 'confirmed',
      payment: 'completed',
      version: paid.version,
    });
    expect((await historyTypes(t, order.id)).slice(-2)).toEqual([
      'payment_event_ignored',
      'payment_event_ignored',
    ]);
    expect(await eventRows(t, order.id)).toHaveLength(3);
  });

  it('authorized, failed, authorized again, captured: the first payment id stays', async () => {
    const order = await newOrder();
    const amount = cents(order.total);
    const steps: [string, string][] = [
      ['payment.authorized', 'authorized'],
      ['payment.failed', 'failed'],
      ['payment.authorized', 'authorized'],
      ['payment.captured', 'completed'],
    ];
    for (const [i, [type, expected]] of steps.entries()) {
      const event = paymentEvent(type, order.id, amount, { payment_intent_id: `pi_try_${i}` });
      expect((await deliver(t, event)).body).toEqual({ received: true, outcome: 'applied' });
      expect((await mustOrderRow(t, order.id)).payment_status).toBe(expected);
    }
    expect((await mustOrderRow(t, order.id)).payment_intent_id).toBe('pi_try_0');
  });

  it.each([
    ['a smaller amount', (total: number) => ({ amount: total - 1 })],
    ['another currency', () => ({ currency: 'EUR' })],
  ])('capture of %s → only history and a flag admins can filter on', async (_name, change) => {
    const order = await newOrder();
    const event = paymentEvent('payment.captured', order.id, cents(order.total), {
      ...change(cents(order.total)),
    });
    const res = await deliver(t, event);
    expectStatus(res, 200);
    expect(res.body).toEqual({ received: true, outcome: 'flagged:amount_mismatch' });

    const got = await t.http.get(`${ORDERS}/${order.id}`).set(admin.auth);
    expect(got.body).toMatchObject({
      status: 'pending',
      payment_status: 'pending',
      payment_intent_id: null,
      flags: [
        {
          code: 'payment_mismatch',
          details: {
            event_id: event.id,
            why: 'amount_mismatch',
            amount: event.data.amount,
            currency: event.data.currency,
          },
        },
      ],
    });
    const flagged = await t.http.get(`${ORDERS}/all?flagged=true&limit=100`).set(admin.auth);
    expect((flagged.body as OrderListJson).orders.map((o) => o.id)).toContain(order.id);
    expect((await historyTypes(t, order.id)).slice(-1)).toEqual(['payment_flagged']);
    expect((await eventRows(t, order.id)).map((e) => e.kind)).toEqual([
      'order.created',
      'order.payment_flagged',
    ]);
  });

  it('a capture after the order was cancelled takes the money and flags the order', async () => {
    const order = await newOrder();
    expectStatus(await t.http.delete(`${ORDERS}/${order.id}/cancel`).set(customer.auth), 200);
    const res = await deliver(t, paymentEvent('payment.captured', order.id, cents(order.total)));
    expect(res.body).toEqual({ received: true, outcome: 'flagged:captured_after_cancellation' });
    const row = await mustOrderRow(t, order.id);
    expect(row).toMatchObject({ status: 'cancelled', payment_status: 'completed' });
    expect((row as unknown as { flags: { code: string }[] }).flags.map((f) => f.code)).toEqual([
      'payment_mismatch',
    ]);
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = await t.http.get('/docs-json');
    const paths = (doc.body as { paths: Record<string, Record<string, unknown>> }).paths;
    expect(Object.keys(paths[WEBHOOK])).toEqual(['post']);
    expect(Object.keys(paths['/api/orders/{id}/refunds']).sort()).toEqual(['get', 'post']);
  });
});
