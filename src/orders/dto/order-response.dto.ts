import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Actor, allowedTransitions, OrderStatus, PaymentStatus } from '../order-process';
import type { Address, Order, OrderFlag } from '../order.entity';
import { AddressDto } from './create-order.dto';
import type { ProductAttributes } from '../order-item.entity';
import { centsToAmount } from '../../common/money';
import { compactJson } from '../../common/json-text';
import type { OrderJsonRow } from '../order-row.mapper';
import type { OrderEvent, OrderEventType } from '../order-event.entity';

/** The product's attributes as they were when the order was placed. */
export class ProductAttributesDto {
  @ApiProperty({ type: String, nullable: true })
  brand: string | null;

  @ApiProperty({ type: String, nullable: true })
  category: string | null;
}

/** Something about the order an admin should look at. */
export class OrderFlagDto {
  @ApiProperty({ enum: ['stock_shortage', 'payment_mismatch'] })
  code: string;

  /** The order's items the flag is about (empty when it is about the whole order). */
  @ApiProperty({ type: [String] })
  item_ids: string[];

  /** For a payment mismatch: what the Payment Service reported against what was expected. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  details?: Record<string, unknown>;
}

export class OrderItemResponseDto {
  id: string;
  product_id: string;
  product_name: string;
  product_sku: string;
  product_image: string | null;
  /** Dollars, at most two decimals. */
  unit_price: number;
  quantity: number;
  subtotal: number;
  @ApiProperty({ type: () => ProductAttributesDto })
  product_attributes: ProductAttributes;
  /** The Inventory Service's reservation for this line, when there is one. */
  reservation_id: string | null;
  created_at: Date;
}

export class OrderResponseDto {
  id: string;
  order_number: string;
  user_id: string;
  customer_email: string;
  customer_name: string;
  status: OrderStatus;
  payment_status: PaymentStatus;
  subtotal: number;
  tax: number;
  shipping_cost: number;
  discount: number;
  total: number;
  currency: string;
  @ApiProperty({ type: () => AddressDto })
  shipping_address: Address;
  @ApiProperty({ type: () => AddressDto })
  billing_address: Address;
  payment_method: string;
  payment_intent_id: string | null;
  tracking_number: string | null;
  carrier: string | null;
  customer_notes: string | null;
  /** Admins only. */
  internal_notes?: string | null;
  cancellation_reason: string | null;
  /** What an admin should look at, such as lines whose stock could not be had. */
  @ApiProperty({ type: () => [OrderFlagDto] })
  flags: OrderFlag[];
  version: number;
  created_at: Date;
  updated_at: Date;
  confirmed_at: Date | null;
  shipped_at: Date | null;
  delivered_at: Date | null;
  cancelled_at: Date | null;
  // Explicit: ts-jest's per-file compilation leaves the Swagger plugin without array types.
  @ApiProperty({ type: () => [OrderItemResponseDto] })
  items: OrderItemResponseDto[];
  /** The statuses the caller may move this order to now. */
  @ApiProperty({ enum: OrderStatus, isArray: true })
  allowed_transitions: OrderStatus[];
}

/**
 * A page of orders. Offset pages (`page`) carry `total`, `page` and `pages`; cursor pages carry
 * `total` only when asked (`include_total=true`): counting every match costs what the page does not.
 */
export class OrderListResponseDto {
  @ApiProperty({ type: () => [OrderResponseDto] })
  orders: OrderResponseDto[];
  total?: number;
  page?: number;
  limit: number;
  pages?: number;
  /** Send it back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

/** One order read as JSON text (see orderJsonColumns), with what its headers say. */
export interface OrderText {
  /** The JSON of an OrderResponseDto. */
  body: string;
  version: number;
}

/** allowed_transitions as JSON, by viewer and what the order process's guards look at. */
const transitionsJson = new Map<string, string>();

/**
 * The order as presentOrder() shows it, from the JSON PostgreSQL wrote (see orderJsonColumns):
 * its spacing taken out and allowed_transitions, which the order process decides, added last.
 */
export function orderJsonText(row: OrderJsonRow, viewer: Actor): string {
  const key = `${viewer} ${row.status} ${row.payment_status} ${row.held_from}`;
  let transitions = transitionsJson.get(key);
  if (transitions === undefined) {
    transitions = JSON.stringify(allowedTransitions(row, viewer));
    transitionsJson.set(key, transitions);
  }
  const body = compactJson(row.body);
  return `${body.slice(0, -1)},"allowed_transitions":${transitions}}`;
}

/** What a handler returns for one order; the controller turns it into body and headers. */
export interface OrderResult {
  order: OrderResponseDto;
  /** The body repeats the stored response of an earlier request with the same key. */
  replayed?: boolean;
}

/** The order as `viewer` may see it: money as JSON numbers, internal notes for admins only. */
export function presentOrder(order: Order, viewer: Actor): OrderResponseDto {
  return {
    id: order.id,
    order_number: order.order_number,
    user_id: order.user_id,
    customer_email: order.customer_email,
    customer_name: order.customer_name,
    status: order.status,
    payment_status: order.payment_status,
    subtotal: centsToAmount(order.subtotal),
    tax: centsToAmount(order.tax),
    shipping_cost: centsToAmount(order.shipping_cost),
    discount: centsToAmount(order.discount),
    total: centsToAmount(order.total),
    currency: order.currency,
    shipping_address: order.shipping_address,
    billing_address: order.billing_address,
    payment_method: order.payment_method,
    payment_intent_id: order.payment_intent_id,
    tracking_number: order.tracking_number,
    carrier: order.carrier,
    customer_notes: order.customer_notes,
    ...(viewer === 'admin' ? { internal_notes: order.internal_notes } : {}),
    cancellation_reason: order.cancellation_reason,
    flags: order.flags,
    version: order.version,
    created_at: order.created_at,
    updated_at: order.updated_at,
    confirmed_at: order.confirmed_at,
    shipped_at: order.shipped_at,
    delivered_at: order.delivered_at,
    cancelled_at: order.cancelled_at,
    items: order.items.map((item) => ({
      id: item.id,
      product_id: item.product_id,
      product_name: item.product_name,
      product_sku: item.product_sku,
      product_image: item.product_image,
      unit_price: centsToAmount(item.unit_price),
      quantity: item.quantity,
      subtotal: centsToAmount(item.subtotal),
      product_attributes: item.product_attributes,
      reservation_id: item.reservation_id,
      created_at: item.created_at,
    })),
    allowed_transitions: allowedTransitions(order, viewer),
  };
}

export class OrderEventResponseDto {
  id: number;
  type: OrderEventType;
  from_status: OrderStatus | null;
  to_status: OrderStatus | null;
  from_payment_status: PaymentStatus | null;
  to_payment_status: PaymentStatus | null;
  details: Record<string, unknown> | null;
  actor_id: string;
  actor_role: string;
  reason: string | null;
  created_at: Date;
}

export class OrderHistoryResponseDto {
  order_id: string;
  order_number: string;
  status: OrderStatus;
  /** Oldest first. */
  @ApiProperty({ type: () => [OrderEventResponseDto] })
  events: OrderEventResponseDto[];
}

export function presentEvent(event: OrderEvent): OrderEventResponseDto {
  return {
    id: Number(event.id),
    type: event.type,
    from_status: event.from_status,
    to_status: event.to_status,
    from_payment_status: event.from_payment_status,
    to_payment_status: event.to_payment_status,
    details: event.details,
    actor_id: event.actor_id,
    actor_role: event.actor_role,
    reason: event.reason,
    created_at: event.created_at,
  };
}
