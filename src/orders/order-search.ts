import { createHash } from 'node:crypto';
import { DomainError } from '../common/errors/domain-error';
import { ORDER_NUMBER } from './order-number';
import { OrderStatus, PaymentStatus } from './order-process';

/**
 * What a list, a search or an export asks for, checked and normalised: the one shape the
 * statements take their parameters from and a cursor is bound to. Pure: no Nest, no database.
 */

export const ORDER_SORTS = ['-created_at', 'created_at', '-total', 'total'] as const;
export type OrderSort = (typeof ORDER_SORTS)[number];

export interface OrderSearch {
  /** A customer's own orders; null for an admin's search over every order. */
  userId: string | null;
  statuses: OrderStatus[] | null;
  paymentStatuses: PaymentStatus[] | null;
  /** ISO 8601 with an offset; inclusive. */
  createdFrom: string | null;
  /** ISO 8601 with an offset; exclusive. */
  createdTo: string | null;
  email: string | null;
  orderNumberPrefix: string | null;
  /** Cents, inclusive. */
  totalMin: number | null;
  totalMax: number | null;
  productId: string | null;
  flagged: boolean;
  text: string | null;
  sort: OrderSort;
}

export const EMPTY_SEARCH: OrderSearch = {
  userId: null,
  statuses: null,
  paymentStatuses: null,
  createdFrom: null,
  createdTo: null,
  email: null,
  orderNumberPrefix: null,
  totalMin: null,
  totalMax: null,
  productId: null,
  flagged: false,
  text: null,
  sort: '-created_at',
};

export function invalidParameter(field: string, detail: string): DomainError {
  return new DomainError('VALIDATION_FAILED', detail, { errors: [{ field, detail }] });
}

/** Checks what one parameter alone cannot: ranges whose ends are given in two parameters. */
export function checkRanges(search: OrderSearch): OrderSearch {
  if (
    search.createdFrom &&
    search.createdTo &&
    Date.parse(search.createdFrom) > Date.parse(search.createdTo)
  ) {
    throw invalidParameter('created_from', 'created_from must not be later than created_to');
  }
  if (search.totalMin !== null && search.totalMax !== null && search.totalMin > search.totalMax) {
    throw invalidParameter('total_min', 'total_min must not be greater than total_max');
  }
  return search;
}

/** `%`, `_` and `\` are wildcards in LIKE: text a person searches for is literal. */
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The search as the statements' first twelve parameters (see SEARCH_CONDITIONS). Absent filters
 * are null, so that PostgreSQL, planning with the values bound, leaves them out of the plan.
 */
export function searchParameters(search: OrderSearch): unknown[] {
  return [
    search.userId,
    search.statuses,
    search.paymentStatuses,
    search.createdFrom,
    search.createdTo,
    search.email,
    orderNumberPattern(search.orderNumberPrefix),
    search.totalMin === null ? null : centsText(search.totalMin),
    search.totalMax === null ? null : centsText(search.totalMax),
    search.productId,
    search.flagged,
    search.text === null ? null : `%${likeLiteral(search.text)}%`,
  ];
}

/** A whole order number matches itself alone: without a wildcard LIKE becomes `=`. */
function orderNumberPattern(prefix: string | null): string | null {
  if (prefix === null) return null;
  return ORDER_NUMBER.test(prefix) ? prefix : `${likeLiteral(prefix)}%`;
}

const centsText = (cents: number): string =>
  `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

/**
 * A fingerprint of everything that decides which orders a query returns and in what order: a
 * cursor carries it, so that a cursor is refused with any other filters, sort or caller.
 */
export function searchFingerprint(search: OrderSearch): string {
  const canonical = {
    ...search,
    statuses: search.statuses && [...search.statuses].sort(),
    paymentStatuses: search.paymentStatuses && [...search.paymentStatuses].sort(),
    createdFrom: search.createdFrom && new Date(search.createdFrom).toISOString(),
    createdTo: search.createdTo && new Date(search.createdTo).toISOString(),
    email: search.email?.toLowerCase() ?? null,
  };
  const ordered = Object.keys(canonical)
    .sort()
    .map((key) => [key, canonical[key as keyof typeof canonical]]);
  return createHash('sha256').update(JSON.stringify(ordered)).digest('base64url').slice(0, 16);
}
