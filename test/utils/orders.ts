import type { Response } from 'supertest';
import { DEMO_PRODUCTS } from '../../src/product-client/demo-catalog';
import type { ProductDocument } from '../../src/product-client/product-document';
import { OrdersClient } from './api-client';
import type { TestApp } from './app';
import type { TestUser } from './tokens';

// Split by job; re-exported so that suites keep one import for the orders helpers.
export * from './money';
export * from './order-rows';

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

/**
 * The lifecycle for an admin (cancelled → refunded also needs a completed payment). `on_hold`
 * has its own tests: it may only resume to the status it was held from.
 */
export const TRANSITIONS: Record<Status, (Status | 'on_hold')[]> = {
  pending: ['confirmed', 'cancelled'],
  confirmed: ['processing', 'cancelled', 'on_hold'],
  processing: ['shipped', 'cancelled', 'on_hold'],
  shipped: ['delivered'],
  delivered: ['refunded'],
  cancelled: ['refunded'],
  refunded: [],
};

/** What an admin may do now, given the payment status. */
export function adminAllowed(
  status: Status,
  payment: PaymentStatus = 'pending',
): (Status | 'on_hold')[] {
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
  allowed_transitions: (Status | 'on_hold')[];
  flags: { code: string; item_ids: string[] }[];
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
