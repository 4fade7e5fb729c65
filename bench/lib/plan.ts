import type { Client } from 'pg';
import { DEMO_PRODUCTS } from '../../src/product-client/demo-catalog';
import { signToken } from '../../test/utils/tokens';
import { seed } from './database';
import { allScenarios, cursorWalk } from './scenarios';

/** What the bench's runs share: the data seeded, who asks, and the service's settings. */
export const SECRET = 'order-bench-secret-not-used-anywhere-else';
export const TOTAL_ORDERS = 100_000;
export const CUSTOMER_ORDERS = 1_000;
const CUSTOMERS = 1_000;
/** Other customers: about 50 orders each, so every customer's list has a full page of 20. */
const OTHER_CUSTOMERS = 2_000;
/** The one customer with CUSTOMER_ORDERS orders (get-one, the cursor walk, exports). */
export const CUSTOMER_ID = 'c0ffee' + '0'.repeat(12) + '000001';
/** Customers whose lists list-mine reads, in turn (the seed's user ids, lib/database.ts). */
const LISTERS = Array.from(
  { length: 64 },
  (_, i) => 'b0b0' + (i + 1).toString(16).padStart(20, '0'),
);

export const CUSTOMER = {
  Authorization: `Bearer ${signToken({ userId: CUSTOMER_ID, email: 'big.spender@example.com' }, { secret: SECRET })}`,
};
export const ADMIN = {
  Authorization: `Bearer ${signToken({ role: 'admin', email: 'admin@example.com' }, { secret: SECRET })}`,
};

/** The settings every benchmarked instance runs with, then the command line's (--env). */
export function serviceSettings(
  databaseUrl: string,
  productServiceUrl: string,
  extra: Record<string, string>,
): Record<string, string> {
  const huge = '1000000000';
  return {
    NODE_ENV: 'production',
    SECRET_KEY: SECRET,
    LOG_LEVEL: 'warn',
    DEBUG: 'false',
    MIGRATIONS_RUN: 'true',
    DATABASE_URL: databaseUrl,
    PRODUCT_SERVICE_URL: productServiceUrl,
    // Limits that never bite, over a short window: the in-memory limiter remembers each of a
    // caller's requests in the window. In production that is cut at the limit (300 a minute by
    // default); under limits that never bite, a minute of one bench caller at full speed would
    // be 100,000 entries, which no deployment holds. (Before SlidingWindowStorage, each
    // request also filtered its caller's whole list: a tenth of get-one's CPU at a minute.)
    RATE_LIMIT_WINDOW_MS: '1000',
    RATE_LIMIT_PER_USER: huge,
    RATE_LIMIT_PER_IP: huge,
    RATE_LIMIT_ORDER_CREATION: huge,
    ...extra,
  };
}

/** Seeds the orders (lib/database.ts); the ids of CUSTOMER_ID's orders. */
export function seedOrders(client: Client): Promise<string[]> {
  return seed(
    client,
    {
      totalOrders: TOTAL_ORDERS,
      customerId: CUSTOMER_ID,
      customerOrders: CUSTOMER_ORDERS,
      otherCustomers: OTHER_CUSTOMERS,
    },
    DEMO_PRODUCTS,
  );
}

/**
 * The scenarios `selected` names, reads first so that they see exactly the seeded table. The
 * cursor walk's pages are read through `serviceUrl`, and only when that scenario runs.
 */
export async function planScenarios(
  serviceUrl: string,
  customerOrders: string[],
  selected: (name: string) => boolean,
) {
  const cursorPaths = selected('cursor-walk')
    ? await cursorWalk(serviceUrl, CUSTOMER, CUSTOMER_ORDERS / 20)
    : [];
  const all = allScenarios(SECRET, CUSTOMER_ID, customerOrders, CUSTOMERS, LISTERS, cursorPaths);
  return all
    .filter((s) => selected(s.name))
    .sort((a, b) => Number(a.lines !== undefined) - Number(b.lines !== undefined));
}
