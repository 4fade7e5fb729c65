import type { ClientBase } from 'pg';

/*
 * Orders written straight into the database, for tests that need many or very particular ones:
 * the API would take minutes for a million, and cannot write a chosen created_at or a status.
 */

export const SEED_STATUSES = [
  'pending',
  'confirmed',
  'processing',
  'on_hold',
  'shipped',
  'delivered',
  'cancelled',
  'refunded',
] as const;
export const SEED_PAYMENTS = ['pending', 'completed', 'failed', 'refunded'] as const;

/** How the generated orders vary with their number g (1…count); tests compute answers from it. */
export const BULK = {
  users: 10_000,
  products: 500,
  /** Order g was created g × this many seconds before the seed's `now`. */
  stepSeconds: 30,
  userId: (u: number) => u.toString(16).padStart(24, '0'),
  productId: (p: number) => p.toString(16).padStart(24, '0'),
};

/**
 * `count` orders in one statement (generate_series), each with one or two lines, numbered from
 * `first`; then VACUUM ANALYZE, so the planner sees the table as production would.
 */
export async function seedBulkOrders(
  client: ClientBase,
  count: number,
  options: { first?: number; now?: Date; rebuildIndexes?: boolean } = {},
): Promise<void> {
  const first = options.first ?? 1;
  const now = options.now ?? new Date();
  // Building an index once is far quicker than growing it row by row (the trigram index most).
  const { rows: indexes } = options.rebuildIndexes
    ? await client.query<{ name: string; definition: string }>(
        `SELECT i.indexname AS name, i.indexdef AS definition FROM pg_indexes i
         WHERE i.schemaname = 'public' AND i.tablename IN ('orders', 'order_items')
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
      )
    : { rows: [] };
  for (const { name } of indexes) await client.query(`DROP INDEX "${name}"`);
  await client.query("SET maintenance_work_mem = '256MB'");
  await client.query(
    `INSERT INTO orders (id, order_number, user_id, customer_email, customer_name, status,
       payment_status, subtotal, tax, shipping_cost, discount, total, currency, shipping_address,
       billing_address, payment_method, created_at, updated_at, flags)
     SELECT md5('seed-' || g)::uuid,
       'ORD-' || to_char(t.at AT TIME ZONE 'UTC', 'YYYYMMDD') || '-' || lpad(upper(to_hex(g)), 6, '0'),
       lpad(to_hex(g % $4), 24, '0'),
       'user' || (g % $4) || '@example.com',
       'Customer ' || substr(md5(g::text), 1, 10),
       (ARRAY['pending','confirmed','processing','on_hold','shipped','delivered','cancelled',
         'refunded'])[1 + g % 8]::order_status,
       (ARRAY['pending','completed','failed','refunded'])[1 + (g / 8) % 4]::payment_status,
       m.total, 0, 0, 0, m.total, 'USD', '{}'::jsonb, '{}'::jsonb, 'card', t.at, t.at,
       CASE WHEN g % 1000 = 0 THEN '[{"code":"stock_shortage","item_ids":[]}]'::jsonb
         ELSE '[]'::jsonb END
     FROM generate_series($1::int, $2::int) g,
       LATERAL (SELECT $3::timestamptz - g * interval '${BULK.stepSeconds} seconds' AS at) t,
       LATERAL (SELECT round((g % 100000) / 100.0 + 1, 2) AS total) m`,
    [first, first + count - 1, now, BULK.users],
  );
  // Line 0 of every order, and a second line on every third one.
  await client.query(
    `INSERT INTO order_items (id, order_id, position, product_id, product_name, product_sku,
       unit_price, quantity, subtotal, product_attributes, created_at)
     SELECT gen_random_uuid(), md5('seed-' || g)::uuid, l.position,
       lpad(to_hex((g + l.position * 7) % $3), 24, '0'), 'Product ' || ((g + l.position * 7) % $3),
       'SKU-' || ((g + l.position * 7) % $3), 1, 1, 1, '{}'::jsonb, $4
     FROM generate_series($1::int, $2::int) g,
       LATERAL (SELECT 0 AS position UNION ALL SELECT 1 WHERE g % 3 = 0) l`,
    [first, first + count - 1, BULK.products, now],
  );
  for (const { definition } of indexes) await client.query(definition);
  await client.query('VACUUM ANALYZE orders');
  await client.query('VACUUM ANALYZE order_items');
}

export interface SeedItem {
  product_id: string;
  product_name: string;
  product_sku: string;
  /** Cents. */
  unit_price: number;
  quantity: number;
}

export interface SeedOrder {
  id: string;
  order_number: string;
  user_id: string;
  customer_email: string;
  customer_name: string;
  status: (typeof SEED_STATUSES)[number];
  payment_status: (typeof SEED_PAYMENTS)[number];
  /** Cents; subtotal = Σ lines, total = subtotal + tax + shipping. */
  tax: number;
  shipping_cost: number;
  created_at: Date;
  flagged: boolean;
  tracking_number: string | null;
  carrier: string | null;
  items: SeedItem[];
}

const decimal = (cents: number) =>
  `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

export const subtotalOf = (o: SeedOrder) =>
  o.items.reduce((sum, i) => sum + i.unit_price * i.quantity, 0);
export const totalOf = (o: SeedOrder) => subtotalOf(o) + o.tax + o.shipping_cost;

/** Exactly these orders and lines, in one statement each. */
export async function insertOrders(client: ClientBase, orders: SeedOrder[]): Promise<void> {
  const rows = orders.map((o) => ({
    ...o,
    subtotal: decimal(subtotalOf(o)),
    tax: decimal(o.tax),
    shipping_cost: decimal(o.shipping_cost),
    total: decimal(totalOf(o)),
    created_at: o.created_at.toISOString(),
    flags: o.flagged ? [{ code: 'stock_shortage', item_ids: [] }] : [],
  }));
  await client.query(
    `INSERT INTO orders (id, order_number, user_id, customer_email, customer_name, status,
       payment_status, subtotal, tax, shipping_cost, discount, total, currency, shipping_address,
       billing_address, payment_method, tracking_number, carrier, created_at, updated_at, flags)
     SELECT r.id, r.order_number, r.user_id, r.customer_email, r.customer_name, r.status,
       r.payment_status, r.subtotal, r.tax, r.shipping_cost, 0, r.total, 'USD', '{}', '{}',
       'card', r.tracking_number, r.carrier, r.created_at, r.created_at, r.flags
     FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, order_number varchar,
       user_id varchar, customer_email varchar, customer_name varchar, status order_status,
       payment_status payment_status, subtotal numeric, tax numeric, shipping_cost numeric,
       total numeric, tracking_number varchar, carrier varchar, created_at timestamptz,
       flags jsonb)`,
    [JSON.stringify(rows)],
  );
  const lines = orders.flatMap((o) =>
    o.items.map((item, position) => ({
      ...item,
      order_id: o.id,
      position,
      unit_price: decimal(item.unit_price),
      subtotal: decimal(item.unit_price * item.quantity),
      created_at: o.created_at.toISOString(),
    })),
  );
  await client.query(
    `INSERT INTO order_items (id, order_id, position, product_id, product_name, product_sku,
       unit_price, quantity, subtotal, product_attributes, created_at)
     SELECT gen_random_uuid(), l.order_id, l.position, l.product_id, l.product_name,
       l.product_sku, l.unit_price, l.quantity, l.subtotal, '{"brand":null,"category":null}',
       l.created_at
     FROM jsonb_to_recordset($1::jsonb) AS l(order_id uuid, position smallint,
       product_id varchar, product_name varchar, product_sku varchar, unit_price numeric,
       quantity int, subtotal numeric, created_at timestamptz)`,
    [JSON.stringify(lines)],
  );
}
