import type { IncomingMessage, ServerResponse } from 'node:http';
import typeis from 'type-is';
import { DomainError } from './errors/domain-error';
import type { Next } from './http-layers';
import { tooWideObject, WidthScanner } from './json-width';
import { findUnsafeText } from './text-safety';

/** A request once the JSON parser has read its body (undefined for a request without one). */
export type WithBody = IncomingMessage & { body?: unknown };

/** Whether the request has a body it says is `application/json` (Express' `req.is`). */
function isJson(req: IncomingMessage): boolean {
  return Boolean(typeis(req, ['application/json']));
}

/** Far beyond any valid request (an order nests 3 levels), far below a stack overflow. */
export const MAX_BODY_DEPTH = 16;
/** An order has at most 50 lines; a longer array anywhere is an attack, not a basket. */
export const MAX_ARRAY_LENGTH = 1000;
/**
 * The widest object of the API has 6 members. Counting them is cheap; validating thousands of
 * unknown ones costs the event loop a hundred milliseconds per body, so stop them here.
 */
export const MAX_OBJECT_MEMBERS = 100;
/**
 * Member names that class-transformer silently drops instead of reporting as unknown, so the
 * whitelist would never see them: the properties of every object, and `prototype`.
 */
const RESERVED_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** Why a parsed JSON body cannot be a request of this API, walked without recursion. */
export function bodyShapeProblem(body: unknown): string | undefined {
  const stack: [unknown, number, string][] = [[body, 1, '']];
  while (stack.length > 0) {
    const [value, depth, path] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    const where = path || 'the body';
    if (depth > MAX_BODY_DEPTH) return `${where} is nested more than ${MAX_BODY_DEPTH} levels deep`;
    if (Array.isArray(value)) {
      if (value.length > MAX_ARRAY_LENGTH) {
        return `${where} has more than ${MAX_ARRAY_LENGTH} elements`;
      }
      value.forEach((item, i) => stack.push([item, depth + 1, path ? `${path}.${i}` : `${i}`]));
      continue;
    }
    const members = Object.keys(value);
    if (members.length > MAX_OBJECT_MEMBERS) {
      return `${where} has more than ${MAX_OBJECT_MEMBERS} members`;
    }
    for (const [key, item] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      if (RESERVED_NAMES.has(key)) return `${field} is not an allowed member name`;
      stack.push([item, depth + 1, field]);
    }
  }
  return undefined;
}

/**
 * Runs after the JSON parser: refuses bodies the validators would choke on or silently trim, and
 * text no field may hold (see text-safety.ts), whichever route the body is for.
 */
export function checkBodyShape(req: WithBody, _res: ServerResponse, next: Next): void {
  const problem = bodyShapeProblem(req.body);
  if (problem) {
    return next(
      new DomainError('VALIDATION_FAILED', `The request body is not acceptable: ${problem}.`, {
        errors: [{ field: problem.split(' ')[0], detail: problem }],
      }),
    );
  }
  const unsafe = findUnsafeText(req.body, '', { multiline: true });
  if (unsafe) {
    return next(
      new DomainError('VALIDATION_FAILED', `${unsafe.detail}.`, {
        errors: [unsafe],
      }),
    );
  }
  next();
}

/** The body-parser error `type` of a body refused by refuseWideJson, carrying the answer. */
export const BODY_TOO_WIDE = 'entity.too.wide';

/** The error body-parser passes on for a body refused as too wide, carrying the answer. */
function wideBodyError(wide: { path: string }): Error {
  const field = wide.path || 'the body';
  const problem = `${field} has more than ${MAX_OBJECT_MEMBERS} members`;
  return Object.assign(new Error(problem), {
    type: BODY_TOO_WIDE,
    refusal: new DomainError(
      'VALIDATION_FAILED',
      `The request body is not acceptable: ${problem}.`,
      {
        errors: [{ field: wide.path || 'body', detail: problem }],
      },
    ),
  });
}

/** Set on a request whose body refuseWideJsonEarly counts as it arrives. */
const COUNTED_AS_IT_ARRIVES = Symbol('members counted as the body arrives');

/**
 * body-parser's `verify` hook: refuses an object of too many members in the raw bytes, before
 * they are parsed (see json-width.ts). Bodies refuseWideJsonEarly has counted already are
 * passed; other encodings are left to bodyShapeProblem.
 */
export function refuseWideJson(req: unknown, _res: unknown, raw: Buffer, encoding: string): void {
  if ((req as { [COUNTED_AS_IT_ARRIVES]?: boolean })[COUNTED_AS_IT_ARRIVES]) return;
  if (!/^utf-?8$/i.test(encoding)) return;
  const wide = tooWideObject(raw, MAX_OBJECT_MEMBERS);
  if (wide) throw wideBodyError(wide);
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * Placed just before the JSON body parser: counts members as the body's chunks arrive and, at
 * the first object past MAX_OBJECT_MEMBERS, makes the parser give up. Otherwise a refused body
 * of 89 kB is read whole, copied into one buffer and scanned before the answer, and twenty of
 * them at once keep the event loop from a liveness probe for tens of milliseconds.
 * Only plain UTF-8 bodies are counted here; compressed ones are left to refuseWideJson.
 */
export function refuseWideJsonEarly(req: IncomingMessage, _res: ServerResponse, next: Next): void {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  const charset = CHARSET.exec(req.headers['content-type'] ?? '')?.[1] ?? 'utf-8';
  if (encoding !== 'identity' || !/^utf-?8$/i.test(charset) || !isJson(req)) {
    return next();
  }
  (req as { [COUNTED_AS_IT_ARRIVES]?: boolean })[COUNTED_AS_IT_ARRIVES] = true;
  const scanner = new WidthScanner(MAX_OBJECT_MEMBERS);
  // The parser keeps the same chunks; these are references, read only to name the object.
  const received: Buffer[] = [];
  const onData = (chunk: Buffer) => {
    const at = scanner.write(chunk);
    received.push(at < 0 ? chunk : chunk.subarray(0, at + 1));
    if (at < 0) return;
    req.off('data', onData);
    const wide = tooWideObject(Buffer.concat(received), MAX_OBJECT_MEMBERS) ?? { path: '' };
    // The parser's reader (raw-body) ends on the stream's 'error': it drops what it buffered,
    // reads off the rest of the request without keeping it, then passes this error on, just as
    // it does for a body over the size limit. No reader, nothing to stop: the body is drained.
    if (req.listenerCount('error') > 0) req.emit('error', wideBodyError(wide));
  };
  req.on('data', onData);
  next();
}

/** A body in anything but JSON would be silently ignored; say so instead. */
export function requireJsonBody(req: IncomingMessage, _res: ServerResponse, next: Next): void {
  const hasBody =
    Number(req.headers['content-length'] ?? 0) > 0 || !!req.headers['transfer-encoding'];
  if (hasBody && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method ?? '') && !isJson(req)) {
    return next(
      new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.'),
    );
  }
  next();
}
