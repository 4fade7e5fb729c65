import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { DomainError } from './errors/domain-error';

/** 1 to 255 printable ASCII characters. */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/** The optional `Idempotency-Key` header, validated. */
export const IdempotencyKeyHeader = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): string | undefined => {
    const value = ctx.switchToHttp().getRequest<Request>().headers['idempotency-key'];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        'Idempotency-Key must be 1 to 255 printable ASCII characters.',
        {
          errors: [
            { field: 'Idempotency-Key', detail: 'must be 1 to 255 printable ASCII characters' },
          ],
        },
      );
    }
    return value;
  },
);

/** A weak tag never matches under If-Match (RFC 9110 §13.1.1: strong comparison). */
const NEVER_MATCHES = -1;

/**
 * The optional `If-Match` header as the order version it names: `"3"` (or a bare `3`); `*`
 * matches any version.
 */
export const IfMatchVersion = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): number | undefined => {
    const value = ctx.switchToHttp().getRequest<Request>().headers['if-match'];
    if (value === undefined || value.trim() === '*') return undefined;
    const match = /^\s*(W\/)?(?:"(\d{1,9})"|(\d{1,9}))\s*$/.exec(value);
    if (!match) {
      throw new DomainError(
        'VALIDATION_FAILED',
        'If-Match must be an ETag of this API, such as "3".',
        {
          errors: [{ field: 'If-Match', detail: 'must be an ETag such as "3"' }],
        },
      );
    }
    return match[1] ? NEVER_MATCHES : Number(match[2] ?? match[3]);
  },
);
