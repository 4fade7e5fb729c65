/**
 * What a refund gives back, in integer cents, from the order's own money. Pure: no framework,
 * no database, so every rounding rule can be tested on its own.
 *
 * A line refund is unit price × quantity plus its share of the order's tax, minus its share of
 * the order's discount. Shares are computed cumulatively: after refunds of merchandise worth M
 * in all, the tax refunded in all is round-half-up(tax × M / subtotal), and each refund takes
 * what that total grew by. Rounding each refund on its own would drift a cent per refund;
 * cumulatively, refunding every line gives back exactly the order's tax and discount, and with
 * the shipping exactly its total.
 */

export interface RefundableOrder {
  subtotal: number;
  tax: number;
  discount: number;
  shipping_cost: number;
  items: readonly { id: string; unit_price: number; quantity: number }[];
}

/** A refund already requested and not failed: its money counts against what is left. */
export interface EarlierRefund {
  lines: readonly { item_id: string; quantity: number }[];
  amount: number;
  subtotal: number;
  tax: number;
  discount: number;
  shipping_cost: number;
}

export interface RefundRequest {
  lines: readonly { item_id: string; quantity: number }[];
  shipping: boolean;
}

export interface RefundQuote {
  lines: { item_id: string; quantity: number; unit_price: number; subtotal: number }[];
  subtotal: number;
  tax: number;
  discount: number;
  shipping_cost: number;
  amount: number;
}

export interface RefundRefusal {
  code:
    | 'REFUND_EMPTY'
    | 'REFUND_ITEM_NOT_FOUND'
    | 'REFUND_QUANTITY_EXCEEDED'
    | 'SHIPPING_ALREADY_REFUNDED'
    | 'REFUND_EXCEEDS_CAPTURED';
  detail: string;
  extensions?: Record<string, unknown>;
}

/** part × numerator / denominator, rounded half-up (all ≥ 0), exactly. */
export function shareHalfUp(total: number, part: number, whole: number): number {
  if (whole === 0) return 0;
  const scaled = BigInt(total) * BigInt(part);
  const w = BigInt(whole);
  return Number((scaled * 2n + w) / (w * 2n));
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

/** Quantities already refunded (or being refunded) per line. */
export function refundedQuantities(earlier: readonly EarlierRefund[]): Map<string, number> {
  const refunded = new Map<string, number>();
  for (const refund of earlier) {
    for (const line of refund.lines) {
      refunded.set(line.item_id, (refunded.get(line.item_id) ?? 0) + line.quantity);
    }
  }
  return refunded;
}

/**
 * The refund `request` would be, given the refunds before it and the money captured; or why it
 * cannot be. The same item listed twice counts once with the quantities added.
 */
export function quoteRefund(
  order: RefundableOrder,
  earlier: readonly EarlierRefund[],
  request: RefundRequest,
  captured: number,
): RefundQuote | RefundRefusal {
  const wanted = new Map<string, number>();
  for (const { item_id, quantity } of request.lines) {
    wanted.set(item_id, (wanted.get(item_id) ?? 0) + quantity);
  }
  const refunded = refundedQuantities(earlier);
  const lines: RefundQuote['lines'] = [];
  for (const [itemId, quantity] of wanted) {
    const item = order.items.find((i) => i.id === itemId);
    if (!item) {
      return {
        code: 'REFUND_ITEM_NOT_FOUND',
        detail: `The order has no line ${itemId}.`,
        extensions: { item_id: itemId },
      };
    }
    const left = item.quantity - (refunded.get(itemId) ?? 0);
    if (quantity > left) {
      return {
        code: 'REFUND_QUANTITY_EXCEEDED',
        detail: `Line ${itemId}: ${quantity} to refund, but only ${left} of ${item.quantity} left.`,
        extensions: { item_id: itemId, requested: quantity, refundable: left },
      };
    }
    lines.push({
      item_id: itemId,
      quantity,
      unit_price: item.unit_price,
      subtotal: item.unit_price * quantity,
    });
  }
  const shippingRefunded = earlier.some((r) => r.shipping_cost > 0);
  if (request.shipping && shippingRefunded) {
    return { code: 'SHIPPING_ALREADY_REFUNDED', detail: 'The shipping was refunded already.' };
  }

  const subtotal = sum(lines.map((l) => l.subtotal));
  const before = sum(earlier.map((r) => r.subtotal));
  // What the shares add up to after this refund, less what earlier refunds took of them.
  const tax =
    shareHalfUp(order.tax, before + subtotal, order.subtotal) - sum(earlier.map((r) => r.tax));
  const discount =
    shareHalfUp(order.discount, before + subtotal, order.subtotal) -
    sum(earlier.map((r) => r.discount));
  const shipping_cost = request.shipping ? order.shipping_cost : 0;
  const amount = subtotal + tax - discount + shipping_cost;
  // After a failed refund the shares of the ones left may be a cent off; the next refund's share
  // corrects that (it may be a cent below its own), so that the totals stay exact.
  if (amount <= 0) {
    return { code: 'REFUND_EMPTY', detail: 'The refund comes to nothing: name lines or shipping.' };
  }
  const left = captured - sum(earlier.map((r) => r.amount));
  if (amount > left) {
    return {
      code: 'REFUND_EXCEEDS_CAPTURED',
      detail: `The refund comes to ${amount} cents, but only ${left} of the ${captured} captured are left.`,
      extensions: { amount_cents: amount, refundable_cents: Math.max(0, left) },
    };
  }
  return { lines, subtotal, tax, discount, shipping_cost, amount };
}

export function isRefundRefusal(result: RefundQuote | RefundRefusal): result is RefundRefusal {
  return 'code' in result;
}
