import type { TestApp } from './app';
import type { ADDRESS, PaymentStatus, Status, TimestampColumn } from './orders';

/*
 * The orders, items and their columns read with raw SQL, so src/ cannot vouch for itself
 * (numeric columns come back as strings like '107.99').
 */

export interface OrderRow {
  id: string;
  order_number: string;
  user_id: string;
  customer_email: string;
  customer_name: string;
  status: Status;
  payment_status: PaymentStatus;
  subtotal: string;
  tax: string;
  shipping_cost: string;
  discount: string;
  total: string;
  currency: string;
  shipping_address: typeof ADDRESS;
  billing_address: typeof ADDRESS;
  payment_method: string;
  payment_intent_id: string | null;
  tracking_number: string | null;
  carrier: string | null;
  customer_notes: string | null;
  internal_notes: string | null;
  cancellation_reason: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  confirmed_at: Date | null;
  shipped_at: Date | null;
  delivered_at: Date | null;
  cancelled_at: Date | null;
  /** The timestamps as PostgreSQL prints them, to the microsecond. */
  exact: Record<'created_at' | 'updated_at' | TimestampColumn, string | null>;
}

export interface OrderItemRow {
  id: string;
  order_id: string;
  position: number;
  product_id: string;
  product_name: string;
  product_sku: string;
  product_image: string | null;
  unit_price: string;
  quantity: number;
  subtotal: string;
  product_attributes: { brand: string | null; category: string | null };
  reservation_id: string | null;
  stock_status: string | null;
  created_at: Date;
}

export async function countRows(t: TestApp): Promise<{ orders: number; items: number }> {
  const [row] = await t.db.query<{ orders: number; items: number }[]>(
    `SELECT (SELECT count(*) FROM orders)::int AS orders,
            (SELECT count(*) FROM order_items)::int AS items`,
  );
  return row;
}

/** The order's row, or undefined when there is none. */
export async function orderRow(t: TestApp, id: string): Promise<OrderRow | undefined> {
  const rows = await t.db.query<OrderRow[]>(
    `SELECT o.*, json_build_object(
              'created_at', o.created_at::text, 'updated_at', o.updated_at::text,
              'confirmed_at', o.confirmed_at::text, 'shipped_at', o.shipped_at::text,
              'delivered_at', o.delivered_at::text, 'cancelled_at', o.cancelled_at::text
            ) AS exact
       FROM orders o WHERE o.id = $1`,
    [id],
  );
  return rows[0];
}

/** Like orderRow, failing when the row is missing. */
export async function mustOrderRow(t: TestApp, id: string): Promise<OrderRow> {
  const row = await orderRow(t, id);
  expect(row).toBeDefined();
  return row!;
}

export async function itemRows(t: TestApp, orderId: string): Promise<OrderItemRow[]> {
  return await t.db.query<OrderItemRow[]>(
    'SELECT * FROM order_items WHERE order_id = $1 ORDER BY position',
    [orderId],
  );
}

/** The columns a rejected change must leave alone. */
export function snapshot(row: OrderRow) {
  return {
    status: row.status,
    payment_status: row.payment_status,
    version: row.version,
    tracking_number: row.tracking_number,
    carrier: row.carrier,
    internal_notes: row.internal_notes,
    cancellation_reason: row.cancellation_reason,
    exact: row.exact,
  };
}
