import { DomainError } from '../common/errors/domain-error';
import { decodeCursor, encodeCursor } from './order-cursor';
import { EMPTY_SEARCH, OrderSearch, searchFingerprint, searchParameters } from './order-search';
import { OrderStatus } from './order-process';
import { searchFromQuery } from './dto/order-search-query';
import type { SearchOrdersQueryDto } from './dto/search-orders-query.dto';

const ID = '0b6f1c1e-8f4e-4d5c-9a51-3f3c2b1a0d9e';
const AT = '2026-06-15T11:59:59.123456Z';

function refusal(fn: () => unknown): { field: string; detail: string } | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).options.errors?.[0];
  }
  return undefined;
}

describe('cursors', () => {
  const search: OrderSearch = { ...EMPTY_SEARCH, statuses: [OrderStatus.PENDING] };

  it('round-trips a position for the same query', () => {
    const cursor = encodeCursor(search, { key: AT, id: ID });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, { ...search })).toEqual({ key: AT, id: ID });
  });

  it.each<[string, Partial<OrderSearch>]>([
    ['another status', { statuses: [OrderStatus.SHIPPED] }],
    ['another sort', { sort: 'created_at' }],
    ['another caller', { userId: 'someone' }],
    ['one more filter', { flagged: true }],
  ])('is refused with %s, naming cursor', (_name, change) => {
    const cursor = encodeCursor(search, { key: AT, id: ID });
    expect(refusal(() => decodeCursor(cursor, { ...search, ...change }))?.field).toBe('cursor');
  });

  it('ignores the order of list values and the case of the e-mail', () => {
    const a = {
      ...EMPTY_SEARCH,
      statuses: [OrderStatus.PENDING, OrderStatus.SHIPPED],
      email: 'A@x.io',
    };
    const b = {
      ...EMPTY_SEARCH,
      statuses: [OrderStatus.SHIPPED, OrderStatus.PENDING],
      email: 'a@X.io',
    };
    expect(searchFingerprint(a)).toBe(searchFingerprint(b));
  });

  it.each(['', 'x', Buffer.from('{"v":1}').toString('base64url')])('refuses %j', (cursor) => {
    expect(refusal(() => decodeCursor(cursor, search))?.field).toBe('cursor');
  });

  it('refuses a key of the wrong kind for the sort', () => {
    const totalSearch: OrderSearch = { ...search, sort: '-total' };
    expect(
      refusal(() => decodeCursor(encodeCursor(totalSearch, { key: AT, id: ID }), totalSearch))
        ?.field,
    ).toBe('cursor');
    expect(decodeCursor(encodeCursor(totalSearch, { key: '12.50', id: ID }), totalSearch).key).toBe(
      '12.50',
    );
  });
});

describe('search parameters', () => {
  it('escapes LIKE wildcards and anchors prefixes; a whole order number is exact', () => {
    const params = searchParameters({
      ...EMPTY_SEARCH,
      text: '50%_off\\',
      orderNumberPrefix: 'ORD-2026',
    });
    expect(params[6]).toBe('ORD-2026%');
    expect(params[11]).toBe('%50\\%\\_off\\\\%');
    expect(searchParameters({ ...EMPTY_SEARCH, orderNumberPrefix: 'ORD-20260615-ABC123' })[6]).toBe(
      'ORD-20260615-ABC123',
    );
  });

  it('reads dollars as cents and bare dates as midnight UTC', () => {
    const search = searchFromQuery(
      { limit: 20, total_min: '1.1', total_max: '20', created_from: '2026-02-28' },
      null,
    );
    expect([search.totalMin, search.totalMax, search.createdFrom]).toEqual([
      110,
      2000,
      '2026-02-28T00:00:00Z',
    ]);
  });

  it.each<[string, Record<string, string>]>([
    ['created_from', { created_from: '2026-02-29' }],
    ['created_from', { created_from: '2026-03-02', created_to: '2026-03-01' }],
    ['total_min', { total_min: '2', total_max: '1' }],
  ])('refuses %s in %j', (field, query) => {
    expect(refusal(() => searchFromQuery({ limit: 20, ...query }, null))?.field).toBe(field);
  });

  it("keeps a customer's search to their own orders, whatever else is sent", () => {
    const query: SearchOrdersQueryDto = { limit: 20, user_id: 'other', email: 'x@y.z' };
    const search = searchFromQuery(query, 'me');
    expect([search.userId, search.email]).toEqual(['me', null]);
  });
});
