import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The Payment Service's webhook signature, as Stripe signs: `t=<unix seconds>,v1=<hex>` where
 * v1 = HMAC-SHA256(secret, `<t>.<raw body>`). Several `v1` may come (one per secret while the
 * sender rotates); schemes other than v1 are ignored so that a sender can add one later.
 */
export type SignatureCheck =
  { ok: true } | { ok: false; code: 'INVALID_SIGNATURE' | 'SIGNATURE_EXPIRED'; detail: string };

const SHA256_HEX = /^[0-9a-f]{64}$/i;

export function parseSignatureHeader(
  header: string | undefined,
): { t: number; v1: string[] } | undefined {
  if (!header) return undefined;
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (t !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      t = Number(value);
    } else if (key === 'v1') {
      if (!SHA256_HEX.test(value)) return undefined;
      v1.push(value.toLowerCase());
    }
  }
  return t === undefined || v1.length === 0 ? undefined : { t, v1 };
}

export function sign(secret: string, t: number, rawBody: Buffer): Buffer {
  return createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
}

/**
 * Checks the signature over the bytes received, in constant time per comparison. The time is
 * checked only once a signature matched, so a forged request learns nothing about the clock.
 */
export function checkSignature(
  header: string | undefined,
  rawBody: Buffer | undefined,
  secrets: readonly string[],
  toleranceSeconds: number,
  nowSeconds: number,
): SignatureCheck {
  const parsed = parseSignatureHeader(header);
  if (!parsed || !rawBody) {
    return {
      ok: false,
      code: 'INVALID_SIGNATURE',
      detail: 'Send Payment-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">.',
    };
  }
  const given = parsed.v1.map((hex) => Buffer.from(hex, 'hex'));
  const matched = secrets.some((secret) => {
    const expected = sign(secret, parsed.t, rawBody);
    // Every candidate is compared, so the time taken does not tell which one was close.
    return given.map((g) => timingSafeEqual(g, expected)).includes(true);
  });
  if (!matched) {
    return {
      ok: false,
      code: 'INVALID_SIGNATURE',
      detail: 'The signature does not match the body.',
    };
  }
  if (Math.abs(nowSeconds - parsed.t) > toleranceSeconds) {
    return {
      ok: false,
      code: 'SIGNATURE_EXPIRED',
      detail: `The signature's time is more than ${toleranceSeconds} s from now; sign the delivery again.`,
    };
  }
  return { ok: true };
}
