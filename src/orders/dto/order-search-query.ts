import { toCents } from '../../common/money';
import { checkRanges, EMPTY_SEARCH, invalidParameter, OrderSearch } from '../order-search';
import type { ListOrdersQueryDto } from './list-orders-query.dto';
import type { ExportOrdersQueryDto, SearchOrdersQueryDto } from './search-orders-query.dto';

type AnyQuery = ListOrdersQueryDto | SearchOrdersQueryDto | ExportOrdersQueryDto;

/**
 * An instant as PostgreSQL reads it unambiguously: a bare date is midnight UTC, whatever the
 * server's time zone. The pattern was checked by the DTO; the calendar (no 30 February) is here.
 */
function instant(field: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) {
    throw invalidParameter(field, `${field} is not a date of the calendar`);
  }
  return value.length === 10 ? `${value}T00:00:00Z` : value;
}

function cents(field: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const result = toCents(value);
  if (result === null) throw invalidParameter(field, `${field} must be an amount in dollars`);
  return result;
}

/** The query's parameters as a search; `ownerId` limits it to one customer's orders. */
export function searchFromQuery(query: AnyQuery, ownerId: string | null): OrderSearch {
  const admin: Partial<SearchOrdersQueryDto> = ownerId === null ? query : {};
  return checkRanges({
    ...EMPTY_SEARCH,
    userId: ownerId ?? admin.user_id ?? null,
    statuses: query.status ?? null,
    createdFrom: instant('created_from', query.created_from),
    createdTo: instant('created_to', query.created_to),
    paymentStatuses: admin.payment_status ?? null,
    email: admin.email ?? null,
    orderNumberPrefix: admin.order_number?.toUpperCase() ?? null,
    totalMin: cents('total_min', admin.total_min),
    totalMax: cents('total_max', admin.total_max),
    productId: admin.product_id ?? null,
    flagged: admin.flagged ?? false,
    text: admin.q ?? null,
    sort: admin.sort ?? '-created_at',
  });
}
