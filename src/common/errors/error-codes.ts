import { HttpStatus } from '@nestjs/common';

/**
 * Every error the API can answer, by its stable machine-readable code. Clients switch on `code`;
 * the HTTP status and title follow from it here, in one place.
 */
export const ERROR_CATALOG = {
  VALIDATION_FAILED: { status: HttpStatus.BAD_REQUEST, title: 'The request is not valid' },
  MALFORMED_JSON: { status: HttpStatus.BAD_REQUEST, title: 'The request body is not valid JSON' },
  BAD_REQUEST: { status: HttpStatus.BAD_REQUEST, title: 'Bad request' },
  UNAUTHORIZED: { status: HttpStatus.UNAUTHORIZED, title: 'Authentication required' },
  FORBIDDEN: { status: HttpStatus.FORBIDDEN, title: 'Not allowed' },
  NOT_FOUND: { status: HttpStatus.NOT_FOUND, title: 'Not found' },
  METHOD_NOT_ALLOWED: { status: HttpStatus.METHOD_NOT_ALLOWED, title: 'Method not allowed' },
  CONFLICT: { status: HttpStatus.CONFLICT, title: 'Conflict' },
  PAYLOAD_TOO_LARGE: {
    status: HttpStatus.PAYLOAD_TOO_LARGE,
    title: 'The request body is too large',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    title: 'The request body must be application/json',
  },
  UNPROCESSABLE: { status: HttpStatus.UNPROCESSABLE_ENTITY, title: 'Unprocessable request' },
  TOO_MANY_REQUESTS: { status: HttpStatus.TOO_MANY_REQUESTS, title: 'Too many requests' },
  INTERNAL: { status: HttpStatus.INTERNAL_SERVER_ERROR, title: 'Internal server error' },
  BAD_GATEWAY: { status: HttpStatus.BAD_GATEWAY, title: 'Bad gateway' },
  SERVICE_UNAVAILABLE: { status: HttpStatus.SERVICE_UNAVAILABLE, title: 'Service unavailable' },
  GATEWAY_TIMEOUT: { status: HttpStatus.GATEWAY_TIMEOUT, title: 'Gateway timeout' },
  NOT_READY: { status: HttpStatus.SERVICE_UNAVAILABLE, title: 'The service is not ready' },
  DATABASE_UNAVAILABLE: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    title: 'The database is unavailable',
  },
  PRECONDITION_FAILED: {
    status: HttpStatus.PRECONDITION_FAILED,
    title: 'The order has changed since you read it',
  },

  // Orders
  PRODUCT_NOT_FOUND: { status: HttpStatus.UNPROCESSABLE_ENTITY, title: 'Product not found' },
  PRODUCT_UNAVAILABLE: { status: HttpStatus.UNPROCESSABLE_ENTITY, title: 'Product unavailable' },
  INSUFFICIENT_STOCK: { status: HttpStatus.CONFLICT, title: 'Not enough stock' },
  ORDER_TOO_LARGE: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'The order total is too large',
  },
  INVALID_TRANSITION: { status: HttpStatus.CONFLICT, title: 'Status change not allowed' },
  INVALID_PAYMENT_TRANSITION: {
    status: HttpStatus.CONFLICT,
    title: 'Payment status change not allowed',
  },

  // Payments
  INVALID_SIGNATURE: {
    status: HttpStatus.UNAUTHORIZED,
    title: 'The webhook signature is missing or wrong',
  },
  SIGNATURE_EXPIRED: {
    status: HttpStatus.UNAUTHORIZED,
    title: 'The webhook signature is too old or too new',
  },
  PAYMENT_NOT_CAPTURED: {
    status: HttpStatus.CONFLICT,
    title: 'The payment was not captured, so nothing can be refunded',
  },
  REFUND_EMPTY: { status: HttpStatus.UNPROCESSABLE_ENTITY, title: 'The refund is for nothing' },
  REFUND_ITEM_NOT_FOUND: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'The refund names a line the order does not have',
  },
  REFUND_QUANTITY_EXCEEDED: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'More than is left to refund on a line',
  },
  SHIPPING_ALREADY_REFUNDED: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'The shipping was refunded already',
  },
  REFUND_EXCEEDS_CAPTURED: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'More than is left of the captured amount',
  },

  IDEMPOTENCY_KEY_REUSED: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'Idempotency-Key reused with another request',
  },
  IDEMPOTENCY_KEY_IN_USE: {
    status: HttpStatus.CONFLICT,
    title: 'A request with this Idempotency-Key is in progress',
  },

  // Neighbours
  PRODUCT_SERVICE_BAD_RESPONSE: {
    status: HttpStatus.BAD_GATEWAY,
    title: 'The Product Service answered something unusable',
  },
  PRODUCT_SERVICE_UNAVAILABLE: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    title: 'The Product Service is unavailable',
  },
  INVENTORY_SERVICE_BAD_RESPONSE: {
    status: HttpStatus.BAD_GATEWAY,
    title: 'The Inventory Service answered something unusable',
  },
  INVENTORY_SERVICE_UNAVAILABLE: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    title: 'The Inventory Service is unavailable',
  },
  RESERVATION_EXPIRED: {
    status: HttpStatus.CONFLICT,
    title: 'The stock reservation has expired',
  },
} as const satisfies Record<string, { status: HttpStatus; title: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The generic code for a status, for exceptions raised by the framework and libraries. */
const GENERIC_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'TOO_MANY_REQUESTS',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

export function codeForStatus(status: number): ErrorCode {
  return GENERIC_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
}
