import { createTestApp, TestApp } from './utils/app';
import {
  createOrder,
  expectStatus,
  mustOrderRow,
  NO_RATE_LIMITS,
  OrderJson,
  ORDERS,
  patchStatus,
  PRODUCTS,
  validOrderBody,
} from './utils/orders';
import { cents, deliver, eventRows, paymentEvent, WEBHOOK_SECRET } from './utils/payments';
import { expectProblem } from './utils/problem';
import { makeUser } from './utils/tokens';

/*
 * Refunds line by line: amounts computed by the service in cents, never more than was captured
 * (even when requests race), settled by the Payment Service through the webhook.
 */

jest.setTimeout(60_000);

interface RefundJson {
  id: string;
  order_id: string;
  status: string;
  amount: number;
  currency: string;
  subtotal: number;
  tax: number;
  discount: number;
  shipping_cost: number;
  lines: { item_id: string; quantity: number; unit_price: number; subtotal: number }[];
  reason?: string | null;
}

/** The tax refunded in all once merchandise worth `m` cents is refunded (half-up). */
const taxFor = (tax: number, m: number, subtotal: number): number =>
  Math.floor((2 * tax * m + subtotal) / (2 * subtotal));

describe('refunds', () => {
  let t: TestApp;
  const customer = makeUser('customer');
  const other = makeUser('customer');
  const admin = makeUser('admin');

  beforeAll(async () => {
    t = await createTestApp({ PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET, ...NO_RATE_LIMITS });
  });

  afterAll(async () => {
    await t?.close();
  });

  const refundsOf = (id: string) => `${ORDERS}/${id}/refunds`;
  const refund = (id: string, body: Record<string, unknown>, key?: string) => {
    const req = t.http.post(refundsOf(id)).set(admin.auth);
    if (key) req.set('Idempotency-Key', key);
    return req.send(body);
  };
  const itemOf = (order: OrderJson, productId: string) =>
    order.items.find((i) => i.product_id === productId)!;

  /** novel 3 × 16.99, battery 1 × 1.15, t-shirt 2 × 24.50: 101.12, tax 8.09, no shipping. */
  async function paidOrder(
    lines = [
      { product_id: PRODUCTS.novel, quantity: 3 },
      { product_id: PRODUCTS.battery, quantity: 1 },
      { product_id: PRODUCTS.tshirt, quantity: 2 },
    ],
  ): Promise<OrderJson> {
    const order = await createOrder(t, customer, validOrderBody(lines));
    const res = await deliver(t, paymentEvent('payment.captured', order.id, cents(order.total)));
    expect(res.body).toEqual({ received: true, outcome: 'applied' });
    return order;
  }

  it('is refused while the payment is not captured (409)', async () => {
    const order = await createOrder(t, customer);
    const res = await refund(order.id, { lines: [{ item_id: order.items[0].id, quantity: 1 }] });
    expectProblem(res, 409, 'PAYMENT_NOT_CAPTURED', ['payment_status']);
    const [row] = await t.db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM refunds');
    expect(row.n).toBe(0);
  });

  it('partial by lines: price × quantity plus the tax share; customers see it without the reason', async () => {
    const order = await paidOrder();
    expect(cents(order.subtotal)).toBe(10112);
    expect(cents(order.tax)).toBe(809);
    const novel = itemOf(order, PRODUCTS.novel);
    const battery = itemOf(order, PRODUCTS.battery);
    const res = await refund(order.id, {
      lines: [
        { item_id: novel.id, quantity: 1 },
        { item_id: battery.id, quantity: 1 },
      ],
      reason: 'arrived damaged',
    });
    expectStatus(res, 201);
    const merchandise = 1699 + 115;
    const tax = taxFor(809, merchandise, 10112);
    expect(res.headers.location).toBe(refundsOf(order.id));
    expect(res.body).toMatchObject({
      order_id: order.id,
      status: 'pending',
      currency: 'USD',
      subtotal: merchandise / 100,
      tax: tax / 100,
      discount: 0,
      shipping_cost: 0,
      amount: (merchandise + tax) / 100,
      reason: 'arrived damaged',
      lines: [
        { item_id: novel.id, quantity: 1, unit_price: 16.99, subtotal: 16.99 },
        { item_id: battery.id, quantity: 1, unit_price: 1.15, subtotal: 1.15 },
      ],
    });
    const created = res.body as RefundJson;
    const [row] = await t.db.query<{ amount: string; tax: string }[]>(
      'SELECT amount::text, tax::text FROM refunds WHERE id = $1',
      [created.id],
    );
    expect(row).toEqual({ amount: ((merchandise + tax) / 100).toFixed(2), tax: '1.45' });

    const mine = await t.http.get(refundsOf(order.id)).set(customer.auth);
    expectStatus(mine, 200);
    const seen = (mine.body as { refunds: RefundJson[] }).refunds;
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toHaveProperty('reason');
    expect(seen[0]).toMatchObject({ id: created.id, amount: created.amount, status: 'pending' });
    const asAdmin = await t.http.get(refundsOf(order.id)).set(admin.auth);
    expect((asAdmin.body as { refunds: RefundJson[] }).refunds[0].reason).toBe('arrived damaged');
    expectProblem(await t.http.get(refundsOf(order.id)).set(other.auth), 404, 'NOT_FOUND');
    expectProblem(
      await t.http.post(refundsOf(order.id)).set(customer.auth).send({ shipping: true }),
      403,
      'FORBIDDEN',
    );

    // The Payment Service learns of it from the event, which carries cents and no reason.
    const events = await eventRows(t, order.id);
    const requested = events.find((e) => e.kind === 'order.refund_requested')!;
    expect(requested.payload.data.change).toMatchObject({
      refund: {
        refund_id: created.id,
        amount_cents: merchandise + tax,
        currency: 'USD',
        payment_intent_id: `pi_${order.id.slice(0, 8)}`,
      },
    });
    expect(JSON.stringify(requested.payload)).not.toContain('arrived damaged');
  });

  it('every line refunded one unit at a time gives back exactly the tax and the total', async () => {
    const order = await paidOrder();
    const refunds: RefundJson[] = [];
    for (const item of order.items) {
      for (let i = 0; i < item.quantity; i++) {
        const res = await refund(order.id, { lines: [{ item_id: item.id, quantity: 1 }] });
        expectStatus(res, 201);
        refunds.push(res.body as RefundJson);
      }
    }
    expect(refunds.reduce((s, r) => s + cents(r.tax), 0)).toBe(809);
    expect(refunds.reduce((s, r) => s + cents(r.amount), 0)).toBe(cents(order.total));
    const more = await refund(order.id, { lines: [{ item_id: order.items[0].id, quantity: 1 }] });
    expectProblem(more, 422, 'REFUND_QUANTITY_EXCEEDED', ['item_id', 'requested', 'refundable']);

    // The Payment Service reports each one; the payment follows, then the order may be refunded.
    for (const [i, r] of refunds.entries()) {
      const event = paymentEvent('payment.refunded', order.id, cents(r.amount), {
        refund_id: r.id,
      });
      expect((await deliver(t, event)).body).toEqual({ received: true, outcome: 'applied' });
      const expected = i === refunds.length - 1 ? 'refunded' : 'partially_refunded';
      expect((await mustOrderRow(t, order.id)).payment_status).toBe(expected);
    }
    const listed = await t.http.get(refundsOf(order.id)).set(customer.auth);
    expect((listed.body as { refunds: RefundJson[] }).refunds.map((r) => r.status)).toEqual(
      refunds.map(() => 'succeeded'),
    );
    expectStatus(await patchStatus(t, admin, order.id, 'cancelled'), 200);
    expectStatus(await patchStatus(t, admin, order.id, 'refunded'), 200);
  });

  it('shipping comes back when asked, once', async () => {
    const order = await paidOrder([{ product_id: PRODUCTS.battery, quantity: 2 }]);
    expect(order.shipping_cost).toBe(10);
    const res = await refund(order.id, { shipping: true });
    expectStatus(res, 201);
    expect(res.body).toMatchObject({ amount: 10, shipping_cost: 10, subtotal: 0, tax: 0 });
    expectProblem(await refund(order.id, { shipping: true }), 422, 'SHIPPING_ALREADY_REFUNDED');
    const rest = await refund(order.id, { lines: [{ item_id: order.items[0].id, quantity: 2 }] });
    expectStatus(rest, 201);
    expect(cents((res.body as RefundJson).amount) + cents((rest.body as RefundJson).amount)).toBe(
      cents(order.total),
    );
  });

  it('refuses unknown lines, empty refunds and bad bodies', async () => {
    const order = await paidOrder();
    const unknown = await refund(order.id, {
      lines: [{ item_id: '00000000-0000-4000-8000-000000000000', quantity: 1 }],
    });
    expectProblem(unknown, 422, 'REFUND_ITEM_NOT_FOUND', ['item_id']);
    expectProblem(await refund(order.id, {}), 422, 'REFUND_EMPTY');
    expectProblem(
      await refund(order.id, { lines: [{ item_id: order.items[0].id, quantity: 0 }] }),
      400,
      'VALIDATION_FAILED',
      ['errors'],
    );
    expectProblem(await refund(order.id, { amount: 5 }), 400, 'VALIDATION_FAILED', ['errors']);
  });

  it('never more than the captured amount left (a partial capture)', async () => {
    const order = await paidOrder();
    await t.db.query('UPDATE orders SET amount_captured = 20.00 WHERE id = $1', [order.id]);
    const novel = itemOf(order, PRODUCTS.novel);
    const res = await refund(order.id, { lines: [{ item_id: novel.id, quantity: 2 }] });
    expectProblem(res, 422, 'REFUND_EXCEEDS_CAPTURED', ['amount_cents', 'refundable_cents']);
    expectStatus(await refund(order.id, { lines: [{ item_id: novel.id, quantity: 1 }] }), 201);
  });

  it('concurrent refund requests never exceed what is left, by line or by captured amount', async () => {
    const lines = [{ product_id: PRODUCTS.novel, quantity: 10 }];
    const order = await paidOrder(lines);
    const item = order.items[0];
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        refund(order.id, { lines: [{ item_id: item.id, quantity: 2 }] }),
      ),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(5).fill(201), ...Array(5).fill(422)]);
    const total = answers
      .filter((r) => r.status === 201)
      .reduce((s, r) => s + cents((r.body as RefundJson).amount), 0);
    expect(total).toBe(cents(order.total));

    // Capped by money rather than quantities: 70.00 captured, 18.35 a unit.
    const capped = await paidOrder(lines);
    await t.db.query('UPDATE orders SET amount_captured = 70.00 WHERE id = $1', [capped.id]);
    const raced = await Promise.all(
      Array.from({ length: 10 }, () =>
        refund(capped.id, { lines: [{ item_id: capped.items[0].id, quantity: 1 }] }),
      ),
    );
    expect(raced.filter((r) => r.status === 201)).toHaveLength(3);
    for (const r of raced.filter((x) => x.status !== 201)) {
      expectProblem(r, 422, 'REFUND_EXCEEDS_CAPTURED', ['amount_cents', 'refundable_cents']);
    }
    const [sum] = await t.db.query<{ total: string }[]>(
      'SELECT sum(amount)::text AS total FROM refunds WHERE order_id = $1',
      [capped.id],
    );
    expect(Number(sum.total)).toBeLessThanOrEqual(70);
  });

  it('an Idempotency-Key replays the first refund instead of making another', async () => {
    const order = await paidOrder();
    const body = { lines: [{ item_id: order.items[0].id, quantity: 1 }] };
    const first = await refund(order.id, body, 'refund-key-1');
    expectStatus(first, 201);
    const again = await refund(order.id, body, 'refund-key-1');
    expectStatus(again, 201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const rows = await t.db.query('SELECT id FROM refunds WHERE order_id = $1', [order.id]);
    expect(rows).toHaveLength(1);
    expectProblem(
      await refund(order.id, { shipping: true }, 'refund-key-1'),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
  });

  it('a failed refund gives its lines back; unknown or mismatched refunds flag the order', async () => {
    const order = await paidOrder();
    const item = order.items[0];
    const res = await refund(order.id, { lines: [{ item_id: item.id, quantity: item.quantity }] });
    const created = res.body as RefundJson;
    const failed = paymentEvent('payment.failed', order.id, cents(created.amount), {
      refund_id: created.id,
    });
    expect((await deliver(t, failed)).body).toEqual({ received: true, outcome: 'applied' });
    const row = await mustOrderRow(t, order.id);
    expect(row.payment_status).toBe('completed');
    const again = await refund(order.id, {
      lines: [{ item_id: item.id, quantity: item.quantity }],
    });
    expectStatus(again, 201);
    const second = again.body as RefundJson;

    // Settled already: a late success of the failed one changes nothing.
    const late = paymentEvent('payment.refunded', order.id, cents(created.amount), {
      refund_id: created.id,
    });
    expect((await deliver(t, late)).body).toEqual({
      received: true,
      outcome: 'ignored:refund_settled',
    });
    const wrong = paymentEvent('payment.refunded', order.id, cents(second.amount) + 1, {
      refund_id: second.id,
    });
    expect((await deliver(t, wrong)).body).toEqual({
      received: true,
      outcome: 'flagged:amount_mismatch',
    });
    const unknown = paymentEvent('payment.refunded', order.id, 500, { refund_id: 're_elsewhere' });
    expect((await deliver(t, unknown)).body).toEqual({
      received: true,
      outcome: 'flagged:unknown_refund',
    });
    const got = await t.http.get(`${ORDERS}/${order.id}`).set(admin.auth);
    expect(got.body).toMatchObject({
      payment_status: 'completed',
      flags: [{ code: 'payment_mismatch', details: { why: 'unknown_refund' } }],
    });
    const statuses = await t.db.query<{ status: string }[]>(
      'SELECT status::text FROM refunds WHERE order_id = $1 ORDER BY created_at',
      [order.id],
    );
    expect(statuses.map((s) => s.status)).toEqual(['failed', 'pending']);
  });
});
