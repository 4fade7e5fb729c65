import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import { FakeProductService } from './fakes/product-service';
import { FakeUserService } from './fakes/user-service';
import { useOrderService } from './utils/fixture';
import {
  expectStatus,
  OrderJson,
  ORDERS,
  patchStatus,
  PRODUCTS,
  UUID,
  validOrderBody,
} from './utils/orders';
import { expectProblem } from './utils/problem';
import { freePort, RunningService, SpawnedService, useServiceSpawner } from './utils/service';
import { makeUser, signToken, TEST_SECRET, TestUser } from './utils/tokens';

/*
 * "Ready to operate", part 1: what an operator sees of the running service. Logs and tracing are
 * read from the BUILT service started as a child process (tracing has to patch http before it is
 * loaded, and the log lines are the process' real stdout); metrics from the app in-process too.
 */

jest.setTimeout(120_000);

// Trust auth ignores the password, so the service can be given one that must never be printed.
const DB_PASSWORD = `pw-${randomUUID()}`;

// ---------------------------------------------------------------------------------------------
// The spawned service.
// ---------------------------------------------------------------------------------------------

/** A spawned service, and the password in the DATABASE_URL it was given. */
type Spawned = SpawnedService & { dbPassword: string };

const services = useServiceSpawner();

async function spawnService(env: Record<string, string> = {}): Promise<Spawned> {
  const service = await services.spawn({
    env: { SECRET_KEY: TEST_SECRET, ...env },
    mapDatabaseUrl: (db) => {
      const url = new URL(db);
      if (!url.password) url.password = DB_PASSWORD;
      return url.toString();
    },
  });
  const dbPassword = decodeURIComponent(new URL(service.databaseUrl!).password);
  return Object.assign(service, { dbPassword });
}

// ---------------------------------------------------------------------------------------------
// Log lines.
// ---------------------------------------------------------------------------------------------

interface LogLine {
  level?: number;
  msg?: string;
  req?: { id?: string; method?: string; path?: string };
  res?: { statusCode?: number };
  responseTime?: unknown;
  route?: string;
  userId?: string;
  [field: string]: unknown;
}

/** Every line of stdout; a line that is not JSON comes back as `{ unparsable: line }`. */
function logLines(service: RunningService): LogLine[] {
  return service
    .stdout()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        return { unparsable: line };
      }
    });
}

const linesOf = (service: RunningService, requestId: string) =>
  logLines(service).filter((line) => line.req?.id === requestId);

/** Waits for the request's log line(s), then a little more so that a duplicate would show. */
async function requestLog(service: RunningService, requestId: string): Promise<LogLine[]> {
  const deadline = Date.now() + 5000;
  while (linesOf(service, requestId).length === 0 && Date.now() < deadline) await sleep(25);
  await sleep(200);
  return linesOf(service, requestId);
}

/** The one log line of a request, asserted to be the only one. */
async function theLogLine(service: RunningService, requestId: string): Promise<LogLine> {
  const lines = await requestLog(service, requestId);
  expect({ requestId, lines }).toEqual({ requestId, lines: [expect.any(Object)] });
  return lines[0];
}

const LEVEL = { info: 30, warn: 40, error: 50 };

const requestId = (tag: string) => `${tag}-${randomUUID()}`;

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

// ---------------------------------------------------------------------------------------------
// Fakes shared by every spawned service of this file.
// ---------------------------------------------------------------------------------------------

let products: FakeProductService;
let users: FakeUserService;
/** Started with LOG_LEVEL=info, the neighbours set, no OTEL_EXPORTER_OTLP_ENDPOINT. */
let plain: Spawned;
let plainReported = false;

beforeAll(async () => {
  products = await FakeProductService.start();
  users = await FakeUserService.start();
  plain = await spawnService({
    LOG_LEVEL: 'info',
    PRODUCT_SERVICE_URL: products.url,
    USER_SERVICE_URL: users.url,
  });
});

afterEach(() => {
  products.reset();
  users.reset();
  // A service that died would fail every later test with ECONNREFUSED; say why, once.
  if (plain && !plain.isRunning() && !plainReported) {
    plainReported = true;
    throw new Error(
      `the service under test exited (${plain.child.exitCode ?? plain.child.signalCode})\n` +
        `--- stderr\n${plain.stderr()}\n--- stdout (end)\n${plain.stdout().slice(-4000)}`,
    );
  }
});

