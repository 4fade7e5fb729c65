import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import {
  ApiIdempotencyKeyHeader,
  IDEMPOTENT_REPLAYED_HEADER,
  LOCATION_HEADER,
} from '../common/openapi/headers';
import {
  ApiProblemResponses,
  AUTHENTICATED_PROBLEMS,
  JSON_BODY_PROBLEMS,
} from '../common/openapi/problem-responses';
import { ApiPublicRoute } from '../common/openapi/public-route';
import { PaymentEventDto, PaymentWebhookResponseDto } from './dto/payment-event.dto';
import { RefundListResponseDto, RefundResponseDto } from './dto/refund.dto';

/*
 * The OpenAPI description of the payment operations, one composed decorator per handler, as
 * for the orders (src/orders/orders.api-docs.ts).
 */

export function PaymentWebhookDocs(): MethodDecorator {
  return applyDecorators(
    ApiPublicRoute(),
    ApiOperation({
      summary: 'Payment Service webhook (signed; no bearer token)',
      description:
        'Enabled only when PAYMENT_WEBHOOK_SECRET is set (else 404). Header ' +
        '`Payment-Signature: t=<unix seconds>,v1=<hex>` (several v1 allowed) where v1 = ' +
        'HMAC-SHA256(secret, "<t>.<raw body>"); missing, malformed or wrong: 401 INVALID_SIGNATURE; ' +
        't further than PAYMENT_WEBHOOK_TOLERANCE_S from now: 401 SIGNATURE_EXPIRED. Types: ' +
        'payment.authorized, payment.captured (confirms a pending order whose amount and currency ' +
        'equal its total; a mismatch flags it), payment.failed (with refund_id: that refund ' +
        'failed), payment.refunded (with refund_id). Other types: 200, recorded, ignored. An event ' +
        'id already received: 200 "duplicate", nothing changes. Unknown order_id: 404, nothing ' +
        'stored. Members not listed here are ignored.',
    }),
    ApiHeader({
      name: 'Payment-Signature',
      required: true,
      description: '`t=<unix seconds>,v1=<hex HMAC-SHA256>`',
      schema: { type: 'string', example: 't=1764460800,v1=5257a869e7…' },
    }),
    ApiBody({ type: PaymentEventDto }),
    ApiOkResponse({
      description: 'Received (applied, a duplicate, or ignored).',
      type: PaymentWebhookResponseDto,
    }),
    ApiProblemResponses(
      ...JSON_BODY_PROBLEMS,
      'INVALID_SIGNATURE',
      'SIGNATURE_EXPIRED',
      'NOT_FOUND',
      'INTERNAL',
      'DATABASE_UNAVAILABLE',
    ),
  );
}

export function CreateRefundDocs(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: 'Request a refund (admins)',
      description:
        'The amount is computed in cents: each line’s unit price × quantity plus its share of the ' +
        'tax (cumulative, half-up: refunding every line refunds exactly the tax) less its share ' +
        'of any discount, plus the shipping when asked (once). Writes the event ' +
        'order.refund_requested, which the Payment Service acts on.',
    }),
    ApiIdempotencyKeyHeader(),
    ApiCreatedResponse({
      description: 'The refund, pending until the Payment Service reports it.',
      type: RefundResponseDto,
      headers: { Location: LOCATION_HEADER, 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER },
    }),
    ApiProblemResponses(
      ...JSON_BODY_PROBLEMS,
      ...AUTHENTICATED_PROBLEMS,
      'FORBIDDEN',
      'NOT_FOUND',
      'PAYMENT_NOT_CAPTURED',
      'IDEMPOTENCY_KEY_IN_USE',
      'IDEMPOTENCY_KEY_REUSED',
      'REFUND_EMPTY',
      'REFUND_ITEM_NOT_FOUND',
      'REFUND_QUANTITY_EXCEEDED',
      'SHIPPING_ALREADY_REFUNDED',
      'REFUND_EXCEEDS_CAPTURED',
    ),
  );
}

export function ListRefundsDocs(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: "The order's refunds, oldest first (owner or admin)" }),
    ApiOkResponse({
      description: 'The refunds; the reason is for admins only.',
      type: RefundListResponseDto,
    }),
    ApiProblemResponses('VALIDATION_FAILED', 'NOT_FOUND', ...AUTHENTICATED_PROBLEMS),
  );
}
