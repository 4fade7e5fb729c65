import { signToken } from '../../test/utils/tokens';
import { DEMO_PRODUCTS } from '../../src/product-client/demo-catalog';
import type { RequestSpec } from './load';
import type { Scenario } from './measure';

/** Products on sale and in stock: what the creates buy. */
export const SELLABLE = DEMO_PRODUCTS.filter((p) => p.isActive && p.stock >= 1);

/**
 * Every scenario the bench knows. Creates rotate over `customers` buyers (so no per-user effect)
 * and over products that are on sale and in stock; reads use the customer with many orders
 * (`customerId`, whose orders are `customerOrders`), other customers (lists), or an admin.
 * `ceilingSets`: how many requests (each with its own parameters) are captured for pgbench.
 */
export function allScenarios(
  secret: string,
  customerId: string,
  customerOrders: string[],
  customers: number,
  /** Customers whose lists are read (each with at least 20 orders). */
  listerIds: string[],
  /** A walk through the customer's list by cursor (cursorWalk), after its first page. */
  cursorPaths: string[],
): Scenario[] {
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const customer = auth(
    signToken({ userId: customerId, email: 'big.spender@example.com' }, { secret }),
  );
  const admin = auth(signToken({ role: 'admin', email: 'admin@example.com' }, { secret }));
  const listers = listerIds.map((userId, i) =>
    auth(signToken({ userId, email: `lister.${i}@example.com` }, { secret })),
  );
  const buyers = Array.from({ length: customers }, (_, i) =>
    auth(signToken({ email: `buyer.${i}@example.com` }, { secret })),
  );
  let sent = 0;
  const createRequest = (lines: number) => (): RequestSpec => {
    const n = sent++;
    const items = Array.from({ length: lines }, (_, i) => ({
      product_id: SELLABLE[(n + i) % SELLABLE.length]._id,
      quantity: 1,
    }));
    return {
      method: 'POST',
      path: '/api/orders',
      headers: { ...buyers[n % buyers.length], 'Content-Type': 'application/json' },
      body: JSON.stringify({
        items,
        shipping_address: {
          street: `${(n % 9000) + 1} Main St`,
          city: 'Springfield',
          state: 'IL',
          zipCode: '62701',
          country: 'US',
        },
      }),
    };
  };
  let read = 0;
  let listed = 0;
  let walked = 0;
  const twoFilters = `status=shipped&created_from=${new Date(Date.now() - 90 * 86_400_000).toISOString()}`;
  return [
    {
      name: 'create-1',
      title: 'POST /api/orders (1 item)',
      lines: 1,
      ceilingSets: 1,
      next: createRequest(1),
    },
    {
      name: 'create-1-events',
      title: 'POST /api/orders (1 item), events published',
      lines: 1,
      events: true,
      next: createRequest(1),
    },
    {
      name: 'create-3',
      title: 'POST /api/orders (3 items)',
      lines: 3,
      ceilingSets: 1,
      next: createRequest(3),
    },
    {
      name: 'get-one',
      title: 'GET /api/orders/:id',
      ceilingSets: 16,
      next: () => ({
        method: 'GET',
        path: `/api/orders/${customerOrders[read++ % customerOrders.length]}`,
        headers: customer,
      }),
    },
    {
      name: 'list-mine',
      title: `GET /api/orders (page of 20, ${listers.length} customers)`,
      ceilingSets: 16,
      next: () => ({
        method: 'GET',
        path: '/api/orders',
        headers: listers[listed++ % listers.length],
      }),
    },
    {
      name: 'list-all',
      title: 'GET /api/orders/all?status=pending&page=50 (100,000 orders)',
      ceilingSets: 1,
      next: () => ({
        method: 'GET',
        path: '/api/orders/all?status=pending&page=50',
        headers: admin,
      }),
    },
    {
      name: 'search',
      title: 'GET /api/orders/all?status=shipped&created_from=(90 days ago)',
      ceilingSets: 1,
      next: () => ({ method: 'GET', path: `/api/orders/all?${twoFilters}`, headers: admin }),
    },
    {
      name: 'cursor-walk',
      title: `GET /api/orders?cursor= (next_cursor, pages 2–${cursorPaths.length + 1})`,
      ceilingSets: 16,
      // Each next_cursor of the walk in turn (the walk's first page is an offset page: left out).
      next: () => ({
        method: 'GET',
        path: cursorPaths[walked++ % cursorPaths.length],
        headers: customer,
      }),
    },
    {
      name: 'export',
      title: `GET /api/orders/export (CSV of every order)`,
      export: true,
      ceilingSets: 1,
      next: () => ({ method: 'GET', path: '/api/orders/export', headers: admin }),
    },
    {
      name: 'health',
      title: 'GET /health/live (HTTP stack alone)',
      next: () => ({ method: 'GET', path: '/health/live', headers: {} }),
    },
  ];
}

/** The `cursor=` paths of a walk through a customer's list, page after page, to the end. */
export async function cursorWalk(
  url: string,
  headers: Record<string, string>,
  maxPages: number,
): Promise<string[]> {
  const paths: string[] = [];
  let path = '/api/orders';
  while (paths.length < maxPages) {
    const res = await fetch(`${url}${path}`, { headers });
    if (res.status !== 200) throw new Error(`cursor walk: HTTP ${res.status} on ${path}`);
    const { next_cursor: next } = (await res.json()) as { next_cursor: string | null };
    if (!next) break;
    path = `/api/orders?cursor=${encodeURIComponent(next)}`;
    paths.push(path);
  }
  return paths;
}