afterAll(async () => {
  await products?.close();
  await users?.close();
});

/** A customer the fake User Service knows, so its name look-up answers 200. */
function registeredCustomer(): TestUser {
  const user = makeUser('customer');
  users.addUser(user.userId, { firstName: 'Log', lastName: 'Tester' });
  return user;
}

async function createOrderVia(
  s: Spawned,
  user: TestUser,
  headers: Record<string, string> = {},
): Promise<OrderJson> {
  const res = await s
    .http()
    .post(ORDERS)
    .set(user.auth)
    .set(headers)
    .send(validOrderBody([PRODUCTS.novel]));
  expectStatus(res, 201);
  return res.body as OrderJson;
}

// ---------------------------------------------------------------------------------------------

describe('request logs (built service, LOG_LEVEL=info)', () => {
  it('writes one JSON line per request: method, route template, status, duration, userId, id', async () => {
    const user = registeredCustomer();
    const order = await createOrderVia(plain, user);
    const id = requestId('log-shape');

    const res = await plain
      .http()
      .get(`${ORDERS}/${order.id}`)
      .set(user.auth)
      .set('X-Request-Id', id);

    expectStatus(res, 200);
    expect(res.headers['x-request-id']).toBe(id);
    const line = await theLogLine(plain, id);
    expect(line).toEqual(
      expect.objectContaining({
        level: LEVEL.info,
        route: '/api/orders/:id',
        userId: user.userId,
        req: expect.objectContaining({ id, method: 'GET' }),
        res: expect.objectContaining({ statusCode: 200 }),
        responseTime: expect.any(Number),
      }),
    );
    expect(line.responseTime as number).toBeGreaterThanOrEqual(0);
    expect(line.responseTime as number).toBeLessThan(10_000);
    // The template groups requests; the raw id is not the route.
    expect(line.route).not.toContain(order.id);
  });

  it('logs the creation with its route and the caller', async () => {
    const user = registeredCustomer();
    const id = requestId('log-create');

    await createOrderVia(plain, user, { 'X-Request-Id': id });

    const line = await theLogLine(plain, id);
    expect(line).toEqual(
      expect.objectContaining({
        level: LEVEL.info,
        route: '/api/orders',
        userId: user.userId,
        req: expect.objectContaining({ id, method: 'POST' }),
        res: expect.objectContaining({ statusCode: 201 }),
        responseTime: expect.any(Number),
      }),
    );
  });

  it('every line on stdout is JSON (nothing pretty-printed, nothing half-written)', async () => {
    const res = await plain.http().get('/');
    expectStatus(res, 200);
    await requestLog(plain, String(res.headers['x-request-id']));

    const unparsable = logLines(plain).filter((line) => 'unparsable' in line);
    expect(unparsable).toEqual([]);
    expect(logLines(plain).length).toBeGreaterThan(0);
  });

  it('without X-Request-Id, generates a UUID, returns it and logs it', async () => {
    const res = await plain.http().get('/');

    expectStatus(res, 200);
    const id = String(res.headers['x-request-id']);
    expect(id).toMatch(UUID);
    const line = await theLogLine(plain, id);
    expect(line).toEqual(
      expect.objectContaining({
        route: '/',
        req: expect.objectContaining({ id, method: 'GET' }),
        res: expect.objectContaining({ statusCode: 200 }),
      }),
    );
  });

  it('two requests without an id get two different ids', async () => {
    const [a, b] = [await plain.http().get('/'), await plain.http().get('/')];

    expectStatus(a, 200);
    expectStatus(b, 200);
    expect(a.headers['x-request-id']).toMatch(UUID);
    expect(b.headers['x-request-id']).toMatch(UUID);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it.each([
    ['spaces', 'has spaces in it'],
    ['a forged log line', '{"level":60,"msg":"forged"}'],
    ['200 characters', 'a'.repeat(200)],
    ['a tab', 'tab\tinside'],
    ['non-ASCII bytes', Buffer.from('идентификатор', 'utf8').toString('latin1')],
  ])('an unsafe X-Request-Id (%s) is replaced by a UUID', async (_what, unsafe) => {
    const res = await plain.http().get('/').set('X-Request-Id', unsafe);

    expectStatus(res, 200);
    const id = String(res.headers['x-request-id']);
    expect(id).not.toBe(unsafe);
    expect(id).toMatch(UUID);
    await theLogLine(plain, id);
    expect(logLines(plain).filter((line) => line.req?.id === unsafe)).toEqual([]);
    expect(plain.stdout()).not.toContain(unsafe);
  });

  it('keeps a plain id of letters, digits, dots, dashes, colons and underscores', async () => {
    const id = `trace.abc_DEF-123:${randomUUID()}`;

    const res = await plain.http().get('/').set('X-Request-Id', id);

    expectStatus(res, 200);
    expect(res.headers['x-request-id']).toBe(id);
    await theLogLine(plain, id);
  });

  it('the 401 of a bad token is logged as a warning, with its id and without the token', async () => {
    const token = signToken({}, { secret: 'not-the-secret-of-the-service' });
    const id = requestId('log-401');

    const res = await plain
      .http()
      .get(ORDERS)
      .set('Authorization', `Bearer ${token}`)
      .set('X-Request-Id', id);

    expectProblem(res, 401, 'UNAUTHORIZED');
    const line = await theLogLine(plain, id);
    expect(line).toEqual(
      expect.objectContaining({
        level: LEVEL.warn,
        route: '/api/orders',
        res: expect.objectContaining({ statusCode: 401 }),
      }),
    );
    expect(line.userId).toBeUndefined();
    expect(plain.stdout()).not.toContain(token);
  });

  it('a 4xx error path (an order that does not exist) is logged as a warning', async () => {
    const user = registeredCustomer();
    const id = requestId('log-404');

    const res = await plain
      .http()
      .get(`${ORDERS}/${randomUUID()}`)
      .set(user.auth)
      .set('X-Request-Id', id);

    expectProblem(res, 404, 'NOT_FOUND');
    const line = await theLogLine(plain, id);
    expect(line).toEqual(
      expect.objectContaining({
        level: LEVEL.warn,
        route: '/api/orders/:id',
        userId: user.userId,
        res: expect.objectContaining({ statusCode: 404 }),
      }),
    );
  });

  it('a validation failure (400, an empty basket) is logged as a warning', async () => {
    const user = registeredCustomer();
    const id = requestId('log-invalid');

    const res = await plain
      .http()
      .post(ORDERS)
      .set(user.auth)
      .set('X-Request-Id', id)
      .send({ items: [] });

    expectProblem(res, 400, 'VALIDATION_FAILED', ['errors']);
    const line = await theLogLine(plain, id);
    expect(line).toEqual(
      expect.objectContaining({
        level: LEVEL.warn,
        route: '/api/orders',
        res: expect.objectContaining({ statusCode: 400 }),
      }),
    );
  });

  it('a malformed JSON body is answered 400 and logged as a warning with its request id', async () => {
    const user = registeredCustomer();
    const id = requestId('log-malformed');

    const res = await plain
      .http()
      .post(ORDERS)
      .set(user.auth)
      .set('X-Request-Id', id)
      .set('Content-Type', 'application/json')
      .send('{"items": [');

    expectProblem(res, 400, 'MALFORMED_JSON');
    expect(res.headers['x-request-id']).toBe(id);
    const lines = await requestLog(plain, id);
    expect({ id, lines }).toEqual({
      id,
      lines: [
        expect.objectContaining({
          level: LEVEL.warn,
          req: expect.objectContaining({ id, method: 'POST' }),
          res: expect.objectContaining({ statusCode: 400 }),
        }),
      ],
    });
  });

  it('a body that is not JSON (415) is logged as a warning with its request id', async () => {
    const user = registeredCustomer();
    const id = requestId('log-415');

    const res = await plain
      .http()
      .post(ORDERS)
      .set(user.auth)
      .set('X-Request-Id', id)
      .set('Content-Type', 'text/plain')
      .send('items=1');

    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const lines = await requestLog(plain, id);
    expect({ id, lines }).toEqual({
      id,
      lines: [
        expect.objectContaining({
          level: LEVEL.warn,
          res: expect.objectContaining({ statusCode: 415 }),
        }),
      ],
    });
  });
});

describe('the request id travels to the neighbours', () => {
  it("the client's X-Request-Id is sent to the Product Service and the User Service", async () => {
    const user = registeredCustomer();
    const id = requestId('forward');

    const order = await createOrderVia(plain, user, { 'X-Request-Id': id });

    expect(order.customer_name).toBe('Log Tester');
    const productCalls = products.requests.filter((r) => r.path.startsWith('/api/products/'));
    expect(productCalls.length).toBeGreaterThan(0);
    expect(productCalls.map((r) => header(r.headers, 'x-request-id'))).toEqual(
      productCalls.map(() => id),
    );
    const userCalls = users.requests.filter((r) => r.path === '/api/users/me');
    expect(userCalls).toHaveLength(1);
    expect(header(userCalls[0].headers, 'x-request-id')).toBe(id);
  });

  it('a generated id is the one sent to the neighbours', async () => {
    const user = registeredCustomer();

    const res = await plain.http().post(ORDERS).set(user.auth).send(validOrderBody());

    expectStatus(res, 201);
    const id = String(res.headers['x-request-id']);
    expect(id).toMatch(UUID);
    const sent = [...products.requests, ...users.requests].map((r) =>
      header(r.headers, 'x-request-id'),
    );
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(sent).toEqual(sent.map(() => id));
  });

  it('concurrent requests each forward their own id', async () => {
    const ids = [requestId('conc-a'), requestId('conc-b'), requestId('conc-c')];
    const customers = ids.map(() => registeredCustomer());

    const responses = await Promise.all(
      ids.map((id, i) =>
        plain
          .http()
          .post(ORDERS)
          .set(customers[i].auth)
          .set('X-Request-Id', id)
          .send(validOrderBody()),
      ),
    );

    for (const res of responses) expectStatus(res, 201);
    for (const [i, id] of ids.entries()) {
      const call = users.requests.find(
        (r) => header(r.headers, 'authorization') === customers[i].auth.Authorization,
      );
      expect(call && header(call.headers, 'x-request-id')).toBe(id);
    }
    const forwarded = products.requests.map((r) => header(r.headers, 'x-request-id'));
    expect(new Set(forwarded)).toEqual(new Set(ids));
  });
});

// ---------------------------------------------------------------------------------------------

/** Requests that carry credentials in every way a client might; each is logged under its id. */
async function sendCredentialedTraffic(s: Spawned): Promise<{ tokens: string[]; ids: string[] }> {
  const user = registeredCustomer();
  const admin = makeUser('admin');
  const wrongSecret = signToken({}, { secret: 'some-other-secret-value-000' });
  const expired = signToken({}, { expiresIn: -60 });
  const garbage = `not.a.jwt-${randomUUID()}`;
  const basic = Buffer.from(`jane:${randomUUID()}`).toString('base64');
  const tokens = [user.token, admin.token, wrongSecret, expired, garbage, basic];
  const ids: string[] = [];
  const tagged = (tag: string) => {
    const id = requestId(tag);
    ids.push(id);
    return id;
  };

  const created = await s
    .http()
    .post(ORDERS)
    .set(user.auth)
    .set('X-Request-Id', tagged('secret-create'))
    .send(validOrderBody());
  expectStatus(created, 201);
  const order = created.body as OrderJson;
  expectStatus(
    await s.http().get(ORDERS).set(user.auth).set('X-Request-Id', tagged('secret-list')),
    200,
  );
  const confirmed = await s
    .http()
    .patch(`${ORDERS}/${order.id}/status`)
    .set(admin.auth)
    .set('X-Request-Id', tagged('secret-patch'))
    .send({ status: 'confirmed' });
  expectStatus(confirmed, 200);
  for (const [tag, value] of [
    ['secret-wrong', `Bearer ${wrongSecret}`],
    ['secret-expired', `Bearer ${expired}`],
    ['secret-garbage', `Bearer ${garbage}`],
    ['secret-basic', `Basic ${basic}`],
  ]) {
    const res = await s
      .http()
      .get(ORDERS)
      .set('Authorization', value)
      .set('X-Request-Id', tagged(tag));
    expectProblem(res, 401, 'UNAUTHORIZED');
  }
  // A token in the query string is not accepted, and the query is not logged either.
  const inQuery = await s
    .http()
    .get(`${ORDERS}?access_token=${user.token}&token=${user.token}`)
    .set('X-Request-Id', tagged('secret-query'));
  expectProblem(inQuery, 401, 'UNAUTHORIZED');
  const malformed = await s
    .http()
    .post(ORDERS)
    .set(user.auth)
    .set('X-Request-Id', tagged('secret-malformed'))
    .set('Content-Type', 'application/json')
    .send(`{"token": "${user.token}"`);
  expectProblem(malformed, 400, 'MALFORMED_JSON');
  const forbidden = await s
    .http()
    .get(`${ORDERS}/all`)
    .set(user.auth)
    .set('X-Request-Id', tagged('secret-403'));
  expectProblem(forbidden, 403, 'FORBIDDEN');
  return { tokens, ids };
}

describe.each(['info', 'debug', 'trace'])(
  'no credentials in any log line (LOG_LEVEL=%s)',
  (level) => {
    let s: Spawned;
    let sent: { tokens: string[]; ids: string[] };

    beforeAll(async () => {
      s =
        level === 'info'
          ? plain
          : await spawnService({
              LOG_LEVEL: level,
              PRODUCT_SERVICE_URL: products.url,
              USER_SERVICE_URL: users.url,
            });
      sent = await sendCredentialedTraffic(s);
      // Every authenticated request and most rejected ones produced a line: the scan has text.
      for (const id of sent.ids.filter((i) => !i.startsWith('secret-malformed'))) {
        await theLogLine(s, id);
      }
    });

    const output = () => `${s.stdout()}\n${s.stderr()}`;

    it('no token, in whole or in part, appears in stdout or stderr', () => {
      for (const token of sent.tokens) {
        expect({ token, found: output().includes(token) }).toEqual({ token, found: false });
        // The signature alone is the secret part of a JWT.
        const signature = token.split('.').at(-1)!;
        expect({ signature, found: output().includes(signature) }).toEqual({
          signature,
          found: false,
        });
      }
    });

    it("the Authorization header is never logged (no 'authorization' in any case)", () => {
      const hits = output()
        .split('\n')
        .filter((line) => /authorization/i.test(line));
      expect(hits).toEqual([]);
    });

    it('neither the SECRET_KEY value nor the database password is logged', () => {
      expect(output()).not.toContain(TEST_SECRET);
      expect(output()).not.toContain(s.dbPassword);
      expect(output()).not.toContain(encodeURIComponent(s.dbPassword));
    });

    it('the query string (which may carry a token) is not logged', async () => {
      const id = sent.ids.find((i) => i.startsWith('secret-query'))!;
      const line = await theLogLine(s, id);
      expect(line.req?.path).toBe(ORDERS);
      expect(JSON.stringify(line)).not.toContain('token=');
    });
  },
);

// ---------------------------------------------------------------------------------------------
// Metrics.
// ---------------------------------------------------------------------------------------------

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = value;
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the sample with exactly these labels (0 when absent: a counter not yet used). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} is not one sample`);
  return found[0]?.value ?? 0;
}

const has = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.some(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );

describe('GET /metrics (in-process app with a fake Product Service)', () => {
  const t = useOrderService({
    product: true,
    env: {
      PRODUCT_SERVICE_RETRIES: '0',
      PRODUCT_SERVICE_BREAKER_VOLUME: '3',
      PRODUCT_SERVICE_BREAKER_RESET_MS: '60000',
    },
  });
  const { products: catalog, customer, admin } = t;

  async function scrape(): Promise<Sample[]> {
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    return parseMetrics(res.text);
  }

  const create = (headers: Record<string, string> = {}) =>
    t.http
      .post(ORDERS)
      .set(customer.auth)
      .set(headers)
      .send(validOrderBody([PRODUCTS.novel]));

  it('is public and answers Prometheus text', async () => {
    const res = await t.http.get('/metrics');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*\bversion=0\.0\.4\b/);
    expect(res.text).toMatch(/^# HELP http_request_duration_seconds /m);
    expect(res.text).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
    expect(res.text).toMatch(/^# TYPE orders_created_total counter$/m);
    expect(() => parseMetrics(res.text)).not.toThrow();
  });

  it('a token is not needed, and a bad one does not turn it into a 401', async () => {
    const res = await t.http.get('/metrics').set('Authorization', 'Bearer nonsense');

    expect(res.status).toBe(200);
    expect(res.text).toContain('process_resident_memory_bytes');
  });

  it('has the default process metrics', async () => {
    const samples = await scrape();

    expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(has(samples, 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('http_request_duration_seconds counts by method, route template and status', async () => {
    const order = (await create().expect(201)).body as OrderJson;
    const labels = { method: 'GET', route: '/api/orders/:id', status: '200' };
    const missing = { method: 'GET', route: '/api/orders/:id', status: '404' };
    const before = await scrape();

    expectStatus(await t.http.get(`${ORDERS}/${order.id}`).set(customer.auth), 200);
    expectStatus(await t.http.get(`${ORDERS}/${order.id}`).set(customer.auth), 200);
    expectStatus(await t.http.get(`${ORDERS}/${randomUUID()}`).set(customer.auth), 404);

    const res = await t.http.get('/metrics');
    const after = parseMetrics(res.text);
    const count = (s: Sample[], l: Record<string, string>) =>
      valueOf(s, 'http_request_duration_seconds_count', l);
    expect(count(after, labels) - count(before, labels)).toBe(2);
    expect(count(after, missing) - count(before, missing)).toBe(1);
    expect(has(after, 'http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(
      true,
    );
    expect(valueOf(after, 'http_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
    expect(
      valueOf(after, 'http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/orders',
        status: '201',
      }),
    ).toBeGreaterThanOrEqual(1);
    // Route templates only: no raw id ever becomes a label value.
    expect(res.text).not.toContain(order.id);
    const routes = new Set(
      after.filter((s) => s.name.startsWith('http_request_duration')).map((s) => s.labels.route),
    );
    for (const route of routes) expect(route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
  });

  it('orders_created_total counts creations, not idempotent replays or failures', async () => {
    const before = valueOf(await scrape(), 'orders_created_total');
    const key = `metrics-${randomUUID()}`;

    expectStatus(await create(), 201);
    const first = await create({ 'Idempotency-Key': key });
    expectStatus(first, 201);
    const replay = await create({ 'Idempotency-Key': key });
    expectStatus(replay, 201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((replay.body as OrderJson).id).toBe((first.body as OrderJson).id);
    const invalid = await t.http
      .post(ORDERS)
      .set(customer.auth)
      .send(validOrderBody([PRODUCTS.socks])); // out of stock
    expect(invalid.status).toBeGreaterThanOrEqual(400);

    expect(valueOf(await scrape(), 'orders_created_total') - before).toBe(2);
  });

  it('order_status_transitions_total{from="pending",to="confirmed"} counts a confirmation', async () => {
    const order = (await create().expect(201)).body as OrderJson;
    const labels = { from: 'pending', to: 'confirmed' };
    const before = valueOf(await scrape(), 'order_status_transitions_total', labels);

    expectStatus(await patchStatus(t, admin, order.id, 'confirmed'), 200);

    const after = await scrape();
    expect(valueOf(after, 'order_status_transitions_total', labels) - before).toBe(1);

    // A rejected transition is not counted.
    const rejected = await patchStatus(t, admin, order.id, 'delivered');
    expect(rejected.status).toBe(409);
    expect(
      valueOf(await scrape(), 'order_status_transitions_total', {
        from: 'confirmed',
        to: 'delivered',
      }),
    ).toBe(0);
  });

  it('neighbour_request_duration_seconds{service="product",outcome="ok"} measures the look-ups', async () => {
    const labels = { service: 'product', outcome: 'ok' };
    const before = valueOf(await scrape(), 'neighbour_request_duration_seconds_count', labels);

    expectStatus(await create(), 201);

    const after = await scrape();
    expect(valueOf(after, 'neighbour_request_duration_seconds_count', labels) - before).toBe(1);
    expect(has(after, 'neighbour_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(
      true,
    );
    expect(valueOf(after, 'neighbour_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
  });

  it('neighbour_request_errors_total counts a failing Product Service by outcome', async () => {
    const serverError = { service: 'product', outcome: 'server_error' };
    const refused = { service: 'product', outcome: 'refused' };
    const before = await scrape();

    catalog.failNext(500, 1);
    expectProblem(await create(), 503, 'PRODUCT_SERVICE_UNAVAILABLE');
    await catalog.down();
    expectProblem(await create(), 503, 'PRODUCT_SERVICE_UNAVAILABLE');
    await catalog.up();

    const after = await scrape();
    expect(
      valueOf(after, 'neighbour_request_errors_total', serverError) -
        valueOf(before, 'neighbour_request_errors_total', serverError),
    ).toBe(1);
    expect(
      valueOf(after, 'neighbour_request_errors_total', refused) -
        valueOf(before, 'neighbour_request_errors_total', refused),
    ).toBe(1);
    // A product that does not exist is an answer, not an error.
    const notFound = { service: 'product', outcome: 'not_found' };
    const missing = await t.http
      .post(ORDERS)
      .set(customer.auth)
      .send(validOrderBody(['0123456789abcdef01234567']));
    expect(missing.status).toBe(422);
    const last = await scrape();
    expect(valueOf(last, 'neighbour_request_errors_total', notFound)).toBe(0);
    expect(valueOf(last, 'neighbour_request_duration_seconds_count', notFound)).toBeGreaterThan(0);
  });

  it('db_pool_connections has in_use, idle and waiting', async () => {
    const samples = await scrape();

    for (const state of ['in_use', 'idle', 'waiting']) {
      expect({ state, present: has(samples, 'db_pool_connections', { state }) }).toEqual({
        state,
        present: true,
      });
      const value = valueOf(samples, 'db_pool_connections', { state });
      expect(Number.isInteger(value) && value >= 0).toBe(true);
    }
    expect(
      valueOf(samples, 'db_pool_connections', { state: 'in_use' }) +
        valueOf(samples, 'db_pool_connections', { state: 'idle' }),
    ).toBeGreaterThanOrEqual(1);
  });

  // Last: it leaves the circuit open for this app.
  it('product_service_circuit_state goes from 0 (closed) to 2 (open) while the service is down', async () => {
    expect(valueOf(await scrape(), 'product_service_circuit_state')).toBe(0);

    await catalog.down();
    let last = 0;
    for (let i = 0; i < 20 && last !== 2; i++) {
      const res = await create();
      expectProblem(res, 503, 'PRODUCT_SERVICE_UNAVAILABLE');
      last = valueOf(await scrape(), 'product_service_circuit_state');
    }

    expect(last).toBe(2);
  });
});

describe('METRICS_PORT (built service)', () => {
  let s: Spawned;
  let metricsPort: number;

  beforeAll(async () => {
    metricsPort = await freePort();
    s = await spawnService({ METRICS_PORT: String(metricsPort), LOG_LEVEL: 'warn' });
  });

  afterAll(async () => {
    if (s) expect(await s.stop()).toBe(0);
  });

  it('GET /metrics on the API port is 404', async () => {
    const res = await s.http().get('/metrics');

    expectProblem(res, 404, 'NOT_FOUND');
    expect(res.text).not.toContain('process_resident_memory_bytes');
  });

  it('the metrics port serves them, with the API traffic counted', async () => {
    expectStatus(await s.http().get('/'), 200);

    const res = await request(`http://127.0.0.1:${metricsPort}`).get('/metrics');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*\bversion=0\.0\.4\b/);
    const samples = parseMetrics(res.text);
    expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(
      valueOf(samples, 'http_request_duration_seconds_count', {
        method: 'GET',
        route: '/',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(has(samples, 'db_pool_connections', { state: 'idle' })).toBe(true);
  });

  it('the metrics port serves nothing else', async () => {
    const res = await request(`http://127.0.0.1:${metricsPort}`).get('/api/orders');

    expect(res.status).toBe(404);
  });
});

