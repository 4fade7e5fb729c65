import { centsColumn, centsToDecimal } from '../common/money';
import type { OrderEvent } from './order-event.entity';
import type { OrderItem } from './order-item.entity';
import type { Order } from './order.entity';

/**
 * The one mapping between rows and orders: money is numeric text in the database and integer
 * cents in code, timestamps are Dates, enums are their string values on both sides.
 */

/** The order's columns as every read selects them; its items come as one JSON array. */
export const ORDER_COLUMNS = `o.id, o.order_number, o.user_id, o.customer_email, o.customer_name,
  o.status, o.payment_status, o.subtotal, o.tax, o.shipping_cost, o.discount, o.total,
  o.currency, o.shipping_address, o.billing_address, o.payment_method, o.payment_intent_id, o.amount_captured,
  o.tracking_number, o.carrier, o.customer_notes, o.internal_notes, o.cancellation_reason,
  o.held_from, o.flags, o.event_sequence, o.version, o.created_at, o.updated_at,
  o.confirmed_at, o.shipped_at, o.delivered_at, o.cancelled_at,
  (SELECT coalesce(json_agg(json_build_object(
      'id', i.id, 'position', i.position, 'product_id', i.product_id,
      'product_name', i.product_name, 'product_sku', i.product_sku,
      'product_image', i.product_image, 'unit_price', i.unit_price::text,
      'quantity', i.quantity, 'subtotal', i.subtotal::text,
      'product_attributes', i.product_attributes, 'reservation_id', i.reservation_id,
      'stock_status', i.stock_status, 'created_at', i.created_at) ORDER BY i.position), '[]')
   FROM order_items i WHERE i.order_id = o.id) AS items`;

type Row = Record<string, unknown>;

const cents = (value: unknown): number => centsColumn.from(value) as number;
const date = (value: unknown): Date => (value instanceof Date ? value : new Date(value as string));
const maybeDate = (value: unknown): Date | null => (value == null ? null : date(value));

export function orderFromRow(row: Row): Order {
  const order = {
    ...(row as unknown as Order),
    subtotal: cents(row.subtotal),
    tax: cents(row.tax),
    shipping_cost: cents(row.shipping_cost),
    discount: cents(row.discount),
    total: cents(row.total),
    amount_captured: row.amount_captured == null ? null : cents(row.amount_captured),
    version: Number(row.version),
    event_sequence: Number(row.event_sequence),
    created_at: date(row.created_at),
    updated_at: date(row.updated_at),
    confirmed_at: maybeDate(row.confirmed_at),
    shipped_at: maybeDate(row.shipped_at),
    delivered_at: maybeDate(row.delivered_at),
    cancelled_at: maybeDate(row.cancelled_at),
    items: ((row.items as Row[] | undefined) ?? []).map(itemFromRow),
  };
  return order;
}

function itemFromRow(row: Row): OrderItem {
  return {
    ...(row as unknown as OrderItem),
    unit_price: cents(row.unit_price),
    subtotal: cents(row.subtotal),
    created_at: date(row.created_at),
  };
}

export function historyFromRow(row: Row): OrderEvent {
  return { ...(row as unknown as OrderEvent), created_at: date(row.created_at) };
}

/** Cents as the numeric text PostgreSQL stores exactly. */
export const money = (value: number): string => centsToDecimal(value);
