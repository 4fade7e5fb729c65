import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
} from '@nestjs/swagger';
import {
  ApiIdempotencyKeyHeader,
  ApiIfMatchHeader,
  ETAG_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  LOCATION_HEADER,
} from '../common/openapi/headers';
import {
  ApiProblemResponses,
  AUTHENTICATED_PROBLEMS,
  JSON_BODY_PROBLEMS,
} from '../common/openapi/problem-responses';
import { DEMO_PRODUCTS } from '../product-client/demo-catalog';
import { CreateOrderDto } from './dto/create-order.dto';
import {
  OrderHistoryResponseDto,
  OrderListResponseDto,
  OrderResponseDto,
} from './dto/order-response.dto';
import { CancelOrderDto } from './dto/update-order.dto';

/*
 * The OpenAPI description of each order operation, one composed decorator per handler, so that
 * the controller keeps one documentation line per route. The error codes listed are the ones
 * the operation can answer (see src/common/errors/error-codes.ts).
 */

/** A product of the demo catalog that is sold and well stocked, so the example keeps working. */
const DEMO_PRODUCT_ID = DEMO_PRODUCTS.find((p) => p.isActive && p.stock >= 10)!._id;

/** Works unchanged against `npm start` (which serves the demo catalog) and in Swagger UI. */
export const CREATE_ORDER_EXAMPLE = {
  items: [{ product_id: DEMO_PRODUCT_ID, quantity: 1 }],
  shipping_address: {
    street: '1 Main St',
    city: 'Springfield',
    state: 'IL',
    zipCode: '62701',
    country: 'US',
  },
  payment_method: 'credit_card',
} satisfies CreateOrderDto;

const ONE_ORDER_HEADERS = { ETag: ETAG_HEADER };

export function CreateOrderDocs(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: 'Place an order',
      description:
        'Creates an order for the caller from products and quantities; the server prices it (names, prices and stock come from the Product Service). Send an `Idempotency-Key` to make retries safe.',
    }),
    ApiIdempotencyKeyHeader(),
    ApiBody({
      type: CreateOrderDto,
      examples: {
        demo: { summary: 'One laptop from the demo catalog', value: CREATE_ORDER_EXAMPLE },
      },
    }),
    ApiCreatedResponse({
      description: 'The order, priced and pending.',
      type: OrderResponseDto,
      headers: {
        ...ONE_ORDER_HEADERS,
        Location: LOCATION_HEADER,
        'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER,
      },
    }),
    ApiProblemResponses(
      ...JSON_BODY_PROBLEMS,
      ...AUTHENTICATED_PROBLEMS,
      'PRODUCT_NOT_FOUND',
      'PRODUCT_UNAVAILABLE',
      'ORDER_TOO_LARGE',
      'IDEMPOTENCY_KEY_REUSED',
      'INSUFFICIENT_STOCK',
      'IDEMPOTENCY_KEY_IN_USE',
      'PRODUCT_SERVICE_BAD_RESPONSE',
      'INVENTORY_SERVICE_BAD_RESPONSE',
      'PRODUCT_SERVICE_UNAVAILABLE',
      'INVENTORY_SERVICE_UNAVAILABLE',
    ),
  );
}

export function ListMyOrdersDocs(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: "The caller's own orders, newest first" }),
    ApiOkResponse({ description: 'One page of orders.', type: OrderListResponseDto }),
    ApiProblemResponses('VALIDATION_FAILED', ...AUTHENTICATED_PROBLEMS),
  );
}

export function ListAllOrdersDocs(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: 'Every order, newest first (admins)' }),
    ApiOkResponse({ description: 'One page of orders.', type: OrderListResponseDto }),
    ApiProblemResponses('VALIDATION_FAILED', 'FORBIDDEN', ...AUTHENTICATED_PROBLEMS),
  );
}

export function ExportOrdersDocs(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: 'Export the search as CSV (admins)',
      description:
        "The filters and `sort` of `GET /api/orders/all`; `lines=true` gives one row per item with the order columns repeated. RFC 4180 quoting; a cell starting with `=`, `+`, `-`, `@`, tab or carriage return is prefixed with `'`. Money as exact decimals. Streamed from the database.",
    }),
    ApiProduces('text/csv'),
    ApiOkResponse({
      description: 'A CSV file with a header row.',
      content: { 'text/csv': { schema: { type: 'string' } } },
      headers: {
        'Content-Disposition': {
          description: '`attachment; filename="orders-<UTC date>.csv"`',
          schema: { type: 'string' },
        },
      },
    }),
    ApiProblemResponses('VALIDATION_FAILED', 'FORBIDDEN', ...AUTHENTICATED_PROBLEMS),
  );
}

/** Answers one order, with its ETag. */
function oneOrderDocs(summary: string): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary }),
    ApiOkResponse({
      description: 'The order.',
      type: OrderResponseDto,
      headers: ONE_ORDER_HEADERS,
    }),
    ApiProblemResponses('VALIDATION_FAILED', 'NOT_FOUND', ...AUTHENTICATED_PROBLEMS),
  );
}

export const GetOrderByNumberDocs = () => oneOrderDocs('One order by its number (owner or admin)');

export const GetOrderDocs = () => oneOrderDocs('One order (owner or admin)');

export function GetOrderHistoryDocs(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: "The order's history, oldest first (owner or admin)" }),
    ApiOkResponse({ description: 'The events of the order.', type: OrderHistoryResponseDto }),
    ApiProblemResponses('VALIDATION_FAILED', 'NOT_FOUND', ...AUTHENTICATED_PROBLEMS),
  );
}

export function CancelOrderDocs(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: 'Cancel an order',
      description:
        'The owner may cancel while the order is pending, confirmed or processing; an admin as the lifecycle allows. Held stock is released.',
    }),
    ApiIfMatchHeader(),
    ApiBody({ type: CancelOrderDto, required: false }),
    ApiOkResponse({
      description: 'The cancelled order.',
      type: OrderResponseDto,
      headers: ONE_ORDER_HEADERS,
    }),
    ApiProblemResponses(
      ...JSON_BODY_PROBLEMS,
      ...AUTHENTICATED_PROBLEMS,
      'NOT_FOUND',
      'INVALID_TRANSITION',
      'PRECONDITION_FAILED',
    ),
  );
}

const CHANGE_PROBLEMS = [
  ...JSON_BODY_PROBLEMS,
  ...AUTHENTICATED_PROBLEMS,
  'FORBIDDEN',
  'NOT_FOUND',
  'INVALID_TRANSITION',
  'INVALID_PAYMENT_TRANSITION',
  'RESERVATION_EXPIRED',
  'PRECONDITION_FAILED',
  'INVENTORY_SERVICE_BAD_RESPONSE',
  'INVENTORY_SERVICE_UNAVAILABLE',
] as const;

export function UpdateOrderDocs(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: 'Update an order (admins)',
      description:
        'Changes status, payment status, tracking number, carrier or internal notes; at least one field.',
    }),
    ApiIfMatchHeader(),
    ApiOkResponse({
      description: 'The updated order.',
      type: OrderResponseDto,
      headers: ONE_ORDER_HEADERS,
    }),
    ApiProblemResponses(...CHANGE_PROBLEMS),
  );
}

export function UpdateOrderStatusDocs(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: 'Move an order to another status (admins)' }),
    ApiIfMatchHeader(),
    ApiOkResponse({
      description: 'The updated order.',
      type: OrderResponseDto,
      headers: ONE_ORDER_HEADERS,
    }),
    ApiProblemResponses(...CHANGE_PROBLEMS),
  );
}
