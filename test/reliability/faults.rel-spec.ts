import { randomUUID } from 'node:crypto';
import { get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { FakeProductService } from '../fakes/product-service';
import { createTestDatabase, dropTestDatabase, withAdminClient } from '../utils/database';
import { ADDRESS, ORDERS, PRODUCTS } from '../utils/orders';
import {
  exitWithin,
  freePort,
  RunningService,
  SpawnedService,
  SpawnOptions,
  useServiceSpawner,
} from '../utils/service';
import { makeUser, TEST_SECRET, TestUser } from '../utils/tokens';

/*
 * "Prove it", part 2: the BUILT service (node dist/main.js) under a steady stream of order
 * creations while its neighbours fail: the Product Service goes away, PostgreSQL cuts its
 * connections, the service itself is stopped with SIGTERM and started again. Afterwards the
 * database must hold exactly the orders that were answered 201, each whole, and the service
 * must have recovered by itself.
 */

/** Concurrent clients of the load, each sending one order at a time. */
const CLIENTS = 4;
/** A client's pause between two orders. */
const PAUSE_MS = 25;
/** The load stops by itself after this many orders per scenario. */
const MAX_REQUESTS_PER_SCENARIO = 4000;
/** One attempt's time limit. */
const ATTEMPT_TIMEOUT_MS = 10_000;
/** How long a client keeps retrying one order (same key) after a connection error. */
const RETRY_BUDGET_MS = 25_000;
/** After a fault ends, orders must succeed again within this time. */
const RECOVERY_BOUND_MS = 30_000;
/** Orders that must succeed before a fault is injected (the baseline). */
const WARM_UP_ORDERS = 20;
const WARM_UP_BOUND_MS = 30_000;

const LOAD_PRODUCTS = [
  PRODUCTS.novel,
  PRODUCTS.battery,
  PRODUCTS.tshirt,
  PRODUCTS.skillet,
  PRODUCTS.jacket,
];

interface Line {
  product_id: string;
  quantity: number;
}

interface Attempt {
  started: number;
  ended: number;
  /** The HTTP status, or undefined when no answer came (connection error, timeout). */
  status?: number;
  /** 'CREATED' for a 201; else the problem's code, or the connection error's code. */
  code: string;
  orderId?: string;
}

interface LogicalRequest {
  key: string;
  lines: Line[];
  attempts: Attempt[];
}

/** The last answer to an order: its outcome once the client is done with it. */
const finalOf = (r: LogicalRequest): Attempt | undefined => r.attempts.at(-1);

function randomLines(): Line[] {
  const count = 1 + Math.floor(Math.random() * 3);
  const ids = [...LOAD_PRODUCTS].sort(() => Math.random() - 0.5).slice(0, count);
  return ids.map((product_id) => ({ product_id, quantity: 1 + Math.floor(Math.random() * 3) }));
}

/** The code of a failed fetch: ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET, TimeoutError... */
function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; name?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.name === 'string' && cause.name !== 'Error') return cause.name;
  return (error as Error).name ?? 'UNKNOWN';
}

/**
 * A bounded stream of order creations: a few clients, each with its own Idempotency-Key per
 * order. When no answer comes (the connection failed), the client retries the same order with
 * the same key, as a real client would; any HTTP answer but "key in use" is final.
 */
