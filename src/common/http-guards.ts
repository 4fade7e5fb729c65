import type { NextFunction, Request, Response } from 'express';
import { DomainError } from './errors/domain-error';
import { tooWideObject } from './json-width';
import { findUnsafeText } from './text-safety';

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
export function checkBodyShape(req: Request, _res: Response, next: NextFunction): void {
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

/**
 * body-parser's `verify` hook: refuses an object of too many members in the raw bytes, before
 * they are parsed (see json-width.ts). Other encodings are left to bodyShapeProblem.
 */
export function refuseWideJson(_req: unknown, _res: unknown, raw: Buffer, encoding: string): void {
  if (!/^utf-?8$/i.test(encoding)) return;
  const wide = tooWideObject(raw, MAX_OBJECT_MEMBERS);
  if (!wide) return;
  const field = wide.path || 'the body';
  const problem = `${field} has more than ${MAX_OBJECT_MEMBERS} members`;
  throw Object.assign(new Error(problem), {
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

/** A body in anything but JSON would be silently ignored; say so instead. */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const hasBody =
    Number(req.headers['content-length'] ?? 0) > 0 || !!req.headers['transfer-encoding'];
  if (
    hasBody &&
    ['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method) &&
    !req.is('application/json')
  ) {
    return next(
      new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.'),
    );
  }
  next();
}
