import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError } from './errors/domain-error';

/** 1 to 255 printable ASCII characters. */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/** The optional `Idempotency-Key` header, validated. */
export const IdempotencyKeyHeader = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): string | undefined => {
    const value = ctx.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key'];
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

const ENTITY_TAG = /^(W\/)?(?:"(\d{1,9})"|(\d{1,9}))$/;

/**
 * The optional `If-Match` header as the order versions it names: `"3"`, a bare `3`, or a list
 * (`"3", "4"` matches either, RFC 9110 §13.1.1); `*` matches any version. A weak tag never
 * matches under If-Match (strong comparison), so a list of weak tags names no version at all.
 */
export const IfMatchVersions = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): number[] | undefined => {
    const value = ctx.switchToHttp().getRequest<FastifyRequest>().headers['if-match'];
    if (value === undefined || value.trim() === '*') return undefined;
    const versions: number[] = [];
    for (const tag of value.split(',').map((t) => t.trim())) {
      const match = ENTITY_TAG.exec(tag);
      if (!match) {
        throw new DomainError(
          'VALIDATION_FAILED',
          'If-Match must be ETags of this API, such as "3" or "3", "4".',
          { errors: [{ field: 'If-Match', detail: 'must be ETags such as "3"' }] },
        );
      }
      if (!match[1]) versions.push(Number(match[2] ?? match[3]));
    }
    return versions;
  },
);
