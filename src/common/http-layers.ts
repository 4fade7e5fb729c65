import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a layer passes on: nothing to go on, or the error to answer instead. */
export type Next = (err?: unknown) => void;

/**
 * A step of the request pipeline that runs before routing (app.setup.ts), in the connect shape
 * helmet, cors, body-parser and pino-http are written in: it sees the request and response
 * Node made, and either passes the request on or answers it.
 */
export type Layer<Req extends IncomingMessage = IncomingMessage> = (
  req: Req,
  res: ServerResponse,
  next: Next,
) => void;

/**
 * The layers as one, run in order: the first error skips the rest and goes to `done`, as does
 * an answer (a layer that ended the response and did not call next). One function instead of a
 * router: no path matching, no per-layer bookkeeping, on every request.
 */
export function pipeline<Req extends IncomingMessage>(layers: Layer<Req>[]): Layer<Req> {
  return (req, res, done) => {
    let i = 0;
    const next: Next = (err) => {
      if (err !== undefined && err !== null) return done(err);
      const layer = layers[i++];
      if (!layer) return done();
      try {
        layer(req, res, next);
      } catch (error) {
        done(error);
      }
    };
    next();
  };
}

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
 * Runs `layer` (the body's checks and parser, as one pipeline) only for a request with a body.
 * Without one, each of them would look at the request and pass it on untouched (the parser
 * leaves `req.body` undefined): skipping them answers every read the same, a layer cheaper.
 */
export function forRequestsWithBody<Req extends IncomingMessage>(layer: Layer<Req>): Layer<Req> {
  return (req, res, next) => (hasBody(req) ? layer(req, res, next) : next());
}

type HeaderStep = ['set', string, string | number | readonly string[]] | ['remove', string];

/** Proxies that throw on anything but recording headers, so a read of the request shows. */
function recorder(steps: HeaderStep[]): { req: IncomingMessage; res: ServerResponse } {
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
    req: new Proxy({}, { get: refuse('req') }) as IncomingMessage,
    res: new Proxy(res, {
      get: (target, key) =>
        key in target ? target[key as keyof typeof res] : refuse('res')(target, key),
    }) as unknown as ServerResponse,
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
export function staticHeaders(middleware: Layer): Layer {
  const steps: HeaderStep[] = [];
  const { req, res } = recorder(steps);
  let passed = false;
  middleware(req, res, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error("the static headers' middleware failed");
    passed = true;
  });
  if (!passed) throw new Error("the static headers' middleware did not pass the request on");
  return (_req, response, next) => {
    for (const step of steps) {
      if (step[0] === 'set') response.setHeader(step[1], step[2]);
      else response.removeHeader(step[1]);
    }
    next();
  };
}
