import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Whether a request carries a body, by the test body-parser itself applies (type-is's
 * `hasBody`): a Transfer-Encoding, or a Content-Length that is a number (0 included).
 */
export function hasBody(req: IncomingMessage): boolean {
  return (
    req.headers['transfer-encoding'] !== undefined ||
    !isNaN(req.headers['content-length'] as unknown as number)
  );
}

/**
 * Runs `handler` (the body's checks and parser, mounted as one router) only for a request with a
 * body. Without one, each of them would look at the request and pass it on untouched (the parser
 * leaves `req.body` undefined): skipping them answers every read the same, a layer cheaper.
 */
export function forRequestsWithBody(handler: RequestHandler): RequestHandler {
  return (req, res, next) => (hasBody(req) ? handler(req, res, next) : next());
}

type HeaderStep = ['set', string, string | number | readonly string[]] | ['remove', string];

/** Proxies that throw on anything but recording headers, so a read of the request shows. */
function recorder(steps: HeaderStep[]): { req: Request; res: Response } {
  const refuse = (what: string) => (_: object, key: string | symbol) => {
    throw new Error(`the static headers' middleware read ${what}.${String(key)}`);
  };
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      steps.push(['set', name, value]);
    },
    removeHeader: (name: string) => {
      steps.push(['remove', name]);
    },
  };
  return {
    req: new Proxy({}, { get: refuse('req') }) as Request,
    res: new Proxy(res, {
      get: (target, key) =>
        key in target ? target[key as keyof typeof res] : refuse('res')(target, key),
    }) as unknown as Response,
  };
}

/**
 * A middleware whose headers follow from its options alone (helmet's, whose directives here
 * hold nothing computed per request, such as a CSP nonce), run once at start-up against a
 * recording response; every response then gets the same headers in the same order, without
 * running its dozen middlewares each time (7 % of `/health/live`'s CPU). Should it ever read the
 * request or the response beyond setting headers, or answer asynchronously, start-up fails here
 * rather than every response carrying the first request's values.
 */
export function staticHeaders(middleware: RequestHandler): RequestHandler {
  const steps: HeaderStep[] = [];
  const { req, res } = recorder(steps);
  let passed = false;
  void middleware(req, res, ((err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error("the static headers' middleware failed");
    passed = true;
  }) as NextFunction);
  if (!passed) throw new Error("the static headers' middleware did not pass the request on");
  return (_req, response, next) => {
    for (const step of steps) {
      if (step[0] === 'set') response.setHeader(step[1], step[2]);
      else response.removeHeader(step[1]);
    }
    next();
  };
}
