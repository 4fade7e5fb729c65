import fc from 'fast-check';
import { applyRateHalfUp } from '../common/money';
import {
  EarlierRefund,
  isRefundRefusal,
  quoteRefund,
  RefundableOrder,
  RefundQuote,
  shareHalfUp,
} from './refund-amounts';

/** 3 × 19.99, 1 × 1.15, 2 × 24.99: subtotal 111.10, tax 8 % = 8.888 → 8.89, shipping 10.00. */
const ORDER: RefundableOrder = {
  subtotal: 11110,
  tax: 889,
  discount: 0,
  shipping_cost: 1000,
  items: [
    { id: 'a', unit_price: 1999, quantity: 3 },
    { id: 'b', unit_price: 115, quantity: 1 },
    { id: 'c', unit_price: 2499, quantity: 2 },
  ],
};
const TOTAL = 11110 + 889 + 1000;

function quote(
  earlier: EarlierRefund[],
  request: Parameters<typeof quoteRefund>[2],
  captured = TOTAL,
) {
  const result = quoteRefund(ORDER, earlier, request, captured);
  if (isRefundRefusal(result)) throw new Error(`${result.code}: ${result.detail}`);
  return result;
}

describe('refund amounts', () => {
  it('rounds half-up exactly', () => {
    expect(shareHalfUp(889, 1999, 11110)).toBe(160); // 159.96
    expect(shareHalfUp(5, 1, 2)).toBe(3); // 2.5 → 3
    expect(shareHalfUp(100, 0, 0)).toBe(0);
  });

  it('a line gives back its price and its share of the tax', () => {
    const first = quote([], { lines: [{ item_id: 'a', quantity: 1 }], shipping: false });
    expect(first).toEqual({
      lines: [{ item_id: 'a', quantity: 1, unit_price: 1999, subtotal: 1999 }],
      subtotal: 1999,
      tax: 160,
      discount: 0,
      shipping_cost: 0,
      amount: 2159,
    });
    // Cumulative: 889 × (1999 + 115) / 11110 = 169.1 → 169 in all, so 9 more (not round(8.2)=8
    // plus a drift).
    const second = quote([first], { lines: [{ item_id: 'b', quantity: 1 }], shipping: false });
    expect(second).toMatchObject({ subtotal: 115, tax: 9, amount: 124 });
  });

  it('shipping comes back once, when asked', () => {
    const shipping = quote([], { lines: [], shipping: true });
    expect(shipping).toMatchObject({ subtotal: 0, tax: 0, shipping_cost: 1000, amount: 1000 });
    expect(quoteRefund(ORDER, [shipping], { lines: [], shipping: true }, TOTAL)).toMatchObject({
      code: 'SHIPPING_ALREADY_REFUNDED',
    });
  });

  it('every line, one by one, gives back exactly the tax; with shipping, exactly the total', () => {
    const refunds: RefundQuote[] = [];
    for (const [item_id, n] of [
      ['a', 3],
      ['b', 1],
      ['c', 2],
    ] as const) {
      for (let i = 0; i < n; i++) {
        refunds.push(quote(refunds, { lines: [{ item_id, quantity: 1 }], shipping: false }));
      }
    }
    refunds.push(quote(refunds, { lines: [], shipping: true }));
    expect(refunds.reduce((s, r) => s + r.tax, 0)).toBe(889);
    expect(refunds.reduce((s, r) => s + r.amount, 0)).toBe(TOTAL);
  });

  it('refuses more than is left on a line, an unknown line, nothing at all, and over-refunds', () => {
    const all = quote([], { lines: [{ item_id: 'a', quantity: 3 }], shipping: false });
    expect(
      quoteRefund(ORDER, [all], { lines: [{ item_id: 'a', quantity: 1 }], shipping: false }, TOTAL),
    ).toMatchObject({ code: 'REFUND_QUANTITY_EXCEEDED', extensions: { refundable: 0 } });
    expect(
      quoteRefund(ORDER, [], { lines: [{ item_id: 'z', quantity: 1 }], shipping: false }, TOTAL),
    ).toMatchObject({ code: 'REFUND_ITEM_NOT_FOUND' });
    expect(quoteRefund(ORDER, [], { lines: [], shipping: false }, TOTAL)).toMatchObject({
      code: 'REFUND_EMPTY',
    });
    // Captured less than the lines are worth (a partial capture): the ceiling holds.
    expect(
      quoteRefund(ORDER, [], { lines: [{ item_id: 'a', quantity: 3 }], shipping: false }, 5000),
    ).toMatchObject({ code: 'REFUND_EXCEEDS_CAPTURED', extensions: { refundable_cents: 5000 } });
  });

  it('adds up the same item listed twice', () => {
    const twice = quote([], {
      lines: [
        { item_id: 'c', quantity: 1 },
        { item_id: 'c', quantity: 1 },
      ],
      shipping: false,
    });
    expect(twice.lines).toEqual([{ item_id: 'c', quantity: 2, unit_price: 2499, subtotal: 4998 }]);
  });
});