class Load {
  readonly requests: LogicalRequest[] = [];
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly baseUrl: string,
    private readonly user: TestUser,
  ) {}

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: CLIENTS }, () => this.loop());
  }

  /** Waits for every client to finish its current order (bounded by the retry budget). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  get attempts(): Attempt[] {
    return this.requests.flatMap((r) => r.attempts);
  }

  /** The first 201 to an attempt started at or after `since`, if any. */
  firstSuccessAfter(since: number): Attempt | undefined {
    return this.attempts
      .filter((a) => a.started >= since && a.status === 201)
      .sort((a, b) => a.ended - b.ended)[0];
  }

  successes(): number {
    return this.requests.filter((r) => finalOf(r)?.status === 201).length;
  }

  /**
   * Sends fresh orders, one after another, until one started at or after `since` is answered
   * 201; the time that took. Recovery is measured with new keys, so that clients still retrying
   * an order the fault left claimed do not hide a service that is serving again.
   */
  async recoveryAfter(since: number, boundMs: number): Promise<number | undefined> {
    const deadline = since + boundMs;
    for (;;) {
      const first = this.firstSuccessAfter(since);
      if (first) return first.ended - since;
      if (Date.now() > deadline) return undefined;
      await this.sendOne();
      await sleep(100);
    }
  }

  private async loop(): Promise<void> {
    while (this.running && this.requests.length < MAX_REQUESTS_PER_SCENARIO) {
      await this.sendOne();
      await sleep(PAUSE_MS);
    }
  }

  private async sendOne(): Promise<void> {
    const request: LogicalRequest = { key: randomUUID(), lines: randomLines(), attempts: [] };
    this.requests.push(request);
    await this.execute(request);
  }

  private async execute(request: LogicalRequest): Promise<void> {
    const giveUpAt = Date.now() + RETRY_BUDGET_MS;
    for (let n = 1; ; n++) {
      const attempt = await this.attempt(request);
      request.attempts.push(attempt);
      const unknownOutcome =
        attempt.status === undefined || attempt.code === 'IDEMPOTENCY_KEY_IN_USE';
      const wait = Math.min(2000, 100 * 2 ** Math.min(n, 5));
      if (!unknownOutcome || Date.now() + wait > giveUpAt) return;
      await sleep(wait);
    }
  }

  private async attempt(request: LogicalRequest): Promise<Attempt> {
    const started = Date.now();
    try {
      const res = await fetch(`${this.baseUrl}${ORDERS}`, {
        method: 'POST',
        headers: {
          ...this.user.auth,
          'Content-Type': 'application/json',
          'Idempotency-Key': request.key,
        },
        body: JSON.stringify({
          items: request.lines,
          shipping_address: ADDRESS,
        }),
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      const text = await res.text();
      let body: { id?: unknown; code?: unknown } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        // Not JSON: the code says so below.
      }
      const ended = Date.now();
      if (res.status === 201 && typeof body.id === 'string') {
        return { started, ended, status: 201, code: 'CREATED', orderId: body.id };
      }
      const code = typeof body.code === 'string' ? body.code : `HTTP_${res.status}_NOT_A_PROBLEM`;
      return { started, ended, status: res.status, code };
    } catch (error) {
      return { started, ended: Date.now(), code: networkCode(error) };
    }
  }
}

/** Polls GET /health/ready and records every answer with its time. */
class ReadinessProbe {
  readonly seen: { at: number; status: number | string }[] = [];
  private running = false;
  private loop?: Promise<void>;

  constructor(private readonly baseUrl: string) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const at = Date.now();
        this.seen.push({ at, status: await this.probe() });
        await sleep(100);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /**
   * One probe on a connection of its own, as an orchestrator's probe does: a kept-alive
   * connection would be the probe's own load on the service's shutdown.
   */
  private probe(): Promise<number | string> {
    return new Promise((resolve) => {
      const req = get(
        `${this.baseUrl}/health/ready`,
        { agent: false, timeout: 3000, headers: { Connection: 'close' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'ERROR'));
        },
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
      );
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'ERROR'));
    });
  }

  saw(status: number | string, from = 0, to = Infinity): boolean {
    return this.seen.some((s) => s.status === status && s.at >= from && s.at <= to);
  }

  counts(): Record<string, number> {
    return tally(this.seen.map((s) => String(s.status)));
  }
}

