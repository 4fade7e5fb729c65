import { createHmac, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import type { TestApp } from './app';

/*
 * The Payment Service's side of the webhook, written from the contract (README): events are
 * signed here independently of src/, so a wrong signature scheme in src/ fails a test.
 */

export const WEBHOOK = '/api/payments/webhook';
export const WEBHOOK_SECRET = 'whsec_test_current_0123456789abcdef';
export const OLD_WEBHOOK_SECRET = 'whsec_test_previous_0123456789abcdef';

export interface PaymentEventBody {
  id: string;
  type: string;
  created: number;
  data: {
    order_id: string;
    payment_intent_id: string;
    amount: number;
    currency: string;
    refund_id?: string;
  };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** An event for the order, with a fresh id; `data` overrides the payment's fields. */
export function paymentEvent(
  type: string,
  orderId: string,
  amountCents: number,
  data: Partial<PaymentEventBody['data']> = {},
): PaymentEventBody {
  return {
    id: `evt_${randomUUID().replace(/-/g, '')}`,
    type,
    created: nowSeconds(),
    data: {
      order_id: orderId,
      payment_intent_id: `pi_${orderId.slice(0, 8)}`,
      amount: amountCents,
      currency: 'USD',
      ...data,
    },
  };
}

export function signature(secret: string, t: number, raw: string): string {
  return createHmac('sha256', secret).update(`${t}.${raw}`).digest('hex');
}

export function signatureHeader(raw: string, secret = WEBHOOK_SECRET, t = nowSeconds()): string {
  return `t=${t},v1=${signature(secret, t, raw)}`;
}

/** POSTs `raw` exactly as given, with the header (none when null). */
export function postRaw(t: TestApp, raw: string, header: string | null): Promise<Response> {
  const req = t.http.post(WEBHOOK).set('Content-Type', 'application/json');
  if (header !== null) req.set('Payment-Signature', header);
  return req.send(raw);
}

/** Delivers an event signed with the current secret. */
export function deliver(
  t: TestApp,
  event: PaymentEventBody,
  options: { secret?: string; t?: number } = {},
): Promise<Response> {
  const raw = JSON.stringify(event);
  return postRaw(t, raw, signatureHeader(raw, options.secret, options.t));
}

/** Integer cents of a JSON dollar amount. */
export const cents = (dollars: number): number => Math.round(dollars * 100);

export async function paymentEventRows(
  t: TestApp,
  orderId?: string,
): Promise<{ id: string; type: string; outcome: string }[]> {
  return t.db.query(
    `SELECT id, type, outcome FROM payment_events WHERE ($1::uuid IS NULL OR order_id = $1)
     ORDER BY received_at`,
    [orderId ?? null],
  );
}

/** The order's history types, oldest first. */
export async function historyTypes(t: TestApp, orderId: string): Promise<string[]> {
  const rows = await t.db.query<{ type: string }[]>(
    'SELECT type::text AS type FROM order_events WHERE order_id = $1 ORDER BY id',
    [orderId],
  );
  return rows.map((r) => r.type);
}

export interface EventRow {
  kind: string;
  payload: {
    id: string;
    type: string;
    sequence: number;
    data: { order: Record<string, unknown>; change: Record<string, unknown> };
  };
}

/** The order's event rows in the outbox, in the order written. */
export async function eventRows(t: TestApp, orderId: string): Promise<EventRow[]> {
  return t.db.query(
    `SELECT kind, payload FROM outbox WHERE order_id = $1 AND topic = 'event' ORDER BY id`,
    [orderId],
  );
}
