import type { IncomingMessage, ServerResponse } from 'node:http';
import FindMyWay from 'find-my-way';
import { DomainError } from './errors/domain-error';
import type { Next } from './http-layers';

/**
 * Headers that must come once. Node keeps the first of two Authorization headers, while a proxy
 * in front may act on the last: the two would disagree about who is calling. Two
 * Idempotency-Keys would be joined into one value neither client sent.
 */
const SINGLE_HEADERS = ['authorization', 'idempotency-key'];
const HEADER_NAMES: Record<string, string> = {
  authorization: 'Authorization',
  'idempotency-key': 'Idempotency-Key',
};

export function rejectRepeatedHeaders(
  req: IncomingMessage,
  _res: ServerResponse,
  next: Next,
): void {
  const seen = new Set<string>();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (!SINGLE_HEADERS.includes(name)) continue;
    if (seen.has(name)) {
      const header = HEADER_NAMES[name];
      return next(
        new DomainError('VALIDATION_FAILED', `Send one ${header} header, not several.`, {
          errors: [{ field: header, detail: `${header} must be sent once` }],
        }),
      );
    }
    seen.add(name);
  }
  next();
}

/**
 * What a caller reads with a token is theirs alone: no shared cache or browser history may keep
 * it, errors included.
 */
export function noStoreWhenAuthenticated(
  req: IncomingMessage,
  res: ServerResponse,
  next: Next,
): void {
  if (req.headers.authorization !== undefined) res.setHeader('Cache-Control', 'no-store');
  next();
}

/** The methods each path of the API answers, as the router that routes them knows them. */
export interface RouteTable {
  /** The methods answered at this path, none for a path the API does not know. */
  methodsAt(path: string): string[];
}

/**
 * The route table as routes are added (Fastify's `onRoute`), matched by a router of the same
 * options as the one that routes requests, so that a path is "known" exactly when it would be.
 */
export function routeTable(options: FindMyWay.Config<FindMyWay.HTTPVersion.V1>): RouteTable & {
  add(method: string | string[], url: string): void;
} {
  const router = FindMyWay(options);
  const methods = new Set<string>();
  return {
    add(method, url) {
      for (const m of Array.isArray(method) ? method : [method]) {
        // Nest answers unknown paths from a catch-all route: it is no path of the API.
        if (url.includes('*')) continue;
        router.on(m as FindMyWay.HTTPMethod, url, () => undefined);
        methods.add(m);
      }
    },
    methodsAt(path) {
      const found: string[] = [];
      for (const m of methods) {
        try {
          if (router.find(m as FindMyWay.HTTPMethod, path)) found.push(m);
        } catch {
          // an undecodable path: the router answers it
        }
      }
      return found;
    },
  };
}

/**
 * For a path the API knows, a method it does not answer is a 405 with the methods it does in
 * `Allow`, and OPTIONS answers 204 with them; paths it does not know go on to the 404. Only a
 * request the router found no route for (`unrouted`) is looked at: the rest pass untouched.
 */
export function methodNotAllowed(routes: RouteTable, unrouted: (req: IncomingMessage) => boolean) {
  return (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    if (!unrouted(req)) return next();
    const allowed = new Set(routes.methodsAt(pathOf(req)));
    if (allowed.size === 0) return next();
    allowed.add('OPTIONS');
    const allow = [...allowed].join(', ');
    res.setHeader('Allow', allow);
    if (req.method === 'OPTIONS') {
      res.statusCode = 204;
      res.end();
      return;
    }
    next(
      new DomainError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${allow}.`, {
        headers: { Allow: allow },
      }),
    );
  };
}

/** The path of the request's target, without its query (Express' `req.path`). */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
