import { applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { HeaderObject } from '@nestjs/swagger';

// Response headers, for the `headers` of a documented response.

export const ETAG_HEADER: HeaderObject = {
  description:
    'The order\'s version as a strong entity tag, e.g. `"3"`; send it back in `If-Match`.',
  schema: { type: 'string', example: '"1"' },
};

export const LOCATION_HEADER: HeaderObject = {
  description: 'The URL of the new order.',
  schema: { type: 'string', example: '/api/orders/0b0f5a4e-3c3c-4f51-9a43-6d1f6f1e9a10' },
};

export const IDEMPOTENT_REPLAYED_HEADER: HeaderObject = {
  description:
    'Present (`true`) when this is the stored answer to an earlier request with the same `Idempotency-Key`; no new order was created.',
  schema: { type: 'string', enum: ['true'] },
};

export const RETRY_AFTER_HEADER: HeaderObject = {
  description: 'Seconds to wait before retrying.',
  schema: { type: 'integer', minimum: 0, example: 1 },
};

export const WWW_AUTHENTICATE_HEADER: HeaderObject = {
  description: 'Always `Bearer`.',
  schema: { type: 'string', enum: ['Bearer'] },
};

// Request headers.

/** `Idempotency-Key` on a request that creates something. */
export function ApiIdempotencyKeyHeader(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Repeating a request with the same key and body returns the first response (with `Idempotent-Replayed: true`) instead of creating another order; the same key with another body is a 422. 1 to 255 printable ASCII characters, e.g. a UUID; remembered for at least 24 hours.',
      schema: {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        pattern: '^[\\x20-\\x7e]+$',
        example: '5f0c7d3e-2b0a-4c61-8d53-2f0f8e1f9a77',
      },
    }),
  );
}

/** `If-Match` on a request that changes an order. */
export function ApiIfMatchHeader(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description:
        'The `ETag` of the order as you last read it (e.g. `"3"`); if the order has changed since, the answer is 412 and nothing changes. `*` or no header: no check.',
      schema: { type: 'string', example: '"1"' },
    }),
  );
}
