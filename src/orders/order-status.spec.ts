import {
  allowedTransitions,
  ORDER_TRANSITIONS,
  OrderStatus as S,
  PaymentStatus as P,
  sourcesFor,
} from './order-status';

describe('order lifecycle table', () => {
  it('is the documented table', () => {
    expect(ORDER_TRANSITIONS).toEqual({
      pending: ['confirmed', 'cancelled'],
      confirmed: ['processing', 'cancelled'],
      processing: ['shipped', 'cancelled'],
      shipped: ['delivered'],
      delivered: ['refunded'],
      cancelled: ['refunded'],
      refunded: [],
    });
  });

  it('lets a cancelled order be refunded only once paid', () => {
    expect(allowedTransitions(S.CANCELLED, P.PENDING, 'admin')).toEqual([]);
    expect(allowedTransitions(S.CANCELLED, P.COMPLETED, 'admin')).toEqual([S.REFUNDED]);
  });

  it('lets customers only cancel, and only before shipping', () => {
    expect(allowedTransitions(S.PENDING, P.PENDING, 'customer')).toEqual([S.CANCELLED]);
    expect(allowedTransitions(S.PROCESSING, P.COMPLETED, 'customer')).toEqual([S.CANCELLED]);
    expect(allowedTransitions(S.SHIPPED, P.COMPLETED, 'customer')).toEqual([]);
    expect(allowedTransitions(S.DELIVERED, P.COMPLETED, 'customer')).toEqual([]);
  });

  it('derives the sources of each target from the same table', () => {
    for (const to of Object.values(S)) {
      const fromTable = Object.values(S).filter((from) => ORDER_TRANSITIONS[from].includes(to));
      expect(sourcesFor(to, 'admin').map((s) => s.from)).toEqual(fromTable);
    }
    expect(sourcesFor(S.REFUNDED, 'admin')).toContainEqual({
      from: S.CANCELLED,
      payment: P.COMPLETED,
    });
    expect(sourcesFor(S.CANCELLED, 'customer').map((s) => s.from)).toEqual([
      S.PENDING,
      S.CONFIRMED,
      S.PROCESSING,
    ]);
    expect(sourcesFor(S.SHIPPED, 'customer')).toEqual([]);
  });
});
