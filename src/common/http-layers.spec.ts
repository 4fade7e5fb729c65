import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import { hasBody, type Layer, pipeline, staticHeaders } from './http-layers';

/** A response that keeps what is set on it, in order. */
function response() {
  const calls: string[] = [];
  const res = {
    setHeader: (name: string, value: unknown) => calls.push(`set ${name}: ${String(value)}`),
    removeHeader: (name: string) => calls.push(`remove ${name}`),
  };
  return { calls, res: res as unknown as ServerResponse };
}

function run(handler: Layer, req: object, res: ServerResponse): Promise<unknown> {
  return new Promise((done) => handler(req as IncomingMessage, res, done));
}

describe('staticHeaders', () => {
  it("sets helmet's headers, in helmet's order, without running helmet again", async () => {
    const options = { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } };
    const direct = response();
    await run(helmet(options), {}, direct.res);
    expect(direct.calls.length).toBeGreaterThan(10);

    const replayed = staticHeaders(helmet(options));
    for (let i = 0; i < 2; i++) {
      const again = response();
      await expect(run(replayed, {}, again.res)).resolves.toBeUndefined();
      expect(again.calls).toEqual(direct.calls);
    }
  });

  it('refuses, at start-up, a middleware that reads the request', () => {
    const perRequest: Layer = (req, res, next) => {
      res.setHeader('X-Seen', String(req.headers.host));
      next();
    };
    expect(() => staticHeaders(perRequest)).toThrow(/read req\.headers/);
  });

  it('refuses one that reads the response beyond setting headers', () => {
    const nonce: Layer = (_req, res, next) => {
      res.setHeader(
        'X-Nonce',
        String((res as unknown as { locals: { nonce: string } }).locals.nonce),
      );
      next();
    };
    expect(() => staticHeaders(nonce)).toThrow(/read res\.locals/);
  });

  it('refuses one that does not pass the request on at once', () => {
    const later: Layer = (_req, _res, next) => void setImmediate(next);
    expect(() => staticHeaders(later)).toThrow(/did not pass the request on/);
  });
});

describe('hasBody', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

  it('is what body-parser skips on: neither Transfer-Encoding nor a numeric Content-Length', () => {
    // type-is's own test, which body-parser applies before reading a body.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const typeIs = require('type-is') as { hasBody(req: IncomingMessage): boolean };
    const cases: Record<string, string>[] = [
      {},
      { 'content-length': '0' },
      { 'content-length': '12' },
      { 'content-length': 'abc' },
      { 'transfer-encoding': 'chunked' },
      { 'transfer-encoding': '' },
      { 'content-type': 'application/json' },
    ];
    for (const headers of cases) {
      expect([headers, hasBody(req(headers))]).toEqual([headers, typeIs.hasBody(req(headers))]);
    }
    expect(hasBody(req({}))).toBe(false);
    expect(hasBody(req({ 'content-length': '0' }))).toBe(true);
  });
});

describe('pipeline', () => {
  const req = {} as IncomingMessage;
  const res = {} as ServerResponse;
  /** A layer that notes its name and passes the request on. */
  const step =
    (seen: string[], name: string): Layer =>
    (_req, _res, next) => {
      seen.push(name);
      next();
    };

  it('runs the layers in order, then passes the request on with no error', async () => {
    const seen: string[] = [];
    const run = pipeline([step(seen, 'a'), step(seen, 'b'), step(seen, 'c')]);

    await expect(new Promise((done) => run(req, res, done))).resolves.toBeUndefined();
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('stops at the first error, passed on or thrown, and hands it on', async () => {
    const passed = new Error('passed on');
    const thrown = new Error('thrown');
    for (const [failing, error] of [
      [(_req, _res, next) => next(passed), passed],
      [
        () => {
          throw thrown;
        },
        thrown,
      ],
    ] as [Layer, Error][]) {
      const seen: string[] = [];
      const run = pipeline([step(seen, 'a'), failing, step(seen, 'c')]);

      await expect(new Promise((done) => run(req, res, done))).resolves.toBe(error);
      expect(seen).toEqual(['a']);
    }
  });

  it('stops without calling on when a layer answers instead of passing the request on', () => {
    const seen: string[] = [];
    const done = jest.fn();
    const run = pipeline([step(seen, 'a'), () => undefined, step(seen, 'c')]);

    run(req, res, done);

    expect(seen).toEqual(['a']);
    expect(done).not.toHaveBeenCalled();
  });

  it('runs a layer that passes the request on later, from a callback, in turn', async () => {
    const seen: string[] = [];
    const later: Layer = (_req, _res, next) =>
      void setImmediate(() => (seen.push('later'), next()));
    const run = pipeline([later, step(seen, 'b')]);

    await new Promise((done) => run(req, res, done));
    expect(seen).toEqual(['later', 'b']);
  });
});