// --- Any sequence of refunds --------------------------------------------------------------------

const orderArb = fc
  .record({
    items: fc.array(
      fc.record({
        unit_price: fc.integer({ min: 1, max: 200_000 }),
        quantity: fc.integer({ min: 1, max: 6 }),
      }),
      { minLength: 1, maxLength: 5 },
    ),
    rate: fc.constantFrom(0, 0.08, 0.0725, 0.15, 0.2, 0.333),
    shipping: fc.constantFrom(0, 1000, 599),
    discountShare: fc.integer({ min: 0, max: 50 }),
  })
  .map(({ items, rate, shipping, discountShare }) => {
    const lines = items.map((item, i) => ({ id: `item-${i}`, ...item }));
    const subtotal = lines.reduce((s, l) => s + l.unit_price * l.quantity, 0);
    const order: RefundableOrder = {
      subtotal,
      tax: applyRateHalfUp(subtotal, rate),
      discount: Math.floor((subtotal * discountShare) / 100),
      shipping_cost: shipping,
      items: lines,
    };
    return { order, total: subtotal + order.tax + shipping - order.discount };
  });

type Step =
  | { kind: 'refund'; picks: { line: number; quantity: number }[]; shipping: boolean }
  | { kind: 'fail'; which: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      picks: fc.array(
        fc.record({ line: fc.nat({ max: 4 }), quantity: fc.integer({ min: 1, max: 7 }) }),
        { maxLength: 3 },
      ),
      shipping: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fail' as const), which: fc.nat() }) },
);

const sumOf = (refunds: RefundQuote[], field: keyof Omit<RefundQuote, 'lines'>) =>
  refunds.reduce((s, r) => s + r[field], 0);

describe('any sequence of refunds (property)', () => {
  it('never gives back more than was captured, and adds up to the order’s money to the cent', () => {
    fc.assert(
      fc.property(orderArb, fc.array(stepArb, { maxLength: 25 }), ({ order, total }, steps) => {
        // Refunds that still count (pending or succeeded); a failed one gives its room back.
        let live: RefundQuote[] = [];
        const check = () => {
          expect(sumOf(live, 'amount')).toBeLessThanOrEqual(total);
          expect(sumOf(live, 'amount')).toBe(
            sumOf(live, 'subtotal') +
              sumOf(live, 'tax') -
              sumOf(live, 'discount') +
              sumOf(live, 'shipping_cost'),
          );
          for (const item of order.items) {
            const refunded = live
              .flatMap((r) => r.lines)
              .filter((l) => l.item_id === item.id)
              .reduce((s, l) => s + l.quantity, 0);
            expect(refunded).toBeLessThanOrEqual(item.quantity);
          }
        };
        for (const step of steps) {
          if (step.kind === 'fail') {
            if (live.length > 0) live = live.filter((_, i) => i !== step.which % live.length);
            check();
            continue;
          }
          const lines = step.picks
            .filter((p) => p.line < order.items.length)
            .map((p) => ({ item_id: order.items[p.line].id, quantity: p.quantity }));
          const result = quoteRefund(order, live, { lines, shipping: step.shipping }, total);
          if (!isRefundRefusal(result)) {
            live.push(result);
            // Right after a refund the shares are exactly the cumulative ones.
            const merchandise = sumOf(live, 'subtotal');
            expect(sumOf(live, 'tax')).toBe(shareHalfUp(order.tax, merchandise, order.subtotal));
            expect(sumOf(live, 'discount')).toBe(
              shareHalfUp(order.discount, merchandise, order.subtotal),
            );
          }
          check();
        }
        // Whatever happened, refunding what is left gives back exactly the order's total.
        const left = order.items
          .map((item) => ({
            item_id: item.id,
            quantity:
              item.quantity -
              live
                .flatMap((r) => r.lines)
                .filter((l) => l.item_id === item.id)
                .reduce((s, l) => s + l.quantity, 0),
          }))
          .filter((l) => l.quantity > 0);
        const shippingLeft = !live.some((r) => r.shipping_cost > 0) && order.shipping_cost > 0;
        if (left.length > 0 || shippingLeft) {
          const rest = quoteRefund(order, live, { lines: left, shipping: shippingLeft }, total);
          if (isRefundRefusal(rest)) throw new Error(`${rest.code}: ${rest.detail}`);
          live.push(rest);
        }
        expect(sumOf(live, 'amount')).toBe(total);
        expect(sumOf(live, 'tax')).toBe(order.tax);
        expect(sumOf(live, 'discount')).toBe(order.discount);
        // Nothing is left to refund.
        expect(
          quoteRefund(
            order,
            live,
            { lines: [{ item_id: 'item-0', quantity: 1 }], shipping: false },
            total,
          ),
        ).toMatchObject({ code: 'REFUND_QUANTITY_EXCEEDED' });
      }),
      { numRuns: 500 },
    );
  });
});
