import type { Role } from '../auth/auth-user';
import { centsToAmount } from '../common/money';
import type { RefundDetails } from '../orders/order-change-plan';
import type { Order } from '../orders/order.entity';
import type { RefundResponseDto } from './dto/refund.dto';
import type { Refund } from './refund.entity';

/** The refund as `viewer` may see it: money in dollars, the reason for admins only. */
export function presentRefund(refund: Refund, viewer: Role): RefundResponseDto {
  return {
    id: refund.id,
    order_id: refund.order_id,
    status: refund.status,
    amount: centsToAmount(refund.amount),
    currency: refund.currency,
    subtotal: centsToAmount(refund.subtotal),
    tax: centsToAmount(refund.tax),
    discount: centsToAmount(refund.discount),
    shipping_cost: centsToAmount(refund.shipping_cost),
    lines: refund.lines.map((l) => ({
      item_id: l.item_id,
      quantity: l.quantity,
      unit_price: centsToAmount(l.unit_price),
      subtotal: centsToAmount(l.subtotal),
    })),
    ...(viewer === 'admin' ? { reason: refund.reason } : {}),
    created_at: refund.created_at,
    settled_at: refund.settled_at,
  };
}

/**
 * The refund as history entries and events carry it: what the Payment Service needs to act on
 * it (cents, its payment), without the admin's reason.
 */
export function refundDetails(refund: Refund, order: Order): RefundDetails {
  return {
    refund_id: refund.id,
    amount: centsToAmount(refund.amount),
    amount_cents: refund.amount,
    currency: refund.currency,
    lines: refund.lines.map((l) => ({ item_id: l.item_id, quantity: l.quantity })),
    shipping: refund.shipping_cost > 0,
    payment_intent_id: order.payment_intent_id,
  };
}
