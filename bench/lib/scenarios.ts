import { signToken } from '../../test/utils/tokens';
import { DEMO_PRODUCTS } from '../../src/product-client/demo-catalog';
import type { RequestSpec } from './load';
import type { Scenario } from './measure';

/** Products on sale and in stock: what the creates buy. */
export const SELLABLE = DEMO_PRODUCTS.filter((p) => p.isActive && p.stock >= 1);

/**
 * Every scenario the bench knows. Creates rotate over `customers` buyers (so no per-user effect)
 * and over products that are on sale and in stock; reads use the customer with many orders
 * (`customerId`, whose orders are `customerOrders`), or an admin.
 */
export function allScenarios(
  secret: string,
  customerId: string,
  customerOrders: string[],
  customers: number,
): Scenario[] {
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const customer = auth(
    signToken({ userId: customerId, email: 'big.spender@example.com' }, { secret }),
  );
  const admin = auth(signToken({ role: 'admin', email: 'admin@example.com' }, { secret }));
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
  return [
    { name: 'create-1', title: 'POST /api/orders (1 item)', lines: 1, next: createRequest(1) },
    {
      name: 'create-1-events',
      title: 'POST /api/orders (1 item), events published',
      lines: 1,
      events: true,
      next: createRequest(1),
    },
    { name: 'create-3', title: 'POST /api/orders (3 items)', lines: 3, next: createRequest(3) },
    {
      name: 'list-mine',
      title: 'GET /api/orders (customer with 1,000 orders)',
      next: () => ({ method: 'GET', path: '/api/orders', headers: customer }),
    },
    {
      name: 'list-all',
      title: 'GET /api/orders/all?status=pending&page=50 (100,000 orders)',
      next: () => ({
        method: 'GET',
        path: '/api/orders/all?status=pending&page=50',
        headers: admin,
      }),
    },
    {
      name: 'get-one',
      title: 'GET /api/orders/:id',
      next: () => ({
        method: 'GET',
        path: `/api/orders/${customerOrders[read++ % customerOrders.length]}`,
        headers: customer,
      }),
    },
  ];
}
