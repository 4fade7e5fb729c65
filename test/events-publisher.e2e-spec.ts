import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { OrderEvent } from '../src/events/cloud-event';
import { EventPublisher, PUBLISH_TIMEOUT_MS } from '../src/events/event-publisher.service';
import { MetricsService } from '../src/metrics/metrics.service';
import { createTestApp, TestApp } from './utils/app';
import { eventually, NatsServer, natsServerBinary, startNatsServer } from './utils/nats-server';

// EventPublisher against a real nats-server with JetStream (started here on a free port with a
// temporary store, so that it can be stopped and restarted), inside the real AppModule.

const STREAM = 'ORDERS';

function orderEvent(overrides: Partial<OrderEvent> = {}): OrderEvent {
  const orderId = randomUUID();
  return {
    id: randomUUID(),
    type: 'order.created',
    orderId,
    sequence: 1,
    time: new Date().toISOString(),
    data: {
      order: { id: orderId, status: 'pending', total: 107.99 },
      change: { actor_id: '65a1f0c0e4b0a1b2c3d4e5f6', actor_role: 'customer' },
    },
    ...overrides,
  };
}

/** The publisher's log lines of one level since the spy was made. */
function logged(spy: jest.SpyInstance): string[] {
  return spy.mock.calls
    .filter(
      (_args, i) => (spy.mock.contexts[i] as { context?: string })?.context === 'EventPublisher',
    )
    .map(([message]) => String(message));
}

/** Publishes, retrying as the relay would, until a publish resolves. */
async function publishEventually(publisher: EventPublisher, event: OrderEvent, ms = 15_000) {
  await eventually(() => publisher.publish(event).then(() => true), ms, 'a successful publish');
}

let nats: NatsServer;
let app: TestApp | undefined;
let logSpy: jest.SpyInstance;
let warnSpy: jest.SpyInstance;

beforeAll(async () => {
  nats = await startNatsServer();
});

afterAll(async () => {
  await nats?.dispose();
});

beforeEach(async () => {
  logSpy = jest.spyOn(Logger.prototype, 'log');
  warnSpy = jest.spyOn(Logger.prototype, 'warn');
  const jsm = await jetstreamManager(await nats.client());
  for await (const name of jsm.streams.names()) await jsm.streams.delete(name);
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  jest.restoreAllMocks();
});

async function streamConfig() {
  const jsm = await jetstreamManager(await nats.client());
  return (await jsm.streams.info(STREAM)).config;
}

