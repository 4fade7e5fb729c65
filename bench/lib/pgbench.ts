import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ProductDocument } from '../../src/product-client/product-document';

const run = promisify(execFile);

export const PGBENCH = process.env.PGBENCH ?? '/usr/bin/pgbench';

const quote = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/**
 * The SQL one order creation has to run, as the service writes it: one transaction with the
 * order row, all its item rows in one multi-row INSERT, and the `created` event, each with the
 * RETURNING clause TypeORM adds. A random 48-bit number makes the id and the order number unique.
 */
export function creationScript(products: ProductDocument[]): string {
  const id = `('00000000-0000-4000-8000-' || lpad(to_hex(:r::bigint), 12, '0'))::uuid`;
  const address = quote(
    JSON.stringify({
      street: '1 Main St',
      city: 'Springfield',
      state: 'IL',
      zipCode: '62701',
      country: 'US',
    }),
  );
  const subtotal = products.reduce((sum, p) => sum + Math.round(p.price * 100), 0);
  const tax = Math.round(subtotal * 0.08);
  const shipping = subtotal >= 10_000 ? 0 : 1000;
  const money = (cents: number) => (cents / 100).toFixed(2);
  const items = products
    .map(
      (p, position) =>
        `(DEFAULT, ${id}, ${position}, ${quote(p._id)}, ${quote(p.name)}, ${quote(p.sku)}, ` +
        `${quote(p.images[0].url)}, ${p.price.toFixed(2)}, 1, ${p.price.toFixed(2)}, ` +
        `${quote(JSON.stringify({ brand: p.brand ?? null, category: p.category }))}, NULL, DEFAULT)`,
    )
    .join(', ');
  return [
    '\\set r random(1, 281474976710655)',
    '\\set u random(1, 100000)',
    'BEGIN;',
    'INSERT INTO "orders"("id", "order_number", "user_id", "customer_email", "customer_name", ' +
      '"status", "payment_status", "subtotal", "tax", "shipping_cost", "discount", "total", ' +
      '"currency", "shipping_address", "billing_address", "payment_method", ' +
      '"payment_intent_id", "tracking_number", "carrier", "customer_notes", "internal_notes", ' +
      '"cancellation_reason", "version", "created_at", "updated_at", "confirmed_at", ' +
      '"shipped_at", "delivered_at", "cancelled_at") VALUES ' +
      `(${id}, 'ORD-20250101-' || upper(lpad(to_hex(:r::bigint), 12, '0')), ` +
      `'b0b0' || lpad(to_hex(:u::bigint), 20, '0'), 'bench@example.com', 'bench', 'pending', ` +
      `'pending', ${money(subtotal)}, ${money(tax)}, ${money(shipping)}, 0, ` +
      `${money(subtotal + tax + shipping)}, 'USD', ${address}, ${address}, 'credit_card', ` +
      'NULL, NULL, NULL, NULL, NULL, NULL, DEFAULT, DEFAULT, DEFAULT, NULL, NULL, NULL, NULL) ' +
      'RETURNING "version", "created_at", "updated_at";',
    'INSERT INTO "order_items"("id", "order_id", "position", "product_id", "product_name", ' +
      '"product_sku", "product_image", "unit_price", "quantity", "subtotal", ' +
      '"product_attributes", "reservation_id", "created_at") VALUES ' +
      items +
      ' RETURNING "id", "created_at";',
    'INSERT INTO "order_events"("order_id", "type", "from_status", "to_status", ' +
      '"from_payment_status", "to_payment_status", "details", "actor_id", "actor_role", ' +
      '"reason", "created_at") VALUES ' +
      `(${id}, 'created', NULL, 'pending', NULL, 'pending', NULL, ` +
      `'b0b0' || lpad(to_hex(:u::bigint), 20, '0'), 'customer', NULL, DEFAULT) ` +
      'RETURNING "id", "created_at";',
    'END;',
    '',
  ].join('\n');
}

export interface PgbenchResult {
  clients: number;
  tps: number;
  latencyMs: number;
  transactions: number;
  failed: number;
}

/** pgbench with `clients` connections for `durationS` seconds (extended protocol, like pg). */
export async function runPgbench(
  url: string,
  script: string,
  clients: number,
  durationS: number,
): Promise<PgbenchResult> {
  const file = join(tmpdir(), `order-bench-${process.pid}-${clients}.sql`);
  writeFileSync(file, script);
  const { stdout } = await run(
    PGBENCH,
    [
      '-n',
      '-M',
      'extended',
      '-c',
      String(clients),
      '-j',
      '2',
      '-T',
      String(durationS),
      '-f',
      file,
      url,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? NaN);
  return {
    clients,
    tps: number(/tps = ([\d.]+) \(without initial connection time\)/),
    latencyMs: number(/latency average = ([\d.]+) ms/),
    transactions: number(/number of transactions actually processed: (\d+)/),
    failed: number(/number of failed transactions: (\d+)/),
  };
}
