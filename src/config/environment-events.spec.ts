import { ConfigValidationError, validateEnvironment } from './environment';

describe('validateEnvironment: event settings', () => {
  it('defaults to publishing off, the stream ORDERS and 72 hours of outbox retention', () => {
    const env = validateEnvironment({});

    expect(env.NATS_URL).toBeUndefined();
    expect(env.NATS_STREAM).toBe('ORDERS');
    expect(env.OUTBOX_RETENTION_HOURS).toBe(72);
  });

  it('accepts nats:// and tls:// URLs, several comma-separated, and treats empty as unset', () => {
    expect(validateEnvironment({ NATS_URL: 'nats://localhost:4222' }).NATS_URL).toBe(
      'nats://localhost:4222',
    );
    expect(
      validateEnvironment({ NATS_URL: 'tls://user:pw@a:4222, nats://b:4222' }).NATS_URL,
    ).toBeDefined();
    expect(validateEnvironment({ NATS_URL: ' ' }).NATS_URL).toBeUndefined();
  });

  it.each([
    ['NATS_URL', 'http://localhost:4222'],
    ['NATS_URL', 'localhost:4222'],
    ['NATS_STREAM', 'ORDERS.V2'],
    ['NATS_STREAM', 'my stream'],
    ['OUTBOX_RETENTION_HOURS', '0'],
    ['OUTBOX_RETENTION_HOURS', 'abc'],
  ])('rejects %s=%p, naming the variable', (name, value) => {
    let error: unknown;
    try {
      validateEnvironment({ [name]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).problems.join('\n')).toContain(name);
  });

  it('never echoes a NATS_URL, which may carry a password', () => {
    let error: unknown;
    try {
      validateEnvironment({ NATS_URL: 'http://user:secret@nats:4222' });
    } catch (caught) {
      error = caught;
    }
    expect(String(error)).not.toContain('secret');
  });
});
