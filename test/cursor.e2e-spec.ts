import { Client } from 'pg';
import { createTestApp, TestApp } from './utils/app';
import { createOrder, expectStatus, OrderJson, ORDERS } from './utils/orders';
import { expectProblem } from './utils/problem';
import { BULK, seedBulkOrders } from './utils/seed-orders';
import { makeUser, TestUser } from './utils/tokens';

interface ListJson {
  orders: OrderJson[];
  total?: number;
  page?: number;
  pages?: number;
  limit: number;
  next_cursor: string | null;
}

const OLD_ORDERS = 10_000;

describe('cursor pagination', () => {
  let t: TestApp;
  let admin: TestUser;
  let oldIds: string[];

  beforeAll(async () => {
    t = await createTestApp();
    admin = makeUser('admin');
    const client = new Client({ connectionString: t.databaseUrl });
    await client.connect();
    try {
      await seedBulkOrders(client, OLD_ORDERS, { now: new Date(Date.now() - 60_000) });
      const { rows } = await client.query<{ id: string }>('SELECT id FROM orders');
      oldIds = rows.map((r) => r.id);
    } finally {
      await client.end();
    }
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  const page = (user: TestUser, path: string, query: Record<string, string>) =>
    t.http.get(path).query(query).set(user.auth);

  /** Walks every page while `during` runs beside it; returns the ids in the order shown. */
  async function walkWhile(query: Record<string, string>, during: () => Promise<unknown>) {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let busy = true;
    const writer = (async () => {
      while (busy) await during();
    })();
    try {
      do {
        const res = await page(admin, `${ORDERS}/all`, {
          ...query,
          limit: '100',
          ...(cursor ? { cursor } : {}),
        });
        expectStatus(res, 200);
        const body = res.body as ListJson;
        seen.push(...body.orders.map((o) => o.id));
        cursor = body.next_cursor;
        pages += 1;
      } while (cursor !== null && pages < 1_000);
    } finally {
      busy = false;
      await writer;
    }
    return seen;
  }

  it.each([['-created_at'], ['created_at'], ['-total'], ['total']])(
    'sort %s: every one of 10,000 orders exactly once while new orders are placed',
    async (sort) => {
      const customer = makeUser('customer');
      let placed = 0;
      const seen = await walkWhile({ sort }, async () => {
        await createOrder(t, customer);
        placed += 1;
      });
      expect(placed).toBeGreaterThan(0);
      const old = new Set(oldIds);
      const shownOld = seen.filter((id) => old.has(id));
      expect(shownOld.length).toBe(OLD_ORDERS);
      expect(new Set(shownOld).size).toBe(OLD_ORDERS);
      // No order of any age twice.
      expect(new Set(seen).size).toBe(seen.length);
    },
    180_000,
  );

  it('cursor pages leave out total unless include_total=true; offset pages keep it', async () => {
    const first = await page(admin, `${ORDERS}/all`, { limit: '5', status: 'pending' });
    expectStatus(first, 200);
    const firstBody = first.body as ListJson;
    expect(firstBody).toEqual(
      expect.objectContaining({ page: 1, limit: 5, total: expect.any(Number) }),
    );
    const cursor = firstBody.next_cursor!;
    expect(typeof cursor).toBe('string');

    const next = await page(admin, `${ORDERS}/all`, { limit: '5', status: 'pending', cursor });
    expectStatus(next, 200);
    expect(Object.keys(next.body as object).sort()).toEqual(['limit', 'next_cursor', 'orders']);

    const counted = await page(admin, `${ORDERS}/all`, {
      limit: '5',
      status: 'pending',
      cursor,
      include_total: 'true',
    });
    expectStatus(counted, 200);
    expect((counted.body as ListJson).total).toBe(firstBody.total);
    expect((counted.body as ListJson).orders.map((o) => o.id)).toEqual(
      (next.body as ListJson).orders.map((o) => o.id),
    );

    // The same cursor may be read again (it names a position, not a session), and with another limit.
    const again = await page(admin, `${ORDERS}/all`, { limit: '3', status: 'pending', cursor });
    expectStatus(again, 200);
    expect((again.body as ListJson).orders.map((o) => o.id)).toEqual(
      (next.body as ListJson).orders.slice(0, 3).map((o) => o.id),
    );
  });

  it('a cursor continues exactly where the offset page ended', async () => {
    const offset = await page(admin, `${ORDERS}/all`, { limit: '10', page: '3' });
    const following = await page(admin, `${ORDERS}/all`, { limit: '10', page: '4' });
    const byCursor = await page(admin, `${ORDERS}/all`, {
      limit: '10',
      cursor: (offset.body as ListJson).next_cursor!,
    });
    expectStatus(byCursor, 200);
    expect((byCursor.body as ListJson).orders.map((o) => o.id)).toEqual(
      (following.body as ListJson).orders.map((o) => o.id),
    );
  });

  it('the last page says so with next_cursor null', async () => {
    const user = BULK.userId(7);
    const res = await page(admin, `${ORDERS}/all`, { user_id: user, limit: '100' });
    expectStatus(res, 200);
    expect((res.body as ListJson).orders).toHaveLength(1);
    expect((res.body as ListJson).next_cursor).toBeNull();
  });

  describe('misuse → 400 naming the parameter', () => {
    let cursor: string;

    beforeAll(async () => {
      const res = await page(admin, `${ORDERS}/all`, { status: 'pending', limit: '2' });
      cursor = (res.body as ListJson).next_cursor!;
    });

    async function refused(
      path: string,
      query: Record<string, string>,
      field: string,
      user = admin,
    ) {
      const body = expectProblem(await page(user, path, query), 400, 'VALIDATION_FAILED');
      expect((body.errors as { field: string }[]).map((e) => e.field)).toEqual([field]);
    }

    it('with other filters', async () => {
      await refused(`${ORDERS}/all`, { status: 'shipped', cursor }, 'cursor');
      await refused(`${ORDERS}/all`, { status: 'pending', flagged: 'true', cursor }, 'cursor');
      await refused(`${ORDERS}/all`, { cursor }, 'cursor');
    });

    it('with another sort', async () => {
      await refused(`${ORDERS}/all`, { status: 'pending', sort: '-total', cursor }, 'cursor');
      await refused(`${ORDERS}/all`, { status: 'pending', sort: 'created_at', cursor }, 'cursor');
    });

    it("on a customer's own list, or another customer's cursor", async () => {
      await refused(ORDERS, { status: 'pending', cursor }, 'cursor', makeUser('customer'));
      const owner = makeUser('customer');
      await createOrder(t, owner);
      await createOrder(t, owner);
      const theirs = await page(owner, ORDERS, { limit: '1' });
      expectStatus(theirs, 200);
      const theirCursor = (theirs.body as ListJson).next_cursor!;
      expect(theirCursor).toEqual(expect.any(String));
      await refused(ORDERS, { limit: '1', cursor: theirCursor }, 'cursor', makeUser('customer'));
      await refused(`${ORDERS}/all`, { limit: '1', cursor: theirCursor }, 'cursor');
    });

    it('together with page', async () => {
      await refused(`${ORDERS}/all`, { status: 'pending', page: '2', cursor }, 'page');
      await refused(`${ORDERS}/all`, { status: 'pending', page: '1', cursor }, 'page');
    });

    it('made up or altered', async () => {
      const document = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as Record<
        string,
        unknown
      >;
      const forged = (change: Record<string, unknown>) =>
        Buffer.from(JSON.stringify({ ...document, ...change })).toString('base64url');
      for (const bad of [
        'abc',
        Buffer.from('null').toString('base64url'),
        Buffer.from('[]').toString('base64url'),
        forged({ i: 'not-a-uuid' }),
        forged({ k: "2026-01-01'; DROP TABLE orders; --" }),
        forged({ k: 12 }),
        forged({ v: 2 }),
        forged({ q: 'someone-elses' }),
      ]) {
        await refused(`${ORDERS}/all`, { status: 'pending', cursor: bad }, 'cursor');
      }
    });
  });
});