function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  boundMs: number,
): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not within ${boundMs} ms: ${what}`);
    await sleep(50);
  }
}

interface OrderInDb {
  id: string;
  items: number;
  lines: Line[];
  created_events: number;
}

interface Verdict {
  /** 201s whose order is missing or not whole. */
  lost: string[];
  /** Orders that no 201 announced. */
  unannounced: string[];
  /** Orders without items, items or events without order, orders without a created event. */
  halfWritten: string[];
  /** 201s with a completed idempotency key naming another order, or none. */
  keyMismatch: string[];
  /** Orders of this user in the database. */
  orders: number;
  /** Claims left unfinished (a failed request whose key could not be released). */
  openClaims: number;
}

/** Compares the database with what the clients were told. */
async function verify(databaseUrl: string, user: TestUser, load: Load): Promise<Verdict> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows: orders } = await db.query<OrderInDb>(
      `SELECT o.id,
              count(i.id)::int AS items,
              coalesce(json_agg(json_build_object('product_id', i.product_id, 'quantity', i.quantity))
                         FILTER (WHERE i.id IS NOT NULL), '[]') AS lines,
              (SELECT count(*) FROM order_events e
                WHERE e.order_id = o.id AND e.type = 'created')::int AS created_events
         FROM orders o LEFT JOIN order_items i ON i.order_id = o.id
        WHERE o.user_id = $1
        GROUP BY o.id`,
      [user.userId],
    );
    const { rows: orphans } = await db.query<{ what: string; id: string }>(
      `SELECT 'item without order' AS what, i.id::text AS id FROM order_items i
        WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = i.order_id)
       UNION ALL
       SELECT 'event without order', e.id::text FROM order_events e
        WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = e.order_id)`,
    );
    const { rows: keys } = await db.query<{
      key: string;
      response_status: number | null;
      order_id: string | null;
    }>(
      `SELECT key, response_status, response_body->>'id' AS order_id
         FROM idempotency_keys WHERE user_id = $1`,
      [user.userId],
    );

    const byId = new Map(orders.map((o) => [o.id, o]));
    const keyOf = new Map(keys.map((k) => [k.key, k]));
    const announced = new Set<string>();
    const lost: string[] = [];
    const keyMismatch: string[] = [];
    for (const request of load.requests) {
      const ids = new Set(request.attempts.flatMap((a) => (a.orderId ? [a.orderId] : [])));
      if (ids.size > 1)
        lost.push(`${request.key}: one key answered several orders ${[...ids].join(', ')}`);
      const final = finalOf(request);
      if (final?.status !== 201 || !final.orderId) continue;
      announced.add(final.orderId);
      const row = byId.get(final.orderId);
      const expected = [...request.lines].sort((a, b) => a.product_id.localeCompare(b.product_id));
      const stored = [...(row?.lines ?? [])].sort((a, b) =>
        a.product_id.localeCompare(b.product_id),
      );
      if (!row)
        lost.push(`${final.orderId} (key ${request.key}): answered 201, not in the database`);
      else if (JSON.stringify(stored) !== JSON.stringify(expected)) {
        lost.push(
          `${final.orderId}: ${row.items} item rows ${JSON.stringify(stored)} for ${request.lines.length} lines ${JSON.stringify(expected)}`,
        );
      }
      const key = keyOf.get(request.key);
      if (key?.response_status !== 201 || key.order_id !== final.orderId) {
        keyMismatch.push(`${request.key}: stored ${JSON.stringify(key ?? null)}`);
      }
    }
    const unannounced = orders
      .filter((o) => !announced.has(o.id))
      .map((o) => {
        const key = keys.find((k) => k.order_id === o.id);
        const request = key && load.requests.find((r) => r.key === key.key);
        const history = request?.attempts.map((a) => a.code).join(' → ') ?? 'no key';
        return `${o.id} (attempts: ${history})`;
      });
    const halfWritten = [
      ...orders.filter((o) => o.items === 0).map((o) => `${o.id}: no items`),
      ...orders.filter((o) => o.created_events !== 1).map((o) => `${o.id}: no created event`),
      ...orphans.map((o) => `${o.what}: ${o.id}`),
    ];
    return {
      lost,
      unannounced,
      halfWritten,
      keyMismatch,
      orders: orders.length,
      openClaims: keys.filter((k) => k.response_status === null).length,
    };
  } finally {
    await db.end();
  }
}

/** Errors the services logged since `since` (pino JSON, level ≥ 50), first line of each. */
function loggedErrors(services: readonly RunningService[], since: number): string[] {
  const found = new Set<string>();
  const lines = services.flatMap((s) => s.stdout().split('\n'));
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as {
        level?: number;
        time?: number;
        msg?: string;
        err?: { message?: string; stack?: string };
        res?: { statusCode?: number };
      };
      if ((entry.level ?? 0) < 50 || (entry.time ?? 0) < since) continue;
      // pino-http logs every 5xx answer as an error; the 503s of an outage are expected.
      if (entry.res?.statusCode === 503) continue;
      // The filter logs "<method> <path> failed" with the cause's stack: its first line says why.
      const cause = entry.err?.stack?.split('\n')[0] ?? entry.err?.message ?? '';
      found.add([entry.msg, cause].filter(Boolean).join(': ').slice(0, 240));
    } catch {
      // Not a log line.
    }
  }
  return [...found];
}

interface ScenarioResult {
  name: string;
  load: Load;
  user: TestUser;
  verdict: Verdict;
  recoveryMs?: number;
  readiness: ReadinessProbe;
  /** What the service logged as errors meanwhile (not the 503s of an outage). */
  serviceErrors: string[];
  /** Extra facts for the summary line, e.g. an intermediate recovery time. */
  notes: string[];
}

function summary(r: ScenarioResult): string {
  const attempts = r.load.attempts;
  const errors = tally(attempts.filter((a) => a.status !== 201).map((a) => a.code));
  const errorText = Object.entries(errors)
    .sort(([, a], [, b]) => b - a)
    .map(([code, n]) => `${code}: ${n}`)
    .join(', ');
  return (
    `[reliability] ${r.name}: requests ${attempts.length} ` +
    `(${r.load.requests.length} orders sent, ${attempts.length - r.load.requests.length} retries), ` +
    `201s ${attempts.filter((a) => a.status === 201).length}, ` +
    `errors {${errorText}}, orders in the database ${r.verdict.orders}, ` +
    `recovered in ${r.recoveryMs === undefined ? 'NEVER' : `${r.recoveryMs} ms`}, ` +
    `readiness ${JSON.stringify(r.readiness.counts())}, open claims ${r.verdict.openClaims}` +
    `${r.notes.map((n) => `, ${n}`).join('')}` +
    `${r.serviceErrors.length > 0 ? `; service logged: ${r.serviceErrors.join(' | ')}` : ''}\n`
  );
}

/** The 5xx answers that are not the documented 503 of an unavailable dependency, by code. */
function unexpected5xx(load: Load): Record<string, number> {
  return tally(
    load.attempts
      .filter((a) => a.status !== undefined && a.status >= 500 && a.status !== 503)
      .map((a) => `${a.status} ${a.code}`),
  );
}

jest.setTimeout(300_000);

describe('faults under load against the built service', () => {
  let database: { name: string; url: string };
  let fake: FakeProductService;
  let baseUrl: string;
  /** The same port and database each time, so a restart looks like the same service. */
  let options: SpawnOptions;
  let service: SpawnedService;
  const services = useServiceSpawner();

  const start = () => services.spawn(options);

  beforeAll(async () => {
    fake = await FakeProductService.start();
    // The test's own clone: a restart keeps it, and scenario 2 cuts its connections by name.
    database = await createTestDatabase();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    options = {
      port,
      database: { url: database.url },
      env: {
        MIGRATIONS_RUN: 'true',
        PRODUCT_SERVICE_URL: fake.url,
        SECRET_KEY: TEST_SECRET,
        RATE_LIMIT_PER_USER: '100000000',
        RATE_LIMIT_PER_IP: '100000000',
        RATE_LIMIT_ORDER_CREATION: '100000000',
        SHUTDOWN_DRAIN_MS: '1000',
        LOG_LEVEL: 'warn',
      },
    };
    service = await start();
  });

  // Declared after the spawner's: every service is gone before its database is dropped.
  afterAll(async () => {
    await fake?.close();
    if (database) {
      await withAdminClient((c) =>
        c.query(`ALTER DATABASE "${database.name}" WITH ALLOW_CONNECTIONS true`),
      ).catch(() => undefined);
      await dropTestDatabase(database.name);
    }
  });

  /**
   * Runs the load, waits for a healthy baseline, injects the fault, then measures how long the
   * service takes to answer 201 again to an order sent after the fault ended.
   */
  async function runScenario(
    name: string,
    fault: (ctx: { load: Load; notes: string[] }) => Promise<number>,
  ): Promise<ScenarioResult> {
    const startedAt = Date.now();
    const user = makeUser('customer');
    const load = new Load(baseUrl, user);
    const readiness = new ReadinessProbe(baseUrl);
    const notes: string[] = [];
    let recoveryMs: number | undefined;
    let failure: Error | undefined;
    load.start();
    readiness.start();
    try {
      await waitFor(
        () => load.successes() >= WARM_UP_ORDERS,
        `${WARM_UP_ORDERS} orders before the fault`,
        WARM_UP_BOUND_MS,
      );
      const faultEnded = await fault({ load, notes });
      recoveryMs = await load.recoveryAfter(faultEnded, RECOVERY_BOUND_MS);
      // A little steady traffic after the recovery, then stop.
      if (recoveryMs !== undefined) await sleep(1000);
    } catch (error) {
      failure =
        error instanceof Error ? error : new Error(`${name} failed: ${JSON.stringify(error)}`);
    } finally {
      await load.stop();
      await readiness.stop();
    }
    const result: ScenarioResult = {
      name,
      load,
      user,
      readiness,
      recoveryMs,
      verdict: await verify(database.url, user, load),
      serviceErrors: loggedErrors(services.spawned, startedAt),
      notes,
    };
    process.stdout.write(summary(result));
    if (failure) throw failure;
    return result;
  }

  /** No 5xx but the 503 of an unavailable dependency; the service's log says why if not. */
  function expectNoUnexpected5xx(result: ScenarioResult): void {
    const unexpected = unexpected5xx(result.load);
    expect({
      unexpected,
      serviceLog: Object.keys(unexpected).length > 0 ? result.serviceErrors : [],
    }).toEqual({ unexpected: {}, serviceLog: [] });
  }

  function expectConsistent(result: ScenarioResult): void {
    expect({ lost: result.verdict.lost, keyMismatch: result.verdict.keyMismatch }).toEqual({
      lost: [],
      keyMismatch: [],
    });
    expect(result.verdict.unannounced).toEqual([]);
    expect(result.verdict.halfWritten).toEqual([]);
    expect(result.verdict.orders).toBe(result.load.successes());
  }

  describe('1. the Product Service goes down for a few seconds and comes back', () => {
    let result: ScenarioResult;

    beforeAll(async () => {
      result = await runScenario('product-service-down', async () => {
        await fake.down();
        await sleep(4000);
        await fake.up();
        return Date.now();
      });
    });

    it('answered the outage with 503 PRODUCT_SERVICE_UNAVAILABLE, never another 5xx', () => {
      const codes = result.load.attempts.map((a) => a.code);
      expect(codes).toContain('PRODUCT_SERVICE_UNAVAILABLE');
      expectNoUnexpected5xx(result);
    });

    it('recovered by itself: orders succeed again within the bound', () => {
      expect(result.recoveryMs).toBeDefined();
      expect(result.recoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    });

    it('kept every 201 whole, and wrote no order it did not announce', () => {
      expectConsistent(result);
    });

    it('stayed ready: the Product Service is not a readiness dependency', () => {
      expect(result.readiness.counts()).toEqual({ '200': result.readiness.seen.length });
    });

    it('is still the same process', () => {
      expect(service.child.exitCode).toBeNull();
      expect(service.child.signalCode).toBeNull();
    });
  });

  describe('2. PostgreSQL cuts every connection (twice)', () => {
    let result: ScenarioResult;
    let blockedFrom = 0;
    let blockedTo = 0;
    let firstRecoveryMs: number | undefined;

    const terminate = () =>
      withAdminClient((c) =>
        c.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = $1 AND pid <> pg_backend_pid()`,
          [database.name],
        ),
      );
    const allowConnections = (allow: boolean) =>
      withAdminClient((c) =>
        c.query(`ALTER DATABASE "${database.name}" WITH ALLOW_CONNECTIONS ${allow}`),
      );

    beforeAll(async () => {
      result = await runScenario('postgres-connections-cut', async ({ load, notes }) => {
        // First cut: every connection terminated, and no new one accepted for ~2 s.
        blockedFrom = Date.now();
        await allowConnections(false);
        try {
          await terminate();
          await sleep(1000);
          await terminate();
          await sleep(1000);
        } finally {
          await allowConnections(true);
          blockedTo = Date.now();
        }
        firstRecoveryMs = await load.recoveryAfter(blockedTo, RECOVERY_BOUND_MS);
        notes.push(
          `first cut (blocked ${blockedTo - blockedFrom} ms) recovered in ${firstRecoveryMs ?? 'NEVER'} ms`,
        );
        // Second cut: the pool's connections die again, new ones are allowed at once.
        await terminate();
        return Date.now();
      });
    });

    it('never answered 500 (a database outage is a 503)', () => {
      expectNoUnexpected5xx(result);
    });

    it('recovered by itself after each cut: orders succeed again within the bound', () => {
      expect(firstRecoveryMs).toBeDefined();
      expect(firstRecoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
      expect(result.recoveryMs).toBeDefined();
      expect(result.recoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    });

    it('kept every 201 whole, and wrote no order it did not announce', () => {
      expectConsistent(result);
    });

    it('reported 503 on /health/ready while it could not reach the database', () => {
      expect(result.readiness.saw(503, blockedFrom, blockedTo + 1500)).toBe(true);
      // And ready again afterwards.
      const last = result.readiness.seen[result.readiness.seen.length - 1];
      expect(last?.status).toBe(200);
    });

    it('is still the same process', () => {
      expect(service.child.exitCode).toBeNull();
      expect(service.child.signalCode).toBeNull();
    });
  });

  describe('3. SIGTERM: the service drains, exits, and is started again on the same port', () => {
    let result: ScenarioResult;
    let exitCode: number | string | undefined;
    let signalledAt = 0;
    let exitedAt = 0;

    beforeAll(async () => {
      result = await runScenario('sigterm-and-restart', async ({ notes }) => {
        const stopping = service;
        // Slower product look-ups keep orders in flight when the drain ends and the server
        // closes: those are the requests a graceful shutdown must finish.
        fake.latencyMs = 300;
        signalledAt = Date.now();
        stopping.child.kill('SIGTERM');
        try {
          exitCode = await exitWithin(stopping, 30_000);
        } finally {
          fake.latencyMs = 0;
        }
        exitedAt = Date.now();
        notes.push(`exit code ${exitCode} after ${exitedAt - signalledAt} ms`);
        // Clients see connection errors now, until the new process listens.
        await sleep(1000);
        service = await start();
        return Date.now();
      });
    });

    it('drained and exited with code 0 (not forced out by SHUTDOWN_TIMEOUT_MS)', () => {
      expect({ exitCode, serviceLog: exitCode === 0 ? [] : result.serviceErrors }).toEqual({
        exitCode: 0,
        serviceLog: [],
      });
    });

    it('cut no order while it was being processed (no idempotency claim left open)', () => {
      expect(result.verdict.openClaims).toBe(0);
    });

    it('reported 503 on /health/ready while draining, before it stopped listening', () => {
      expect(result.readiness.saw(503, signalledAt, exitedAt)).toBe(true);
    });

    it('answered no 5xx other than 503', () => {
      expectNoUnexpected5xx(result);
    });

    it('recovered: the new process answers 201 within the bound', () => {
      expect(result.recoveryMs).toBeDefined();
      expect(result.recoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    });

    it('kept every 201 whole, and wrote no order it did not announce', () => {
      expectConsistent(result);
    });
  });
});
