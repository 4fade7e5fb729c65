import type { Response } from 'supertest';
import { useOrderService } from './utils/fixture';
import {
  adminAllowed,
  createOrder,
  customerAllowed,
  driveTo,
  expectStatus,
  mustOrderRow,
  NO_RATE_LIMITS,
  OrderJson,
  OrderRow,
  ORDERS,
  PAYMENT_STATUSES,
  PAYMENT_TRANSITIONS,
  PaymentStatus,
  patchStatus,
  PRODUCTS,
  putOrder,
  snapshot,
  Status,
  STATUS_TIMESTAMP,
  STATUSES,
  TIMESTAMP_COLUMNS,
  validOrderBody,
} from './utils/orders';
import { expectProblem } from './utils/problem';

const TRANSITION_EXTENSIONS = ['current_status', 'allowed_transitions'];
const PAYMENT_EXTENSIONS = ['current_payment_status', 'allowed_payment_transitions'];

describe('order lifecycle', () => {
  const t = useOrderService({ product: true, env: NO_RATE_LIMITS });
  const { customer, admin } = t;

  const newOrder = () => createOrder(t, customer, validOrderBody([PRODUCTS.novel]));

  /** A fresh order of the customer's, moved by the admin to `status`, and its row. */
  async function orderIn(
    status: Status,
    options: Parameters<typeof driveTo>[4] = {},
  ): Promise<{ order: OrderJson; row: OrderRow }> {
    const created = await newOrder();
    const order = await driveTo(t, admin, created.id, status, options);
    const row = await mustOrderRow(t, created.id);
    expect(row.status).toBe(status);
    return { order, row };
  }

  /** The body's timestamps are the row's. */
  function expectTimestampsMatch(body: OrderJson, row: OrderRow): void {
    for (const column of [...TIMESTAMP_COLUMNS, 'updated_at' as const]) {
      const value = row[column];
      expect([column, body[column] === null ? null : new Date(body[column]).getTime()]).toEqual([
        column,
        value === null ? null : value.getTime(),
      ]);
    }
  }

  /** Checks a successful change of status on the answer and on the row. */
  async function expectMoved(
    res: Response,
    before: OrderRow,
    to: Status,
    viewer: 'customer' | 'admin',
  ): Promise<OrderRow> {
    expectStatus(res, 200);
    const body = res.body as OrderJson;
    expect(body.status).toBe(to);
    expect(body.version).toBe(before.version + 1);
    expect(body.allowed_transitions).toEqual(
      viewer === 'admin' ? adminAllowed(to, body.payment_status) : customerAllowed(to),
    );
    const after = await mustOrderRow(t, before.id);
    expect({ status: after.status, version: after.version }).toEqual({
      status: to,
      version: before.version + 1,
    });
    expect(after.updated_at.getTime()).toBeGreaterThanOrEqual(before.updated_at.getTime());
    expect(after.exact.updated_at).not.toBe(before.exact.updated_at);
    const stamp = STATUS_TIMESTAMP[to];
    for (const column of TIMESTAMP_COLUMNS) {
      if (column === stamp && before[column] === null) {
        expect([column, after[column]]).toEqual([column, expect.any(Date)]);
        expect(after[column]!.getTime()).toBeGreaterThanOrEqual(before.updated_at.getTime());
      } else {
        // Set once: a timestamp already there (or not entered now) never moves.
        expect([column, after.exact[column]]).toEqual([column, before.exact[column]]);
      }
    }
    expectTimestampsMatch(body, after);
    return after;
  }

  /** Checks a 409 INVALID_TRANSITION and that the row did not move at all. */
  async function expectRefused(
    res: Response,
    before: OrderRow,
    allowed: (Status | 'on_hold')[],
  ): Promise<void> {
    const problem = expectProblem(res, 409, 'INVALID_TRANSITION', TRANSITION_EXTENSIONS);
    expect(problem.current_status).toBe(before.status);
    expect(problem.allowed_transitions).toEqual(allowed);
    expect(snapshot(await mustOrderRow(t, before.id))).toEqual(snapshot(before));
  }

  describe('the full transition table, as admin via PATCH /status', () => {
    const PAIRS = STATUSES.flatMap((from) =>
      STATUSES.map((to) => [from, to, adminAllowed(from, 'pending').includes(to)]),
    ) as [Status, Status, boolean][];

    it('covers all 49 pairs', () => {
      expect(PAIRS).toHaveLength(49);
      expect(PAIRS.filter(([, , ok]) => ok)).toHaveLength(8);
    });

    it.each(PAIRS)('%s → %s (allowed: %s)', async (from, to, allowed) => {
      const { row: before } = await orderIn(from);
      const res = await patchStatus(t, admin, before.id, to);
      if (allowed) await expectMoved(res, before, to, 'admin');
      else await expectRefused(res, before, adminAllowed(from, before.payment_status));
    });
  });

  describe('cancelled → refunded depends on the payment', () => {
    it.each(['pending', 'failed'] as const)('409 while the payment is %s', async (payment) => {
      const { row: before } = await orderIn('cancelled', { payment });
      expect(before.payment_status).toBe(payment);
      const res = await patchStatus(t, admin, before.id, 'refunded');
      await expectRefused(res, before, []);
    });

    it('200 once the payment is completed', async () => {
      const { order, row: before } = await orderIn('cancelled', { payment: 'completed' });
      expect(order.allowed_transitions).toEqual(['refunded']);
      const res = await patchStatus(t, admin, before.id, 'refunded');
      await expectMoved(res, before, 'refunded', 'admin');
    });

    it('driveTo reaches refunded through cancelled, completing the payment', async () => {
      const { order, row } = await orderIn('refunded', { via: 'cancelled' });
      expect(order.status).toBe('refunded');
      expect(row.cancelled_at).not.toBeNull();
      expect(row.confirmed_at).toBeNull();
    });
  });

  describe('timestamps are set once', () => {
    it('confirmed_at, shipped_at and delivered_at keep their first value', async () => {
      const { row: confirmed } = await orderIn('confirmed');
      expect(confirmed.confirmed_at).not.toBeNull();
      expect(confirmed.shipped_at).toBeNull();

      let previous = confirmed;
      for (const next of ['processing', 'shipped', 'delivered', 'refunded'] as const) {
        previous = await expectMoved(
          await patchStatus(t, admin, confirmed.id, next),
          previous,
          next,
          'admin',
        );
        expect(previous.exact.confirmed_at).toBe(confirmed.exact.confirmed_at);
      }
      expect(previous.shipped_at).not.toBeNull();
      expect(previous.delivered_at).not.toBeNull();
      expect(previous.cancelled_at).toBeNull();
      expect(previous.version).toBe(confirmed.version + 4);
    });

    it('cancelled_at keeps its value through the refund', async () => {
      const { row: cancelled } = await orderIn('cancelled', { payment: 'completed' });
      expect(cancelled.cancelled_at).not.toBeNull();
      const refunded = await expectMoved(
        await patchStatus(t, admin, cancelled.id, 'refunded'),
        cancelled,
        'refunded',
        'admin',
      );
      expect(refunded.exact.cancelled_at).toBe(cancelled.exact.cancelled_at);
    });

    it('PUT with the current status leaves the timestamp alone', async () => {
      const { row: before } = await orderIn('confirmed');
      const res = await putOrder(t, admin, before.id, { status: 'confirmed' });
      expectStatus(res, 200);
      expect(res.body.status).toBe('confirmed');
      const after = await mustOrderRow(t, before.id);
      expect(after.status).toBe('confirmed');
      expect(after.exact.confirmed_at).toBe(before.exact.confirmed_at);
      expectTimestampsMatch(res.body as OrderJson, after);
    });
  });

  describe('cancelling', () => {
    it.each(STATUSES.map((s) => [s, customerAllowed(s).includes('cancelled')] as const))(
      'the customer cancels a %s order (allowed: %s)',
      async (from, allowed) => {
        const { row: before } = await orderIn(from);
        const res = await t.http
          .delete(`${ORDERS}/${before.id}/cancel`)
          .set(customer.auth)
          .send({ reason: 'Found it cheaper elsewhere' });
        if (!allowed) {
          await expectRefused(res, before, []);
          return;
        }
        const after = await expectMoved(res, before, 'cancelled', 'customer');
        expect(res.body.cancellation_reason).toBe('Found it cheaper elsewhere');
        expect(after.cancellation_reason).toBe('Found it cheaper elsewhere');
        expect(res.body.allowed_transitions).toEqual([]);
        expect(res.body).not.toHaveProperty('internal_notes');
      },
    );

    it.each(STATUSES.map((s) => [s, adminAllowed(s).includes('cancelled')] as const))(
      'the admin cancels a %s order via DELETE (allowed: %s)',
      async (from, allowed) => {
        const { row: before } = await orderIn(from);
        const res = await t.http
          .delete(`${ORDERS}/${before.id}/cancel`)
          .set(admin.auth)
          .send({ reason: 'Payment never arrived' });
        if (!allowed) {
          await expectRefused(res, before, adminAllowed(from, before.payment_status));
          return;
        }
        const after = await expectMoved(res, before, 'cancelled', 'admin');
        expect(after.cancellation_reason).toBe('Payment never arrived');
        expect(res.body.internal_notes).toBeNull();
      },
    );

    it('without a body, leaving cancellation_reason null', async () => {
      const { row: before } = await orderIn('pending');
      const res = await t.http.delete(`${ORDERS}/${before.id}/cancel`).set(customer.auth);
      const after = await expectMoved(res, before, 'cancelled', 'customer');
      expect(res.body.cancellation_reason).toBeNull();
      expect(after.cancellation_reason).toBeNull();
    });

    it('keeps the reason given with PATCH /status and with PUT', async () => {
      const { row: viaPatch } = await orderIn('confirmed');
      const patched = await patchStatus(t, admin, viaPatch.id, 'cancelled', 'Out of stock');
      expect((await expectMoved(patched, viaPatch, 'cancelled', 'admin')).cancellation_reason).toBe(
        'Out of stock',
      );

      const { row: viaPut } = await orderIn('processing');
      const put = await putOrder(t, admin, viaPut.id, {
        status: 'cancelled',
        reason: 'Address undeliverable',
      });
      expect((await expectMoved(put, viaPut, 'cancelled', 'admin')).cancellation_reason).toBe(
        'Address undeliverable',
      );
    });

    it.each([
      ['a reason that is not a string', { reason: 42 }],
      ['a blank reason', { reason: '   ' }],
      ['an unknown field', { reason: 'x', status: 'refunded' }],
    ])('400 for %s, the order untouched', async (_name, body) => {
      const { row: before } = await orderIn('pending');
      const res = await t.http
        .delete(`${ORDERS}/${before.id}/cancel`)
        .set(customer.auth)
        .send(body);
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(snapshot(await mustOrderRow(t, before.id))).toEqual(snapshot(before));
    });

    it.each([
      ['PATCH /status to cancelled', (id: string) => patchStatus(t, customer, id, 'cancelled')],
      ['PATCH /status to confirmed', (id: string) => patchStatus(t, customer, id, 'confirmed')],
      ['PUT status cancelled', (id: string) => putOrder(t, customer, id, { status: 'cancelled' })],
      ['PUT tracking_number', (id: string) => putOrder(t, customer, id, { tracking_number: 'X1' })],
    ])('a customer may not %s on their own order: 403', async (_name, send) => {
      const { row: before } = await orderIn('pending');
      const res = await send(before.id);
      expectProblem(res, 403, 'FORBIDDEN');
      expect(snapshot(await mustOrderRow(t, before.id))).toEqual(snapshot(before));
    });
  });

  describe('allowed_transitions for the caller', () => {
    it.each(STATUSES)('in a %s order', async (status) => {
      const { order } = await orderIn(status);
      const asCustomer = await t.http.get(`${ORDERS}/${order.id}`).set(customer.auth);
      expectStatus(asCustomer, 200);
      expect(asCustomer.body.allowed_transitions).toEqual(customerAllowed(status));
      const asAdmin = await t.http.get(`${ORDERS}/${order.id}`).set(admin.auth);
      expectStatus(asAdmin, 200);
      expect(asAdmin.body.allowed_transitions).toEqual(adminAllowed(status, 'pending'));
      const listed = await t.http.get(`${ORDERS}?status=${status}&limit=100`).set(customer.auth);
      expectStatus(listed, 200);
      const mine = (listed.body.orders as OrderJson[]).find((o) => o.id === order.id);
      expect(mine?.allowed_transitions).toEqual(customerAllowed(status));
    });
  });

  describe('PUT /api/orders/:id', () => {
    it('updates tracking_number, carrier and internal_notes', async () => {
      const { row: before } = await orderIn('processing');
      const res = await putOrder(t, admin, before.id, {
        tracking_number: '1Z999AA10123456784',
        carrier: 'UPS',
        internal_notes: 'Gift wrap requested by phone',
      });
      expectStatus(res, 200);
      expect(res.body).toMatchObject({
        status: 'processing',
        tracking_number: '1Z999AA10123456784',
        carrier: 'UPS',
        internal_notes: 'Gift wrap requested by phone',
        version: before.version + 1,
      });
      const after = await mustOrderRow(t, before.id);
      expect(after).toMatchObject({
        status: 'processing',
        tracking_number: '1Z999AA10123456784',
        carrier: 'UPS',
        internal_notes: 'Gift wrap requested by phone',
        version: before.version + 1,
      });
      expect(after.exact.updated_at).not.toBe(before.exact.updated_at);
      for (const column of TIMESTAMP_COLUMNS)
        expect(after.exact[column]).toBe(before.exact[column]);

      const seen = await t.http.get(`${ORDERS}/${before.id}`).set(customer.auth);
      expectStatus(seen, 200);
      expect(seen.body).toMatchObject({ tracking_number: '1Z999AA10123456784', carrier: 'UPS' });
      expect(seen.body).not.toHaveProperty('internal_notes');
    });

    it('changes status and tracking together, in one version', async () => {
      const { row: before } = await orderIn('processing');
      const res = await putOrder(t, admin, before.id, {
        status: 'shipped',
        tracking_number: 'TRK-1',
        carrier: 'DHL',
      });
      const after = await expectMoved(res, before, 'shipped', 'admin');
      expect(after).toMatchObject({ tracking_number: 'TRK-1', carrier: 'DHL' });
    });

    it('applies nothing when the status change is refused', async () => {
      const { row: before } = await orderIn('pending');
      const res = await putOrder(t, admin, before.id, {
        status: 'delivered',
        tracking_number: 'TRK-2',
        internal_notes: 'should not stick',
      });
      await expectRefused(res, before, adminAllowed('pending'));
    });

    it.each(STATUSES)('with the current status (%s) → 200, PATCH /status → 409', async (status) => {
      const { row: before } = await orderIn(status);
      const put = await putOrder(t, admin, before.id, { status });
      expectStatus(put, 200);
      expect(put.body.status).toBe(status);
      const afterPut = await mustOrderRow(t, before.id);
      expect(afterPut.status).toBe(status);
      for (const column of TIMESTAMP_COLUMNS) {
        expect(afterPut.exact[column]).toBe(before.exact[column]);
      }

      const patch = await patchStatus(t, admin, before.id, status);
      await expectRefused(patch, afterPut, adminAllowed(status, afterPut.payment_status));
    });

    it.each([
      ['{}', {}],
      ['only a reason', { reason: 'because' }],
      ['an unknown status', { status: 'lost' }],
      ['an unknown payment status', { payment_status: 'paid' }],
      ['an empty tracking number', { tracking_number: '' }],
      ['a tracking number of 101 characters', { tracking_number: 'T'.repeat(101) }],
      ['a numeric carrier', { carrier: 7 }],
      ['an unknown field', { tracking_number: 'X', total: 0 }],
      ['a server-owned field', { version: 99 }],
    ])('400 for %s, the order untouched', async (_name, body) => {
      const { row: before } = await orderIn('confirmed');
      const res = await putOrder(t, admin, before.id, body);
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(snapshot(await mustOrderRow(t, before.id))).toEqual(snapshot(before));
    });

    it.each([
      ['{}', {}],
      ['no status', { reason: 'x' }],
      ['an unknown status', { status: 'lost' }],
      ['another field', { status: 'processing', tracking_number: 'X' }],
    ])('PATCH /status: 400 for %s, the order untouched', async (_name, body) => {
      const { row: before } = await orderIn('confirmed');
      const res = await t.http.patch(`${ORDERS}/${before.id}/status`).set(admin.auth).send(body);
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(snapshot(await mustOrderRow(t, before.id))).toEqual(snapshot(before));
    });
  });

  describe('payment status transitions via PUT', () => {
    /** The payment steps from pending to each payment status. */
    const PAYMENT_PATH: Record<PaymentStatus, PaymentStatus[]> = {
      pending: [],
      failed: ['failed'],
      completed: ['completed'],
      refunded: ['completed', 'refunded'],
    };

    const PAIRS = PAYMENT_STATUSES.flatMap((from) =>
      PAYMENT_STATUSES.filter((to) => to !== from).map(
        (to) => [from, to, PAYMENT_TRANSITIONS[from].includes(to)] as const,
      ),
    );

    it('covers 12 pairs, 5 of them allowed', () => {
      expect(PAIRS).toHaveLength(12);
      expect(PAIRS.filter(([, , ok]) => ok)).toHaveLength(5);
    });

    it.each(PAIRS)('%s → %s (allowed: %s)', async (from, to, allowed) => {
      const order = await newOrder();
      for (const step of PAYMENT_PATH[from]) {
        expectStatus(await putOrder(t, admin, order.id, { payment_status: step }), 200);
      }
      const before = await mustOrderRow(t, order.id);
      expect(before.payment_status).toBe(from);

      const res = await putOrder(t, admin, order.id, { payment_status: to });
      if (allowed) {
        expectStatus(res, 200);
        expect(res.body).toMatchObject({
          payment_status: to,
          status: 'pending',
          version: before.version + 1,
        });
        const after = await mustOrderRow(t, order.id);
        expect(after).toMatchObject({ payment_status: to, status: 'pending' });
        expect(after.version).toBe(before.version + 1);
        return;
      }
      const problem = expectProblem(res, 409, 'INVALID_PAYMENT_TRANSITION', PAYMENT_EXTENSIONS);
      if ('current_payment_status' in problem) expect(problem.current_payment_status).toBe(from);
      if ('allowed_payment_transitions' in problem) {
        expect(problem.allowed_payment_transitions).toEqual(PAYMENT_TRANSITIONS[from]);
      }
      expect(snapshot(await mustOrderRow(t, order.id))).toEqual(snapshot(before));
    });

    it('a refused payment change applies nothing else in the same PUT', async () => {
      const order = await newOrder();
      const before = await mustOrderRow(t, order.id);
      const res = await putOrder(t, admin, order.id, {
        payment_status: 'refunded',
        status: 'confirmed',
        carrier: 'UPS',
      });
      expectProblem(res, 409, 'INVALID_PAYMENT_TRANSITION', PAYMENT_EXTENSIONS);
      expect(snapshot(await mustOrderRow(t, order.id))).toEqual(snapshot(before));
    });
  });
});
