import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';

/** Outbox rows of a topic not yet carried out (all orders, or one). */
export async function pendingEffects(
  db: DataSource,
  topic: string,
  orderId?: string,
): Promise<number> {
  const [row] = await db.query<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM outbox WHERE processed_at IS NULL AND topic = $1
       AND ($2::uuid IS NULL OR order_id = $2)`,
    [topic, orderId ?? null],
  );
  return row.n;
}

/**
 * Waits until the relay has carried out every stock effect (of one order, or all): a change
 * answers from the database at once, and the Inventory Service hears of it right after.
 */
export async function stockSettled(db: DataSource, orderId?: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const pending = await pendingEffects(db, 'stock', orderId);
    if (pending === 0) return;
    if (Date.now() > deadline)
      throw new Error(`${pending} stock effects still pending after ${ms} ms`);
    await sleep(50);
  }
}

/** Waits until a stock effect of the order has failed at least once (and waits for a retry). */
export async function failedEffect(db: DataSource, orderId: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const [row] = await db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM outbox WHERE order_id = $1 AND topic = 'stock'
         AND processed_at IS NULL AND last_error IS NOT NULL AND leased_until IS NULL`,
      [orderId],
    );
    if (row.n > 0) return;
    if (Date.now() > deadline) throw new Error(`no failed stock effect after ${ms} ms`);
    await sleep(50);
  }
}
