import { FakeInventoryService } from './fakes/inventory-service';
import { FakeProductService } from './fakes/product-service';
import { OrdersRepository } from '../src/orders/orders.repository';
import { PaymentExpiryService } from '../src/payments/payment-expiry.service';
import { createTestApp, TestApp } from './utils/app';
import {
  createOrder,
  mustOrderRow,
  NO_RATE_LIMITS,
  OrderJson,
  PRODUCTS,
  validOrderBody,
} from './utils/orders';
import { stockSettled } from './utils/outbox';
import { cents, deliver, eventRows, paymentEvent, WEBHOOK_SECRET } from './utils/payments';
import { makeUser } from './utils/tokens';

/*
 * Unpaid orders expire after ORDER_PAYMENT_TIMEOUT_MINUTES: cancelled by the service, holds
 * released, event written; an order paid in the meantime never is.
 */

jest.setTimeout(60_000);

const TIMEOUT_MINUTES = 30;

describe('expiry of unpaid orders', () => {
  let products: FakeProductService;
  let inventory: FakeInventoryService;
  let t: TestApp;
  let expiry: PaymentExpiryService;
  const customer = makeUser('customer');

  beforeAll(async () => {
    products = await FakeProductService.start();
    inventory = await FakeInventoryService.start();
    t = await createTestApp({
      PRODUCT_SERVICE_URL: products.url,
      INVENTORY_SERVICE_URL: inventory.url,
      PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ORDER_PAYMENT_TIMEOUT_MINUTES: String(TIMEOUT_MINUTES),
      ...NO_RATE_LIMITS,
    });
    expiry = t.app.get(PaymentExpiryService);
  });

  afterAll(async () => {
    await t?.close();
    await inventory?.close();
    await products?.close();
  });

  /** An order placed `minutes` ago. */
  async function orderFrom(minutes: number): Promise<OrderJson> {
    const order = await createOrder(t, customer, validOrderBody([PRODUCTS.novel]));
    await t.db.query(
      `UPDATE orders SET created_at = now() - make_interval(mins => $2) WHERE id = $1`,
      [order.id, minutes],
    );
    return order;
  }

  const holdsOf = (orderId: string) =>
    [...inventory.reservations.values()].filter((r) => r.orderId === orderId);

  it('cancels a pending order unpaid for longer, as system, and releases its holds', async () => {
    const old = await orderFrom(TIMEOUT_MINUTES + 1);
    const young = await orderFrom(TIMEOUT_MINUTES - 1);
    const authorizedOnly = await orderFrom(TIMEOUT_MINUTES + 5);
    await deliver(t, paymentEvent('payment.authorized', authorizedOnly.id, 1000));

    expect(await expiry.expireUnpaid()).toBe(2);

    const row = await mustOrderRow(t, old.id);
    expect(row).toMatchObject({ status: 'cancelled', cancellation_reason: 'payment_timeout' });
    expect((await mustOrderRow(t, authorizedOnly.id)).status).toBe('cancelled');
    expect((await mustOrderRow(t, young.id)).status).toBe('pending');
    const [entry] = await t.db.query<{ actor_role: string; reason: string }[]>(
      `SELECT actor_role, reason FROM order_events WHERE order_id = $1
         AND type = 'status_changed'`,
      [old.id],
    );
    expect(entry).toEqual({ actor_role: 'system', reason: 'payment_timeout' });
    const events = await eventRows(t, old.id);
    expect(events.map((e) => e.kind)).toEqual(['order.created', 'order.status_changed']);
    expect(events[1].payload.data.change).toMatchObject({
      to: 'cancelled',
      reason: 'payment_timeout',
    });
    await stockSettled(t.db, old.id);
    expect(holdsOf(old.id).map((h) => h.status)).toEqual(['CANCELLED']);
    expect(holdsOf(young.id).map((h) => h.status)).toEqual(['ACTIVE']);

    // A second run (another replica) finds nothing left to do.
    expect(await expiry.expireUnpaid()).toBe(0);
  });

  it('never cancels an order paid just before the job ran', async () => {
    const order = await orderFrom(TIMEOUT_MINUTES + 10);
    await deliver(t, paymentEvent('payment.captured', order.id, cents(order.total)));
    expect(await expiry.expireUnpaid()).toBe(0);
    expect(await mustOrderRow(t, order.id)).toMatchObject({
      status: 'confirmed',
      payment_status: 'completed',
    });
  });

  it('an order paid after the job picked it is re-read and left alone', async () => {
    const order = await orderFrom(TIMEOUT_MINUTES + 3);
    const repository = t.app.get(OrdersRepository);
    const pick = repository.unpaidBefore.bind(repository);
    // The payment lands between the job's pick and its change.
    const spy = jest
      .spyOn(repository, 'unpaidBefore')
      .mockImplementationOnce(async (cutoff: Date, limit: number) => {
        const ids = await pick(cutoff, limit);
        expect(ids).toContain(order.id);
        await deliver(t, paymentEvent('payment.captured', order.id, cents(order.total)));
        return ids;
      });
    try {
      expect(await expiry.expireUnpaid()).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(await mustOrderRow(t, order.id)).toMatchObject({
      status: 'confirmed',
      payment_status: 'completed',
    });
  });

  it('racing captures: an order is never cancelled after its payment was captured', async () => {
    const orders: OrderJson[] = [];
    for (let i = 0; i < 12; i++) orders.push(await orderFrom(TIMEOUT_MINUTES + 2));
    await Promise.all([
      expiry.expireUnpaid(),
      expiry.expireUnpaid(),
      ...orders.map((o) => deliver(t, paymentEvent('payment.captured', o.id, cents(o.total)))),
    ]);
    for (const o of orders) {
      const history = await t.db.query<
        { type: string; to_status: string | null; paid: string | null }[]
      >(
        `SELECT type::text AS type, to_status::text, to_payment_status::text AS paid
           FROM order_events WHERE order_id = $1 ORDER BY id`,
        [o.id],
      );
      const row = await mustOrderRow(t, o.id);
      const cancelledAt = history.findIndex((h) => h.to_status === 'cancelled');
      const paidAt = history.findIndex((h) => h.paid === 'completed' && h.type !== 'created');
      expect(paidAt).toBeGreaterThan(-1);
      if (row.status === 'cancelled') {
        // Cancelled first; the capture that came after is flagged for a refund.
        expect(cancelledAt).toBeLessThan(paidAt);
        expect(history.filter((h) => h.to_status === 'cancelled')).toHaveLength(1);
      } else {
        expect(row.status).toBe('confirmed');
        expect(cancelledAt).toBe(-1);
      }
    }
  });
});

describe('without ORDER_PAYMENT_TIMEOUT_MINUTES', () => {
  it('never expires an order', async () => {
    const t = await createTestApp({ ORDER_PAYMENT_TIMEOUT_MINUTES: undefined });
    try {
      const order = await createOrder(t, makeUser('customer'));
      await t.db.query(`UPDATE orders SET created_at = now() - interval '400 days' WHERE id = $1`, [
        order.id,
      ]);
      expect(await t.app.get(PaymentExpiryService).expireUnpaid()).toBe(0);
      expect((await mustOrderRow(t, order.id)).status).toBe('pending');
    } finally {
      await t.close();
    }
  });
});
