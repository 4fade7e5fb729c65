import { isRefusal, planChange, type ChangeableFields } from './order-change-plan';
import {
  Actor,
  allowedTransitions,
  checkTransition,
  ORDER_PROCESS,
  OrderStatus as S,
  PaymentStatus as P,
  paymentTransitionAllowed,
  PAYMENT_TRANSITIONS,
  ProcessOrder,
} from './order-process';

const ACTORS: Actor[] = ['customer', 'admin', 'system'];
const STATUSES = Object.values(S);
const PAYMENTS = Object.values(P);

/**
 * The process as a table written out by hand: from → to → who may, and for which payment
 * statuses (all when absent). Every case the definitions decide is checked against it.
 */
const EXPECTED: Record<S, Partial<Record<S, { by: Actor[]; payments?: P[] }>>> = {
  pending: {
    confirmed: { by: ['admin', 'system'] },
    cancelled: { by: ['customer', 'admin', 'system'] },
  },
  confirmed: {
    processing: { by: ['admin'] },
    cancelled: { by: ['customer', 'admin', 'system'] },
    on_hold: { by: ['admin'] },
  },
  processing: {
    shipped: { by: ['admin'] },
    cancelled: { by: ['customer', 'admin', 'system'] },
    on_hold: { by: ['admin'] },
  },
  // Resuming is only to the status it was held from: checked separately below.
  on_hold: { cancelled: { by: ['admin', 'system'] } },
  shipped: { delivered: { by: ['admin'] } },
  delivered: { refunded: { by: ['admin'] } },
  // Money was taken: captured, partly or wholly given back already.
  cancelled: {
    refunded: { by: ['admin'], payments: [P.COMPLETED, P.PARTIALLY_REFUNDED, P.REFUNDED] },
  },
  refunded: {},
};

const order = (
  status: S,
  payment_status = P.PENDING,
  held_from: S | null = null,
): ProcessOrder => ({
  status,
  payment_status,
  held_from,
});

function fields(o: ProcessOrder): ChangeableFields {
  return {
    ...o,
    tracking_number: null,
    carrier: null,
    internal_notes: null,
    cancellation_reason: null,
    confirmed_at: null,
    shipped_at: null,
    delivered_at: null,
    cancelled_at: null,
  };
}

