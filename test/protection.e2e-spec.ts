import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import type { Response } from 'supertest';
import { createTestApp, TestApp } from './utils/app';
import { useOrderService } from './utils/fixture';
import { expectStatus, OrderListJson, ORDERS, UUID, validOrderBody } from './utils/orders';
import { expectProblem } from './utils/problem';
import { freePort } from './utils/service';
import { makeUser, TestUser } from './utils/tokens';

/*
 * "Ready to operate", part 2: what protects the service from browsers, scripts and floods.
 * Security headers, CORS and rate limits, on the real AppModule in-process.
 */

jest.setTimeout(60_000);

const REDIS_URL = 'redis://127.0.0.1:6379';
const WINDOW_MS = 60_000;

/** Small limits so that a test can reach them; the window is long enough never to roll over. */
const SMALL_LIMITS = {
  RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
  RATE_LIMIT_PER_USER: '5',
  RATE_LIMIT_ORDER_CREATION: '2',
  RATE_LIMIT_PER_IP: '3',
};

/** A 429 in the API's problem shape, with a Retry-After within the window. */
function expectTooManyRequests(res: Response): void {
  expectProblem(res, 429, 'TOO_MANY_REQUESTS');
  const retryAfter = String(res.headers['retry-after']);
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(WINDOW_MS / 1000);
  expect(res.headers['x-request-id']).toEqual(expect.any(String));
}

async function statuses(requests: (() => PromiseLike<Response>)[]): Promise<number[]> {
  const result: number[] = [];
  for (const send of requests) result.push((await send()).status);
  return result;
}

const times = <T>(n: number, fn: () => T): T[] => Array.from({ length: n }, fn);

// ---------------------------------------------------------------------------------------------

describe('security headers and documentation', () => {
  const t = useOrderService();
  const { customer } = t;

  function expectHelmet(res: Response): void {
    const csp = String(res.headers['content-security-policy'] ?? '');
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(csp).toMatch(/frame-ancestors/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toEqual(expect.any(String));
    expect(res.headers['x-powered-by']).toBeUndefined();
  }

  it.each([
    ['GET / (public JSON)', '/', 200],
    ['GET /health/live', '/health/live', 200],
    ['GET /api/orders without a token (401 problem)', ORDERS, 401],
    ['GET an unknown path (404 problem)', '/no/such/path', 404],
  ])('%s carries helmet headers and no X-Powered-By', async (_what, path, status) => {
    const res = await t.http.get(path);

    expect(res.status).toBe(status);
    expectHelmet(res);
  });

  it('an authenticated order answer carries them too', async () => {
    const res = await t.http.post(ORDERS).set(customer.auth).send(validOrderBody());

    expectStatus(res, 201);
    expectHelmet(res);
  });

  it('a malformed JSON body (answered before routing) carries them too', async () => {
    const res = await t.http
      .post(ORDERS)
      .set(customer.auth)
      .set('Content-Type', 'application/json')
      .send('{"items": [');

    expectProblem(res, 400, 'MALFORMED_JSON');
    expectHelmet(res);
  });

  it('/docs still loads under the CSP: 200 HTML, every script and stylesheet 200', async () => {
    const page = await t.http.get('/docs').redirects(2);

    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toMatch(/swagger-ui/i);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'/);

    // No inline script: script-src 'self' would block it and the page would stay blank.
    const scripts = [...page.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [tag, attributes, body] of scripts) {
      expect({ tag, hasSrc: /\bsrc=/.test(attributes), inline: body.trim() }).toEqual({
        tag,
        hasSrc: true,
        inline: '',
      });
    }
    const base = new URL(page.redirects.at(-1) ?? 'http://127.0.0.1/docs');
    const assets = [
      ...[...page.text.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/gi)].map((m) => m[1]),
      ...[...page.text.matchAll(/<link\b[^>]*rel="stylesheet"[^>]*href="([^"]+)"/gi)].map(
        (m) => m[1],
      ),
    ];
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const url = new URL(asset, base);
      // Same origin, as script-src 'self' requires.
      expect(url.host).toBe(base.host);
      const res = await t.http.get(url.pathname);
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
      // nosniff: a script or stylesheet served with the wrong type is refused by the browser.
      const type = String(res.headers['content-type']);
      if (url.pathname.endsWith('.js')) expect(type).toMatch(/javascript/);
      if (url.pathname.endsWith('.css')) expect(type).toMatch(/^text\/css/);
    }
  });

  it('/docs-json is served', async () => {
    const res = await t.http.get('/docs-json');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect((res.body as { openapi?: string }).openapi).toMatch(/^3\./);
  });
});

