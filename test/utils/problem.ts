import type { Response } from 'supertest';

const PROBLEM_MEMBERS = ['type', 'title', 'status', 'detail', 'code', 'instance', 'errors'];

/** Text that must never reach a client: stack frames, file paths, SQL, driver messages. */
const LEAKS: [string, RegExp][] = [
  ['a stack frame', /\bat [\w.<>]+ \(|\n\s+at |\bat (async )?[\w./\\-]+:\d+:\d+/],
  ['a source path', /node_modules|\/src\/|\/dist\/|\.ts:\d+|\.js:\d+/],
  ['SQL', /\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|QueryFailedError)\b/],
  ['a driver error', /ECONNREFUSED|relation "|duplicate key|violates .* constraint/i],
];

/** Fails naming what leaked, so a regression says more than "expected false". */
export function expectNoLeak(body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const leaks = LEAKS.filter(([, pattern]) => pattern.test(text)).map(([what]) => what);
  expect({ leaks, text }).toEqual({ leaks: [], text });
}

/**
 * Asserts an RFC 9457 answer: the status, the problem+json content type, the document's members
 * and their types, and that nothing internal leaked. `extensions` names members allowed beyond
 * the standard ones (e.g. `checks` on NOT_READY).
 */
export function expectProblem(
  res: Response,
  status: number,
  code: string,
  extensions: string[] = [],
): Record<string, unknown> {
  expect({ status: res.status, code: (res.body as { code?: unknown })?.code }).toEqual({
    status,
    code,
  });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json(;|$)/);
  const body = res.body as Record<string, unknown>;
  expect(body).toEqual(
    expect.objectContaining({
      type: expect.stringMatching(/^\S+$/),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      code,
    }),
  );
  expect((body.title as string).length).toBeGreaterThan(0);
  expect((body.detail as string).length).toBeGreaterThan(0);
  if ('instance' in body) expect(body.instance).toEqual(expect.stringMatching(/^\//));
  if ('errors' in body) {
    expect(Array.isArray(body.errors)).toBe(true);
    for (const problem of body.errors as unknown[]) {
      expect(problem).toEqual({ field: expect.any(String), detail: expect.any(String) });
    }
  }
  const unexpected = Object.keys(body).filter(
    (key) => !PROBLEM_MEMBERS.includes(key) && !extensions.includes(key),
  );
  expect(unexpected).toEqual([]);
  expectNoLeak(body);
  return body;
}
