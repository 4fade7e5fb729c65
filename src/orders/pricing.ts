import { applyRateHalfUp } from '../common/money';

/** All amounts are integer cents. */
export interface PricingRules {
  taxRate: number;
  shippingFee: number;
  freeShippingThreshold: number;
}

export interface LineInput {
  unitPrice: number;
  quantity: number;
}

export interface PricedOrder {
  lines: (LineInput & { subtotal: number })[];
  subtotal: number;
  tax: number;
  shippingCost: number;
  discount: number;
  total: number;
}

/**
 * The platform's pricing, in integer cents: subtotal = Σ unit × quantity; tax = subtotal ×
 * rate, rounded half-up once per order; shipping is charged below the free-shipping threshold;
 * total = subtotal + tax + shipping − discount.
 */
export function priceOrder(lines: LineInput[], rules: PricingRules, discount = 0): PricedOrder {
  const priced = lines.map((line) => ({ ...line, subtotal: line.unitPrice * line.quantity }));
  const subtotal = priced.reduce((sum, line) => sum + line.subtotal, 0);
  const tax = applyRateHalfUp(subtotal, rules.taxRate);
  const shippingCost = subtotal < rules.freeShippingThreshold ? rules.shippingFee : 0;
  return {
    lines: priced,
    subtotal,
    tax,
    shippingCost,
    discount,
    total: subtotal + tax + shippingCost - discount,
  };
}
