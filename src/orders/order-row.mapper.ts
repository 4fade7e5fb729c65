import { ROLES, type Role } from '../auth/auth-user';
import { centsColumn, centsToDecimal } from '../common/money';
import type { OrderEvent } from './order-event.entity';
import type { OrderItem } from './order-item.entity';
import type { Order } from './order.entity';
import type { OrderStatus, PaymentStatus } from './order-process';

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

/** A timestamp as text: microseconds keep it whole; milliseconds, truncated, are what a Date
 * read from the column holds and what toISOString() writes. */
export const utc = (column: string, precision: 'US' | 'MS') =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.${precision}"Z"')`;

/** Money as the API's JSON number: 12.50 is written 12.5, as JSON.stringify writes 12.5. */
const amount = (column: string) => `trim_scale(${column})`;

/**
 * Each order as presentOrder() shows it to `viewer`, written by PostgreSQL as JSON text that the
 * service sends on unparsed: the same members in the same order, money and timestamps as above,
 * jsonb members as stored. Only `allowed_transitions` is the service's to add (it follows from
 * the order process), from the columns read beside it. Reads of many orders spend most of their
 * time turning rows into objects and back into JSON otherwise.
 */
export function orderJsonColumns(viewer: Role): string {
  return `json_build_object('id', o.id, 'order_number', o.order_number, 'user_id', o.user_id,
    'customer_email', o.customer_email, 'customer_name', o.customer_name, 'status', o.status,
    'payment_status', o.payment_status, 'subtotal', ${amount('o.subtotal')},
    'tax', ${amount('o.tax')}, 'shipping_cost', ${amount('o.shipping_cost')},
    'discount', ${amount('o.discount')}, 'total', ${amount('o.total')}, 'currency', o.currency,
    'shipping_address', o.shipping_address, 'billing_address', o.billing_address,
    'payment_method', o.payment_method, 'payment_intent_id', o.payment_intent_id,
    'tracking_number', o.tracking_number, 'carrier', o.carrier,
    'customer_notes', o.customer_notes,${viewer === 'admin' ? " 'internal_notes', o.internal_notes," : ''}
    'cancellation_reason', o.cancellation_reason, 'flags', o.flags, 'version', o.version,
    'created_at', ${utc('o.created_at', 'MS')}, 'updated_at', ${utc('o.updated_at', 'MS')},
    'confirmed_at', ${utc('o.confirmed_at', 'MS')}, 'shipped_at', ${utc('o.shipped_at', 'MS')},
    'delivered_at', ${utc('o.delivered_at', 'MS')},
    'cancelled_at', ${utc('o.cancelled_at', 'MS')},
    'items', (SELECT coalesce(json_agg(json_build_object('id', i.id,
        'product_id', i.product_id, 'product_name', i.product_name,
        'product_sku', i.product_sku, 'product_image', i.product_image,
        'unit_price', ${amount('i.unit_price')}, 'quantity', i.quantity,
        'subtotal', ${amount('i.subtotal')}, 'product_attributes', i.product_attributes,
        'reservation_id', i.reservation_id, 'created_at', ${utc('i.created_at', 'MS')})
      ORDER BY i.position), '[]') FROM order_items i WHERE i.order_id = o.id))::text AS body,
    o.status, o.payment_status, o.held_from, o.version`;
}

/** A statement for each kind of viewer, built once from `build`. */
export const byViewer = (build: (viewer: Role) => string): Record<Role, string> =>
  Object.fromEntries(ROLES.map((role) => [role, build(role)])) as Record<Role, string>;

/** A row of orderJsonColumns(). */
export interface OrderJsonRow {
  body: string;
  status: OrderStatus;
  payment_status: PaymentStatus;
  held_from: OrderStatus | null;
  version: number;
}

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
