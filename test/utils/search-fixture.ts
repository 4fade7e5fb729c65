import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { insertOrders, SEED_PAYMENTS, SEED_STATUSES, SeedOrder, totalOf } from './seed-orders';

/*
 * A set of orders made to trip a search up (mixed-case e-mails, names with LIKE wildcards,
 * quotes, commas, line breaks, formulas and non-ASCII text, equal timestamps, equal totals), and
 * the search's answers computed here, independently of the service's SQL.
 */

export const SEARCH_USERS = ['0a1b2c3d4e5f60718293a4b5', 'ffeeddccbbaa998877665544', 'u-3'];
export const SEARCH_PRODUCTS = [
  '65a1f0c0e4b0a1b2c3d4e5f1',
  '65a1f0c0e4b0a1b2c3d4e5f2',
  '65a1f0c0e4b0a1b2c3d4e5f3',
  '65a1f0c0e4b0a1b2c3d4e5f4',
];

const NAMES = [
  'Alice Smith',
  'Zoë Ünal',
  '李小龍',
  "Sean O'Brien",
  'Bob "The Builder", Jr.',
  '=HYPERLINK("http://x","y")',
  '+1 Plus',
  '-Minus Sign',
  '@Handle',
  '\tTabbed',
  'Line\nBreak',
  '100%_Real',
  'Jürgen Groß',
];
const EMAILS = ['Alice.Smith@Example.com', 'zoe@example.org', 'li@例子.cn', 'sean@example.com'];
const PRODUCT_NAMES = ['Widget, large', 'Mug "Classic"', '=cmd|calc', 'Naïve Café\r\nBlend'];

/** A small deterministic generator: the same set on every run. */
function random(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((state / 2 ** 31) * n);
  };
}

function searchOrders(count: number, now: Date): SeedOrder[] {
  const pick = random(42);
  const orders: SeedOrder[] = [];
  for (let i = 0; i < count; i++) {
    // Every fifth order shares the previous one's instant: ties are broken by id.
    const hoursAgo = i % 5 === 4 ? i - 1 : i;
    const created = new Date(now.getTime() - hoursAgo * 3_600_000 - 1_000);
    const date = created.toISOString().slice(0, 10).replace(/-/g, '');
    const items = Array.from({ length: 1 + pick(3) }, (_, k) => ({
      product_id: SEARCH_PRODUCTS[(i + k * 2) % SEARCH_PRODUCTS.length],
      product_name: PRODUCT_NAMES[(i + k) % PRODUCT_NAMES.length],
      product_sku: `SKU-${(i + k) % 7}`,
      // Cents in steps of 25 so that many totals are equal.
      unit_price: 25 * (1 + pick(400)),
      quantity: 1 + pick(3),
    }));
    orders.push({
      id: randomUUID(),
      order_number: `ORD-${date}-${String(i).padStart(6, '0')}`,
      user_id: SEARCH_USERS[i % SEARCH_USERS.length],
      customer_email: EMAILS[i % EMAILS.length].replace('@', `+${i % 6}@`),
      customer_name: NAMES[i % NAMES.length],
      status: SEED_STATUSES[pick(SEED_STATUSES.length)],
      payment_status: SEED_PAYMENTS[pick(SEED_PAYMENTS.length)],
      tax: 0,
      shipping_cost: i % 2 === 0 ? 1000 : 0,
      created_at: created,
      flagged: i % 9 === 0,
      tracking_number: i % 4 === 0 ? `1Z${i}` : null,
      carrier: i % 4 === 0 ? 'UPS, "ground"' : null,
      items,
    });
  }
  return orders;
}

/** Makes `count` such orders and writes them into the database at `databaseUrl`. */
export async function seedSearchOrders(
  databaseUrl: string,
  count: number,
  now: Date,
): Promise<SeedOrder[]> {
  const orders = searchOrders(count, now);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await insertOrders(client, orders);
  } finally {
    await client.end();
  }
  return orders;
}

/** The filters as the tests send them (strings), read the way the issue describes them. */
export type Query = Record<string, string>;

const toCents = (dollars: string) => Math.round(Number(dollars) * 100);
const instant = (value: string) => new Date(value.length === 10 ? `${value}T00:00:00Z` : value);

export function expectedSearch(orders: SeedOrder[], query: Query): SeedOrder[] {
  const list = (v?: string) => v?.split(',').map((s) => s.trim());
  const statuses = list(query.status);
  const payments = list(query.payment_status);
  const matching = orders.filter((o) => {
    const text = `${o.order_number} ${o.customer_email} ${o.customer_name}`.toLowerCase();
    return (
      (!statuses || statuses.includes(o.status)) &&
      (!payments || payments.includes(o.payment_status)) &&
      (!query.created_from || o.created_at >= instant(query.created_from)) &&
      (!query.created_to || o.created_at < instant(query.created_to)) &&
      (!query.email || o.customer_email.toLowerCase() === query.email.toLowerCase()) &&
      (!query.user_id || o.user_id === query.user_id) &&
      (!query.order_number || o.order_number.startsWith(query.order_number.toUpperCase())) &&
      (!query.total_min || totalOf(o) >= toCents(query.total_min)) &&
      (!query.total_max || totalOf(o) <= toCents(query.total_max)) &&
      (!query.product_id || o.items.some((i) => i.product_id === query.product_id)) &&
      (query.flagged !== 'true' || o.flagged) &&
      (!query.q || text.includes(query.q.toLowerCase()))
    );
  });
  const sort = query.sort ?? '-created_at';
  const key = (o: SeedOrder) => (sort.endsWith('total') ? totalOf(o) : o.created_at.getTime());
  const direction = sort.startsWith('-') ? -1 : 1;
  return matching.sort(
    (a, b) => direction * (key(a) - key(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  );
}
