import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { createEmptyDatabase, dropTestDatabase } from '../utils/database';
import { DatabaseProxy } from '../utils/db-proxy';
import { exitWithin, SpawnedService, useServiceSpawner, waitUntilReady } from '../utils/service';
import { makeUser, TEST_SECRET } from '../utils/tokens';

// The built service, started as production starts it, with its database unreachable: it must
// never exit (Kubernetes would crash-loop it), and must become ready by itself, migrating an
// empty database, within seconds of the database coming back.

describe('start-up with the database unreachable (built service)', () => {
  // Its afterAll is declared first, so the service is killed before its database is dropped.
  const services = useServiceSpawner();
  const proxy = DatabaseProxy.toTestServer();
  let empty: { name: string; url: string };
  let service: SpawnedService;

  beforeAll(async () => {
    empty = await createEmptyDatabase();
    await proxy.reserve();
    service = await services.spawn({
      database: { url: proxy.route(empty.url) },
      env: { MIGRATIONS_RUN: 'true', SECRET_KEY: TEST_SECRET, DB_CONNECT_TIMEOUT_MS: '1000' },
      readyWithinMs: false,
    });
  });

  afterAll(async () => {
    await proxy.close();
    if (empty) await dropTestDatabase(empty.name);
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${service.url}${path}`, { headers });

  it('listens and stays up: live 200, ready 503, orders 503 DATABASE_UNAVAILABLE', async () => {
    const deadline = Date.now() + 30_000;
    let live = 0;
    while (Date.now() < deadline && live !== 200) {
      live = await get('/health/live').then(
        (r) => r.status,
        () => 0,
      );
      if (live !== 200) await sleep(200);
    }
    expect(live).toBe(200);

    // Several seconds of retries later it is still the same process, still answering.
    await sleep(4000);
    expect(service.child.exitCode).toBeNull();
    expect((await get('/health/live')).status).toBe(200);
    expect((await get('/health/ready')).status).toBe(503);
    const orders = await get('/api/orders', makeUser('customer').auth);
    expect(orders.status).toBe(503);
    expect(((await orders.json()) as { code: string }).code).toBe('DATABASE_UNAVAILABLE');
  });

  it('becomes ready within seconds of the database coming back, with its migrations applied', async () => {
    await proxy.open(proxy.port);
    const started = Date.now();

    await waitUntilReady(service, service.port, 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    const client = new Client({ connectionString: empty.url });
    await client.connect();
    const { rows } = await client
      .query<{ n: number }>('SELECT count(*)::int AS n FROM migrations')
      .finally(() => client.end());
    const [{ n }] = rows;
    expect(n).toBeGreaterThan(0);
    expect((await get('/api/orders', makeUser('customer').auth)).status).toBe(200);
    expect(service.child.exitCode).toBeNull();
  });
});

describe('a weak SECRET_KEY in production (built service)', () => {
  const services = useServiceSpawner();

  it.each([
    'your-super-secret-jwt-key-change-this',
    'your-secret-key-change-in-production',
    'short-but-not-a-default',
  ])('%s: exits non-zero naming SECRET_KEY, without echoing it', async (secret) => {
    const service = await services.spawn({
      env: {
        NODE_ENV: 'production',
        SECRET_KEY: secret,
        DATABASE_URL: 'postgres://x@127.0.0.1:1/x',
      },
      database: 'none',
      readyWithinMs: false,
    });

    expect(await exitWithin(service, 10_000)).not.toBe(0);
    expect(service.stderr()).toMatch(/\bSECRET_KEY\b/);
    expect(service.stderr() + service.stdout()).not.toContain(secret);
  });
});