describe('the order process', () => {
  describe('every (from, to, actor, payment) case', () => {
    const cases = STATUSES.filter((s) => s !== S.ON_HOLD).flatMap((from) =>
      STATUSES.flatMap((to) =>
        ACTORS.flatMap((actor) => PAYMENTS.map((payment) => [from, to, actor, payment] as const)),
      ),
    );
    it.each(cases)('%s → %s by %s, payment %s', (from, to, actor, payment) => {
      const rule = EXPECTED[from][to];
      const expected =
        !!rule && rule.by.includes(actor) && (!rule.payments || rule.payments.includes(payment));
      expect(checkTransition(order(from, payment), to, actor).ok).toBe(expected);
      expect(allowedTransitions(order(from, payment), actor).includes(to)).toBe(expected);
    });
  });

  describe('on hold', () => {
    it.each([S.CONFIRMED, S.PROCESSING])(
      'resumes only to %s, the status it was held from',
      (held) => {
        const o = order(S.ON_HOLD, P.PENDING, held);
        for (const to of STATUSES) {
          const expected = to === held || to === S.CANCELLED;
          expect({ to, ok: checkTransition(o, to, 'admin').ok }).toEqual({ to, ok: expected });
        }
        expect(allowedTransitions(o, 'admin')).toEqual([held, S.CANCELLED]);
      },
    );

    it('explains a resume to another status', () => {
      const result = checkTransition(
        order(S.ON_HOLD, P.PENDING, S.CONFIRMED),
        S.PROCESSING,
        'admin',
      );
      expect(result).toEqual({
        ok: false,
        refusal: expect.objectContaining({ code: 'NOT_HELD_FROM' }),
      });
    });

    it('cannot be changed by customers, not even cancelled', () => {
      for (const held of [S.CONFIRMED, S.PROCESSING]) {
        expect(allowedTransitions(order(S.ON_HOLD, P.COMPLETED, held), 'customer')).toEqual([]);
      }
    });

    it('needs a reason to enter, remembers where it came from, and forgets it on resuming', () => {
      const now = new Date('2026-11-30T10:00:00Z');
      const confirmed = fields(order(S.CONFIRMED));
      const refused = planChange(confirmed, { status: S.ON_HOLD }, 'admin', now);
      expect(refused).toEqual(expect.objectContaining({ code: 'REASON_REQUIRED' }));
      const held = planChange(
        confirmed,
        { status: S.ON_HOLD, reason: 'fraud check' },
        'admin',
        now,
      );
      if (isRefusal(held)) throw new Error(held.detail);
      expect(held.next).toMatchObject({ status: S.ON_HOLD, held_from: S.CONFIRMED });
      expect(held.stock).toBeUndefined();
      const resumed = planChange(held.next, { status: S.CONFIRMED }, 'admin', now);
      if (isRefusal(resumed)) throw new Error(resumed.detail);
      expect(resumed.next).toMatchObject({ status: S.CONFIRMED, held_from: null });
      // The stock was confirmed when the order was first confirmed.
      expect(resumed.stock).toBeUndefined();
    });
  });

  describe('what entering a status does', () => {
    const now = new Date('2026-11-30T10:00:00Z');
    const plan = (from: ChangeableFields, to: S, reason?: string) => {
      const result = planChange(from, { status: to, reason }, 'admin', now);
      if (isRefusal(result)) throw new Error(result.detail);
      return result;
    };

    it('confirming stamps confirmed_at once and asks for the stock to be confirmed', () => {
      const result = plan(fields(order(S.PENDING)), S.CONFIRMED);
      expect(result.next.confirmed_at).toBe(now);
      expect(result.stock).toBe('confirm_stock');
      expect(result.history).toEqual([
        { type: 'status_changed', from_status: S.PENDING, to_status: S.CONFIRMED, reason: null },
      ]);
    });

    it('cancelling keeps the reason and releases the holds', () => {
      const result = plan(fields(order(S.PENDING)), S.CANCELLED, 'changed my mind');
      expect(result.next).toMatchObject({
        cancellation_reason: 'changed my mind',
        cancelled_at: now,
      });
      expect(result.stock).toBe('release_stock');
    });

    it('refunding a paid order refunds its payment too', () => {
      const result = plan(fields(order(S.DELIVERED, P.COMPLETED)), S.REFUNDED);
      expect(result.next.payment_status).toBe(P.REFUNDED);
      expect(result.history.map((h) => h.type)).toEqual([
        'status_changed',
        'payment_status_changed',
      ]);
      expect(plan(fields(order(S.DELIVERED, P.PENDING)), S.REFUNDED).next.payment_status).toBe(
        P.PENDING,
      );
    });

    it('a change to the values the order already has plans nothing', () => {
      const current = { ...fields(order(S.CONFIRMED, P.COMPLETED)), tracking_number: 'T1' };
      const result = planChange(
        current,
        {
          status: S.CONFIRMED,
          allowSameStatus: true,
          payment_status: P.COMPLETED,
          tracking_number: 'T1',
        },
        'admin',
        now,
      );
      expect(result).toEqual({
        next: current,
        history: [],
        stock: undefined,
        transition: undefined,
      });
    });
  });

  describe('payment statuses', () => {
    /** By hand: who may move the payment from → to. */
    const PAYMENT_EXPECTED: Record<P, Partial<Record<P, ('admin' | 'system')[]>>> = {
      pending: {
        authorized: ['system'],
        completed: ['admin', 'system'],
        failed: ['admin', 'system'],
      },
      authorized: { completed: ['admin', 'system'], failed: ['admin', 'system'] },
      failed: { pending: ['admin'], authorized: ['system'], completed: ['admin', 'system'] },
      completed: { partially_refunded: ['system'], refunded: ['admin', 'system'] },
      partially_refunded: { refunded: ['admin', 'system'] },
      refunded: {},
    };
    const cases = PAYMENTS.flatMap((from) =>
      PAYMENTS.flatMap((to) => ACTORS.map((actor) => [from, to, actor] as const)),
    );
    it.each(cases)('%s → %s by %s', (from, to, actor) => {
      const expected = (PAYMENT_EXPECTED[from][to] ?? []).includes(actor as 'admin');
      expect(paymentTransitionAllowed(from, to, actor)).toBe(expected);
    });

    it('keeps what admins could set by hand before the webhook existed', () => {
      expect(PAYMENT_TRANSITIONS.pending).toEqual([P.COMPLETED, P.FAILED]);
      expect(PAYMENT_TRANSITIONS.failed).toEqual([P.PENDING, P.COMPLETED]);
      expect(PAYMENT_TRANSITIONS.completed).toEqual([P.REFUNDED]);
      expect(PAYMENT_TRANSITIONS.refunded).toEqual([]);
    });

    it('refunding an order by hand settles a partly refunded payment too', () => {
      const now = new Date('2026-11-30T10:00:00Z');
      const result = planChange(
        fields(order(S.CANCELLED, P.PARTIALLY_REFUNDED)),
        { status: S.REFUNDED },
        'admin',
        now,
      );
      if (isRefusal(result)) throw new Error(result.detail);
      expect(result.next.payment_status).toBe(P.REFUNDED);
    });
  });

  it('defines every status, and every target of a transition is a status', () => {
    expect(Object.keys(ORDER_PROCESS).sort()).toEqual([...STATUSES].sort());
    for (const definition of Object.values(ORDER_PROCESS)) {
      for (const t of definition.transitions) expect(STATUSES).toContain(t.to);
    }
  });
});
