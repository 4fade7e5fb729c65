import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Response } from 'supertest';
import type { ProductDocument } from '../src/product-client/product-document';
import { HttpProductSource, ProductSource } from '../src/product-client/product-source';
import { FakeProductService } from './fakes/product-service';
import type { TestApp } from './utils/app';
import { useOrderService, type OrderService } from './utils/fixture';
import {
  countRows,
  expectStatus,
  itemRows,
  mustOrderRow,
  OrderJson,
  validOrderBody,
} from './utils/orders';
import { expectProblem } from './utils/problem';
import { makeUser, objectId, TestUser } from './utils/tokens';

/*
 * "Resilient neighbours": the Product Service. Every scenario runs against a real HTTP fake, so
 * timeouts, dropped sockets, redirects and odd bodies reach the client exactly as on the wire.
 */

jest.setTimeout(60_000);

/** Generous on purpose: two cores, CI, a database round trip per order. */
const MARGIN_MS = 1500;

interface Timed {
  res: Response;
  elapsed: number;
}

async function timedPost(t: OrderService, user: TestUser, body: Record<string, unknown>) {
  const started = Date.now();
  const res = await t.orders.create(user, body);
  return { res, elapsed: Date.now() - started } satisfies Timed;
}

async function ordersOf(t: TestApp, userId: string): Promise<number> {
  const [row] = await t.db.query<{ n: number }[]>(
    'SELECT count(*)::int AS n FROM orders WHERE user_id = $1',
    [userId],
  );
  return row.n;
}

function sourceOf(t: TestApp): HttpProductSource {
  const source = t.app.get(ProductSource);
  expect(source).toBeInstanceOf(HttpProductSource);
  return source as HttpProductSource;
}

/** The order was written, with its items, for `product`. */
async function expectOrderWritten(t: TestApp, res: Response, product: ProductDocument) {
  expectStatus(res, 201);
  const order = res.body as OrderJson;
  expect(order.items.map((i) => [i.product_id, i.product_name])).toEqual([
    [product._id, product.name],
  ]);
  const row = await mustOrderRow(t, order.id);
  expect(row.status).toBe('pending');
  const items = await itemRows(t, order.id);
  expect(items.map((i) => i.product_id)).toEqual([product._id]);
  return order;
}

function retryAfterSeconds(res: Response): number {
  const header = res.headers['retry-after'];
  expect(header).toMatch(/^\d+$/);
  return Number(header);
}

