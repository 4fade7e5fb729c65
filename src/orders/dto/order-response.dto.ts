import { ApiProperty } from '@nestjs/swagger';
import { OrderStatus, PaymentStatus } from '../order-status';
import { AddressDto } from './create-order.dto';
import type { Address, Order } from '../order.entity';
import type { ProductAttributes } from '../order-item.entity';
import { centsToAmount } from '../../common/money';
import type { AuthUser } from '../../auth/auth-user';
import { allowedTransitions } from '../order-status';
import type { OrderEvent, OrderEventType } from '../order-event.entity';

/** Marks a body that repeats a stored response (the Idempotent-Replayed header says so). */
export const REPLAYED = Symbol('replayed');

/** The product's attributes as they were when the order was placed. */
export class ProductAttributesDto {
  @ApiProperty({ type: String, nullable: true })
  brand: string | null;

  @ApiProperty({ type: String, nullable: true })
  category: string | null;
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

export class OrderListResponseDto {
  @ApiProperty({ type: () => [OrderResponseDto] })
  orders: OrderResponseDto[];
  total: number;
  page: number;
  limit: number;
  pages: number;
}

/** The order as the caller may see it: money as JSON numbers, internal notes for admins only. */
export function presentOrder(order: Order, viewer: AuthUser): OrderResponseDto {
  const { items, internal_notes, ...fields } = order;
  return {
    ...fields,
    subtotal: centsToAmount(order.subtotal),
    tax: centsToAmount(order.tax),
    shipping_cost: centsToAmount(order.shipping_cost),
    discount: centsToAmount(order.discount),
    total: centsToAmount(order.total),
    ...(viewer.role === 'admin' ? { internal_notes } : {}),
    items: (items ?? []).map((item) => ({
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
    allowed_transitions: allowedTransitions(order.status, order.payment_status, viewer.role),
  };
}

export function markReplayed<T extends object>(body: T): T {
  return Object.assign(body, { [REPLAYED]: true });
}

export class OrderEventResponseDto {
  id: number;
  type: OrderEventType;
  from_status: OrderStatus | null;
  to_status: OrderStatus | null;
  from_payment_status: PaymentStatus | null;
  to_payment_status: PaymentStatus | null;
  details: Record<string, string | null> | null;
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
