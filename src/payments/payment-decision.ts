import type { ChangeRequest, HistoryEntry, PaymentFlagDetails } from '../orders/order-change-plan';
import { OrderStatus, paymentTransitionAllowed, PaymentStatus } from '../orders/order-process';
import type { Order, OrderFlag } from '../orders/order.entity';
import type { PaymentEventDto } from './dto/payment-event.dto';
import { refundDetails } from './refund-presenter';
import { Refund, RefundStatus } from './refund.entity';

/**
 * What one event of the Payment Service does to an order, decided from the order as it is now.
 * Pure: the webhook service reads and locks, this decides, the service writes.
 */
export type PaymentDecision =
  /** Recorded as received, nothing else. */
  | { kind: 'nothing'; outcome: string }
  /** Written to the order's history only; the order itself stays as it is. */
  | { kind: 'history'; outcome: string; history: HistoryEntry[] }
  /** A change through the order process, with fields and history entries of its own. */
  | {
      kind: 'change';
      outcome: string;
      request: ChangeRequest;
      fields: Partial<Order>;
      history: HistoryEntry[];
      refund?: { id: string; status: RefundStatus.SUCCEEDED | RefundStatus.FAILED };
    };

export const PAYMENT_EVENT_TYPES = [
  'payment.authorized',
  'payment.captured',
  'payment.failed',
  'payment.refunded',
] as const;

/**
 * @param refund the refund the event names, when it names one of this order's
 * @param refundedBefore cents of this order's refunds that succeeded already
 */
export function decidePaymentEvent(
  order: Order,
  event: PaymentEventDto,
  refund: Refund | undefined,
  refundedBefore: number,
): PaymentDecision {
  switch (event.type) {
    case 'payment.authorized':
      return movePayment(order, event, PaymentStatus.AUTHORIZED);
    case 'payment.failed':
      // A refund the Payment Service could not make is a failure of that refund, not of the
      // payment: the money it took stays taken.
      return event.data.refund_id
        ? settleRefund(order, event, refund, RefundStatus.FAILED, refundedBefore)
        : movePayment(order, event, PaymentStatus.FAILED);
    case 'payment.captured':
      return capture(order, event);
    case 'payment.refunded':
      return settleRefund(order, event, refund, RefundStatus.SUCCEEDED, refundedBefore);
    default:
      return { kind: 'nothing', outcome: 'ignored:unknown_type' };
  }
}

function ignored(order: Order, event: PaymentEventDto, why: string): PaymentDecision {
  return {
    kind: 'history',
    outcome: `ignored:${why}`,
    history: [
      {
        type: 'payment_event_ignored',
        details: {
          event_id: event.id,
          event_type: event.type,
          why: `${why} (payment ${order.payment_status})`,
        },
      },
    ],
  };
}

/** A flag that an admin must look at the money; the latest one replaces an earlier one. */
function flagged(
  order: Order,
  event: PaymentEventDto,
  why: PaymentFlagDetails['why'],
): { flags: OrderFlag[]; entry: HistoryEntry } {
  const details: PaymentFlagDetails = {
    event_id: event.id,
    event_type: event.type,
    why,
    amount: event.data.amount,
    currency: event.data.currency,
  };
  return {
    flags: [
      ...order.flags.filter((f) => f.code !== 'payment_mismatch'),
      { code: 'payment_mismatch', item_ids: [], details },
    ],
    entry: { type: 'payment_flagged', details },
  };
}

/** A decision that changes nothing but the flag and the history, until an admin has looked. */
function flagOnly(
  order: Order,
  event: PaymentEventDto,
  why: PaymentFlagDetails['why'],
): PaymentDecision {
  const { flags, entry } = flagged(order, event, why);
  return {
    kind: 'change',
    outcome: `flagged:${why}`,
    request: {},
    fields: { flags },
    history: [entry],
  };
}

/** The payment's first identifier stays: later events refer to the same payment. */
const intentOf = (order: Order, event: PaymentEventDto) =>
  order.payment_intent_id ?? event.data.payment_intent_id;

function movePayment(order: Order, event: PaymentEventDto, to: PaymentStatus): PaymentDecision {
  if (!paymentTransitionAllowed(order.payment_status, to, 'system')) {
    return ignored(order, event, 'out_of_order');
  }
  return {
    kind: 'change',
    outcome: 'applied',
    request: { payment_status: to },
    fields: { payment_intent_id: intentOf(order, event) },
    history: [],
  };
}

function capture(order: Order, event: PaymentEventDto): PaymentDecision {
  if (!paymentTransitionAllowed(order.payment_status, PaymentStatus.COMPLETED, 'system')) {
    return ignored(order, event, 'out_of_order');
  }
  if (event.data.amount !== order.total || event.data.currency !== order.currency) {
    // Not the order's money: nothing moves until an admin has looked.
    return flagOnly(order, event, 'amount_mismatch');
  }
  const fields: Partial<Order> = {
    payment_intent_id: intentOf(order, event),
    amount_captured: event.data.amount,
  };
  if (order.status === OrderStatus.PENDING) {
    return {
      kind: 'change',
      outcome: 'applied',
      request: {
        status: OrderStatus.CONFIRMED,
        payment_status: PaymentStatus.COMPLETED,
        reason: 'payment_captured',
      },
      fields,
      history: [],
    };
  }
  const history: HistoryEntry[] = [];
  let outcome = 'applied';
  if (order.status === OrderStatus.CANCELLED) {
    // Money taken for an order that no longer exists for the customer: it must go back.
    const flag = flagged(order, event, 'captured_after_cancellation');
    fields.flags = flag.flags;
    history.push(flag.entry);
    outcome = 'flagged:captured_after_cancellation';
  }
  return {
    kind: 'change',
    outcome,
    request: { payment_status: PaymentStatus.COMPLETED },
    fields,
    history,
  };
}

function settleRefund(
  order: Order,
  event: PaymentEventDto,
  refund: Refund | undefined,
  to: RefundStatus.SUCCEEDED | RefundStatus.FAILED,
  refundedBefore: number,
): PaymentDecision {
  if (!refund) {
    if (to === RefundStatus.FAILED) return ignored(order, event, 'unknown_refund');
    // Money went back that no refund of this order accounts for.
    return flagOnly(order, event, 'unknown_refund');
  }
  if (refund.status !== RefundStatus.PENDING) return ignored(order, event, 'refund_settled');
  const settled = { ...refundDetails(refund, order), event_id: event.id };
  if (to === RefundStatus.FAILED) {
    return {
      kind: 'change',
      outcome: 'applied',
      request: {},
      fields: {},
      history: [{ type: 'refund_failed', details: settled }],
      refund: { id: refund.id, status: to },
    };
  }
  if (event.data.amount !== refund.amount || event.data.currency !== refund.currency) {
    return flagOnly(order, event, 'amount_mismatch');
  }
  const captured = order.amount_captured ?? order.total;
  const payment =
    refundedBefore + refund.amount >= captured
      ? PaymentStatus.REFUNDED
      : PaymentStatus.PARTIALLY_REFUNDED;
  const moves =
    payment !== order.payment_status &&
    paymentTransitionAllowed(order.payment_status, payment, 'system');
  return {
    kind: 'change',
    outcome: 'applied',
    request: moves ? { payment_status: payment } : {},
    fields: {},
    history: [{ type: 'refund_succeeded', details: settled }],
    refund: { id: refund.id, status: to },
  };
}