describe('Product Service: timeouts, retries and bad answers', () => {
  const TIMEOUT_MS = 400;
  const DEADLINE_MS = 2500;
  const RETRIES = 3;

  const t = useOrderService({
    product: true,
    env: {
      PRODUCT_SERVICE_TIMEOUT_MS: String(TIMEOUT_MS),
      PRODUCT_SERVICE_DEADLINE_MS: String(DEADLINE_MS),
      PRODUCT_SERVICE_RETRIES: String(RETRIES),
      PRODUCT_SERVICE_RETRY_BASE_MS: '50',
      // The breaker has its own suites below; here it must not open between scenarios.
      PRODUCT_SERVICE_BREAKER_VOLUME: '100000',
    },
  });
  const fake = t.products;

  /** A product of this test alone, so request counts per id are this test's own. */
  const product = (fields: Partial<ProductDocument> = {}) =>
    fake.add({ name: `Widget ${objectId().slice(-4)}`, price: 20, stock: 50, ...fields });

  const body = (p: ProductDocument | string, quantity = 1) =>
    validOrderBody([{ product_id: typeof p === 'string' ? p : p._id, quantity }]);

  /** The call failed and nothing at all was written. */
  async function expectNothingWritten(user: TestUser, before: { orders: number; items: number }) {
    expect(await ordersOf(t, user.userId)).toBe(0);
    expect(await countRows(t)).toEqual(before);
  }

  it('answers 503 PRODUCT_SERVICE_UNAVAILABLE within the deadline when the service is slower than the timeout', async () => {
    const p = product();
    const user = makeUser();
    const before = await countRows(t);
    fake.latencyMs = 10_000;

    const { res, elapsed } = await timedPost(t, user, body(p));

    expectProblem(res, 503, 'PRODUCT_SERVICE_UNAVAILABLE');
    expect(elapsed).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    // It did wait for the call's own timeout, and a timed-out call was tried again.
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(fake.requestsFor(p._id)).toBeGreaterThanOrEqual(2);
    expect(fake.requestsFor(p._id)).toBeLessThanOrEqual(1 + RETRIES);
    await expectNothingWritten(user, before);
  });

  it('keeps all of one order within one deadline, however many products are slow', async () => {
    const products = [product(), product(), product(), product(), product()];
    const user = makeUser();
    const before = await countRows(t);
    fake.latencyMs = 10_000;

    const { res, elapsed } = await timedPost(t, user, validOrderBody(products.map((p) => p._id)));

    expectProblem(res, 503, 'PRODUCT_SERVICE_UNAVAILABLE');
    expect(elapsed).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    for (const p of products) expect(fake.requestsFor(p._id)).toBeGreaterThanOrEqual(1);
    await expectNothingWritten(user, before);
  });

  it('looks the products of one order up concurrently', async () => {
    const products = [product(), product(), product(), product()];
    const latency = 250;
    fake.latencyMs = latency;

    const { res, elapsed } = await timedPost(
      t,
      makeUser(),
      validOrderBody(products.map((p) => p._id)),
    );

    expectStatus(res, 201);
    expect((res.body as OrderJson).items.map((i) => i.product_id)).toEqual(
      products.map((p) => p._id),
    );
    for (const p of products) expect(fake.requestsFor(p._id)).toBe(1);
    // One after another would take at least 4 × 250 ms.
    expect(elapsed).toBeLessThan(products.length * latency - 100);
  });

  it('retries a 500 and creates the order when the next answer is a 200', async () => {
    const p = product();
    fake.failNext(500, 1);

    const { res } = await timedPost(t, makeUser(), body(p));

    await expectOrderWritten(t, res, p);
    expect(fake.requestsFor(p._id)).toBe(2);
  });

  it('honours Retry-After on a 503, then creates the order', async () => {
    const p = product();
    fake.failNext(503, 1, undefined, { 'Retry-After': '1' });

    const { res, elapsed } = await timedPost(t, makeUser(), body(p));

    await expectOrderWritten(t, res, p);
    expect(fake.requestsFor(p._id)).toBe(2);
    // Backoff alone would have retried after at most 50 ms.
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(DEADLINE_MS + MARGIN_MS);
  });

  it('does not wait past the deadline for a Retry-After that is too long: 503 at once', async () => {
    const p = product();
    const user = makeUser();
    const before = await countRows(t);
    fake.failNext(503, 1, undefined, { 'Retry-After': '30' });

    const { res, elapsed } = await timedPost(t, user, body(p));

    expectProblem(res, 503, 'PRODUCT_SERVICE_UNAVAILABLE');
    expect(fake.requestsFor(p._id)).toBe(1);
    expect(elapsed).toBeLessThan(DEADLINE_MS);
    await expectNothingWritten(user, before);
  });

  it('retries a 429 (rate limited) and creates the order', async () => {
    const p = product();
    fake.failNext(429, 1);

    const { res } = await timedPost(t, makeUser(), body(p));

    await expectOrderWritten(t, res, p);
    expect(fake.requestsFor(p._id)).toBe(2);
  });

  it('answers 422 PRODUCT_NOT_FOUND for a 404 and does not retry it', async () => {
    const missing = objectId();
    const present = product();
    const user = makeUser();
    const before = await countRows(t);

    const { res } = await timedPost(
      t,
      user,
      validOrderBody([present._id, { product_id: missing, quantity: 2 }]),
    );

    const problem = expectProblem(res, 422, 'PRODUCT_NOT_FOUND', ['product_id']);
    expect(problem.product_id).toBe(missing);
    expect(fake.requestsFor(missing)).toBe(1);
    expect(fake.requestsFor(present._id)).toBe(1);
    await expectNothingWritten(user, before);
  });

  it.each([400, 401, 403, 409, 410, 422])(
    'does not retry a %i: 502 PRODUCT_SERVICE_BAD_RESPONSE after one request',
    async (status) => {
      const p = product();
      const user = makeUser();
      const before = await countRows(t);
      fake.failNext(status, 5);

      const { res } = await timedPost(t, user, body(p));

      const problem = expectProblem(res, 502, 'PRODUCT_SERVICE_BAD_RESPONSE', ['product_id']);
      expect(problem.product_id).toBe(p._id);
      expect(fake.requestsFor(p._id)).toBe(1);
      await expectNothingWritten(user, before);
    },
  );

  it.each(['html', 'truncated-json', 'garbage-price', 'oversized'] as const)(
    'answers 502 PRODUCT_SERVICE_BAD_RESPONSE to a %s answer and writes nothing',
    async (mode) => {
      const p = product();
      const user = makeUser();
      const before = await countRows(t);
      fake.mode = mode;

      const { res } = await timedPost(t, user, body(p));

      const problem = expectProblem(res, 502, 'PRODUCT_SERVICE_BAD_RESPONSE', ['product_id']);
      expect(problem.product_id).toBe(p._id);
      // A wrong answer is not a transient failure: asking again would get the same answer.
      expect(fake.requestsFor(p._id)).toBe(1);
      await expectNothingWritten(user, before);
    },
  );

  it('retries a dropped connection, then answers 503 once the retries are spent', async () => {
    const p = product();
    const user = makeUser();
    const before = await countRows(t);
    fake.mode = 'drop-connection';

    const { res, elapsed } = await timedPost(t, user, body(p));

    expectProblem(res, 503, 'PRODUCT_SERVICE_UNAVAILABLE');
    expect(fake.requestsFor(p._id)).toBe(1 + RETRIES);
    expect(elapsed).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    await expectNothingWritten(user, before);
  });

  it('answers 503 when the service is down (connection refused), after retrying', async () => {
    const p = product();
    const user = makeUser();
    const before = await countRows(t);
    await fake.down();

    const { res, elapsed } = await timedPost(t, user, body(p));

    expect({ status: res.status, code: (res.body as { code?: unknown }).code }).toEqual({
      status: 503,
      code: 'PRODUCT_SERVICE_UNAVAILABLE',
    });
    expect(elapsed).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    await expectNothingWritten(user, before);

    await fake.up();
    const again = await timedPost(t, user, body(p));
    await expectOrderWritten(t, again.res, p);

    // Last, so that the checks above are made whatever this says: a well-formed problem that
    // names no socket error code (the suite's own rule, see test/utils/problem.ts).
    expectProblem(res, 503, 'PRODUCT_SERVICE_UNAVAILABLE');
  });

  it.each([429, 500, 502, 503, 504])(
    'retries a %i at most PRODUCT_SERVICE_RETRIES times (1 + retries requests), then 503',
    async (status) => {
      const p = product();
      const user = makeUser();
      const before = await countRows(t);
      fake.failNext(status, 100);

      const { res } = await timedPost(t, user, body(p));

      expectProblem(res, 503, 'PRODUCT_SERVICE_UNAVAILABLE');
      expect(fake.requestsFor(p._id)).toBe(1 + RETRIES);
      await expectNothingWritten(user, before);
    },
  );

  it('succeeds on the last allowed retry', async () => {
    const p = product();
    fake.failNext(503, RETRIES);

    const { res } = await timedPost(t, makeUser(), body(p));

    await expectOrderWritten(t, res, p);
    expect(fake.requestsFor(p._id)).toBe(1 + RETRIES);
  });

  describe('redirects are not followed', () => {
    let elsewhere: Server;
    let elsewhereHits: string[];
    let elsewhereUrl: string;

    beforeAll(async () => {
      elsewhereHits = [];
      elsewhere = createServer((req, res) => {
        elsewhereHits.push(req.url ?? '');
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{}');
      });
      await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
      elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      elsewhere.closeAllConnections();
      await new Promise((resolve) => elsewhere.close(resolve));
    });

    it.each([
      [301, 'another host'],
      [302, 'another host'],
      [307, 'another host'],
      [308, 'another host'],
      [302, 'the same service'],
    ] as const)('a %i to %s answers 502 and nothing asks the Location', async (status, target) => {
      const p = product();
      const decoy = product();
      const user = makeUser();
      const before = await countRows(t);
      elsewhereHits.length = 0;
      const location =
        target === 'another host'
          ? `${elsewhereUrl}/api/products/${decoy._id}`
          : `${fake.url}/api/products/${decoy._id}`;
      fake.failNext(status, 10, { message: 'Moved' }, { Location: location });

      const { res } = await timedPost(t, user, body(p));

      const problem = expectProblem(res, 502, 'PRODUCT_SERVICE_BAD_RESPONSE', ['product_id']);
      expect(problem.product_id).toBe(p._id);
      expect(fake.requestsFor(p._id)).toBe(1);
      expect(fake.requests).toHaveLength(1);
      expect(elsewhereHits).toEqual([]);
      expect(fake.requestsFor(decoy._id)).toBe(0);
      await expectNothingWritten(user, before);
    });
  });
});

