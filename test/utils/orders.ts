import type { Response } from 'supertest';
import { DEMO_PRODUCTS } from '../../src/product-client/demo-catalog';
import type { ProductDocument } from '../../src/product-client/product-document';
import { OrdersClient } from './api-client';
import type { TestApp } from './app';
import type { TestUser } from './tokens';

/*
 * Factories and probes for the orders e2e suites. The rules (transition tables, pricing) are
 * written out here from the issue, independently of src/, so a wrong table in src/ fails a test.
 */

export { ORDERS } from './api-client';

/**
 * These suites prove the order API, not rate limiting: one customer and one admin send hundreds
 * of requests a minute here, so the limits are lifted for their apps.
 */
export const NO_RATE_LIMITS = {
  RATE_LIMIT_PER_USER: '1000000',
  RATE_LIMIT_PER_IP: '1000000',
  RATE_LIMIT_ORDER_CREATION: '1000000',
};

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ORDER_NUMBER = /^ORD-(\d{8})-[A-Z0-9]{6}$/;
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export const STATUSES = [
  'pending',
  'confirmed',
  'processing',
  'shipped',
  'delivered',
  'cancelled',
  'refunded',
] as const;
export type Status = (typeof STATUSES)[number];

export const PAYMENT_STATUSES = ['pending', 'completed', 'failed', 'refunded'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** The lifecycle of the issue, for an admin (cancelled → refunded also needs a completed payment). */
export const TRANSITIONS: Record<Status, Status[]> = {
  pending: ['confirmed', 'cancelled'],
  confirmed: ['processing', 'cancelled'],
  processing: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: ['refunded'],
  cancelled: ['refunded'],
  refunded: [],
};

/** What an admin may do now, given the payment status. */
export function adminAllowed(status: Status, payment: PaymentStatus = 'pending'): Status[] {
  if (status === 'cancelled') return payment === 'completed' ? ['refunded'] : [];
  return TRANSITIONS[status];
}

export const CUSTOMER_CANCELLABLE: Status[] = ['pending', 'confirmed', 'processing'];

export function customerAllowed(status: Status): Status[] {
  return CUSTOMER_CANCELLABLE.includes(status) ? ['cancelled'] : [];
}

export const PAYMENT_TRANSITIONS: Record<PaymentStatus, PaymentStatus[]> = {
  pending: ['completed', 'failed'],
  failed: ['pending', 'completed'],
  completed: ['refunded'],
  refunded: [],
};

export const STATUS_TIMESTAMP: Partial<Record<Status, TimestampColumn>> = {
  confirmed: 'confirmed_at',
  shipped: 'shipped_at',
  delivered: 'delivered_at',
  cancelled: 'cancelled_at',
};
export type TimestampColumn = 'confirmed_at' | 'shipped_at' | 'delivered_at' | 'cancelled_at';
export const TIMESTAMP_COLUMNS: TimestampColumn[] = [
  'confirmed_at',
  'shipped_at',
  'delivered_at',
  'cancelled_at',
];

/** The admin steps from pending to each status (refunded through delivered). */
export const PATH_TO: Record<Status, Status[]> = {
  pending: [],
  confirmed: ['confirmed'],
  processing: ['confirmed', 'processing'],
  shipped: ['confirmed', 'processing', 'shipped'],
  delivered: ['confirmed', 'processing', 'shipped', 'delivered'],
  cancelled: ['cancelled'],
  refunded: ['confirmed', 'processing', 'shipped', 'delivered', 'refunded'],
};

// ---------------------------------------------------------------------------------------------
// The demo catalogue the fake Product Service starts with, by role in the tests.
// ---------------------------------------------------------------------------------------------

function demo(sku: string): ProductDocument {
  const product = DEMO_PRODUCTS.find((p) => p.sku === sku);
  if (!product) throw new Error(`demo catalogue has no ${sku}`);
  return product;
}

export const PRODUCTS = {
  /** 1299.99, stock 25. */
  laptop: demo('ELEC-LAP-AUR14')._id,
  /** 249.99, stock 3. */
  headphones: demo('ELEC-AUD-PULSE')._id,
  /** 1.15, stock 500. */
  battery: demo('ELEC-ACC-VOLTAA')._id,
  /** 24.50, stock 120, two images. */
  tshirt: demo('APP-MEN-TRLMER-M')._id,
  /** 100.00, stock 40. */
  jacket: demo('APP-OUT-SUMRAIN')._id,
  /** 12.99, stock 0. */
  socks: demo('APP-ACC-STRSOCK3')._id,
  /** 99.99, stock 60. */
  skillet: demo('HOME-KIT-HRTH12')._id,
  /** 34.99, inactive. */
  bulb: demo('HOME-LGT-LUMBULB4')._id,
  /** 16.99, stock 200. */
  novel: demo('BOOK-FIC-QRIVERS')._id,
};

// ---------------------------------------------------------------------------------------------
// Money, computed by the tests in integer cents.
// ---------------------------------------------------------------------------------------------

/** A JSON dollar amount with at most two decimals, as integer cents (1.15 → 115). */
export function toCents(dollars: number): number {
  const cents = Math.round(dollars * 100);
  if (Math.abs(cents - dollars * 100) > 1e-6)
    throw new Error(`${dollars} has more than 2 decimals`);
  return cents;
}

/** Cents as the API's JSON number (the double nearest to the decimal). */
export const amount = (cents: number): number => cents / 100;

/** Cents as PostgreSQL prints numeric(12,2): '107.99'. */
export const decimal = (cents: number): string =>
  `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

export interface ExpectedPricing {
  lines: { unit: number; quantity: number; subtotal: number }[];
  subtotal: number;
  tax: number;
  shipping: number;
  discount: number;
  total: number;
}

/** The pricing in cents: tax 8 % rounded half-up once, shipping 10.00 below 100.00. */
export function expectedPricing(lines: { price: number; quantity: number }[]): ExpectedPricing {
  const priced = lines.map(({ price, quantity }) => {
    const unit = toCents(price);
    return { unit, quantity, subtotal: unit * quantity };
  });
  const subtotal = priced.reduce((sum, line) => sum + line.subtotal, 0);
  // subtotal × 8 / 100 rounded half-up, in integers.
  const tax = Math.floor((subtotal * 8 * 2 + 100) / 200);
  const shipping = subtotal < 10_000 ? 1_000 : 0;
  return { lines: priced, subtotal, tax, shipping, discount: 0, total: subtotal + tax + shipping };
}

/** Fails when a money member of the JSON text carries more than two decimals. */
export function expectTwoDecimalMoney(text: string): void {
  const long = text.match(
    /"(subtotal|tax|shipping_cost|discount|total|unit_price)":-?\d+\.\d{3,}/g,
  );
  expect(long).toBeNull();
}

// ---------------------------------------------------------------------------------------------
// Requests.
// ---------------------------------------------------------------------------------------------

export const ADDRESS = {
  street: '1 Main Street',
  city: 'Springfield',
  state: 'IL',
  zipCode: '62701',
  country: 'US',
};

export const OTHER_ADDRESS = {
  street: '742 Evergreen Terrace',
  city: 'Shelbyville',
  state: 'KY',
  zipCode: '40065',
  country: 'US',
};

export type ItemInput = { product_id: string; quantity: number };

/** A valid create body: ids (quantity 1 each) or explicit lines, plus overrides. */
export function validOrderBody(
  items: (string | ItemInput)[] = [PRODUCTS.novel],
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    items: items.map((item) =>
      typeof item === 'string' ? { product_id: item, quantity: 1 } : { ...item },
    ),
    shipping_address: { ...ADDRESS },
    ...overrides,
  };
}

export interface OrderItemJson {
  id: string;
  product_id: string;
  product_name: string;
  product_sku: string;
  product_image: string | null;
  unit_price: number;
  quantity: number;
  subtotal: number;
  product_attributes: { brand: string | null; category: string | null };
  reservation_id: string | null;
  created_at: string;
}

export interface OrderJson {
  id: string;
  order_number: string;
  user_id: string;
  customer_email: string;
  customer_name: string;
  status: Status;
  payment_status: PaymentStatus;
  subtotal: number;
  tax: number;
  shipping_cost: number;
  discount: number;
  total: number;
  currency: string;
  shipping_address: typeof ADDRESS;
  billing_address: typeof ADDRESS;
  payment_method: string;
  payment_intent_id: string | null;
  tracking_number: string | null;
  carrier: string | null;
  customer_notes: string | null;
  internal_notes?: string | null;
  cancellation_reason: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  confirmed_at: string | null;
  shipped_at: string | null;
  delivered_at: string | null;
  cancelled_at: string | null;
  items: OrderItemJson[];
  allowed_transitions: Status[];
}

export interface OrderListJson {
  orders: OrderJson[];
  total: number;
  page: number;
  limit: number;
  pages: number;
}

/** Asserts the status, showing the body when it is not the expected one. */
export function expectStatus(res: Response, status: number): void {
  expect({ status: res.status, body: res.body as unknown }).toEqual({
    status,
    body: res.body as unknown,
  });
}

/** POST /api/orders as `user`; expects 201 and returns the order. */
export async function createOrder(
  t: TestApp,
  user: TestUser,
  body: Record<string, unknown> = validOrderBody(),
): Promise<OrderJson> {
  const res = await new OrdersClient(t).create(user, body);
  expectStatus(res, 201);
  return res.body as OrderJson;
}

/** PATCH /api/orders/:id/status; returns the response for the caller to judge. */
export function patchStatus(
  t: TestApp,
  user: TestUser,
  id: string,
  status: string,
  reason?: string,
) {
  return new OrdersClient(t).patchStatus(user, id, status, { reason });
}

export function putOrder(t: TestApp, user: TestUser, id: string, body: Record<string, unknown>) {
  return new OrdersClient(t).update(user, id, body);
}

/**
 * Moves an order from pending to `target` through the API as `admin`, one allowed step at a time.
 * `via: 'cancelled'` reaches refunded through cancelled, completing the payment first as the
 * lifecycle requires; `payment` sets the payment status (from pending) before the status steps.
 */
export async function driveTo(
  t: TestApp,
  admin: TestUser,
  id: string,
  target: Status,
  options: { via?: 'cancelled'; payment?: PaymentStatus } = {},
): Promise<OrderJson> {
  const steps: Status[] =
    target === 'refunded' && options.via === 'cancelled'
      ? ['cancelled', 'refunded']
      : PATH_TO[target];
  const payment =
    options.payment ?? (steps.includes('cancelled') && target === 'refunded' ? 'completed' : null);
  let order: OrderJson | undefined;
  // Payment steps from pending: completed and failed are one step, refunded goes via completed.
  const paymentSteps: PaymentStatus[] =
    payment === 'refunded'
      ? ['completed', 'refunded']
      : payment && payment !== 'pending'
        ? [payment]
        : [];
  for (const step of paymentSteps) {
    const res = await putOrder(t, admin, id, { payment_status: step });
    expectStatus(res, 200);
    order = res.body as OrderJson;
    expect(order.payment_status).toBe(step);
  }
  for (const step of steps) {
    const res = await patchStatus(t, admin, id, step);
    expectStatus(res, 200);
    order = res.body as OrderJson;
    expect(order.status).toBe(step);
  }
  if (!order) {
    const res = await new OrdersClient(t).get(admin, id);
    expectStatus(res, 200);
    order = res.body as OrderJson;
  }
  return order;
}

// ---------------------------------------------------------------------------------------------
// The database, read with raw SQL (numeric columns come back as strings like '107.99').
// ---------------------------------------------------------------------------------------------

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
