/**
 * The order process: every status, where it may go, who may move it there, what must hold for
 * the move, and what entering it does. Everything else derives from these definitions: the
 * `allowed_transitions` of a response, the compare-and-set of a change, the explanation of a
 * refusal. Pure data and functions, so it can be read and tested without a framework or a
 * database.
 */

export enum OrderStatus {
  PENDING = 'pending',
  CONFIRMED = 'confirmed',
  PROCESSING = 'processing',
  ON_HOLD = 'on_hold',
  SHIPPED = 'shipped',
  DELIVERED = 'delivered',
  CANCELLED = 'cancelled',
  REFUNDED = 'refunded',
}

/** `completed` is the payment captured; `partially_refunded` has part of it given back. */
export enum PaymentStatus {
  PENDING = 'pending',
  AUTHORIZED = 'authorized',
  COMPLETED = 'completed',
  FAILED = 'failed',
  PARTIALLY_REFUNDED = 'partially_refunded',
  REFUNDED = 'refunded',
}

/** `system` is the service itself (its jobs and webhooks); people are customers or admins. */
export type Actor = 'customer' | 'admin' | 'system';

/** What the guards see of an order. */
export interface ProcessOrder {
  status: OrderStatus;
  payment_status: PaymentStatus;
  held_from: OrderStatus | null;
}

/** A refusal a guard explains; the API answers it as INVALID_TRANSITION with this detail. */
export interface Refusal {
  code: 'NOT_PAID' | 'NOT_HELD_FROM';
  detail: string;
}

/** The timestamp columns an order gets, once, on entering a status. */
export type StatusTimestamp = 'confirmed_at' | 'shipped_at' | 'delivered_at' | 'cancelled_at';

/** What the Inventory Service must be told after the change commits. */
export type StockEffect = 'confirm_stock' | 'release_stock';

/** What entering a status does to the order besides setting it. */
export interface EnterEffects {
  timestamp?: StatusTimestamp;
  stock?: StockEffect;
  /** A new payment status, when entering this status settles the payment too. */
  payment_status?: PaymentStatus;
  /** Remembered for the way back (on hold); every other status clears it. */
  held_from?: OrderStatus;
  /** Kept as `cancellation_reason`. */
  keepsReason?: boolean;
}

interface TransitionDefinition {
  to: OrderStatus;
  by: readonly Actor[];
  /** The request must say why. */
  requiresReason?: boolean;
  guard?: (order: ProcessOrder) => Refusal | undefined;
}

interface StatusDefinition {
  transitions: readonly TransitionDefinition[];
  onEnter?: (order: ProcessOrder, from: OrderStatus) => EnterEffects;
}

const PEOPLE_AND_SYSTEM: readonly Actor[] = ['customer', 'admin', 'system'];
const ADMIN: readonly Actor[] = ['admin'];
const ADMIN_AND_SYSTEM: readonly Actor[] = ['admin', 'system'];

/** Only the status it was held from: a hold pauses an order, it does not move it on. */
const resumesToHeldFrom =
  (to: OrderStatus) =>
  (order: ProcessOrder): Refusal | undefined =>
    order.held_from === to
      ? undefined
      : {
          code: 'NOT_HELD_FROM',
          detail: `it was put on hold while ${order.held_from ?? 'unknown'} and may only resume to that`,
        };

/** The payment statuses in which money was taken (and possibly given back already). */
export const CAPTURED: readonly PaymentStatus[] = [
  PaymentStatus.COMPLETED,
  PaymentStatus.PARTIALLY_REFUNDED,
  PaymentStatus.REFUNDED,
];

/** Refunding a cancelled order only makes sense when money was taken. */
const paid = (order: ProcessOrder): Refusal | undefined =>
  CAPTURED.includes(order.payment_status)
    ? undefined
    : { code: 'NOT_PAID', detail: `its payment is ${order.payment_status}, so nothing was taken` };

const hold: TransitionDefinition = { to: OrderStatus.ON_HOLD, by: ADMIN, requiresReason: true };

