import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Next } from '../common/http-layers';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What a request carries through every await of its handling, for logs and outgoing calls. */
interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** A caller's id is kept only if it is short and plain, so it cannot forge log lines. */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * What the request pipeline (app.setup.ts) notes on Node's request for the layers, the logger
 * and the metrics, besides its id (`req.id`): the route template the router matched, and the
 * client's address.
 */
export type PipelineRequest = IncomingMessage & {
  /** The route template (`/api/orders/:id`); undefined when no route matched. */
  routeTemplate?: string;
  /** The client's address, after TRUST_PROXY. */
  ip?: string;
};

/** The request's name: the caller's X-Request-Id if it is short and plain, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
}

/** Runs first: answers with the request's name (the router's genReqId, requestIdOf). */
export function assignRequestId(req: PipelineRequest, res: ServerResponse, next: Next): void {
  res.setHeader('X-Request-Id', req.id as string);
  next();
}

/**
 * Runs after the body parser, whose stream callbacks would lose an async context opened
 * earlier; from here on every await of the request sees its id.
 */
export function bindRequestContext(req: PipelineRequest, _res: ServerResponse, next: Next): void {
  storage.run({ requestId: req.id as string }, next);
}

/** The route template (`/api/orders/:id`), so log lines and metrics group by endpoint. */
export function routeOf(req: PipelineRequest): string {
  // Nest answers unknown paths from a catch-all route: not a route of the API.
  const path = req.routeTemplate;
  return path && !path.includes('*') ? path : 'unmatched';
}
