import { ShutdownState } from '../src/health/shutdown-state';
import { DatabaseProxy } from './utils/db-proxy';
import { useOrderService } from './utils/fixture';
import { expectProblem } from './utils/problem';

const HEALTHY = {
  status: 'healthy',
  service: 'order-service',
  version: expect.stringMatching(/^\d+\.\d+\.\d+/),
};

describe('health probes', () => {
  let proxy: DatabaseProxy;

  // Declared before the app's, so the proxy is open when the app first connects through it.
  beforeAll(async () => {
    proxy = DatabaseProxy.toTestServer();
    await proxy.open();
  });

  afterAll(async () => {
    await proxy.close();
  });

  const t = useOrderService({
    // A short ping timeout keeps the "database down" checks fast.
    env: { HEALTH_DB_TIMEOUT_MS: '1000' },
    app: { mapDatabaseUrl: (url) => proxy.route(url) },
  });

  describe('with the database up', () => {
    it('GET /health/live → 200', async () => {
      const res = await t.http.get('/health/live');

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('GET /health/ready → 200 with the database up', async () => {
      const res = await t.http.get('/health/ready');

      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        status: 'ok',
        checks: {
          database: expect.objectContaining({ status: 'up' }),
          lifecycle: expect.objectContaining({ status: 'up' }),
        },
      });
    });

    it('GET /health → 200 healthy, with the service name and version', async () => {
      const res = await t.http.get('/health');

      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.objectContaining(HEALTHY));
      expect(res.body.checks.database.status).toBe('up');
    });

    it('needs no token', async () => {
      const res = await t.http.get('/health/ready').set('Authorization', 'Bearer garbage');

      expect(res.status).toBe(200);
    });
  });

  describe('with the database unreachable', () => {
    beforeAll(async () => {
      await proxy.close();
    });

    it('GET /health/ready → 503 NOT_READY naming the database', async () => {
      const started = Date.now();
      const res = await t.http.get('/health/ready');

      const body = expectProblem(res, 503, 'NOT_READY', ['checks']);
      expect(body.checks).toEqual(
        expect.objectContaining({ database: expect.objectContaining({ status: 'down' }) }),
      );
      // A probe that hangs is as bad as one that lies: it must answer within its timeout.
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('GET /health → 503 unhealthy', async () => {
      const res = await t.http.get('/health');

      expect(res.status).toBe(503);
      expect(res.body).toEqual(
        expect.objectContaining({ ...HEALTHY, status: 'unhealthy', checks: expect.any(Object) }),
      );
      expect(res.body.checks.database.status).toBe('down');
    });

    it('GET /health/live stays 200: a database outage must not restart the pod', async () => {
      const res = await t.http.get('/health/live');

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });
  });

  describe('when the database comes back', () => {
    beforeAll(async () => {
      await proxy.open(proxy.port);
    });

    it('GET /health/ready → 200 again without a restart', async () => {
      const res = await t.http.get('/health/ready');

      expect(res.status).toBe(200);
      expect(res.body.checks.database.status).toBe('up');
    });
  });
});

describe('readiness during shutdown', () => {
  const t = useOrderService();

  it('turns 503 as soon as shutdown begins, while liveness stays 200', async () => {
    const before = await t.http.get('/health/ready');
    expect(before.status).toBe(200);

    // What Nest calls first on app.close(), before connections are closed.
    t.app.get(ShutdownState).beforeApplicationShutdown();

    const ready = await t.http.get('/health/ready');
    const body = expectProblem(ready, 503, 'NOT_READY', ['checks']);
    expect(body.checks).toEqual(
      expect.objectContaining({
        database: expect.objectContaining({ status: 'up' }),
        lifecycle: expect.objectContaining({ status: 'down' }),
      }),
    );

    const overall = await t.http.get('/health');
    expect(overall.status).toBe(503);
    expect(overall.body.status).toBe('unhealthy');

    const live = await t.http.get('/health/live');
    expect(live.status).toBe(200);
  });
});
