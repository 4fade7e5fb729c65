import { request as httpRequest } from 'node:http';
import { NO_RATE_LIMITS, validOrderBody } from '../utils/orders';
import { useServiceSpawner } from '../utils/service';
import { makeUser, TEST_SECRET } from '../utils/tokens';

// Costly bodies against the built service, measured in one run on the same machine: rejecting a
// body of 9,000 unknown members costs at most 3x a valid create, and /health/live stays far
// below the liveness probe's timeout while 20 such bodies arrive at once (it took 3 s when each
// body was validated member by member). Its ratio to the idle latency is printed, not asserted:
// in this harness the probe waits behind the 1.8 MB this same process writes first, and even a
// bare node:http server that does nothing but read and answer shows 20-40x its idle latency here
// on two loaded cores, so a 4x bound would measure the machine, not the service.

/** One request on a fresh connection; resolves with its status and wall-clock milliseconds. */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; ms: number }> {
  return new Promise((ok, fail) => {
    const started = performance.now();
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: { ...headers, Connection: 'close' },
      },
      (res) => {
        res.resume();
        res.on('end', () => ok({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on('error', fail);
    if (body !== undefined) {
      req.setHeader('Content-Type', 'application/json');
      req.setHeader('Content-Length', Buffer.byteLength(body));
      req.end(body);
    } else {
      req.end();
    }
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

describe('costly bodies (built service)', () => {
  const services = useServiceSpawner();
  let port: number;
  const customer = makeUser('customer');
  const auth = { Authorization: customer.auth.Authorization };
  const valid = JSON.stringify(validOrderBody());
  const wide = JSON.stringify({
    ...validOrderBody(),
    ...Object.fromEntries(Array.from({ length: 9000 }, (_, i) => [`k${i}`, 0])),
  });

  beforeAll(async () => {
    const service = await services.spawn({
      env: { SECRET_KEY: TEST_SECRET, ...NO_RATE_LIMITS, LOG_LEVEL: 'warn' },
    });
    port = service.port;
    // Warm both paths up (JIT, pools) before anything is timed.
    for (let i = 0; i < 20; i++) {
      await send(port, 'POST', '/api/orders', auth, valid);
      await send(port, 'POST', '/api/orders', auth, wide);
      await send(port, 'GET', '/health/live');
    }
  });

  it('body size is about 89 kB', () => {
    expect(Buffer.byteLength(wide)).toBeGreaterThan(80_000);
    expect(Buffer.byteLength(wide)).toBeLessThan(100_000);
  });

  it('rejecting 9,000 unknown members costs at most 3x a valid create', async () => {
    const creates: number[] = [];
    const rejects: number[] = [];
    for (let i = 0; i < 30; i++) {
      const created = await send(port, 'POST', '/api/orders', auth, valid);
      expect(created.status).toBe(201);
      creates.push(created.ms);
      const rejected = await send(port, 'POST', '/api/orders', auth, wide);
      expect(rejected.status).toBe(400);
      rejects.push(rejected.ms);
    }
    const ratio = median(rejects) / median(creates);
    console.log(
      `create ${median(creates).toFixed(2)} ms, reject ${median(rejects).toFixed(2)} ms, ratio ${ratio.toFixed(2)}`,
    );
    expect(ratio).toBeLessThanOrEqual(3);
  });

  it('/health/live answers promptly while 20 such bodies arrive at once', async () => {
    const idle: number[] = [];
    for (let i = 0; i < 30; i++) idle.push((await send(port, 'GET', '/health/live')).ms);

    const loaded: number[] = [];
    for (let round = 0; round < 5; round++) {
      const bodies = Array.from({ length: 20 }, () =>
        send(port, 'POST', '/api/orders', auth, wide),
      );
      const probe = await send(port, 'GET', '/health/live');
      expect(probe.status).toBe(200);
      loaded.push(probe.ms);
      expect((await Promise.all(bodies)).map((r) => r.status)).toEqual(Array(20).fill(400));
    }
    const ratio = median(loaded) / median(idle);
    console.log(
      `live idle ${median(idle).toFixed(2)} ms, under load ${median(loaded).toFixed(2)} ms (max ${Math.max(...loaded).toFixed(2)}), ratio ${ratio.toFixed(2)}`,
    );
    // The 20 bodies are read and refused on the same event loop first: about 2 ms each here.
    expect(median(loaded)).toBeLessThan(150);
    // Far below the liveness probe's timeout, every time.
    expect(Math.max(...loaded)).toBeLessThan(1000);
  });
});