export const ORDER_PROCESS: Readonly<Record<OrderStatus, StatusDefinition>> = {
  [OrderStatus.PENDING]: {
    transitions: [
      { to: OrderStatus.CONFIRMED, by: ADMIN_AND_SYSTEM },
      { to: OrderStatus.CANCELLED, by: PEOPLE_AND_SYSTEM },
    ],
  },
  [OrderStatus.CONFIRMED]: {
    transitions: [
      { to: OrderStatus.PROCESSING, by: ADMIN },
      { to: OrderStatus.CANCELLED, by: PEOPLE_AND_SYSTEM },
      hold,
    ],
    // Resuming from a hold finds the stock already confirmed.
    onEnter: (_order, from) => ({
      timestamp: 'confirmed_at',
      ...(from === OrderStatus.PENDING ? { stock: 'confirm_stock' as const } : {}),
    }),
  },
  [OrderStatus.PROCESSING]: {
    transitions: [
      { to: OrderStatus.SHIPPED, by: ADMIN },
      { to: OrderStatus.CANCELLED, by: PEOPLE_AND_SYSTEM },
      hold,
    ],
  },
  [OrderStatus.ON_HOLD]: {
    transitions: [
      { to: OrderStatus.CONFIRMED, by: ADMIN, guard: resumesToHeldFrom(OrderStatus.CONFIRMED) },
      { to: OrderStatus.PROCESSING, by: ADMIN, guard: resumesToHeldFrom(OrderStatus.PROCESSING) },
      { to: OrderStatus.CANCELLED, by: ADMIN_AND_SYSTEM },
    ],
    onEnter: (_order, from) => ({ held_from: from }),
  },
  [OrderStatus.SHIPPED]: {
    transitions: [{ to: OrderStatus.DELIVERED, by: ADMIN }],
    onEnter: () => ({ timestamp: 'shipped_at' }),
  },
  [OrderStatus.DELIVERED]: {
    transitions: [{ to: OrderStatus.REFUNDED, by: ADMIN }],
    onEnter: () => ({ timestamp: 'delivered_at' }),
  },
  [OrderStatus.CANCELLED]: {
    transitions: [{ to: OrderStatus.REFUNDED, by: ADMIN, guard: paid }],
    // Holds not yet sold are released; the relay leaves confirmed ones alone.
    onEnter: () => ({ timestamp: 'cancelled_at', stock: 'release_stock', keepsReason: true }),
  },
  [OrderStatus.REFUNDED]: {
    transitions: [],
    // An admin refunding the order by hand says the money went back, whatever was left of it.
    onEnter: (order) =>
      order.payment_status === PaymentStatus.COMPLETED ||
      order.payment_status === PaymentStatus.PARTIALLY_REFUNDED
        ? { payment_status: PaymentStatus.REFUNDED }
        : {},
  },
};

type PaymentActor = Exclude<Actor, 'customer'>;

/**
 * Payment statuses move on their own table. The Payment Service (through its webhook, as
 * `system`) reports what happened to the money; a status it does not list from the current one
 * is news older than what the order knows (an authorization after the capture) and changes
 * nothing. Admins set statuses by hand, as they did before the webhook existed.
 */
export const PAYMENT_PROCESS: Readonly<
  Record<PaymentStatus, Readonly<Record<PaymentActor, readonly PaymentStatus[]>>>
> = {
  [PaymentStatus.PENDING]: {
    admin: [PaymentStatus.COMPLETED, PaymentStatus.FAILED],
    system: [PaymentStatus.AUTHORIZED, PaymentStatus.COMPLETED, PaymentStatus.FAILED],
  },
  [PaymentStatus.AUTHORIZED]: {
    admin: [PaymentStatus.COMPLETED, PaymentStatus.FAILED],
    system: [PaymentStatus.COMPLETED, PaymentStatus.FAILED],
  },
  // A customer may pay again after a failure.
  [PaymentStatus.FAILED]: {
    admin: [PaymentStatus.PENDING, PaymentStatus.COMPLETED],
    system: [PaymentStatus.AUTHORIZED, PaymentStatus.COMPLETED],
  },
  [PaymentStatus.COMPLETED]: {
    admin: [PaymentStatus.REFUNDED],
    system: [PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED],
  },
  [PaymentStatus.PARTIALLY_REFUNDED]: {
    admin: [PaymentStatus.REFUNDED],
    system: [PaymentStatus.REFUNDED],
  },
  [PaymentStatus.REFUNDED]: { admin: [], system: [] },
};

/** The payment statuses an admin may set by hand now (answered with a refused change). */
export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> =
  Object.fromEntries(
    Object.entries(PAYMENT_PROCESS).map(([from, by]) => [from, by.admin]),
  ) as Record<PaymentStatus, readonly PaymentStatus[]>;

/** Whether `actor` may move `order` to `to` now; the refusal says why not. */
export function checkTransition(
  order: ProcessOrder,
  to: OrderStatus,
  actor: Actor,
): { ok: true; requiresReason: boolean } | { ok: false; refusal?: Refusal } {
  const transition = ORDER_PROCESS[order.status].transitions.find((t) => t.to === to);
  if (!transition || !transition.by.includes(actor)) return { ok: false };
  const refusal = transition.guard?.(order);
  if (refusal) return { ok: false, refusal };
  return { ok: true, requiresReason: !!transition.requiresReason };
}

/** The statuses this actor may move the order to now. */
export function allowedTransitions(order: ProcessOrder, actor: Actor): OrderStatus[] {
  return ORDER_PROCESS[order.status].transitions
    .filter((t) => t.by.includes(actor) && !t.guard?.(order))
    .map((t) => t.to);
}

/** What entering `to` from the order's current status does. */
export function enterEffects(order: ProcessOrder, to: OrderStatus): EnterEffects {
  return ORDER_PROCESS[to].onEnter?.(order, order.status) ?? {};
}

/** Why a status change is refused, in words, from the definitions. */
export function explainRefusal(
  order: ProcessOrder,
  to: OrderStatus,
  actor: Actor,
  refusal?: Refusal,
): string {
  const allowed = allowedTransitions(order, actor);
  const because = refusal ? ` because ${refusal.detail}` : '';
  return (
    `An order that is ${order.status} cannot become ${to}${because}` +
    (allowed.length ? `; allowed: ${allowed.join(', ')}.` : '; it allows no further change.')
  );
}

export function paymentTransitionAllowed(
  from: PaymentStatus,
  to: PaymentStatus,
  actor: Actor = 'admin',
): boolean {
  return actor !== 'customer' && PAYMENT_PROCESS[from][actor].includes(to);
}
