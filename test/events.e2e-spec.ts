import { useOrderService } from './utils/fixture';
import { eventually, NatsServer, startNatsServer, StreamMessage } from './utils/nats-server';
import {
  createOrder,
  expectStatus,
  NO_RATE_LIMITS,
  OrderJson,
  ORDERS,
  patchStatus,
  putOrder,
  validOrderBody,
} from './utils/orders';

/*
 * Order events as the platform sees them: CloudEvents on NATS JetStream, one per change, in
 * order per order, and nothing for a request that changed nothing.
 */

jest.setTimeout(60_000);

const STREAM = 'ORDERS_E2E';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('order events on NATS JetStream', () => {
  let nats: NatsServer;
  // Declared before the fixture, so the broker is up before the app starts and outlives it.
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await nats?.dispose();
  });
  const t = useOrderService({
    product: true,
    env: () => ({ NATS_URL: nats.url, NATS_STREAM: STREAM, ...NO_RATE_LIMITS }),
  });
  const { products, customer, admin } = t;

  const eventsOf = async (orderId: string): Promise<StreamMessage[]> =>
    (await nats.readStream(STREAM)).filter((m) => m.event.subject === orderId);

  async function waitForEvents(orderId: string, count: number): Promise<StreamMessage[]> {
    return eventually(
      async () => {
        const events = await eventsOf(orderId);
        return events.length >= count ? events : undefined;
      },
      15_000,
      `${count} events of order ${orderId}`,
    );
  }

  it('publishes a full lifecycle in order, numbered 1..n, as CloudEvents', async () => {
    const order = await createOrder(t, customer);
    expectStatus(await patchStatus(t, admin, order.id, 'confirmed'), 200);
    expectStatus(await patchStatus(t, admin, order.id, 'processing'), 200);
    const shipped = await putOrder(t, admin, order.id, {
      status: 'shipped',
      tracking_number: '1Z999',
      carrier: 'UPS',
    });
    expectStatus(shipped, 200);
    const delivered = await patchStatus(t, admin, order.id, 'delivered');
    expectStatus(delivered, 200);

    const messages = await waitForEvents(order.id, 6);
    await new Promise((r) => setTimeout(r, 300));
    expect(await eventsOf(order.id)).toHaveLength(6);
    expect(messages.map((m) => [m.subject, m.event.type, m.event.sequence])).toEqual([
      ['orders.created', 'order.created', 1],
      ['orders.status_changed', 'order.status_changed', 2],
      ['orders.status_changed', 'order.status_changed', 3],
      ['orders.status_changed', 'order.status_changed', 4],
      ['orders.tracking_updated', 'order.tracking_updated', 5],
      ['orders.status_changed', 'order.status_changed', 6],
    ]);
    for (const { event, headers } of messages) {
      expect(event).toEqual({
        specversion: '1.0',
        id: expect.stringMatching(UUID),
        source: 'order-service',
        type: event.type,
        subject: order.id,
        time: expect.any(String),
        datacontenttype: 'application/json',
        sequence: event.sequence,
        data: { order: expect.any(Object), change: expect.any(Object) },
      });
      expect(headers['Nats-Msg-Id']).toBe(event.id);
      expect(event.data.order).not.toHaveProperty('internal_notes');
    }
    const changes = messages.map((m) => m.event.data.change as Record<string, unknown>);
    expect(changes[1]).toEqual({
      from: 'pending',
      to: 'confirmed',
      reason: null,
      actor_id: admin.userId,
      actor_role: 'admin',
    });
    expect(changes[4]).toEqual({
      tracking_number: '1Z999',
      carrier: 'UPS',
      actor_id: admin.userId,
      actor_role: 'admin',
    });
    expect(changes[0]).toEqual({ actor_id: customer.userId, actor_role: 'customer' });
    // Each event carries the order as it was right after that change.
    const orders = messages.map((m) => m.event.data.order as OrderJson);
    expect(orders.map((o) => [o.status, o.version])).toEqual([
      ['pending', 1],
      ['confirmed', 2],
      ['processing', 3],
      ['shipped', 4],
      ['shipped', 4],
      ['delivered', 5],
    ]);
    // The admin's answer, less the internal notes that events never carry.
    const published: Record<string, unknown> = { ...(delivered.body as Record<string, unknown>) };
    expect(published).toHaveProperty('internal_notes');
    delete published.internal_notes;
    expect(JSON.parse(JSON.stringify(orders[5]))).toEqual(published);
  });

  it("publishes a customer's cancellation as order.status_changed to cancelled", async () => {
    const order = await createOrder(t, customer);
    const res = await t.http
      .delete(`${ORDERS}/${order.id}/cancel`)
      .set(customer.auth)
      .send({ reason: 'Changed my mind' });
    expectStatus(res, 200);

    const messages = await waitForEvents(order.id, 2);
    expect(messages[1].event).toMatchObject({
      type: 'order.status_changed',
      sequence: 2,
      data: {
        change: {
          from: 'pending',
          to: 'cancelled',
          reason: 'Changed my mind',
          actor_id: customer.userId,
          actor_role: 'customer',
        },
      },
    });
  });

  it('publishes nothing for a failed request: validation, a neighbour down, a lost race', async () => {
    const order = await createOrder(t, customer);
    await waitForEvents(order.id, 1);
    const before = (await nats.readStream(STREAM)).length;

    const invalid = await t.http
      .post(ORDERS)
      .set(customer.auth)
      .send(validOrderBody([], { items: [] }));
    expect(invalid.status).toBe(400);
    await products.down();
    const down = await t.http.post(ORDERS).set(customer.auth).send(validOrderBody());
    expect(down.status).toBe(503);
    await products.up();
    // Fifty confirmations at once: one wins, 49 lose the race and publish nothing.
    const race = await Promise.all(
      Array.from({ length: 50 }, () => patchStatus(t, admin, order.id, 'confirmed')),
    );
    expect(race.filter((r) => r.status === 200)).toHaveLength(1);
    expect(race.filter((r) => r.status === 409)).toHaveLength(49);
    const refused = await patchStatus(t, admin, order.id, 'delivered');
    expect(refused.status).toBe(409);

    await waitForEvents(order.id, 2);
    await new Promise((r) => setTimeout(r, 500));
    const after = await nats.readStream(STREAM);
    expect(after.length - before).toBe(1);
    expect(after.at(-1)?.event).toMatchObject({ subject: order.id, sequence: 2 });
  });
});
