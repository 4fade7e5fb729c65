import { randomUUID } from 'node:crypto';
import type { Response, Test } from 'supertest';
import { useOrderService } from './utils/fixture';
import {
  createOrder,
  driveTo,
  customerAllowed,
  adminAllowed,
  expectStatus,
  mustOrderRow,
  NO_RATE_LIMITS,
  OrderJson,
  OrderListJson,
  ORDERS,
  patchStatus,
  PRODUCTS,
  snapshot,
  validOrderBody,
} from './utils/orders';
import { expectProblem } from './utils/problem';
import { makeUser, TestUser } from './utils/tokens';

type Who = 'owner' | 'other' | 'admin' | 'anonymous';
const WHO: Who[] = ['owner', 'other', 'admin', 'anonymous'];
const CODES: Record<number, string> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' };

function withoutInstance(problem: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...problem };
  delete copy.instance;
  return copy;
}

describe('orders: who may do what', () => {
  const t = useOrderService({ product: true, env: NO_RATE_LIMITS });
  const { customer: owner, admin } = t;
  const other = makeUser('customer');

  const userFor = (who: Who): TestUser | null => ({ owner, other, admin, anonymous: null })[who];

  /** Sends with the caller's token, or with none. */
  function as(who: Who, req: Test): Test {
    const user = userFor(who);
    return user ? req.set(user.auth) : req;
  }

  const newOrder = (user: TestUser = owner) =>
    createOrder(t, user, validOrderBody([PRODUCTS.novel, PRODUCTS.tshirt]));

  interface Endpoint {
    name: string;
    send: (ref: { id: string; number: string }) => Test;
    expected: Record<Who, number>;
    /** What a successful call must have done to the order. */
    after?: (body: OrderJson, before: OrderJson) => void;
  }

  const ENDPOINTS: Endpoint[] = [
    {
      name: 'GET /api/orders/:id',
      send: ({ id }) => t.orders.get(null, id),
      expected: { owner: 200, other: 404, admin: 200, anonymous: 401 },
    },
    {
      name: 'GET /api/orders/number/:order_number',
      send: ({ number }) => t.orders.getByNumber(null, number),
      expected: { owner: 200, other: 404, admin: 200, anonymous: 401 },
    },
    {
      name: 'DELETE /api/orders/:id/cancel',
      send: ({ id }) => t.orders.cancel(null, id, { reason: 'Changed my mind' }),
      expected: { owner: 200, other: 404, admin: 200, anonymous: 401 },
      after: (body, before) => {
        expect(body).toMatchObject({
          status: 'cancelled',
          cancellation_reason: 'Changed my mind',
          version: before.version + 1,
        });
      },
    },
    {
      name: 'PUT /api/orders/:id',
      send: ({ id }) => t.orders.update(null, id, { tracking_number: 'TRACK-123' }),
      expected: { owner: 403, other: 403, admin: 200, anonymous: 401 },
      after: (body, before) => {
        expect(body).toMatchObject({
          tracking_number: 'TRACK-123',
          status: 'pending',
          version: before.version + 1,
        });
      },
    },
    {
      name: 'PATCH /api/orders/:id/status',
      send: ({ id }) => t.orders.patchStatus(null, id, 'confirmed'),
      expected: { owner: 403, other: 403, admin: 200, anonymous: 401 },
      after: (body, before) => {
        expect(body).toMatchObject({ status: 'confirmed', version: before.version + 1 });
      },
    },
  ];

  const CASES = ENDPOINTS.flatMap((endpoint) =>
    WHO.map((who) => [endpoint.name, who, endpoint.expected[who], endpoint] as const),
  );

  describe('single-order endpoints', () => {
    it.each(CASES)('%s as %s → %i', async (_name, who, expected, endpoint) => {
      const order = await newOrder();
      const before = snapshot(await mustOrderRow(t, order.id));
      const ref = { id: order.id, number: order.order_number };
      const res = await as(who, endpoint.send(ref));

      if (expected === 200) {
        expectStatus(res, 200);
        const body = res.body as OrderJson;
        expect(body.id).toBe(order.id);
        expect(body.order_number).toBe(order.order_number);
        expect(body.user_id).toBe(owner.userId);
        if (who === 'admin') expect(body).toHaveProperty('internal_notes');
        else expect(body).not.toHaveProperty('internal_notes');
        const allowed =
          who === 'admin'
            ? adminAllowed(body.status, body.payment_status)
            : customerAllowed(body.status);
        expect(body.allowed_transitions).toEqual(allowed);
        if (endpoint.after) endpoint.after(body, order);
        else expect(snapshot(await mustOrderRow(t, order.id))).toEqual(before);
        const row = await mustOrderRow(t, order.id);
        expect({ status: row.status, version: row.version }).toEqual({
          status: body.status,
          version: body.version,
        });
        return;
      }

      const problem = expectProblem(res, expected, CODES[expected]);
      expect(snapshot(await mustOrderRow(t, order.id))).toEqual(before);
      if (expected === 404) {
        // Exactly what a missing order answers, apart from the instance (the path).
        const missing = await as(
          who,
          endpoint.send({ id: randomUUID(), number: 'ORD-20200101-ZZZZZZ' }),
        );
        const missingProblem = expectProblem(missing, 404, 'NOT_FOUND');
        expect(withoutInstance(problem)).toEqual(withoutInstance(missingProblem));
        expect(problem.instance).not.toEqual(missingProblem.instance);
        expect(res.headers['content-type']).toBe(missing.headers['content-type']);
        expect(JSON.stringify(withoutInstance(problem))).not.toContain(order.order_number);
      }
    });

    it.each(['confirmed', 'shipped', 'delivered', 'cancelled'] as const)(
      'another customer hears 404, not 409, when cancelling a %s order',
      async (status) => {
        const order = await newOrder();
        await driveTo(t, admin, order.id, status);
        const before = snapshot(await mustOrderRow(t, order.id));
        const res = await t.http
          .delete(`${ORDERS}/${order.id}/cancel`)
          .set(other.auth)
          .send({ reason: 'mine now' });
        const problem = expectProblem(res, 404, 'NOT_FOUND');
        const missing = await t.http
          .delete(`${ORDERS}/${randomUUID()}/cancel`)
          .set(other.auth)
          .send({ reason: 'mine now' });
        expect(withoutInstance(problem)).toEqual(
          withoutInstance(expectProblem(missing, 404, 'NOT_FOUND')),
        );
        expect(snapshot(await mustOrderRow(t, order.id))).toEqual(before);
      },
    );

    it('a 404 for an order that does not exist, for the admin too', async () => {
      for (const user of [owner, admin]) {
        const byId = await t.http.get(`${ORDERS}/${randomUUID()}`).set(user.auth);
        expectProblem(byId, 404, 'NOT_FOUND');
        const byNumber = await t.http.get(`${ORDERS}/number/ORD-20200101-AAAAAA`).set(user.auth);
        expectProblem(byNumber, 404, 'NOT_FOUND');
      }
    });
  });

  describe('malformed ids → 400', () => {
    const BAD_IDS = [
      'not-a-uuid',
      '12345',
      `${randomUUID()}x`,
      randomUUID().slice(0, 35),
      "1' OR '1'='1",
      '..%2F..%2Fetc',
    ];

    it.each(BAD_IDS)('GET, DELETE cancel, PUT and PATCH with id %s', async (bad) => {
      const path = `${ORDERS}/${encodeURI(bad).replace(/'/g, '%27')}`;
      const calls: [string, Response][] = [
        ['GET', await t.http.get(path).set(owner.auth)],
        ['GET admin', await t.http.get(path).set(admin.auth)],
        ['DELETE', await t.http.delete(`${path}/cancel`).set(owner.auth)],
        ['PUT', await t.http.put(path).set(admin.auth).send({ tracking_number: 'X' })],
        [
          'PATCH',
          await t.http.patch(`${path}/status`).set(admin.auth).send({ status: 'confirmed' }),
        ],
      ];
      for (const [, res] of calls) expectProblem(res, 400, 'VALIDATION_FAILED');
    });

    it.each([
      'ORD-2025-ABCDEF',
      'ord-20250101-abcdef',
      'ORD-20250101-abcdef',
      'ORD-20250101-ABCDE',
      'ORD-20250101-ABCDEFG',
      'XYZ-20250101-ABCDEF',
      '1',
    ])('GET /number/%s', async (bad) => {
      const res = await t.http.get(`${ORDERS}/number/${bad}`).set(owner.auth);
      expectProblem(res, 400, 'VALIDATION_FAILED');
    });
  });

  describe('internal notes', () => {
    it('are shown to the admin and never to the customer', async () => {
      const order = await newOrder();
      const put = await t.http
        .put(`${ORDERS}/${order.id}`)
        .set(admin.auth)
        .send({ internal_notes: 'Fraud check passed' });
      expectStatus(put, 200);
      expect(put.body.internal_notes).toBe('Fraud check passed');
      expect((await mustOrderRow(t, order.id)).internal_notes).toBe('Fraud check passed');

      const adminViews = [
        await t.http.get(`${ORDERS}/${order.id}`).set(admin.auth),
        await t.http.get(`${ORDERS}/number/${order.order_number}`).set(admin.auth),
      ];
      for (const res of adminViews) {
        expectStatus(res, 200);
        expect(res.body.internal_notes).toBe('Fraud check passed');
      }
      const all = await t.http.get(`${ORDERS}/all?limit=100`).set(admin.auth);
      expectStatus(all, 200);
      const listed = (all.body as OrderListJson).orders.find((o) => o.id === order.id);
      expect(listed?.internal_notes).toBe('Fraud check passed');

      const customerViews = [
        await t.http.get(`${ORDERS}/${order.id}`).set(owner.auth),
        await t.http.get(`${ORDERS}/number/${order.order_number}`).set(owner.auth),
        await t.http.delete(`${ORDERS}/${order.id}/cancel`).set(owner.auth),
      ];
      for (const res of customerViews) {
        expectStatus(res, 200);
        expect(res.body).not.toHaveProperty('internal_notes');
        expect(res.text).not.toContain('Fraud check');
      }
      const mine = await t.http.get(`${ORDERS}?limit=100`).set(owner.auth);
      expectStatus(mine, 200);
      expect(mine.text).not.toContain('Fraud check');
      for (const o of (mine.body as OrderListJson).orders) {
        expect(o).not.toHaveProperty('internal_notes');
      }
    });
  });

  describe('collection endpoints', () => {
    it.each([
      ['owner', 201],
      ['other', 201],
      ['admin', 201],
      ['anonymous', 401],
    ] as const)('POST /api/orders as %s → %i', async (who, expected) => {
      const res = await as(who, t.http.post(ORDERS).send(validOrderBody([PRODUCTS.novel])));
      if (expected === 201) {
        expectStatus(res, 201);
        expect(res.body.user_id).toBe(userFor(who)!.userId);
        expect((await mustOrderRow(t, res.body.id)).user_id).toBe(userFor(who)!.userId);
      } else {
        expectProblem(res, expected, CODES[expected]);
      }
    });

    it.each([
      ['GET /api/orders', ORDERS, { owner: 200, other: 200, admin: 200, anonymous: 401 }],
      [
        'GET /api/orders/all',
        `${ORDERS}/all`,
        { owner: 403, other: 403, admin: 200, anonymous: 401 },
      ],
    ] as const)('%s for each caller', async (_name, path, expected) => {
      for (const who of WHO) {
        const res = await as(who, t.http.get(path));
        const status = expected[who];
        if (status === 200) {
          expectStatus(res, 200);
          expect(res.body).toEqual({
            orders: expect.any(Array),
            total: expect.any(Number),
            page: 1,
            limit: 20,
            pages: expect.any(Number),
            // A next page exists beyond 20 orders.
            next_cursor: (res.body as { total: number }).total > 20 ? expect.any(String) : null,
          });
        } else {
          expectProblem(res, status, CODES[status]);
        }
      }
    });
  });

  describe('lists', () => {
    const list = (user: TestUser, query = '', path = ORDERS) =>
      t.http.get(`${path}${query}`).set(user.auth);

    it('a customer sees their own orders, newest first, with figures', async () => {
      const me = makeUser('customer');
      const someoneElse = makeUser('customer');
      const created: OrderJson[] = [];
      for (let i = 0; i < 5; i++) {
        created.push(await newOrder(me));
        await newOrder(someoneElse);
      }
      const res = await list(me);
      expectStatus(res, 200);
      const body = res.body as OrderListJson;
      expect(body).toMatchObject({ total: 5, page: 1, limit: 20, pages: 1 });
      expect(body.orders.map((o) => o.id)).toEqual(created.map((o) => o.id).reverse());
      for (const o of body.orders) {
        expect(o.user_id).toBe(me.userId);
        expect(o).not.toHaveProperty('internal_notes');
        expect(o.allowed_transitions).toEqual(['cancelled']);
        expect(o.items.length).toBe(2);
      }
      const [{ n }] = await t.db.query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM orders WHERE user_id = $1',
        [me.userId],
      );
      expect(body.total).toBe(n);
    });

    it('an admin’s own list holds only the admin’s orders', async () => {
      const boss = makeUser('admin');
      await newOrder(makeUser('customer'));
      const empty = await list(boss);
      expectStatus(empty, 200);
      expect(empty.body).toEqual({
        orders: [],
        total: 0,
        page: 1,
        limit: 20,
        pages: 0,
        next_cursor: null,
      });

      const mine = await newOrder(boss);
      const one = await list(boss);
      expectStatus(one, 200);
      expect(one.body).toMatchObject({ total: 1, pages: 1 });
      expect((one.body as OrderListJson).orders.map((o) => o.id)).toEqual([mine.id]);
    });

    it('paginates: pages, the last partial page and a page beyond the end', async () => {
      const me = makeUser('customer');
      const created: OrderJson[] = [];
      for (let i = 0; i < 5; i++) created.push(await newOrder(me));
      const newestFirst = created.map((o) => o.id).reverse();

      const seen: string[] = [];
      for (const page of [1, 2, 3]) {
        const res = await list(me, `?page=${page}&limit=2`);
        expectStatus(res, 200);
        expect(res.body).toMatchObject({ total: 5, page, limit: 2, pages: 3 });
        const ids = (res.body as OrderListJson).orders.map((o) => o.id);
        expect(ids).toHaveLength(page === 3 ? 1 : 2);
        seen.push(...ids);
      }
      expect(seen).toEqual(newestFirst);

      const beyond = await list(me, '?page=4&limit=2');
      expectStatus(beyond, 200);
      expect(beyond.body).toEqual({
        orders: [],
        total: 5,
        page: 4,
        limit: 2,
        pages: 3,
        next_cursor: null,
      });

      const big = await list(me, '?page=1&limit=100');
      expectStatus(big, 200);
      expect(big.body).toMatchObject({ total: 5, page: 1, limit: 100, pages: 1 });

      const single = await list(me, '?limit=1');
      expectStatus(single, 200);
      expect(single.body).toMatchObject({ total: 5, page: 1, limit: 1, pages: 5 });
      expect((single.body as OrderListJson).orders.map((o) => o.id)).toEqual([newestFirst[0]]);
    });

    it('filters by status', async () => {
      const me = makeUser('customer');
      const [a, b, c, d] = [
        await newOrder(me),
        await newOrder(me),
        await newOrder(me),
        await newOrder(me),
      ];
      expectStatus(await t.http.delete(`${ORDERS}/${b.id}/cancel`).set(me.auth), 200);
      expectStatus(await patchStatus(t, admin, c.id, 'confirmed'), 200);

      const cancelled = await list(me, '?status=cancelled');
      expectStatus(cancelled, 200);
      expect(cancelled.body).toMatchObject({ total: 1, pages: 1 });
      expect((cancelled.body as OrderListJson).orders.map((o) => [o.id, o.status])).toEqual([
        [b.id, 'cancelled'],
      ]);

      const pending = await list(me, '?status=pending');
      expectStatus(pending, 200);
      expect((pending.body as OrderListJson).orders.map((o) => o.id)).toEqual([d.id, a.id]);
      expect(pending.body.total).toBe(2);

      const shipped = await list(me, '?status=shipped');
      expectStatus(shipped, 200);
      expect(shipped.body).toEqual({
        orders: [],
        total: 0,
        page: 1,
        limit: 20,
        pages: 0,
        next_cursor: null,
      });
    });

    it('/all shows every customer’s orders, newest first, and filters by status', async () => {
      const alice = makeUser('customer');
      const bob = makeUser('customer');
      const fromAlice = await newOrder(alice);
      const fromBob = await newOrder(bob);
      expectStatus(await patchStatus(t, admin, fromBob.id, 'confirmed'), 200);

      const res = await list(admin, '?limit=100', `${ORDERS}/all`);
      expectStatus(res, 200);
      const body = res.body as OrderListJson;
      const [{ n }] = await t.db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM orders');
      expect(body).toMatchObject({ total: n, page: 1, limit: 100, pages: Math.ceil(n / 100) });
      expect(body.orders.length).toBe(Math.min(n, 100));
      // Newest first: the two just made lead, Bob's (later) before Alice's.
      expect(body.orders.slice(0, 2).map((o) => o.id)).toEqual([fromBob.id, fromAlice.id]);
      const times = body.orders.map((o) => new Date(o.created_at).getTime());
      expect(times).toEqual([...times].sort((x, y) => y - x));
      expect(new Set(body.orders.map((o) => o.user_id)).size).toBeGreaterThan(1);
      for (const o of body.orders) {
        expect(o).toHaveProperty('internal_notes');
        expect(o.allowed_transitions).toEqual(adminAllowed(o.status, o.payment_status));
      }

      const confirmed = await list(admin, '?status=confirmed&limit=100', `${ORDERS}/all`);
      expectStatus(confirmed, 200);
      const [{ c }] = await t.db.query<{ c: number }[]>(
        "SELECT count(*)::int AS c FROM orders WHERE status = 'confirmed'",
      );
      expect(confirmed.body.total).toBe(c);
      const confirmedOrders = (confirmed.body as OrderListJson).orders;
      expect(confirmedOrders.map((o) => o.id)).toContain(fromBob.id);
      expect(confirmedOrders.map((o) => o.id)).not.toContain(fromAlice.id);
      expect(confirmedOrders.every((o) => o.status === 'confirmed')).toBe(true);

      // Alice's and Bob's own lists do not see each other.
      const alices = await list(alice);
      expect((alices.body as OrderListJson).orders.map((o) => o.id)).toEqual([fromAlice.id]);
      const bobs = await list(bob);
      expect((bobs.body as OrderListJson).orders.map((o) => o.id)).toEqual([fromBob.id]);
    });

    const BAD_QUERIES = [
      'page=0',
      'page=-1',
      'page=abc',
      'page=1.5',
      'page=',
      'page=1&page=2',
      'limit=0',
      'limit=-1',
      'limit=101',
      'limit=abc',
      'limit=1.5',
      'limit=',
      'status=unknown',
      'status=',
      'foo=bar',
    ];
    // The admin search takes these; a customer's list does not.
    const ADMIN_ONLY = ['sort=created_at', 'user_id=someone'];

    it.each([...BAD_QUERIES, ...ADMIN_ONLY])('GET /api/orders?%s → 400', async (query) => {
      const res = await list(owner, `?${query}`);
      expectProblem(res, 400, 'VALIDATION_FAILED');
    });

    it.each(BAD_QUERIES)('GET /api/orders/all?%s → 400', async (query) => {
      const res = await list(admin, `?${query}`, `${ORDERS}/all`);
      expectProblem(res, 400, 'VALIDATION_FAILED');
    });
  });
});
