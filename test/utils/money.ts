/*
 * Money as the tests compute it, in integer cents, independently of src/ (so a rounding mistake
 * there fails a test here).
 */

/** A JSON dollar amount with at most two decimals, as integer cents (1.15 → 115). */
export function toCents(dollars: number): number {
  const cents = Math.round(dollars * 100);
  if (Math.abs(cents - dollars * 100) > 1e-6)
    throw new Error(`${dollars} has more than 2 decimals`);
  return cents;
}

/** Cents as the API's JSON number (the double nearest to the decimal). */
export const amount = (cents: number): number => cents / 100;

/** Cents as PostgreSQL prints numeric(12,2): '107.99'. */
export const decimal = (cents: number): string =>
  `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

export interface ExpectedPricing {
  lines: { unit: number; quantity: number; subtotal: number }[];
  subtotal: number;
  tax: number;
  shipping: number;
  discount: number;
  total: number;
}

/** The pricing in cents: tax 8 % rounded half-up once, shipping 10.00 below 100.00. */
export function expectedPricing(lines: { price: number; quantity: number }[]): ExpectedPricing {
  const priced = lines.map(({ price, quantity }) => {
    const unit = toCents(price);
    return { unit, quantity, subtotal: unit * quantity };
  });
  const subtotal = priced.reduce((sum, line) => sum + line.subtotal, 0);
  // subtotal × 8 / 100 rounded half-up, in integers.
  const tax = Math.floor((subtotal * 8 * 2 + 100) / 200);
  const shipping = subtotal < 10_000 ? 1_000 : 0;
  return { lines: priced, subtotal, tax, shipping, discount: 0, total: subtotal + tax + shipping };
}

/** Fails when a money member of the JSON text carries more than two decimals. */
export function expectTwoDecimalMoney(text: string): void {
  const long = text.match(
    /"(subtotal|tax|shipping_cost|discount|total|unit_price)":-?\d+\.\d{3,}/g,
  );
  expect(long).toBeNull();
}
