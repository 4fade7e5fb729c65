import { ValueTransformer } from 'typeorm';

/**
 * Money is integer cents in code and numeric(12,2) in the database; it is never arithmetic on
 * binary floats. Conversions go through decimal text, which is exact.
 */

/** numeric(12,2) holds at most 9,999,999,999.99. */
export const MAX_CENTS = 999_999_999_999;

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Converts a decimal (a JSON number such as 1.15, or numeric text such as "1.15") to cents.
 * Returns null when the value has more than two decimals or is not a plain finite decimal, so
 * the caller decides whether that is an error: 1.15 -> 115, never 114.
 */
export function toCents(value: number | string): number | null {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  // A JSON number's shortest round-trip text is the text the sender wrote.
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = DECIMAL.exec(text);
  if (!match) return null;
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > 2) {
    if (/[1-9]/.test(fraction.slice(2))) return null;
  }
  const cents = Number(whole) * 100 + Number(fraction.slice(0, 2).padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) return null;
  return sign === '-' ? -cents : cents;
}

/**
 * A price from a neighbour's JSON, in cents. A binary float computed somewhere upstream may carry
 * noise (1.0699999999999998 for 1.07); that is accepted as the cent it denotes. A genuinely
 * finer amount (1.155) is not a price in cents and yields null.
 */
export function priceToCents(price: number): number | null {
  const exact = toCents(price);
  if (exact !== null || !Number.isFinite(price)) return exact;
  const nearest = price.toFixed(2);
  return Math.abs(Number(nearest) - price) < 1e-9 ? toCents(nearest) : null;
}

/** Cents to the JSON number of the API (107.99): the nearest double, whose text is exact. */
export function centsToAmount(cents: number): number {
  return Number(centsToDecimal(cents));
}

export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Maps a numeric(12,2) column to integer cents. */
export const centsColumn: ValueTransformer = {
  to: (cents: number | null | undefined) => (cents == null ? cents : centsToDecimal(cents)),
  from: (value: string | null) => (value == null ? value : toCents(value)),
};

/** A rate such as 0.08 as an exact fraction numerator/denominator (8/100). */
export function toFraction(rate: number): { numerator: bigint; denominator: bigint } {
  const match = DECIMAL.exec(String(rate));
  if (!match || match[1] === '-') throw new Error(`Not a non-negative decimal: ${rate}`);
  const [, , whole, fraction = ''] = match;
  return {
    numerator: BigInt(whole + fraction),
    denominator: 10n ** BigInt(fraction.length),
  };
}

/** amount × rate, rounded half-up to the cent (amount ≥ 0). */
export function applyRateHalfUp(cents: number, rate: number): number {
  const { numerator, denominator } = toFraction(rate);
  const scaled = BigInt(cents) * numerator;
  return Number((scaled * 2n + denominator) / (denominator * 2n));
}