describe('Product Service circuit breaker', () => {
  const VOLUME = 3;
  const RESET_MS = 1500;

  /** An app on a fake Product Service, with settings small enough to trip and recover in a test. */
  const useBreakerApp = (extra: Record<string, string> = {}) =>
    useOrderService({
      product: true,
      env: {
        PRODUCT_SERVICE_RETRIES: '0',
        PRODUCT_SERVICE_BREAKER_VOLUME: String(VOLUME),
        PRODUCT_SERVICE_BREAKER_RESET_MS: String(RESET_MS),
        PRODUCT_SERVICE_BREAKER_ERROR_PERCENT: '50',
        ...extra,
      },
    });

  /** Sends failing orders until the circuit opens; returns how many it took. */
  async function failUntilOpen(
    t: OrderService,
    user: TestUser,
    payload: Record<string, unknown>,
    check: (r: Timed) => void = () => undefined,
  ): Promise<number> {
    const source = sourceOf(t);
    let sent = 0;
    while (source.state !== 'open' && sent < 10) {
      const r = await timedPost(t, user, payload);
      // Status and code only: the problem document's form is checked by the suite above.
      expect({ status: r.res.status, code: (r.res.body as { code?: unknown }).code }).toEqual({
        status: 503,
        code: 'PRODUCT_SERVICE_UNAVAILABLE',
      });
      check(r);
      sent += 1;
    }
    expect(source.state).toBe('open');
    return sent;
  }

  /** While open: 503 + Retry-After at once, and the Product Service is not asked. */
  async function expectFailsFast(
    t: OrderService,
    fake: FakeProductService,
    user: TestUser,
    payload: Record<string, unknown>,
    times = 3,
  ) {
    const requestsBefore = fake.requests.length;
    const rowsBefore = await countRows(t);
    for (let i = 0; i < times; i++) {
      const { res, elapsed } = await timedPost(t, user, payload);
      expectProblem(res, 503, 'PRODUCT_SERVICE_UNAVAILABLE');
      const seconds = retryAfterSeconds(res);
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect(seconds).toBeLessThanOrEqual(Math.ceil(RESET_MS / 1000));
      expect(elapsed).toBeLessThan(400);
    }
    expect(fake.requests.length).toBe(requestsBefore);
    expect(await countRows(t)).toEqual(rowsBefore);
  }

  describe('a hanging service', () => {
    const TIMEOUT_MS = 1200;
    const t = useBreakerApp({ PRODUCT_SERVICE_TIMEOUT_MS: String(TIMEOUT_MS) });
    const fake = t.products;

    it('opens after VOLUME failures, then fails fast with Retry-After without calling; a probe closes it', async () => {
      const p = fake.add({ price: 30, stock: 100 });
      const user = makeUser();
      const payload = validOrderBody([p._id]);
      const before = await countRows(t);
      expect(sourceOf(t).state).toBe('closed');
      fake.mode = 'hang';

      const sent = await failUntilOpen(t, user, payload, ({ res, elapsed }) => {
        // While closed each failure costs a full call timeout, and says nothing of retrying.
        expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
        expect(res.headers['retry-after']).toBeUndefined();
      });
      expect(sent).toBe(VOLUME);
      expect(fake.requestsFor(p._id)).toBe(VOLUME);
      const openedAt = Date.now();

      await expectFailsFast(t, fake, user, payload);
      expect(fake.requestsFor(p._id)).toBe(VOLUME);
      expect(await ordersOf(t, user.userId)).toBe(0);
      expect(await countRows(t)).toEqual(before);

      // The service recovers; after the reset time one probe goes through and closes the circuit.
      fake.reset();
      await sleep(Math.max(0, openedAt + RESET_MS + 300 - Date.now()));
      const probe = await timedPost(t, user, payload);
      await expectOrderWritten(t, probe.res, p);
      expect(fake.requestsFor(p._id)).toBe(1);
      expect(sourceOf(t).state).toBe('closed');

      for (let i = 0; i < 2; i++) {
        const { res } = await timedPost(t, user, payload);
        await expectOrderWritten(t, res, p);
      }
      expect(fake.requestsFor(p._id)).toBe(3);
      expect(await ordersOf(t, user.userId)).toBe(3);
    });
  });

  describe('a service answering 503', () => {
    const t = useBreakerApp();
    const fake = t.products;

    it('re-opens when the half-open probe fails, and closes when a later probe succeeds', async () => {
      const p = fake.add({ price: 30, stock: 100 });
      const user = makeUser();
      const payload = validOrderBody([p._id]);
      fake.failNext(503, 1000);

      const sent = await failUntilOpen(t, user, payload);
      expect(sent).toBe(VOLUME);
      // PRODUCT_SERVICE_RETRIES=0: one request per failed order.
      expect(fake.requestsFor(p._id)).toBe(VOLUME);
      let openedAt = Date.now();
      await expectFailsFast(t, fake, user, payload);

      // Still failing after the reset time: exactly one probe, which fails and re-opens it.
      await sleep(Math.max(0, openedAt + RESET_MS + 300 - Date.now()));
      const probe = await timedPost(t, user, payload);
      expectProblem(probe.res, 503, 'PRODUCT_SERVICE_UNAVAILABLE');
      expect(fake.requestsFor(p._id)).toBe(VOLUME + 1);
      expect(sourceOf(t).state).toBe('open');
      openedAt = Date.now();
      await expectFailsFast(t, fake, user, payload);
      expect(fake.requestsFor(p._id)).toBe(VOLUME + 1);
      expect(await ordersOf(t, user.userId)).toBe(0);

      fake.reset();
      await sleep(Math.max(0, openedAt + RESET_MS + 300 - Date.now()));
      const { res } = await timedPost(t, user, payload);
      await expectOrderWritten(t, res, p);
      expect(fake.requestsFor(p._id)).toBe(1);
      expect(sourceOf(t).state).toBe('closed');
      expect(await ordersOf(t, user.userId)).toBe(1);
    });
  });

  describe('a service that is down', () => {
    const t = useBreakerApp();
    const fake = t.products;

    it('keeps refusing while open even once the service is back, then recovers after the reset time', async () => {
      const p = fake.add({ price: 30, stock: 100 });
      const user = makeUser();
      const payload = validOrderBody([p._id]);
      await fake.down();

      const sent = await failUntilOpen(t, user, payload);
      expect(sent).toBe(VOLUME);
      const openedAt = Date.now();

      // Back up, but the circuit is still open: refused at once, and the service hears nothing.
      await fake.up();
      fake.reset();
      await expectFailsFast(t, fake, user, payload);
      expect(fake.requests).toEqual([]);

      await sleep(Math.max(0, openedAt + RESET_MS + 300 - Date.now()));
      const { res } = await timedPost(t, user, payload);
      await expectOrderWritten(t, res, p);
      expect(fake.requestsFor(p._id)).toBe(1);
      expect(sourceOf(t).state).toBe('closed');
    });
  });

  describe('wrong answers', () => {
    const t = useBreakerApp();
    const fake = t.products;

    it('do not open the circuit: unusable answers and unknown products are not an outage', async () => {
      const p = fake.add({ price: 30, stock: 100 });
      const user = makeUser();
      const before = await countRows(t);

      fake.mode = 'html';
      for (let i = 0; i < VOLUME * 2; i++) {
        const { res } = await timedPost(t, user, validOrderBody([p._id]));
        expectProblem(res, 502, 'PRODUCT_SERVICE_BAD_RESPONSE', ['product_id']);
      }
      expect(fake.requestsFor(p._id)).toBe(VOLUME * 2);
      expect(sourceOf(t).state).toBe('closed');

      fake.mode = 'normal';
      for (let i = 0; i < VOLUME * 2; i++) {
        const missing = objectId();
        const { res } = await timedPost(t, user, validOrderBody([missing]));
        expectProblem(res, 422, 'PRODUCT_NOT_FOUND', ['product_id']);
        expect(fake.requestsFor(missing)).toBe(1);
      }
      expect(sourceOf(t).state).toBe('closed');
      expect(await countRows(t)).toEqual(before);

      const { res } = await timedPost(t, user, validOrderBody([p._id]));
      await expectOrderWritten(t, res, p);
    });
  });
});
