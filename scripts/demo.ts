/**
 * A walk-through of the platform against a running Order Service, printing each step, as the
 * old platform's integration script did:
 *
 *   npm run demo -- [--base-url http://localhost:8000]
 *
 * Optional: USER_SERVICE_URL to log in there as the platform's documented customer
 * (john.doe@example.com / SecurePass123, or DEMO_EMAIL / DEMO_PASSWORD), registering them first
 * if they do not exist, instead of signing a token locally with SECRET_KEY; PRODUCT_SERVICE_URL to list its products instead of the
 * built-in demo catalog (use the same setting as the service).
 */
import 'dotenv/config';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import jwt from 'jsonwebtoken';
import { validateEnvironment } from '../src/config/environment';
import { DEMO_PRODUCTS } from '../src/product-client/demo-catalog';

interface Product {
  _id: string;
  name: string;
  price: number;
  stock: number;
  isActive: boolean;
}

const env = validateEnvironment(process.env);
const { values } = parseArgs({
  options: { 'base-url': { type: 'string', default: process.env.DEMO_BASE_URL } },
});
const baseUrl = (values['base-url'] ?? `http://localhost:${env.PORT}`).replace(/\/$/, '');
let step = 0;

function show(title: string, detail: string): void {
  step += 1;
  console.log(`\n${step}. ${title}\n   ${detail.split('\n').join('\n   ')}`);
}

async function call(
  method: string,
  url: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; data: any }> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let data: any = text;
  try {
    data = JSON.parse(text);
  } catch {
    // not JSON: shown as text
  }
  return { status: res.status, data };
}

function expectStatus(what: string, got: { status: number; data: any }, expected: number): void {
  if (got.status !== expected) {
    console.error(`\n${what} failed: HTTP ${got.status}\n${JSON.stringify(got.data, null, 2)}`);
    process.exit(1);
  }
}

function localToken(role: 'customer' | 'admin', email: string): string {
  const userId = randomBytes(12).toString('hex');
  return jwt.sign({ userId, email, role }, env.SECRET_KEY, {
    algorithm: env.ALGORITHM[0],
    expiresIn: '1h',
  });
}

async function customerToken(): Promise<string> {
  if (!env.USER_SERVICE_URL) {
    show('Customer token', 'No USER_SERVICE_URL: signed locally with SECRET_KEY (role customer).');
    return localToken('customer', 'demo.customer@example.com');
  }
  // The platform's documented customer, as its integration script logs in.
  const credentials = {
    email: process.env.DEMO_EMAIL ?? 'john.doe@example.com',
    password: process.env.DEMO_PASSWORD ?? 'SecurePass123',
  };
  let res = await call('POST', `${env.USER_SERVICE_URL}/api/auth/login`, undefined, credentials);
  if (res.status !== 200) {
    show(
      'Registering',
      `No such user at ${env.USER_SERVICE_URL}: registering ${credentials.email}.`,
    );
    res = await call('POST', `${env.USER_SERVICE_URL}/api/auth/register`, undefined, {
      ...credentials,
      firstName: 'John',
      lastName: 'Doe',
    });
  }
  if (typeof res.data?.token !== 'string') expectStatus('Login at the User Service', res, 200);
  show('Customer token', `Logged in at ${env.USER_SERVICE_URL} as ${credentials.email}.`);
  return res.data.token as string;
}

async function products(): Promise<Product[]> {
  if (!env.PRODUCT_SERVICE_URL) {
    show('Products', `No PRODUCT_SERVICE_URL: the service's built-in demo catalog.`);
    return DEMO_PRODUCTS;
  }
  const res = await call('GET', `${env.PRODUCT_SERVICE_URL}/api/products?limit=20&inStock=true`);
  expectStatus('Listing products', res, 200);
  show(
    'Products',
    `From ${env.PRODUCT_SERVICE_URL}: ${res.data.pagination.total} active products.`,
  );
  return res.data.products as Product[];
}

async function main(): Promise<void> {
  console.log(`Order Service demo against ${baseUrl}`);
  const banner = await call('GET', `${baseUrl}/`);
  expectStatus('Reaching the service', banner, 200);

  const token = await customerToken();
  const list = (await products()).filter((p) => p.isActive && p.stock >= 2).slice(0, 2);
  console.log(list.map((p) => `   - ${p._id}  ${p.name}  $${p.price}`).join('\n'));
  if (list.length < 2) throw new Error('Need two active products in stock for the demo');

  const created = await call('POST', `${baseUrl}/api/orders`, token, {
    items: [
      { product_id: list[0]._id, quantity: 1 },
      { product_id: list[1]._id, quantity: 2 },
    ],
    shipping_address: {
      street: '742 Evergreen Terrace',
      city: 'Springfield',
      state: 'OR',
      zipCode: '97477',
      country: 'US',
    },
    customer_notes: 'Left at the door, please.',
  });
  expectStatus('Creating the order', created, 201);
  const order = created.data;
  show(
    'Order created',
    `${order.order_number} (${order.id}), status ${order.status}\n` +
      `subtotal ${order.subtotal} + tax ${order.tax} + shipping ${order.shipping_cost} = total ${order.total}`,
  );

  const byId = await call('GET', `${baseUrl}/api/orders/${order.id}`, token);
  expectStatus('Fetching by id', byId, 200);
  show('Fetched by id', `${byId.data.order_number}: ${byId.data.items.length} lines`);

  const byNumber = await call('GET', `${baseUrl}/api/orders/number/${order.order_number}`, token);
  expectStatus('Fetching by number', byNumber, 200);
  show('Fetched by number', `${byNumber.data.id}`);

  const mine = await call('GET', `${baseUrl}/api/orders?limit=5`, token);
  expectStatus('Listing my orders', mine, 200);
  show('My orders', `${mine.data.total} in all; newest: ${mine.data.orders[0]?.order_number}`);

  // Admin tokens are not handed out by the User Service's public endpoints: signed locally.
  const admin = localToken('admin', 'demo.admin@example.com');
  const confirmed = await call('PATCH', `${baseUrl}/api/orders/${order.id}/status`, admin, {
    status: 'confirmed',
    reason: 'Payment received (demo)',
  });
  expectStatus('Confirming as admin', confirmed, 200);
  show(
    'Confirmed by an admin',
    `status ${confirmed.data.status}, confirmed_at ${confirmed.data.confirmed_at}, next: ${confirmed.data.allowed_transitions.join(', ')}`,
  );
  console.log('\nDone.');
}

main().catch((error: unknown) => {
  console.error(`Demo failed: ${(error as Error).message}`);
  process.exit(1);
});
