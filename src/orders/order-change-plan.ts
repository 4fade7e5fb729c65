import {
  Actor,
  checkTransition,
  enterEffects,
  explainRefusal,
  OrderStatus,
  paymentTransitionAllowed,
  PaymentStatus,
  ProcessOrder,
  StatusTimestamp,
  StockEffect,
} from './order-process';

/** The fields of an order that a change may set. */
export interface ChangeableFields extends ProcessOrder {
  tracking_number: string | null;
  carrier: string | null;
  internal_notes: string | null;
  cancellation_reason: string | null;
  confirmed_at: Date | null;
  shipped_at: Date | null;
  delivered_at: Date | null;
  cancelled_at: Date | null;
}

export interface ChangeRequest {
  status?: OrderStatus;
  /** PUT is idempotent: setting the current status again is not a transition. */
  allowSameStatus?: boolean;
  payment_status?: PaymentStatus;
  tracking_number?: string;
  carrier?: string;
  internal_notes?: string;
  reason?: string;
}

/** One entry of the order's history, as the change produces it. */
export type HistoryEntry =
  | {
      type: 'status_changed';
      from_status: OrderStatus;
      to_status: OrderStatus;
      reason: string | null;
    }
  | {
      type: 'payment_status_changed';
      from_payment_status: PaymentStatus;
      to_payment_status: PaymentStatus;
    }
  | {
      type: 'tracking_updated';
      details: { tracking_number: string | null; carrier: string | null };
    }
  | { type: 'note_added'; details: { internal_notes: string | null } }
  | { type: 'stock_flagged'; details: { item_ids: string[] } }
  | PaymentHistoryEntry;

/** What the Payment Service told the order, and what refunds did, as the history keeps it. */
export type PaymentHistoryEntry =
  | {
      /** A payment event that changed nothing: older than what the order knows, or unusable. */
      type: 'payment_event_ignored';
      details: { event_id: string; event_type: string; why: string };
    }
  | {
      /** Money that does not match the order: an admin must look at it. */
      type: 'payment_flagged';
      details: PaymentFlagDetails;
    }
  | { type: 'refund_requested'; details: RefundDetails }
  | { type: 'refund_succeeded'; details: RefundDetails & { event_id: string } }
  | { type: 'refund_failed'; details: RefundDetails & { event_id: string } };

export interface PaymentFlagDetails {
  event_id: string;
  event_type: string;
  why: 'amount_mismatch' | 'captured_after_cancellation' | 'unknown_refund';
  /** Integer cents and currency the event reported. */
  amount: number;
  currency: string;
}

/** A refund as events and the history describe it; `amount_cents` is what the Payment Service
 * refunds, `amount` the same in the API's dollars. */
export interface RefundDetails {
  refund_id: string;
  amount: number;
  amount_cents: number;
  currency: string;
  lines: { item_id: string; quantity: number }[];
  shipping: boolean;
  payment_intent_id: string | null;
}

export type ChangeRefusal =
  | { code: 'INVALID_TRANSITION'; detail: string; refusal?: string }
  | { code: 'INVALID_PAYMENT_TRANSITION'; detail: string }
  | { code: 'REASON_REQUIRED'; detail: string };

export interface ChangePlan {
  next: ChangeableFields;
  history: HistoryEntry[];
  stock?: StockEffect;
  /** The status change, for metrics. */
  transition?: [OrderStatus, OrderStatus];
}

/**
 * What a change does to an order as it is now: the fields it ends with, its history entries and
 * the effects owed to neighbours, or why it is refused. `undefined` history means nothing
 * changes (a PUT of the values the order already has).
 */
export function planChange(
  order: ChangeableFields,
  request: ChangeRequest,
  actor: Actor,
  now: Date,
): ChangePlan | ChangeRefusal {
  const next: ChangeableFields = { ...order };
  const history: HistoryEntry[] = [];
  let stock: StockEffect | undefined;
  let transition: [OrderStatus, OrderStatus] | undefined;

  const to = request.status;
  if (to !== undefined && !(request.allowSameStatus && to === order.status)) {
    const check = checkTransition(order, to, actor);
    if (!check.ok) {
      return {
        code: 'INVALID_TRANSITION',
        detail: explainRefusal(order, to, actor, check.refusal),
        refusal: check.refusal?.code,
      };
    }
    if (check.requiresReason && !request.reason?.trim()) {
      return { code: 'REASON_REQUIRED', detail: `Say why the order becomes ${to}: send a reason.` };
    }
    const effects = enterEffects(order, to);
    next.status = to;
    next.held_from = effects.held_from ?? null;
    if (effects.timestamp) stampOnce(next, effects.timestamp, now);
    if (effects.keepsReason && request.reason) next.cancellation_reason = request.reason;
    if (effects.payment_status && request.payment_status === undefined) {
      next.payment_status = effects.payment_status;
    }
    stock = effects.stock;
    transition = [order.status, to];
    history.push({
      type: 'status_changed',
      from_status: order.status,
      to_status: to,
      reason: request.reason ?? null,
    });
  }

  const pay = request.payment_status;
  if (pay !== undefined && pay !== order.payment_status) {
    if (!paymentTransitionAllowed(order.payment_status, pay, actor)) {
      return {
        code: 'INVALID_PAYMENT_TRANSITION',
        detail: `Payment status ${order.payment_status} cannot become ${pay}.`,
      };
    }
    next.payment_status = pay;
  }
  if (next.payment_status !== order.payment_status) {
    history.push({
      type: 'payment_status_changed',
      from_payment_status: order.payment_status,
      to_payment_status: next.payment_status,
    });
  }

  if (request.tracking_number !== undefined) next.tracking_number = request.tracking_number;
  if (request.carrier !== undefined) next.carrier = request.carrier;
  if (next.tracking_number !== order.tracking_number || next.carrier !== order.carrier) {
    history.push({
      type: 'tracking_updated',
      details: { tracking_number: next.tracking_number, carrier: next.carrier },
    });
  }
  if (request.internal_notes !== undefined && request.internal_notes !== order.internal_notes) {
    next.internal_notes = request.internal_notes;
    history.push({ type: 'note_added', details: { internal_notes: next.internal_notes } });
  }
  return { next, history, stock, transition };
}

export function isRefusal(result: ChangePlan | ChangeRefusal): result is ChangeRefusal {
  return 'code' in result;
}

function stampOnce(fields: ChangeableFields, column: StatusTimestamp, now: Date): void {
  fields[column] ??= now;
}