// ---------------------------------------------------------------------------------------------
// Tracing.
// ---------------------------------------------------------------------------------------------

interface ExportRequest {
  method: string;
  path: string;
  contentType: string;
  body: Buffer;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: { stringValue?: string } }[];
}

/** A collector that accepts OTLP/HTTP and keeps what it was sent. */
class FakeCollector {
  requests: ExportRequest[] = [];
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        this.requests.push({
          method: req.method ?? '',
          path: (req.url ?? '').split('?')[0],
          contentType: String(req.headers['content-type'] ?? ''),
          body,
        });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  traceExports(): ExportRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === '/v1/traces');
  }

  /** Every span of every JSON export, with the service.name of its resource. */
  spans(): (OtlpSpan & { service?: string })[] {
    return this.traceExports().flatMap((r) => {
      const doc = JSON.parse(r.body.toString('utf8')) as {
        resourceSpans?: {
          resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
          scopeSpans?: { spans?: OtlpSpan[] }[];
        }[];
      };
      return (doc.resourceSpans ?? []).flatMap((rs) => {
        const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value
          .stringValue;
        return (rs.scopeSpans ?? []).flatMap((ss) =>
          (ss.spans ?? []).map((span) => ({ ...span, service })),
        );
      });
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function waitFor(probe: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

describe('tracing (built service, OTEL_EXPORTER_OTLP_ENDPOINT set)', () => {
  const SERVICE_NAME = `order-service-e2e-${randomUUID().slice(0, 8)}`;
  let collector: FakeCollector;
  let s: Spawned;

  beforeAll(async () => {
    collector = new FakeCollector();
    await collector.start();
    s = await spawnService({
      LOG_LEVEL: 'warn',
      PRODUCT_SERVICE_URL: products.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: SERVICE_NAME,
    });
  });

  afterAll(async () => {
    if (s?.isRunning()) s.child.kill('SIGKILL');
    await collector?.close();
  });

  const traceparents = () =>
    products.requests.map((r) => header(r.headers, 'traceparent')).filter((v) => v !== undefined);

  let firstTrace: string;

  it('the Product Service receives a W3C traceparent, and the spans reach the collector', async () => {
    const user = makeUser('customer');

    await createOrderVia(s, user);

    const sent = traceparents();
    expect(sent).toHaveLength(products.requests.length);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent[0]).toMatch(TRACEPARENT);
    const [, traceId, parentId] = TRACEPARENT.exec(sent[0])!;
    expect(traceId).not.toBe('0'.repeat(32));
    firstTrace = traceId;

    // The batch processor exports every few seconds.
    const arrived = await waitFor(
      () => collector.spans().some((span) => span.traceId === traceId),
      10_000,
    );
    expect({ arrived, exports: collector.traceExports().length }).toEqual(
      expect.objectContaining({ arrived: true }),
    );
    const spans = collector.spans().filter((span) => span.traceId === traceId);
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set([SERVICE_NAME]));
    // The call to the Product Service is a span of that trace, parent of what it received.
    expect(spans.map((span) => span.spanId)).toContain(parentId);
    // SERVER (2) for the incoming request, CLIENT (3) for the outgoing call.
    expect(spans.map((span) => span.kind)).toEqual(expect.arrayContaining([2, 3]));
    // The incoming request's span is named by its route template, which it carries too.
    const server = spans.filter((span) => span.kind === 2);
    expect(server.map((span) => span.name)).toEqual(['POST /api/orders']);
    expect(server[0].attributes).toEqual(
      expect.arrayContaining([{ key: 'http.route', value: { stringValue: '/api/orders' } }]),
    );
  });

  it("continues the caller's trace: an incoming traceparent's trace id is propagated", async () => {
    const user = makeUser('customer');
    const traceId = randomUUID().replace(/-/g, '');
    const incoming = `00-${traceId}-${'ab'.repeat(8)}-01`;

    await createOrderVia(s, user, { traceparent: incoming });

    const sent = traceparents();
    expect(sent.length).toBeGreaterThan(0);
    for (const value of sent) expect(TRACEPARENT.exec(value)?.[1]).toBe(traceId);
    expect(traceId).not.toBe(firstTrace);
  });

  it('SIGTERM flushes the spans not yet exported, then the process exits 0', async () => {
    const user = makeUser('customer');
    await createOrderVia(s, user);
    const [, traceId] = TRACEPARENT.exec(traceparents()[0] ?? '') ?? [];
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    expect(await s.stop(30_000)).toBe(0);

    expect(collector.spans().some((span) => span.traceId === traceId)).toBe(true);
  });

  it('the export is OTLP/HTTP JSON on /v1/traces', () => {
    const exports = collector.traceExports();
    expect(exports.length).toBeGreaterThan(0);
    for (const e of exports) expect(e.contentType).toMatch(/^application\/json/);
  });
});

describe('tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('sends no traceparent to the Product Service', async () => {
    const user = makeUser('customer');

    await createOrderVia(plain, user);

    expect(products.requests.length).toBeGreaterThan(0);
    expect(products.requests.map((r) => header(r.headers, 'traceparent'))).toEqual(
      products.requests.map(() => undefined),
    );
  });
});