describe('EventPublisher: the stream', () => {
  it('creates the stream at start-up for orders.> with a duplicate window of 2 minutes', async () => {
    app = await createTestApp({ NATS_URL: nats.url });

    const config = await eventually(() => streamConfig(), 10_000, 'the stream ORDERS');
    expect(config.subjects).toEqual(['orders.>']);
    expect(config.duplicate_window).toBe(nanos(120_000));
    expect(app.app.get(EventPublisher).enabled).toBe(true);
    expect(logged(logSpy)).toContain('Created the JetStream stream ORDERS for orders.>');
  });

  it('raises a short duplicate window and widens the subjects of an existing stream to orders.>', async () => {
    const jsm = await jetstreamManager(await nats.client());
    await jsm.streams.add({
      name: STREAM,
      subjects: ['orders.created', 'audit.orders'],
      duplicate_window: nanos(10_000),
      max_age: nanos(86_400_000),
    });

    app = await createTestApp({ NATS_URL: nats.url });

    const config = await eventually(
      async () => {
        const c = await streamConfig();
        return c.duplicate_window === nanos(120_000) ? c : undefined;
      },
      10_000,
      'the stream update',
    );
    expect(config.subjects).toEqual(['audit.orders', 'orders.>']);
    // What the service does not care about is left as it was.
    expect(config.max_age).toBe(nanos(86_400_000));
    const warnings = logged(warnSpy).filter((m) => m.startsWith('Updated the JetStream stream'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/do not cover orders\.>; duplicate window 10 s is below 120 s/);
  });

  it('leaves a stream alone that captures orders.> with a longer duplicate window', async () => {
    const jsm = await jetstreamManager(await nats.client());
    const subjects = ['audit.orders', 'orders.>'];
    await jsm.streams.add({ name: STREAM, subjects, duplicate_window: nanos(600_000) });

    app = await createTestApp({ NATS_URL: nats.url });
    const publisher = app.app.get(EventPublisher);
    await publishEventually(publisher, orderEvent());

    const config = await streamConfig();
    expect(config.subjects).toEqual(subjects);
    expect(config.duplicate_window).toBe(nanos(600_000));
    expect(logged(warnSpy)).toEqual([]);
  });
});

describe('EventPublisher: publishing', () => {
  it('resolves after the PubAck: the stream holds the CloudEvent with Nats-Msg-Id = its id', async () => {
    app = await createTestApp({ NATS_URL: nats.url });
    const publisher = app.app.get(EventPublisher);
    const created = orderEvent();
    await publishEventually(publisher, created);
    const changed = orderEvent({
      orderId: created.orderId,
      type: 'order.status_changed',
      sequence: 2,
      data: {
        order: { id: created.orderId, status: 'confirmed' },
        change: {
          from: 'pending',
          to: 'confirmed',
          reason: null,
          actor_id: 'x',
          actor_role: 'admin',
        },
      },
    });

    await publisher.publish(changed);

    // Read at once, without polling: a resolved publish means the message is stored.
    const messages = await nats.readStream(STREAM);
    expect(messages.map((m) => m.subject)).toEqual(['orders.created', 'orders.status_changed']);
    const [, message] = messages;
    expect(message.headers['Nats-Msg-Id']).toBe(changed.id);
    expect(message.event).toEqual({
      specversion: '1.0',
      id: changed.id,
      source: 'order-service',
      type: 'order.status_changed',
      subject: created.orderId,
      time: changed.time,
      datacontenttype: 'application/json',
      sequence: 2,
      data: changed.data,
    });
  });

  it('publishing the same id twice leaves one message (JetStream dedupe)', async () => {
    app = await createTestApp({ NATS_URL: nats.url });
    const publisher = app.app.get(EventPublisher);
    const event = orderEvent();
    await publishEventually(publisher, event);

    await publisher.publish(event);
    await publisher.publish({ ...event, time: new Date(Date.now() + 1000).toISOString() });

    const messages = await nats.readStream(STREAM);
    expect(messages.map((m) => m.event.id)).toEqual([event.id]);
  });

  it('rejects promptly while the broker is down, warns once, and works again after it restarts', async () => {
    app = await createTestApp({ NATS_URL: nats.url });
    const publisher = app.app.get(EventPublisher);
    const before = orderEvent();
    await publishEventually(publisher, before);

    await nats.stop();
    try {
      const during = orderEvent();
      // Until the client notices the lost connection a publish may wait for its PubAck...
      let started = Date.now();
      await expect(publisher.publish(during)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(PUBLISH_TIMEOUT_MS + 1000);
      await eventually(
        () => Promise.resolve(publisher.connected ? undefined : true),
        5000,
        'disconnect',
      );
      // ...after that every attempt fails at once.
      for (let attempt = 0; attempt < 3; attempt++) {
        started = Date.now();
        await expect(publisher.publish(during)).rejects.toThrow(/not connected/);
        expect(Date.now() - started).toBeLessThan(500);
      }
      expect(logged(warnSpy)).toContain('Disconnected from NATS; reconnecting in the background');
      const failures = logged(warnSpy).filter((m) => m.startsWith('Publishing order events fails'));
      expect(failures).toHaveLength(1);
      // Readiness does not depend on the broker.
      await app.http.get('/health/ready').expect(200);
    } finally {
      await nats.start();
    }

    // The same app, not restarted: the client reconnects by itself.
    const after = orderEvent();
    await publishEventually(publisher, after);
    expect(logged(logSpy)).toContain('Publishing order events works again');
    const messages = await nats.readStream(STREAM);
    expect(messages.map((m) => m.event.id)).toEqual([before.id, after.id]);
  });

  it('recreates the stream when the broker comes back without it', async () => {
    app = await createTestApp({ NATS_URL: nats.url });
    const publisher = app.app.get(EventPublisher);
    await publishEventually(publisher, orderEvent());

    const jsm = await jetstreamManager(await nats.client());
    await jsm.streams.delete(STREAM);
    const event = orderEvent();
    await publishEventually(publisher, event);

    expect((await streamConfig()).subjects).toEqual(['orders.>']);
    expect((await nats.readStream(STREAM)).map((m) => m.event.id)).toEqual([event.id]);
  });
});

describe('EventPublisher: start-up', () => {
  it('does not wait for a broker that is down, and connects once it is up', async () => {
    await nats.stop();
    let started: number;
    try {
      started = Date.now();
      app = await createTestApp({ NATS_URL: nats.url });
      expect(Date.now() - started).toBeLessThan(5000);
      await app.http.get('/health/ready').expect(200);
      const publisher = app.app.get(EventPublisher);
      expect(publisher.enabled).toBe(true);
      await expect(publisher.publish(orderEvent())).rejects.toThrow(/not connected/);
      expect(logged(warnSpy).some((m) => m.startsWith('NATS is unreachable'))).toBe(true);
    } finally {
      await nats.start();
    }

    const event = orderEvent();
    await publishEventually(app.app.get(EventPublisher), event, 20_000);
    expect((await nats.readStream(STREAM)).map((m) => m.event.id)).toEqual([event.id]);
  });

  it('without NATS_URL: disabled, says so at start-up, and publish refuses', async () => {
    app = await createTestApp({ NATS_URL: undefined });
    const publisher = app.app.get(EventPublisher);

    expect(publisher.enabled).toBe(false);
    expect(logged(logSpy)).toContain(
      'NATS_URL is not set: order events stay in the outbox, none is published',
    );
    await expect(publisher.publish(orderEvent())).rejects.toThrow(/disabled/);
  });

  it('refuses a NATS_URL that is not a nats:// URL, naming the variable', async () => {
    await expect(createTestApp({ NATS_URL: 'http://localhost:4222' })).rejects.toThrow(/NATS_URL/);
  });
});

describe('outbox gauges', () => {
  it('exports the backlog and the age of the oldest unpublished event', async () => {
    app = await createTestApp({ NATS_URL: undefined });
    const metrics = app.app.get(MetricsService);

    metrics.setOutboxBacklog(7, 42.5);
    let body = (await app.http.get('/metrics').expect(200)).text;
    expect(body).toMatch(/^outbox_backlog_events 7$/m);
    expect(body).toMatch(/^outbox_oldest_unpublished_age_seconds 42.5$/m);

    metrics.setOutboxBacklog(0, 99);
    body = (await app.http.get('/metrics').expect(200)).text;
    expect(body).toMatch(/^outbox_backlog_events 0$/m);
    expect(body).toMatch(/^outbox_oldest_unpublished_age_seconds 0$/m);
  });
});

describe('the nats-server test helper', () => {
  it('without the binary, fails with one line saying how to install it', () => {
    const saved = process.env.NATS_SERVER_BIN;
    process.env.NATS_SERVER_BIN = '/nonexistent/nats-server';
    try {
      expect(() => natsServerBinary()).toThrow(
        /^nats-server not found at NATS_SERVER_BIN=\/nonexistent\/nats-server: install it \(`apt-get install -y nats-server`\) or set NATS_SERVER_BIN to its path$/,
      );
    } finally {
      if (saved === undefined) delete process.env.NATS_SERVER_BIN;
      else process.env.NATS_SERVER_BIN = saved;
    }
  });
});
