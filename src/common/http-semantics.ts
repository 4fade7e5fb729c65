import type { NextFunction, Request, Response } from 'express';
import { DomainError } from './errors/domain-error';

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

export function rejectRepeatedHeaders(req: Request, _res: Response, next: NextFunction): void {
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
export function noStoreWhenAuthenticated(req: Request, res: Response, next: NextFunction): void {
  if (req.headers.authorization !== undefined) res.setHeader('Cache-Control', 'no-store');
  next();
}

export interface RouteLayer {
  route?: { path?: unknown; _methods?: () => string[] };
  match(path: string): unknown;
}

/**
 * For a path the API knows, a method it does not answer is a 405 with the methods it does in
 * `Allow`, and OPTIONS answers 204 with them; paths it does not know go on to the 404. The routes
 * are read from the router once, on the first request, when every controller is mounted.
 */
export function methodNotAllowed(routerStack: () => RouteLayer[]) {
  let routes: { layer: RouteLayer; methods: string[] }[] | undefined;
  return (req: Request, res: Response, next: NextFunction): void => {
    routes ??= routerStack()
      .filter((layer) => {
        const path = layer.route?.path;
        // Nest answers unknown paths from a catch-all route: it is no path of the API.
        return typeof path === 'string' && !path.includes('*');
      })
      .map((layer) => ({ layer, methods: layer.route!._methods!() }));
    const path = req.path;
    const matches = (layer: RouteLayer): boolean => {
      try {
        return Boolean(layer.match(path));
      } catch {
        return false; // an undecodable path: the router answers it
      }
    };
    // Nearly every request is for a route that answers its method: one match settles it.
    for (const { layer, methods } of routes) {
      if (methods.includes(req.method) && matches(layer)) return next();
    }
    const allowed = new Set<string>();
    for (const { layer, methods } of routes) {
      if (matches(layer)) methods.forEach((m) => allowed.add(m));
    }
    if (allowed.size === 0) return next();
    allowed.add('OPTIONS');
    const allow = [...allowed].join(', ');
    res.setHeader('Allow', allow);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next(
      new DomainError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${allow}.`, {
        headers: { Allow: allow },
      }),
    );
  };
}
