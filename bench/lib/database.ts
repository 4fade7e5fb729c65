import { Client } from 'pg';
import type { ProductDocument } from '../../src/product-client/product-document';

/** The bench's own database on the admin server: created for one run, dropped at its end. */
export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** `postgres://u@h:5432/postgres` with the database name replaced. */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: 'order-bench' });
  await client.connect();
  return client;
}

export async function createDatabase(adminUrl: string, name: string): Promise<BenchDatabase> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  const admin = await connect(adminUrl);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  let dropped = false;
  return {
    name,
    url: withDatabase(adminUrl, name),
    async drop() {
      if (dropped) return;
      dropped = true;
      const client = await connect(adminUrl);
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface SeedPlan {
  /** All orders in the table after seeding, the customer's included. */
  totalOrders: number;
  /** The customer whose own list is benchmarked, and how many orders they have. */
  customerId: string;
  customerOrders: number;
  /** How many other customers share the rest of the orders. */
  otherCustomers: number;
}

const sqlText = (value: string | null | undefined): string =>
  value === null || value === undefined ? 'NULL' : `'${value.replace(/'/g, "''")}'`;

/**
 * Fills the schema the service migrated with realistic history in a few set-based statements:
 * orders over the past year in every status (with the matching timestamps and payment status),
 * 1 to 3 items per order priced from the catalogue, money that adds up (8 % tax, shipping 10
 * below 100), and a `created` event per order. Returns the ids of the customer's orders.
 */
export async function seed(
  client: Client,
  plan: SeedPlan,
  products: ProductDocument[],
): Promise<string[]> {
  const catalog = products
    .map(
      (p, i) =>
        `(${i}, ${sqlText(p._id)}, ${sqlText(p.name)}, ${sqlText(p.sku)}, ` +
        `${sqlText(p.images[0]?.url)}, ${Math.round(p.price * 100)}, ` +
        `${sqlText(JSON.stringify({ brand: p.brand ?? null, category: p.category ?? null }))}::jsonb)`,
    )
    .join(',\n');
  const others = plan.totalOrders - plan.customerOrders;

  await client.query('BEGIN');
  await client.query(`
    CREATE TEMP TABLE bench_catalog (idx int, id text, name text, sku text, image text,
      cents bigint, attributes jsonb) ON COMMIT DROP`);
  await client.query(`INSERT INTO bench_catalog VALUES ${catalog}`);
  // One row per (order, line): line count 1-3 and product, quantity and price all derive from g.
  await client.query(`
    CREATE TEMP TABLE bench_lines ON COMMIT DROP AS
    SELECT g, p AS position, c.id AS product_id, c.name, c.sku, c.image, c.attributes,
           c.cents AS unit_cents, 1 + (g + p) % 3 AS quantity, c.cents * (1 + (g + p) % 3) AS cents
    FROM generate_series(1, ${plan.totalOrders}) g
    CROSS JOIN LATERAL generate_series(0, g % 3) p
    JOIN bench_catalog c ON c.idx = (g * 7 + p * 5) % ${products.length}`);
  await client.query(`
    CREATE TEMP TABLE bench_orders ON COMMIT DROP AS
    WITH base AS (
      SELECT g,
             gen_random_uuid() AS id,
             CASE WHEN g <= ${plan.customerOrders} THEN ${sqlText(plan.customerId)}
                  ELSE 'b0b0' || lpad(to_hex(g % ${plan.otherCustomers}), 20, '0') END AS user_id,
             -- Spread over the past year, newest first; the customer's own orders interleaved.
             now() - make_interval(secs => (CASE WHEN g <= ${plan.customerOrders}
                      THEN g * ${Math.floor((365 * 86400) / plan.customerOrders)}
                      ELSE (g - ${plan.customerOrders}) * ${(365 * 86400) / Math.max(others, 1)} END)
                      + 3600) AS created_at,
             CASE WHEN h < 15 THEN 'pending' WHEN h < 25 THEN 'confirmed'
                  WHEN h < 35 THEN 'processing' WHEN h < 50 THEN 'shipped'
                  WHEN h < 90 THEN 'delivered' WHEN h < 98 THEN 'cancelled'
                  ELSE 'refunded' END::order_status AS status
      FROM (SELECT g, (g * 37) % 100 AS h FROM generate_series(1, ${plan.totalOrders}) g) s
    ), money AS (
      SELECT g, sum(cents) AS subtotal FROM bench_lines GROUP BY g
    )
    SELECT b.*, m.subtotal,
           round(m.subtotal * 0.08) AS tax,
           CASE WHEN m.subtotal >= 10000 THEN 0 ELSE 1000 END AS shipping
    FROM base b JOIN money m USING (g)`);
  await client.query(`
    INSERT INTO orders (id, order_number, user_id, customer_email, customer_name, status,
      payment_status, subtotal, tax, shipping_cost, discount, total, currency, shipping_address,
      billing_address, payment_method, customer_notes, version, created_at, updated_at,
      confirmed_at, shipped_at, delivered_at, cancelled_at, cancellation_reason)
    SELECT id,
           -- Past dates and a base-36 counter: never collides with today's random numbers.
           'ORD-' || to_char(created_at AT TIME ZONE 'UTC', 'YYYYMMDD') || '-' ||
             (SELECT string_agg(substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ',
                (g / (36 ^ i)::bigint % 36)::int + 1, 1), '' ORDER BY i DESC)
              FROM generate_series(0, 5) i),
           user_id,
           'customer.' || right(user_id, 6) || '@example.com',
           'customer.' || right(user_id, 6),
           status,
           CASE WHEN status = 'pending' THEN 'pending'
                WHEN status = 'cancelled' AND g % 2 = 0 THEN 'pending'
                WHEN status = 'refunded' THEN 'refunded'
                ELSE 'completed' END::payment_status,
           subtotal / 100.0, tax / 100.0, shipping / 100.0, 0, (subtotal + tax + shipping) / 100.0,
           'USD',
           jsonb_build_object('street', (g % 9000 + 1) || ' Main St', 'city', 'Springfield',
             'state', 'IL', 'zipCode', lpad((62701 + g % 90)::text, 5, '0'), 'country', 'US'),
           jsonb_build_object('street', (g % 9000 + 1) || ' Main St', 'city', 'Springfield',
             'state', 'IL', 'zipCode', lpad((62701 + g % 90)::text, 5, '0'), 'country', 'US'),
           CASE g % 4 WHEN 0 THEN 'paypal' ELSE 'credit_card' END,
           CASE WHEN g % 10 = 0 THEN 'Please leave the parcel at the back door.' END,
           CASE status WHEN 'pending' THEN 1 WHEN 'confirmed' THEN 2 WHEN 'processing' THEN 3
                WHEN 'shipped' THEN 4 WHEN 'delivered' THEN 5 WHEN 'cancelled' THEN 2 ELSE 6 END,
           created_at,
           created_at + interval '1 hour',
           CASE WHEN status IN ('confirmed', 'processing', 'shipped', 'delivered', 'refunded')
                THEN created_at + interval '10 minutes' END,
           CASE WHEN status IN ('shipped', 'delivered', 'refunded')
                THEN created_at + interval '1 day' END,
           CASE WHEN status IN ('delivered', 'refunded') THEN created_at + interval '3 days' END,
           CASE WHEN status = 'cancelled' THEN created_at + interval '30 minutes' END,
           CASE WHEN status = 'cancelled' THEN 'Changed my mind' END
    FROM bench_orders`);
  await client.query(`
    INSERT INTO order_items (order_id, position, product_id, product_name, product_sku,
      product_image, unit_price, quantity, subtotal, product_attributes, created_at)
    SELECT o.id, l.position, l.product_id, l.name, l.sku, l.image, l.unit_cents / 100.0,
           l.quantity, l.cents / 100.0, l.attributes, o.created_at
    FROM bench_lines l JOIN bench_orders o USING (g)`);
  await client.query(`
    INSERT INTO order_events (order_id, type, from_status, to_status, from_payment_status,
      to_payment_status, actor_id, actor_role, created_at)
    SELECT id, 'created', NULL, 'pending', NULL, 'pending', user_id, 'customer', created_at
    FROM bench_orders`);
  const { rows } = await client.query<{ id: string }>(
    `SELECT id FROM bench_orders WHERE user_id = $1 ORDER BY g`,
    [plan.customerId],
  );
  await client.query('COMMIT');
  // Fresh statistics and visibility map, as a long-running database would have.
  await client.query('VACUUM ANALYZE orders, order_items, order_events');
  return rows.map((r) => r.id);
}

let checkpointRefused = false;

/**
 * A checkpoint now, so that every measured run and every ceiling starts at the same point of
 * PostgreSQL's checkpoint cycle. A create writes 6.5–11 KB of WAL, mostly full-page images (the
 * first change to a page after a checkpoint logs the whole page), so creates fill max_wal_size
 * within a few runs; a checkpoint that starts during a run makes that run log the full pages
 * again, while the checkpointer's writes compete for the disk (in one full run, two did so during
 * the create runs). With the default max_wal_size (1 GB), a 20 s run that starts right after a
 * checkpoint writes too little WAL to start another. Needs superuser or pg_checkpoint; without,
 * the bench goes on and says so once.
 */
export async function checkpoint(client: Client, log: (message: string) => void): Promise<void> {
  if (checkpointRefused) return;
  try {
    await client.query('CHECKPOINT');
  } catch (error) {
    checkpointRefused = true;
    log(`no CHECKPOINT before the runs (${(error as Error).message}): create runs may vary more`);
  }
}

export interface RowCounts {
  orders: number;
  items: number;
  events: number;
}

export async function countRows(client: Client): Promise<RowCounts> {
  const { rows } = await client.query<{ orders: string; items: string; events: string }>(`
    SELECT (SELECT count(*) FROM orders) AS orders,
           (SELECT count(*) FROM order_items) AS items,
           (SELECT count(*) FROM order_events) AS events`);
  return {
    orders: Number(rows[0].orders),
    items: Number(rows[0].items),
    events: Number(rows[0].events),
  };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Total Time'?: number;
  Plans?: PlanNode[];
}

export interface ExplainResult {
  label: string;
  sql: string;
  /** Scans as "Node Type on relation (index)". */
  scans: string[];
  usesIndex: boolean;
  seqScanOnOrders: boolean;
  executionMs: number;
}

function scansOf(node: PlanNode, out: PlanNode[] = []): PlanNode[] {
  if (node['Relation Name'] || node['Index Name']) out.push(node);
  for (const child of node.Plans ?? []) scansOf(child, out);
  return out;
}

/** EXPLAIN (ANALYZE, FORMAT JSON) of one statement the service sent, with its parameters. */
export async function explain(
  client: Client,
  label: string,
  sql: string,
  values: unknown[],
): Promise<ExplainResult> {
  const { rows } = await client.query<{
    'QUERY PLAN': { Plan: PlanNode; 'Execution Time': number }[];
  }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, values);
  const [{ Plan: plan, 'Execution Time': executionMs }] = rows[0]['QUERY PLAN'];
  const scans = scansOf(plan);
  return {
    label,
    sql: sql.replace(/\s+/g, ' ').trim(),
    scans: scans.map(
      (s) =>
        `${s['Node Type']}${s['Relation Name'] ? ` on ${s['Relation Name']}` : ''}` +
        `${s['Index Name'] ? ` (${s['Index Name']})` : ''}`,
    ),
    usesIndex: scans.some((s) => s['Index Name'] !== undefined),
    seqScanOnOrders: scans.some(
      (s) => s['Node Type'] === 'Seq Scan' && s['Relation Name'] === 'orders',
    ),
    executionMs,
  };
}
