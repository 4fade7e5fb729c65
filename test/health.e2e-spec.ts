import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';
import { ShutdownState } from '../src/health/shutdown-state';
import { useOrderService } from './utils/fixture';
import { expectProblem } from './utils/problem';

/**
 * A TCP relay in front of the real PostgreSQL. Closing it (and its open sockets) makes the
 * database unreachable for the app for real: pooled connections die, new ones are refused.
 */
class DatabaseProxy {
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async open(port = 0): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => ok());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((ok) => server.close(() => ok()));
  }

  /** The same database URL, but through this proxy. */
  route(url: string): string {
    const through = new URL(url);
    through.hostname = '127.0.0.1';
    through.port = String(this.port);
    return through.toString();
  }
}

const HEALTHY = {
  status: 'healthy',
  service: 'order-service',
  version: expect.stringMatching(/^\d+\.\d+\.\d+/),
};

describe('health probes', () => {
  let proxy: DatabaseProxy;

  // Declared before the app's, so the proxy is open when the app first connects through it.
  beforeAll(async () => {
    const server = new URL(process.env.TEST_DATABASE_URL!);
    proxy = new DatabaseProxy(server.hostname, Number(server.port || 5432));
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
