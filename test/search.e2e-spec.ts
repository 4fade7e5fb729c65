import { createTestApp, TestApp } from './utils/app';
import { expectStatus, OrderJson, ORDERS } from './utils/orders';
import { expectProblem } from './utils/problem';
import {
  expectedSearch,
  Query,
  SEARCH_PRODUCTS,
  SEARCH_USERS,
  seedSearchOrders,
} from './utils/search-fixture';
import { SeedOrder, subtotalOf, totalOf } from './utils/seed-orders';
import { makeUser, signToken, TestUser } from './utils/tokens';

interface ListJson {
  orders: OrderJson[];
  total?: number;
  page?: number;
  limit: number;
  pages?: number;
  next_cursor: string | null;
}

const NOW = new Date(Date.UTC(2026, 5, 15, 12, 0, 0));
const COUNT = 240;

describe('admin search: GET /api/orders/all', () => {
  let t: TestApp;
  let admin: TestUser;
  let seeded: SeedOrder[];

  beforeAll(async () => {
    t = await createTestApp();
    admin = makeUser('admin');
    seeded = await seedSearchOrders(t.databaseUrl, COUNT, NOW);
  });

  afterAll(async () => {
    await t?.close();
  });

  const get = (path: string, query: Query, user: TestUser = admin) =>
    t.http.get(path).query(query).set(user.auth);

  /** Every page by cursor, checking each page's shape on the way. */
  async function walk(path: string, query: Query, user: TestUser = admin): Promise<OrderJson[]> {
    const seen: OrderJson[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const res = await get(path, { ...query, limit: '50', ...(cursor ? { cursor } : {}) }, user);
      expectStatus(res, 200);
      const body = res.body as ListJson;
      seen.push(...body.orders);
      if (cursor) expect(body.total).toBeUndefined();
      cursor = body.next_cursor;
      if (cursor === null) return seen;
      expect(body.orders).toHaveLength(50);
    }
    throw new Error('more than 100 pages');
  }

  const ids = (orders: { id: string }[]) => orders.map((o) => o.id);

  const date = (hoursAgo: number) => new Date(NOW.getTime() - hoursAgo * 3_600_000).toISOString();
  const sample = () => seeded[17];

  const SCENARIOS: [string, () => Query][] = [
    ['no filter (newest first)', () => ({})],
    ['status', () => ({ status: 'pending' })],
    ['status list', () => ({ status: 'shipped,delivered,on_hold' })],
    ['payment_status', () => ({ payment_status: 'failed' })],
    ['payment_status list', () => ({ payment_status: 'completed, refunded' })],
    ['created_from', () => ({ created_from: date(50) })],
    ['created_to (exclusive)', () => ({ created_to: seeded[100].created_at.toISOString() })],
    ['created_from inclusive', () => ({ created_from: seeded[100].created_at.toISOString() })],
    [
      'created range with offsets',
      () => ({
        created_from: '2026-06-12T10:00:00+02:00',
        created_to: '2026-06-14T00:00:00-01:30',
      }),
    ],
    ['created range as dates', () => ({ created_from: '2026-06-10', created_to: '2026-06-13' })],
    ['email, another case', () => ({ email: 'alice.smith+0@EXAMPLE.com' })],
    ['email, non-ASCII domain', () => ({ email: 'li+2@例子.cn' })],
    ['user_id', () => ({ user_id: SEARCH_USERS[1] })],
    ['order_number exact', () => ({ order_number: sample().order_number })],
    [
      'order_number exact, lower case',
      () => ({ order_number: sample().order_number.toLowerCase() }),
    ],
    ['order_number prefix (a day)', () => ({ order_number: sample().order_number.slice(0, 12) })],
    ['order_number prefix', () => ({ order_number: 'ORD-2026061' })],
    ['total_min', () => ({ total_min: '20' })],
    ['total_max', () => ({ total_max: '12.5' })],
    ['total range', () => ({ total_min: '5.25', total_max: '15.75' })],
    ['product_id', () => ({ product_id: SEARCH_PRODUCTS[3] })],
    ['flagged', () => ({ flagged: 'true' })],
    ['flagged=false (no filter)', () => ({ flagged: 'false' })],
    ['q, name in another case', () => ({ q: 'ALICE' })],
    ['q, e-mail', () => ({ q: 'example.org' })],
    ['q, order number', () => ({ q: sample().order_number.slice(4, 12) })],
    ['q, non-ASCII', () => ({ q: 'Ünal' })],
    ['q, CJK', () => ({ q: '李小龍' })],
    ['q, LIKE wildcards are literal', () => ({ q: '0%_r' })],
    ['q, a quote', () => ({ q: "O'Bri" })],
    ['sort created_at', () => ({ sort: 'created_at' })],
    ['sort total', () => ({ sort: 'total' })],
    ['sort -total', () => ({ sort: '-total' })],
    [
      'status + payment_status + dates',
      () => ({
        status: 'pending,confirmed,processing',
        payment_status: 'pending',
        created_from: date(200),
        created_to: date(20),
      }),
    ],
    [
      'email + product + sort total',
      () => ({
        email: 'sean+3@example.com',
        product_id: SEARCH_PRODUCTS[1],
        sort: 'total',
      }),
    ],
    ['q + flagged + -total', () => ({ q: 'example', flagged: 'true', sort: '-total' })],
    [
      'user + total range + status',
      () => ({
        user_id: SEARCH_USERS[0],
        total_min: '3',
        total_max: '30',
        status: 'pending,shipped',
      }),
    ],
    ['nothing matches', () => ({ email: 'nobody@example.com' })],
  ];

  it('the seeded set makes every scenario meaningful (some but not all orders match)', () => {
    for (const [name, query] of SCENARIOS) {
      const n = expectedSearch(seeded, query()).length;
      if (name === 'nothing matches') expect(n).toBe(0);
      else if (!/no filter|^sort|flagged=false/.test(name)) {
        expect({ name, between: n > 0 && n < COUNT }).toEqual({ name, between: true });
      }
    }
  });

  it.each(SCENARIOS)('%s: every page by cursor, the exact orders in order', async (_n, query) => {
    const expected = expectedSearch(seeded, query());
    const found = await walk(`${ORDERS}/all`, query());
    expect(ids(found)).toEqual(ids(expected));
  });

  it.each(SCENARIOS)('%s: offset pages count every match', async (_n, query) => {
    const expected = expectedSearch(seeded, query());
    const res = await get(`${ORDERS}/all`, { ...query(), page: '2', limit: '7' });
    expectStatus(res, 200);
    const body = res.body as ListJson;
    expect({ total: body.total, page: body.page, limit: body.limit, pages: body.pages }).toEqual({
      total: expected.length,
      page: 2,
      limit: 7,
      pages: Math.ceil(expected.length / 7),
    });
    expect(ids(body.orders)).toEqual(ids(expected.slice(7, 14)));
    expect(body.next_cursor === null).toBe(expected.length <= 14);
  });

  it('answers each order as the database holds it (money exact, lines, flags)', async () => {
    const found = await walk(`${ORDERS}/all`, { sort: 'total' });
    const byId = new Map(seeded.map((o) => [o.id, o]));
    for (const order of found) {
      const seed = byId.get(order.id)!;
      expect({
        total: order.total,
        subtotal: order.subtotal,
        email: order.customer_email,
        name: order.customer_name,
        lines: order.items.map((i) => [i.product_id, i.quantity, i.unit_price]),
        flagged: order.flags.length > 0,
      }).toEqual({
        total: totalOf(seed) / 100,
        subtotal: subtotalOf(seed) / 100,
        email: seed.customer_email,
        name: seed.customer_name,
        lines: seed.items.map((i) => [i.product_id, i.quantity, i.unit_price / 100]),
        flagged: seed.flagged,
      });
    }
  });

  const BAD: [string, Query][] = [
    ['status', { status: 'nope' }],
    ['status', { status: 'pending,' }],
    ['status', { status: '' }],
    ['payment_status', { payment_status: 'paid' }],
    ['created_from', { created_from: 'yesterday' }],
    ['created_from', { created_from: '2026-13-01' }],
    ['created_from', { created_from: '2026-02-30' }],
    ['created_from', { created_from: '2026-06-01T10:00:00' }],
    ['created_to', { created_to: '2026-06-01T25:00:00Z' }],
    ['created_from', { created_from: '2026-06-10', created_to: '2026-06-01' }],
    ['email', { email: 'not-an-address' }],
    ['email', { email: `${'a'.repeat(250)}@example.com` }],
    ['user_id', { user_id: 'has space' }],
    ['user_id', { user_id: 'x'.repeat(65) }],
    ['order_number', { order_number: 'ORD_2026%' }],
    ['order_number', { order_number: '' }],
    ['total_min', { total_min: '1.234' }],
    ['total_min', { total_min: '-1' }],
    ['total_min', { total_min: 'abc' }],
    ['total_max', { total_max: '1e3' }],
    ['total_min', { total_min: '20', total_max: '10' }],
    ['product_id', { product_id: 'xyz' }],
    ['flagged', { flagged: 'yes' }],
    ['q', { q: 'ab' }],
    ['q', { q: 'a\u0000bc' }],
    ['q', { q: 'x'.repeat(101) }],
    ['sort', { sort: 'price' }],
    ['sort', { sort: '-id' }],
    ['include_total', { include_total: 'maybe' }],
    ['limit', { limit: '0' }],
    ['page', { page: '0' }],
    ['cursor', { cursor: 'not a cursor!' }],
    ['foo', { foo: 'bar' }],
  ];

  it.each(BAD)('%s: %j → 400 naming the parameter', async (field, query) => {
    const res = await get(`${ORDERS}/all`, query);
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect((body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
  });

  it('a repeated parameter is ambiguous, not a list: 400 naming it', async () => {
    const res = await t.http.get(`${ORDERS}/all?status=pending&status=shipped`).set(admin.auth);
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect((body.errors as { field: string }[]).map((e) => e.field)).toContain('status');
  });

  describe("a customer's own list: GET /api/orders", () => {
    let customer: TestUser;
    const mine = () => seeded.filter((o) => o.user_id === SEARCH_USERS[0]);

    beforeAll(() => {
      const token = signToken({ userId: SEARCH_USERS[0], email: 'alice@example.com' });
      customer = {
        ...makeUser(),
        userId: SEARCH_USERS[0],
        token,
        auth: { Authorization: `Bearer ${token}` },
      };
    });

    it.each<[string, Query]>([
      ['no filter', {}],
      ['status list', { status: 'pending,cancelled' }],
      ['created range', { created_from: date(150), created_to: date(30) }],
      ['status and dates', { status: 'shipped', created_from: '2026-06-08' }],
    ])('%s: only their orders, the exact ones', async (_n, query) => {
      const found = await walk(ORDERS, query, customer);
      expect(ids(found)).toEqual(ids(expectedSearch(mine(), query)));
    });

    it.each<[string, Query]>([
      ['email', { email: 'alice.smith+0@example.com' }],
      ['user_id', { user_id: SEARCH_USERS[1] }],
      ['q', { q: 'alice' }],
      ['sort', { sort: 'total' }],
      ['product_id', { product_id: SEARCH_PRODUCTS[0] }],
    ])('does not take the admin filter %s (400)', async (field, query) => {
      const body = expectProblem(await get(ORDERS, query, customer), 400, 'VALIDATION_FAILED');
      expect((body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    });
  });
});
