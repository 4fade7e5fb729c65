import type { Test } from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { TestUser } from './tokens';

/*
 * The orders API as the suites call it. Every method answers the supertest request itself, so a
 * test still awaits the raw response and asserts status, headers and body as it sees fit (and may
 * add headers of its own with .set()).
 */

export const ORDERS = '/api/orders';

/** Who sends the request: a user's bearer token, or `null` for no Authorization at all. */
export type Caller = TestUser | null;

export interface ConditionalOptions {
  /** Sent as If-Match: the change applies only to the order at that ETag. */
  ifMatch?: string;
}

export interface ReasonOptions extends ConditionalOptions {
  /** The reason in the body; without it no body is sent (DELETE) or only the status (PATCH). */
  reason?: string;
}

/** A query string as written (kept verbatim, e.g. a malformed one), or its parameters. */
export type Query = string | Record<string, string | number | boolean>;

export class OrdersClient {
  /** `target.http` is read on every call: a fixture's app only exists from its beforeAll on. */
  constructor(private readonly target: { readonly http: TestAgent }) {}

  /** POST /api/orders, with an Idempotency-Key when given. */
  create(user: Caller, body: unknown, options: { idempotencyKey?: string } = {}): Test {
    const req = as(user, this.target.http.post(ORDERS));
    if (options.idempotencyKey !== undefined) req.set('Idempotency-Key', options.idempotencyKey);
    return req.send(body as object);
  }

  get(user: Caller, id: string): Test {
    return as(user, this.target.http.get(`${ORDERS}/${id}`));
  }

  getByNumber(user: Caller, orderNumber: string): Test {
    return as(user, this.target.http.get(`${ORDERS}/number/${orderNumber}`));
  }

  /** GET /api/orders: the caller's own orders. */
  list(user: Caller, query?: Query): Test {
    return withQuery(as(user, this.target.http.get(ORDERS)), query);
  }

  /** GET /api/orders/all: every order (admin). */
  listAll(user: Caller, query?: Query): Test {
    return withQuery(as(user, this.target.http.get(`${ORDERS}/all`)), query);
  }

  history(user: Caller, id: string): Test {
    return as(user, this.target.http.get(`${ORDERS}/${id}/history`));
  }

  /** DELETE /api/orders/:id/cancel. */
  cancel(user: Caller, id: string, options: ReasonOptions = {}): Test {
    const req = conditional(as(user, this.target.http.delete(`${ORDERS}/${id}/cancel`)), options);
    return options.reason === undefined ? req : req.send({ reason: options.reason });
  }

  /** PUT /api/orders/:id. */
  update(user: Caller, id: string, body: unknown, options: ConditionalOptions = {}): Test {
    const req = as(user, this.target.http.put(`${ORDERS}/${id}`));
    return conditional(req, options).send(body as object);
  }

  /** PATCH /api/orders/:id/status. */
  patchStatus(user: Caller, id: string, status: string, options: ReasonOptions = {}): Test {
    const req = conditional(as(user, this.target.http.patch(`${ORDERS}/${id}/status`)), options);
    return req.send(options.reason === undefined ? { status } : { status, reason: options.reason });
  }
}

function as(user: Caller, req: Test): Test {
  return user ? req.set(user.auth) : req;
}

function conditional(req: Test, options: ConditionalOptions): Test {
  return options.ifMatch === undefined ? req : req.set('If-Match', options.ifMatch);
}

function withQuery(req: Test, query: Query | undefined): Test {
  return query === undefined ? req : req.query(query);
}