// ---------------------------------------------------------------------------------------------

function preflight(t: TestApp, origin: string, path = ORDERS) {
  return t.http
    .options(path)
    .set('Origin', origin)
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');
}

describe('CORS: none by default', () => {
  const t = useOrderService({ env: { CORS_ORIGINS: undefined } });

  it.each(['https://shop.example.com', 'https://evil.example.com'])(
    'a preflight from %s gets no Access-Control-Allow-Origin',
    async (origin) => {
      const res = await preflight(t, origin);

      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(res.headers['access-control-allow-headers']).toBeUndefined();
    },
  );

  it('a plain GET with an Origin gets no Access-Control-Allow-Origin', async () => {
    const res = await t.http.get('/').set('Origin', 'https://shop.example.com');

    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS_ORIGINS=https://shop.example.com,https://admin.example.com', () => {
  const SHOP = 'https://shop.example.com';
  const ADMIN = 'https://admin.example.com';
  const t = useOrderService({ env: { CORS_ORIGINS: `${SHOP}, ${ADMIN}` } });
  const { customer } = t;

  it.each([SHOP, ADMIN])('a preflight from %s is allowed', async (origin) => {
    const res = await preflight(t, origin);

    expect([200, 204]).toContain(res.status);
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    expect(String(res.headers['access-control-allow-methods'])).toMatch(/\bPOST\b/);
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toMatch(
      /\bauthorization\b/,
    );
    expect(String(res.headers.vary)).toMatch(/\bOrigin\b/i);
  });

  it.each([
    'https://evil.example.com',
    'http://shop.example.com',
    'https://shop.example.com.evil.net',
    'https://notshop.example.com',
    'null',
  ])('a preflight from %s gets no Access-Control-Allow-Origin', async (origin) => {
    const res = await preflight(t, origin);

    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('a real request from the shop gets the origin and can read X-Request-Id and ETag', async () => {
    const res = await t.http
      .post(ORDERS)
      .set('Origin', SHOP)
      .set(customer.auth)
      .send(validOrderBody());

    expectStatus(res, 201);
    expect(res.headers['access-control-allow-origin']).toBe(SHOP);
    const exposed = String(res.headers['access-control-expose-headers']).toLowerCase();
    expect(exposed).toMatch(/\bx-request-id\b/);
    expect(exposed).toMatch(/\betag\b/);
    expect(exposed).toMatch(/\bretry-after\b/);
  });

  it('a real request from another origin gets no Access-Control-Allow-Origin', async () => {
    const res = await t.http.get('/').set('Origin', 'https://evil.example.com');

    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------

describe('rate limits (in memory): per user 5, order creation 2, per IP 3', () => {
  const t = useOrderService({ env: { ...SMALL_LIMITS, TRUST_PROXY: 'false' } });

  const list = (user: TestUser) => () => t.http.get(ORDERS).set(user.auth);

  it('each user has a budget of their own; the 6th request is a 429 problem with Retry-After', async () => {
    const alice = makeUser('customer');
    const bob = makeUser('customer');

    expect(await statuses(times(5, () => list(alice)))).toEqual([200, 200, 200, 200, 200]);

    const limited = await list(alice)();
    expectTooManyRequests(limited);
    // The limit is the caller's, not a route's.
    expectTooManyRequests(await t.http.get(`${ORDERS}/${randomUUID()}`).set(alice.auth));
    // Bob's budget is untouched by Alice's.
    expect(await statuses(times(5, () => list(bob)))).toEqual([200, 200, 200, 200, 200]);
    expectTooManyRequests(await list(bob)());
  });

  it('an admin is limited per user like anyone else', async () => {
    const admin = makeUser('admin');
    const all = () => t.http.get(`${ORDERS}/all`).set(admin.auth);

    expect(await statuses(times(5, () => all))).toEqual([200, 200, 200, 200, 200]);
    expectTooManyRequests(await all());
  });

  it('order creation has a tighter limit (2) than the general one (5)', async () => {
    const carol = makeUser('customer');
    const dave = makeUser('customer');
    const create = (user: TestUser) => t.http.post(ORDERS).set(user.auth).send(validOrderBody());

    expectStatus(await create(carol), 201);
    expectStatus(await create(carol), 201);
    const third = await create(carol);
    expectTooManyRequests(third);

    // The general budget is not spent: Carol can still read, and sees exactly two orders.
    const mine = await list(carol)();
    expectStatus(mine, 200);
    expect((mine.body as OrderListJson).total).toBe(2);
    // Another customer can still order.
    expectStatus(await create(dave), 201);
  });

  it('public routes are limited per IP; health and metrics are exempt', async () => {
    const eve = makeUser('customer');

    expect(await statuses(times(3, () => () => t.http.get('/')))).toEqual([200, 200, 200]);
    expectTooManyRequests(await t.http.get('/'));

    // Probes and scrapes are never turned away, however many.
    const probes = await statuses([
      ...times(30, () => () => t.http.get('/health/live')),
      ...times(10, () => () => t.http.get('/health/ready')),
      ...times(10, () => () => t.http.get('/health')),
      ...times(15, () => () => t.http.get('/metrics')),
    ]);
    expect(probes.filter((s) => s !== 200)).toEqual([]);
    // An authenticated caller from the same IP is counted per user, not per IP.
    expect(await statuses(times(3, () => list(eve)))).toEqual([200, 200, 200]);
    // And the IP is still limited.
    expectTooManyRequests(await t.http.get('/'));
  });

  it('an authenticated request spends no budget of the public route', async () => {
    // Fresh app: the previous test spent this IP's public budget.
    const fresh = await createTestApp({ ...SMALL_LIMITS });
    try {
      const frank = makeUser('customer');
      for (let i = 0; i < 4; i++) expectStatus(await fresh.http.get(ORDERS).set(frank.auth), 200);

      expect(await statuses(times(3, () => () => fresh.http.get('/')))).toEqual([200, 200, 200]);
      expectTooManyRequests(await fresh.http.get('/'));
    } finally {
      await fresh.close();
    }
  });
});

describe('TRUST_PROXY and X-Forwarded-For (per IP 3)', () => {
  const trusting = useOrderService({ env: { ...SMALL_LIMITS, TRUST_PROXY: 'true' } });
  const direct = useOrderService({ env: { ...SMALL_LIMITS, TRUST_PROXY: 'false' } });

  const root = (t: TestApp, client: string) => () => t.http.get('/').set('X-Forwarded-For', client);

  it('with TRUST_PROXY=true, each forwarded client has its own budget', async () => {
    expect(await statuses(times(3, () => root(trusting, '203.0.113.10')))).toEqual([200, 200, 200]);
    expectTooManyRequests(await root(trusting, '203.0.113.10')());

    expect(await statuses(times(3, () => root(trusting, '203.0.113.11')))).toEqual([200, 200, 200]);
    expectTooManyRequests(await root(trusting, '203.0.113.11')());
    // The right-most address is the one the trusted proxy saw.
    expect(await root(trusting, '198.51.100.7, 203.0.113.12')().then((r) => r.status)).toBe(200);
  });

  it('without it, X-Forwarded-For is ignored: a client cannot dodge the limit by forging it', async () => {
    const forged = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'];

    const result = await statuses(forged.map((client) => root(direct, client)));

    expect(result).toEqual([200, 200, 200, 429]);
    expectTooManyRequests(await root(direct, '198.51.100.5')());
  });
});

// ---------------------------------------------------------------------------------------------

describe('REDIS_URL: the budget is shared by every instance', () => {
  let redis: Redis;
  const users: TestUser[] = [];

  const shared = {
    ...SMALL_LIMITS,
    // Public routes share one key per IP across runs in Redis; not what is tested here.
    RATE_LIMIT_PER_IP: '1000000',
    REDIS_URL,
  };

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
  });

  const a = useOrderService({ env: shared });
  const b = useOrderService({ env: shared });

  // Declared after the apps', so it runs once both are closed.
  afterAll(async () => {
    for (const user of users) {
      const keys = await redis.keys(`*${user.userId}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis?.disconnect();
  });

  /** A user no earlier run has used, so old keys in Redis cannot interfere. */
  const freshUser = () => {
    const user = makeUser('customer');
    users.push(user);
    return user;
  };

  it('two instances count the same user against one budget of 5', async () => {
    const user = freshUser();

    expect(await statuses(times(3, () => () => a.http.get(ORDERS).set(user.auth)))).toEqual([
      200, 200, 200,
    ]);
    expect(await statuses(times(2, () => () => b.http.get(ORDERS).set(user.auth)))).toEqual([
      200, 200,
    ]);

    expectTooManyRequests(await b.http.get(ORDERS).set(user.auth));
    expectTooManyRequests(await a.http.get(ORDERS).set(user.auth));
    // The counters are in Redis, under this user.
    expect((await redis.keys(`*${user.userId}*`)).length).toBeGreaterThan(0);
    // Another user is not affected.
    expectStatus(await a.http.get(ORDERS).set(freshUser().auth), 200);
  });

  it('the order-creation limit (2) is shared too', async () => {
    const user = freshUser();
    const create = (t: TestApp) => t.http.post(ORDERS).set(user.auth).send(validOrderBody());

    expectStatus(await create(a), 201);
    expectStatus(await create(b), 201);
    expectTooManyRequests(await create(a));
    expectTooManyRequests(await create(b));
  });
});

describe('REDIS_URL unreachable: rate limiting fails open', () => {
  const t = useOrderService({
    env: async () => ({ ...SMALL_LIMITS, REDIS_URL: `redis://127.0.0.1:${await freePort()}` }),
  });

  afterAll(async () => {
    // Runs after the app's clean-up (declared later). ioredis, closed while it is between reconnection attempts, keeps the process alive for
    // about two more seconds; waiting here keeps Jest from reporting an open handle.
    await sleep(2500);
  });

  it('requests still succeed, promptly, beyond every limit', async () => {
    const user = makeUser('customer');
    const started = Date.now();

    const reads = await statuses(times(8, () => () => t.http.get(ORDERS).set(user.auth)));
    const creations = await statuses(
      times(3, () => () => t.http.post(ORDERS).set(user.auth).send(validOrderBody())),
    );
    const publics = await statuses(times(5, () => () => t.http.get('/')));

    expect(reads).toEqual(times(8, () => 200));
    expect(creations).toEqual([201, 201, 201]);
    expect(publics).toEqual(times(5, () => 200));
    // Not waiting on Redis for each request.
    expect(Date.now() - started).toBeLessThan(16 * 1000);
  });

  it('the request id and the answer are the usual ones', async () => {
    const user = makeUser('customer');

    const res = await t.http.get(ORDERS).set(user.auth);

    expectStatus(res, 200);
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(res.body).toEqual({
      orders: [],
      total: 0,
      page: 1,
      limit: 20,
      pages: 0,
      next_cursor: null,
    });
  });
});
