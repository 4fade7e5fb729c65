import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { FakeProductService } from '../fakes/product-service';
import { createTestDatabase, dropTestDatabase } from '../utils/database';
import { NatsServer, startNatsServer, StreamMessage } from '../utils/nats-server';
import { NO_RATE_LIMITS, ORDERS, validOrderBody } from '../utils/orders';
import { freePort, SpawnedService, useServiceSpawner } from '../utils/service';
import { makeUser, TEST_SECRET } from '../utils/tokens';

/*
 * Events are never lost and never doubled: the broker stops and comes back under load, the
 * service is killed mid-change, two replicas relay from one database. What the stream holds is
 * compared with what the database says happened.
 */

const customer = makeUser('customer');
const admin = makeUser('admin');

type Instance = SpawnedService;

describe('order events under faults', () => {
  let nats: NatsServer;
  let products: FakeProductService;
  let database: { name: string; url: string };
  let db: Client;
  let stream = '';
  const services = useServiceSpawner();

  beforeAll(async () => {
    products = await FakeProductService.start();
    products.recordRequests = false;
  });

  // A broker per test: a stream of an earlier test would already own the subjects `orders.>`.
  beforeEach(async () => {
    nats = await startNatsServer();
    database = await createTestDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
    stream = `ORDERS_REL_${Date.now() % 1_000_000}`;
  });

  afterEach(async () => {
    for (const service of services.spawned) if (service.isRunning()) service.child.kill('SIGKILL');
    await Promise.all(services.spawned.map((service) => service.exited));
    await db.end();
    await dropTestDatabase(database.name);
    await nats.dispose();
  });

  afterAll(async () => {
    await products?.close();
  });

  const start = (port?: number): Promise<Instance> =>
    services.spawn({
      port,
      database: { url: database.url },
      env: {
        MIGRATIONS_RUN: 'false',
        SECRET_KEY: TEST_SECRET,
        PRODUCT_SERVICE_URL: products.url,
        NATS_URL: nats.url,
        NATS_STREAM: stream,
        LOG_LEVEL: 'warn',
        ...NO_RATE_LIMITS,
      },
    });

  async function send(base: string, method: string, path: string, user = customer, body?: unknown) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...user.auth, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { id?: string } };
  }

  /** `total` creates from `concurrency` workers, spread over the instances; counts answers. */
  async function load(
    instances: () => Instance[],
    total: number,
    concurrency: number,
    onProgress: (done: number) => Promise<void> | void = () => undefined,
    confirm = false,
  ): Promise<Record<string, number>> {
    const statuses: Record<string, number> = {};
    let issued = 0;
    let done = 0;
    const worker = async (w: number) => {
      while (issued < total) {
        issued++;
        const targets = instances();
        const base = targets[(issued + w) % targets.length].url;
        const outcome = await send(base, 'POST', ORDERS, customer, validOrderBody())
          .then(async (res) => {
            if (confirm && res.status === 201 && res.body.id) {
              await send(base, 'PATCH', `${ORDERS}/${res.body.id}/status`, admin, {
                status: 'confirmed',
              }).catch(() => undefined);
            }
            return String(res.status);
          })
          .catch(() => 'error');
        statuses[outcome] = (statuses[outcome] ?? 0) + 1;
        done++;
        await onProgress(done);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
    return statuses;
  }

  async function outboxDrained(ms = 60_000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM outbox WHERE topic = 'event' AND processed_at IS NULL`,
      );
      if (rows[0].n === 0) return;
      if (Date.now() > deadline) throw new Error(`${rows[0].n} events still unpublished`);
      await sleep(200);
    }
  }

  /**
   * The stream against the database: every order's events 1..event_sequence present once
   * (after dedupe by id), in order, and no id stored twice.
   */
  async function expectStreamMatchesDatabase(): Promise<StreamMessage[]> {
    const messages = await nats.readStream(stream);
    const ids = messages.map((m) => m.event.id);
    expect(new Set(ids).size).toBe(ids.length);
    const { rows } = await db.query<{ id: string; event_sequence: number }>(
      'SELECT id, event_sequence FROM orders',
    );
    const byOrder = new Map<string, number[]>();
    for (const m of messages) {
      const list = byOrder.get(m.event.subject) ?? [];
      list.push(m.event.sequence);
      byOrder.set(m.event.subject, list);
    }
    const wrong = rows.filter((o) => {
      const seen = byOrder.get(o.id) ?? [];
      return seen.join(',') !== Array.from({ length: o.event_sequence }, (_, i) => i + 1).join(',');
    });
    expect(wrong).toEqual([]);
    expect(byOrder.size).toBe(rows.length);
    return messages;
  }

  it('loses and doubles nothing while the broker stops and restarts twice during 2,000 creates', async () => {
    const instance = await start();
    const outages: Promise<void>[] = [];
    const outage = async () => {
      await nats.stop();
      await sleep(1500);
      await nats.start();
    };
    const statuses = await load(
      () => [instance],
      2000,
      32,
      (done) => {
        if (done === 400 || done === 1200) outages.push(outage());
      },
    );
    await Promise.all(outages);

    expect(statuses).toEqual({ '201': 2000 });
    await outboxDrained();
    const messages = await expectStreamMatchesDatabase();
    expect(messages.filter((m) => m.event.type === 'order.created')).toHaveLength(2000);
  }, 240_000);

  it('publishes every change after the service is killed with SIGKILL under load', async () => {
    const port = await freePort();
    let instance = await start(port);
    let killed = false;
    await load(
      () => [instance],
      600,
      16,
      async (done) => {
        if (done === 300 && !killed) {
          killed = true;
          instance.child.kill('SIGKILL');
          await instance.exited;
          instance = await start(port);
        }
      },
      true,
    );
    await outboxDrained();
    const messages = await expectStreamMatchesDatabase();
    expect(messages.some((m) => m.event.type === 'order.status_changed')).toBe(true);
  }, 240_000);

  it('relays from two instances on one database without doubling or skipping an event', async () => {
    const [a, b] = [await start(), await start()];
    const statuses = await load(() => [a, b], 1000, 32, undefined, true);
    expect(statuses).toEqual({ '201': 1000 });
    await outboxDrained();
    const messages = await expectStreamMatchesDatabase();
    expect(messages.filter((m) => m.event.type === 'order.created')).toHaveLength(1000);
  }, 240_000);
});
