import { ConfigValidationError, validateEnvironment } from './environment';

function problems(raw: Record<string, string>): string[] {
  try {
    validateEnvironment(raw);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('payment settings', () => {
  it('defaults: no webhook, 300 s tolerance, orders never expire', () => {
    const env = validateEnvironment({});
    expect(env.PAYMENT_WEBHOOK_SECRET).toEqual([]);
    expect(env.PAYMENT_WEBHOOK_TOLERANCE_S).toBe(300);
    expect(env.ORDER_PAYMENT_TIMEOUT_MINUTES).toBeUndefined();
    expect(
      validateEnvironment({ ORDER_PAYMENT_TIMEOUT_MINUTES: '' }).ORDER_PAYMENT_TIMEOUT_MINUTES,
    ).toBeUndefined();
  });

  it('takes several webhook secrets, comma-separated, for rotation', () => {
    const env = validateEnvironment({
      PAYMENT_WEBHOOK_SECRET: ' whsec_new_0123456789abcdef , whsec_old_0123456789abcdef ',
      PAYMENT_WEBHOOK_TOLERANCE_S: '60',
      ORDER_PAYMENT_TIMEOUT_MINUTES: '45',
    });
    expect(env.PAYMENT_WEBHOOK_SECRET).toEqual([
      'whsec_new_0123456789abcdef',
      'whsec_old_0123456789abcdef',
    ]);
    expect(env.PAYMENT_WEBHOOK_TOLERANCE_S).toBe(60);
    expect(env.ORDER_PAYMENT_TIMEOUT_MINUTES).toBe(45);
  });

  it('names a bad value, never echoing a secret', () => {
    const found = problems({
      PAYMENT_WEBHOOK_SECRET: 'short-secret',
      PAYMENT_WEBHOOK_TOLERANCE_S: '0',
      ORDER_PAYMENT_TIMEOUT_MINUTES: 'soon',
    });
    expect(found).toHaveLength(3);
    expect(found.join('\n')).toMatch(/PAYMENT_WEBHOOK_SECRET/);
    expect(found.join('\n')).toMatch(/PAYMENT_WEBHOOK_TOLERANCE_S/);
    expect(found.join('\n')).toMatch(/ORDER_PAYMENT_TIMEOUT_MINUTES/);
    expect(found.join('\n')).not.toContain('short-secret');
  });
});
