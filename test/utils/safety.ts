import type { Response } from 'supertest';
import type { TestApp } from './app';

/*
 * Probes for the "safe under retries and races" suites: idempotency keys, order events and
 * ETags, read straight from the database or the response so that src/ cannot vouch for itself.
 */

export interface KeyRow {
  user_id: string;
  key: string;
  request_hash: string;
  response_status: number | null;
  /** Parsed by the driver. */
  response_body: unknown;
  locked_at: Date;
  created_at: Date;
}

/** The caller's idempotency rows, optionally for one key. */
export async function keyRows(t: TestApp, userId: string, key?: string): Promise<KeyRow[]> {
  return await t.db.query<KeyRow[]>(
    `SELECT user_id, key, request_hash, response_status, response_body, locked_at, created_at
       FROM idempotency_keys
      WHERE user_id = $1 AND ($2::text IS NULL OR key = $2)
      ORDER BY created_at, key`,
    [userId, key ?? null],
  );
}

/** Moves a key's creation (and claim) time `hours` into the past. */
export async function backdateKey(
  t: TestApp,
  userId: string,
  key: string,
  hours: number,
): Promise<void> {
  const [, updated] = await t.db.query<[unknown, number]>(
    `UPDATE idempotency_keys
        SET created_at = now() - make_interval(hours => $3),
            locked_at = now() - make_interval(hours => $3)
      WHERE user_id = $1 AND key = $2`,
    [userId, key, hours],
  );
  expect(updated).toBe(1);
}

export interface UserOrderRow {
  id: string;
  order_number: string;
  status: string;
  version: number;
  items: number;
}

/** Every order of a user with its number of item rows, oldest first. */
export async function ordersOf(t: TestApp, userId: string): Promise<UserOrderRow[]> {
  return await t.db.query<UserOrderRow[]>(
    `SELECT o.id, o.order_number, o.status, o.version,
            (SELECT count(*) FROM order_items i WHERE i.order_id = o.id)::int AS items
       FROM orders o WHERE o.user_id = $1
      ORDER BY o.created_at, o.id`,
    [userId],
  );
}

export interface EventRow {
  id: string;
  order_id: string;
  type: string;
  from_status: string | null;
  to_status: string | null;
  from_payment_status: string | null;
  to_payment_status: string | null;
  details: Record<string, string | null> | null;
  actor_id: string;
  actor_role: string;
  reason: string | null;
  created_at: Date;
}

/** The order's events as stored, in the order they were written. */
export async function eventRows(t: TestApp, orderId: string): Promise<EventRow[]> {
  return await t.db.query<EventRow[]>(
    'SELECT * FROM order_events WHERE order_id = $1 ORDER BY id',
    [orderId],
  );
}

export async function countEvents(t: TestApp, orderId?: string): Promise<number> {
  const [row] = await t.db.query<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM order_events WHERE $1::uuid IS NULL OR order_id = $1`,
    [orderId ?? null],
  );
  return row.n;
}

/** The strong ETag an order at this version must carry. */
export const etag = (version: number): string => `"${version}"`;

/** Asserts that a single-order answer carries the ETag of the version in its body. */
export function expectEtagOfBody(res: Response): string {
  const version = (res.body as { version?: unknown }).version;
  expect(typeof version).toBe('number');
  expect(res.headers.etag).toBe(etag(version as number));
  return String(res.headers.etag);
}

/** Polls until `probe` holds, failing after `timeoutMs`. */
export async function waitUntil(
  probe: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Starts a supertest request now and hands back its eventual response. */
export function inFlight(request: PromiseLike<Response>): Promise<Response> {
  return Promise.resolve(request);
}

/**
 * A header value whose bytes are the UTF-8 encoding of `text`: Node's HTTP client only sends
 * latin1 strings, so 'ключ' has to travel as its raw bytes, as a real client's would.
 */
export const utf8Bytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
