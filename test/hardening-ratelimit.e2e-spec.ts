import type { Response } from 'supertest';
import { useOrderService } from './utils/fixture';
import { ORDERS } from './utils/orders';
import { expectProblem } from './utils/problem';
import { makeUser, signToken } from './utils/tokens';

// The per-IP limit runs before authentication and routing: bad tokens, unknown paths and the
// API documentation count against the client's address; probes and scrapes never do; a caller
// with a valid token is limited per user, as before.

const LIMITS = {
  RATE_LIMIT_WINDOW_MS: '60000',
  RATE_LIMIT_PER_IP: '3',
  RATE_LIMIT_PER_USER: '5',
  TRUST_PROXY: 'true',
};

function expect429(res: Response): void {
  expectProblem(res, 429, 'TOO_MANY_REQUESTS');
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
}

describe('per-IP limit before authentication (per IP 3)', () => {
  const t = useOrderService({ env: LIMITS });
  let client = 0;
  /** A fresh client address for each test (TRUST_PROXY=true). */
  const nextClient = () => `203.0.113.${++client}`;

  const from = (ip: string, method: 'get' | 'post', path: string) =>
    t.http[method](path).set('X-Forwarded-For', ip);

  it.each([
    ['bad tokens', (ip: string) => from(ip, 'get', ORDERS).set('Authorization', 'Bearer garbage')],
    [
      'tokens signed with another secret',
      (ip: string) =>
        from(ip, 'get', ORDERS).set(
          'Authorization',
          `Bearer ${signToken({}, { secret: 'x'.repeat(40) })}`,
        ),
    ],
    ['no token', (ip: string) => from(ip, 'get', ORDERS)],
    ['unknown paths', (ip: string) => from(ip, 'get', '/no/such/path')],
    ['/docs-json', (ip: string) => from(ip, 'get', '/docs-json')],
    ['paths beside the probes', (ip: string) => from(ip, 'post', '/health/nope')],
  ])('%s: the 4th request from one address is a 429', async (_name, send) => {
    const ip = nextClient();
    const first = [];
    for (let i = 0; i < 3; i++) first.push((await send(ip)).status);
    expect(first.every((s) => s !== 429)).toBe(true);

    expect429(await send(ip));
    // Another address is not affected.
    expect((await send(nextClient())).status).not.toBe(429);
  });

  it('a blocked address still serves callers with valid tokens (limited per user), and probes', async () => {
    const ip = nextClient();
    for (let i = 0; i < 3; i++) await from(ip, 'get', '/nope');
    expect429(await from(ip, 'get', '/nope'));

    const customer = makeUser('customer');
    const mine = [];
    for (let i = 0; i < 5; i++)
      mine.push((await from(ip, 'get', ORDERS).set(customer.auth)).status);
    expect(mine).toEqual([200, 200, 200, 200, 200]);
    expect429(await from(ip, 'get', ORDERS).set(customer.auth));

    for (const path of ['/health/live', '/health/ready', '/health', '/metrics']) {
      for (let i = 0; i < 5; i++) expect((await from(ip, 'get', path)).status).toBe(200);
    }
  });
});
