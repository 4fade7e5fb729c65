import { createHmac } from 'node:crypto';
import { checkSignature, parseSignatureHeader } from './payment-signature';

const SECRET = 'whsec_unit_0123456789abcdef';
const body = Buffer.from('{"id":"evt_1","type":"payment.captured"}');
const hmac = (secret: string, t: number, raw: Buffer) =>
  createHmac('sha256', secret).update(`${t}.${raw.toString()}`).digest('hex');

describe('payment webhook signature', () => {
  const now = 1_800_000_000;

  it('parses t and every v1, ignoring other schemes', () => {
    expect(parseSignatureHeader(`t=5,v0=abc,v1=${'a'.repeat(64)},v1=${'B'.repeat(64)}`)).toEqual({
      t: 5,
      v1: ['a'.repeat(64), 'b'.repeat(64)],
    });
    for (const bad of [undefined, '', 't=5', `v1=${'a'.repeat(64)}`, 't=5,v1=xyz', 't=-1,v1=a']) {
      expect(parseSignatureHeader(bad)).toBeUndefined();
    }
  });

  it('accepts any configured secret, within the tolerance either way', () => {
    const header = `t=${now},v1=${hmac(SECRET, now, body)}`;
    expect(checkSignature(header, body, ['other_secret_0123456789', SECRET], 300, now)).toEqual({
      ok: true,
    });
    expect(checkSignature(header, body, [SECRET], 300, now + 300).ok).toBe(true);
    expect(checkSignature(header, body, [SECRET], 300, now + 301)).toMatchObject({
      code: 'SIGNATURE_EXPIRED',
    });
    expect(checkSignature(header, body, [SECRET], 300, now - 301)).toMatchObject({
      code: 'SIGNATURE_EXPIRED',
    });
  });

  it('refuses another body, another secret, a missing body', () => {
    const header = `t=${now},v1=${hmac(SECRET, now, body)}`;
    const other = Buffer.from(body.toString().replace('captured', 'refunded'));
    expect(checkSignature(header, other, [SECRET], 300, now)).toMatchObject({
      code: 'INVALID_SIGNATURE',
    });
    expect(checkSignature(header, body, ['whsec_not_it_0123456789'], 300, now)).toMatchObject({
      code: 'INVALID_SIGNATURE',
    });
    expect(checkSignature(header, undefined, [SECRET], 300, now)).toMatchObject({
      code: 'INVALID_SIGNATURE',
    });
  });
});
