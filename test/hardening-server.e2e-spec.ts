import { connect, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConfigValidationError,
  KNOWN_DEFAULT_SECRETS,
  validateEnvironment,
} from '../src/config/environment';
import { listen } from './utils/app';
import { useOrderService, type AppEnv } from './utils/fixture';
import { makeUser } from './utils/tokens';

// Slow clients and too many connections: a request must arrive within REQUEST_TIMEOUT_MS, and
// at most MAX_CONNECTIONS are open at once. And weak secrets are refused in production.

/** The app of the enclosing describe block on a real port (raw sockets need one): its port. */
function useListeningApp(env: AppEnv): () => number {
  const t = useOrderService({ env });
  let port = 0;
  beforeAll(async () => {
    port = await listen(t);
  });
  return () => port;
}

/** Opens a socket; resolves with it once connected. */
function open(port: number): Promise<Socket> {
  return new Promise((ok, fail) => {
    const socket = connect(port, '127.0.0.1', () => ok(socket));
    socket.once('error', fail);
  });
}

/** Everything the server sends until it closes the socket, and when it closed it. */
function collect(socket: Socket): Promise<{ text: string; closedAt: number }> {
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  return new Promise((ok) => socket.once('close', () => ok({ text, closedAt: Date.now() })));
}

describe('REQUEST_TIMEOUT_MS=1500: a trickling client is cut with 408', () => {
  const port = useListeningApp({ REQUEST_TIMEOUT_MS: '1500' });

  it('a body sent a byte every 200 ms is answered 408 within the deadline', async () => {
    const customer = makeUser('customer');
    const socket = await open(port());
    const done = collect(socket);
    const started = Date.now();
    socket.write(
      'POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `Authorization: Bearer ${customer.token}\r\nContent-Length: 1000\r\n\r\n`,
    );
    const drip = setInterval(() => socket.writable && socket.write(' '), 200);
    const { text, closedAt } = await done;
    clearInterval(drip);

    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    // The deadline, plus the server's check interval and some scheduling slack.
    expect(closedAt - started).toBeGreaterThanOrEqual(1400);
    expect(closedAt - started).toBeLessThan(1500 + 1000);
  });

  it('headers sent a line at a time are cut too', async () => {
    const socket = await open(port());
    const done = collect(socket);
    const started = Date.now();
    socket.write('GET /health/live HTTP/1.1\r\n');
    const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200);
    const { text, closedAt } = await done;
    clearInterval(drip);

    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAt - started).toBeLessThan(1500 + 1000);
  });

  it('a prompt request on another connection is served meanwhile', async () => {
    const res = await fetch(`http://127.0.0.1:${port()}/health/live`);
    expect(res.status).toBe(200);
  });
});

describe('MAX_CONNECTIONS=5', () => {
  const port = useListeningApp({ MAX_CONNECTIONS: '5' });

  it('a sixth connection is closed at once; once one closes, a new one is served', async () => {
    const idle = await Promise.all(Array.from({ length: 5 }, () => open(port())));
    await sleep(50);

    const sixth = await open(port());
    const outcome = collect(sixth);
    sixth.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    const { text } = await outcome;
    expect(text).toBe('');

    idle[0].destroy();
    await sleep(100);
    const res = await fetch(`http://127.0.0.1:${port()}/health/live`, {
      headers: { Connection: 'close' },
    });
    expect(res.status).toBe(200);
    idle.forEach((s) => s.destroy());
  });
});

describe('SECRET_KEY in production', () => {
  const production = (SECRET_KEY: string) => () =>
    validateEnvironment({ NODE_ENV: 'production', SECRET_KEY });

  it.each([
    ...KNOWN_DEFAULT_SECRETS.map((s): [string, string] => [`the published default "${s}"`, s]),
    ['31 characters', 'a'.repeat(31)],
    ['a short real-looking secret', 'k9$Qz!vX2#pL'],
  ])('%s → refused, naming SECRET_KEY', (_name, secret) => {
    expect(production(secret)).toThrow(ConfigValidationError);
    expect(production(secret)).toThrow(/\bSECRET_KEY\b/);
  });

  it('the User Service and old Order Service defaults are refused even though long', () => {
    expect('your-super-secret-jwt-key-change-this'.length).toBeGreaterThanOrEqual(32);
    expect(production('your-super-secret-jwt-key-change-this')).toThrow(/\bSECRET_KEY\b/);
    expect('your-secret-key-change-in-production'.length).toBeGreaterThanOrEqual(32);
    expect(production('your-secret-key-change-in-production')).toThrow(/\bSECRET_KEY\b/);
  });

  it('32 characters of a real secret are accepted; development takes any', () => {
    expect(production('0123456789abcdef0123456789abcdef')().SECRET_KEY).toHaveLength(32);
    expect(validateEnvironment({ SECRET_KEY: 'short' }).SECRET_KEY).toBe('short');
  });

  it('the message does not echo the secret', () => {
    expect(production('hunter2-but-weak')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }) as Error,
    );
  });
});
