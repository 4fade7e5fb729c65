import type { IncomingMessage } from 'node:http';

export const PAYMENT_WEBHOOK_PATH = '/api/payments/webhook';

/** A request whose body bytes were kept as received, for checking a signature over them. */
export interface WithRawBody {
  rawBody?: Buffer;
}

/**
 * The JSON parser's `verify` hook: keeps the bytes of webhook deliveries only (other requests
 * need no second copy of their body). A signature must be checked over exactly what was sent;
 * re-serialising the parsed JSON would change spacing, key order and number forms.
 */
export function keepWebhookRawBody(req: IncomingMessage, _res: unknown, buf: Buffer): void {
  const path = req.url ?? '';
  if (path.split('?')[0] === PAYMENT_WEBHOOK_PATH) (req as WithRawBody).rawBody = buf;
}
