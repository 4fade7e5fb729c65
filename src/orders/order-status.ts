export enum OrderStatus {
  PENDING = 'pending',
  CONFIRMED = 'confirmed',
  PROCESSING = 'processing',
  SHIPPED = 'shipped',
  DELIVERED = 'delivered',
  CANCELLED = 'cancelled',
  REFUNDED = 'refunded',
}

export enum PaymentStatus {
  PENDING = 'pending',
  COMPLETED = 'completed',
  FAILED = 'failed',
  REFUNDED = 'refunded',
}

/**
 * The order lifecycle as data: each status and the statuses an admin may move it to. Every rule
 * about transitions reads this table; nothing else hard-codes a pair.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  [OrderStatus.PENDING]: [OrderStatus.CONFIRMED, OrderStatus.CANCELLED],
  [OrderStatus.CONFIRMED]: [OrderStatus.PROCESSING, OrderStatus.CANCELLED],
  [OrderStatus.PROCESSING]: [OrderStatus.SHIPPED, OrderStatus.CANCELLED],
  [OrderStatus.SHIPPED]: [OrderStatus.DELIVERED],
  [OrderStatus.DELIVERED]: [OrderStatus.REFUNDED],
  // Refunding a cancelled order only makes sense when money was taken (see transitionGuard).
  [OrderStatus.CANCELLED]: [OrderStatus.REFUNDED],
  [OrderStatus.REFUNDED]: [],
};

/** A customer may only cancel, and only before the parcel leaves. */
export const CUSTOMER_CANCELLABLE: readonly OrderStatus[] = [
  OrderStatus.PENDING,
  OrderStatus.CONFIRMED,
  OrderStatus.PROCESSING,
];

/** Payment statuses move on their own, smaller table. */
export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  [PaymentStatus.PENDING]: [PaymentStatus.COMPLETED, PaymentStatus.FAILED],
  [PaymentStatus.FAILED]: [PaymentStatus.PENDING, PaymentStatus.COMPLETED],
  [PaymentStatus.COMPLETED]: [PaymentStatus.REFUNDED],
  [PaymentStatus.REFUNDED]: [],
};

/** The timestamp column an order gets, once, on entering a status. */
export const STATUS_TIMESTAMP: Partial<Record<OrderStatus, string>> = {
  [OrderStatus.CONFIRMED]: 'confirmed_at',
  [OrderStatus.SHIPPED]: 'shipped_at',
  [OrderStatus.DELIVERED]: 'delivered_at',
  [OrderStatus.CANCELLED]: 'cancelled_at',
};

export type Actor = 'customer' | 'admin';

/** Extra conditions on a pair beyond the table. */
function transitionGuard(from: OrderStatus, to: OrderStatus, payment: PaymentStatus): boolean {
  if (from === OrderStatus.CANCELLED && to === OrderStatus.REFUNDED) {
    return payment === PaymentStatus.COMPLETED;
  }
  return true;
}

/** The statuses this actor may move an order to now. */
export function allowedTransitions(
  status: OrderStatus,
  payment: PaymentStatus,
  actor: Actor,
): OrderStatus[] {
  if (actor === 'customer') {
    return CUSTOMER_CANCELLABLE.includes(status) ? [OrderStatus.CANCELLED] : [];
  }
  return ORDER_TRANSITIONS[status].filter((to) => transitionGuard(status, to, payment));
}

/**
 * The source statuses from which `to` is reachable for this actor, with the payment status a
 * source requires if any. The database update is conditioned on these, so a check and its write
 * can never be separated by a concurrent change.
 */
export function sourcesFor(
  to: OrderStatus,
  actor: Actor,
): { from: OrderStatus; payment?: PaymentStatus }[] {
  const sources = (Object.keys(ORDER_TRANSITIONS) as OrderStatus[]).filter((from) =>
    actor === 'customer'
      ? to === OrderStatus.CANCELLED && CUSTOMER_CANCELLABLE.includes(from)
      : ORDER_TRANSITIONS[from].includes(to),
  );
  return sources.map((from) =>
    from === OrderStatus.CANCELLED && to === OrderStatus.REFUNDED
      ? { from, payment: PaymentStatus.COMPLETED }
      : { from },
  );
}
