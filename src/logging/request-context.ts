import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

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

/** Runs first: names the request (X-Request-Id or a new UUID) and answers with that name. */
export function assignRequestId(req: Request, res: Response, next: NextFunction): void {
  const given = req.headers[REQUEST_ID_HEADER];
  const id = typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
  (req as Request & { id: string }).id = id;
  res.setHeader('X-Request-Id', id);
  next();
}

/**
 * Runs after the body parser, whose stream callbacks would lose an async context opened
 * earlier; from here on every await of the request sees its id.
 */
export function bindRequestContext(req: Request, _res: Response, next: NextFunction): void {
  storage.run({ requestId: (req as Request & { id: string }).id }, next);
}

/** The route template (`/api/orders/:id`), so log lines and metrics group by endpoint. */
export function routeOf(req: { route?: { path?: string }; baseUrl?: string }): string {
  // Nest answers unknown paths from a catch-all route ('{/*splat}'): not a route of the API.
  const path = req.route?.path;
  return path && !path.includes('*') ? `${req.baseUrl ?? ''}${path}` : 'unmatched';
}
