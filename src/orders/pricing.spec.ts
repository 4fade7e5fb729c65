import { priceOrder, PricingRules } from './pricing';

const rules: PricingRules = { taxRate: 0.08, shippingFee: 1000, freeShippingThreshold: 10000 };

describe('priceOrder', () => {
  it('prices as the platform does, in cents', () => {
    const priced = priceOrder(
      [
        { unitPrice: 129999, quantity: 3 },
        { unitPrice: 115, quantity: 1 },
      ],
      rules,
    );
    expect(priced.lines.map((l) => l.subtotal)).toEqual([389997, 115]);
    expect(priced).toMatchObject({
      subtotal: 390112,
      tax: 31209, // 312.0896 -> 312.09
      shippingCost: 0,
      discount: 0,
      total: 421321,
    });
  });

  it('charges shipping below the threshold: 99.99', () => {
    const priced = priceOrder([{ unitPrice: 9999, quantity: 1 }], rules);
    expect(priced).toMatchObject({ subtotal: 9999, tax: 800, shippingCost: 1000, total: 11799 });
  });

  it('ships free at exactly the threshold: 100.00', () => {
    const priced = priceOrder([{ unitPrice: 10000, quantity: 1 }], rules);
    expect(priced).toMatchObject({ subtotal: 10000, tax: 800, shippingCost: 0, total: 10800 });
  });

  it('keeps 1.15 exact: 115 cents, not 114', () => {
    const priced = priceOrder([{ unitPrice: 115, quantity: 3 }], rules);
    expect(priced).toMatchObject({ subtotal: 345, tax: 28, shippingCost: 1000, total: 1373 });
  });

  it('rounds tax once per order, not per line', () => {
    // Per line: 0.56 -> 1 cent each, 3 cents; per order: 21 * 0.08 = 1.68 -> 2 cents.
    const priced = priceOrder(
      [
        { unitPrice: 7, quantity: 1 },
        { unitPrice: 7, quantity: 1 },
        { unitPrice: 7, quantity: 1 },
      ],
      rules,
    );
    expect(priced.tax).toBe(2);
  });

  it('subtracts a discount from the total', () => {
    const priced = priceOrder([{ unitPrice: 20000, quantity: 1 }], rules, 500);
    expect(priced.total).toBe(20000 + 1600 - 500);
  });
});
