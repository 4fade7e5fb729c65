import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { useOrderService } from './utils/fixture';
import {
  createOrder,
  expectStatus,
  ISO_DATE,
  mustOrderRow,
  OrderJson,
  ORDERS,
  snapshot,
  validOrderBody,
} from './utils/orders';
import { expectProblem } from './utils/problem';
import { countEvents, etag, eventRows } from './utils/safety';
import { makeUser, TestUser } from './utils/tokens';

const EVENT_TYPES = [
  'created',
  'status_changed',
  'payment_status_changed',
  'tracking_updated',
  'note_added',
];

interface EventJson {
  id?: unknown;
  type: string;
  from_status: string | null;
  to_status: string | null;
  from_payment_status: string | null;
  to_payment_status: string | null;
  details: Record<string, string | null> | null;
  actor_id: string;
  actor_role: string;
  reason: string | null;
  created_at: string;
}

interface HistoryJson {
  order_id: string;
  order_number: string;
  status: string;
  events: EventJson[];
}

type TrailEntry = [string, string | null, string | null, string, string | null];

const EVENT_FIELDS = [
  'type',
  'from_status',
  'to_status',
  'from_payment_status',
  'to_payment_status',
  'details',
  'actor_id',
  'actor_role',
  'reason',
  'created_at',
] as const;

/** The JSON type of each field the issue names ('missing' when absent). */
const shapeOf = (event: EventJson): Record<string, string> =>
  Object.fromEntries(
    EVENT_FIELDS.map((field) => {
      const value: unknown = event[field];
      return [field, value === undefined ? 'missing' : value === null ? 'null' : typeof value];
    }),
  );

const trail = (events: EventJson[]): TrailEntry[] =>
  events.map((e) => [e.type, e.from_status, e.to_status, e.actor_role, e.reason]);

describe('GET /api/orders/:id/history', () => {
  const t = useOrderService({ product: true });
  const p = t.products.add({ price: 60, stock: 10_000 });

  const newOrder = (customer: TestUser): Promise<OrderJson> =>
    createOrder(t, customer, validOrderBody([{ product_id: p._id, quantity: 2 }]));

  const history = (user: TestUser | null, id: string) => t.orders.history(user, id);

  async function changed(res: PromiseLike<Response>): Promise<OrderJson> {
    const answer = await res;
    expectStatus(answer, 200);
    return answer.body as OrderJson;
  }

  const patch = (admin: TestUser, id: string, body: Record<string, unknown>) =>
    t.http.patch(`${ORDERS}/${id}/status`).set(admin.auth).send(body);
  const put = (admin: TestUser, id: string, body: Record<string, unknown>) =>
    t.orders.update(admin, id, body);

  /** The history as `user` sees it, its shape checked and its events matched to the rows. */
  async function readHistory(user: TestUser, order: OrderJson): Promise<HistoryJson> {
    const res = await history(user, order.id);
    expectStatus(res, 200);
    const body = res.body as HistoryJson;
    expect(Object.keys(body).sort()).toEqual(['events', 'order_id', 'order_number', 'status']);
    const row = await mustOrderRow(t, order.id);
    expect(body).toMatchObject({
      order_id: order.id,
      order_number: order.order_number,
      status: row.status,
    });
    let previous = 0;
    for (const event of body.events) {
      expect(shapeOf(event)).toEqual({
        type: 'string',
        from_status: expect.stringMatching(/^(null|string)$/),
        to_status: expect.stringMatching(/^(null|string)$/),
        from_payment_status: expect.stringMatching(/^(null|string)$/),
        to_payment_status: expect.stringMatching(/^(null|string)$/),
        details: expect.stringMatching(/^(null|object)$/),
        actor_id: 'string',
        actor_role: 'string',
        reason: expect.stringMatching(/^(null|string)$/),
        created_at: 'string',
      });
      expect(event.created_at).toMatch(ISO_DATE);
      expect(['customer', 'admin']).toContain(event.actor_role);
      expect(EVENT_TYPES).toContain(event.type);
      // Oldest first.
      const at = new Date(event.created_at).getTime();
      expect(at).toBeGreaterThanOrEqual(previous);
      previous = at;
    }
    // The events shown are the stored ones, in order, less what this viewer may not see.
    const rows = (await eventRows(t, order.id)).filter(
      (e) => user.role === 'admin' || e.type !== 'note_added',
    );
    expect(body.events.map((e) => [e.type, e.actor_id, new Date(e.created_at).getTime()])).toEqual(
      rows.map((e) => [e.type, e.actor_id, e.created_at.getTime()]),
    );
    // The last status event names the status the order is in.
    const statusEvents = body.events.filter((e) => ['created', 'status_changed'].includes(e.type));
    expect(statusEvents[statusEvents.length - 1].to_status).toBe(row.status);
    return body;
  }

  it('a full lifecycle leaves the exact event trail', async () => {
    const customer = makeUser();
    const admin = makeUser('admin');
    const order = await newOrder(customer);

    await changed(patch(admin, order.id, { status: 'confirmed' }));
    await changed(patch(admin, order.id, { status: 'processing', reason: 'Picked' }));
    await changed(put(admin, order.id, { internal_notes: 'Fragile: double box' }));
    await changed(
      put(admin, order.id, {
        status: 'shipped',
        tracking_number: '1Z999AA10123456784',
        carrier: 'UPS',
      }),
    );
    await changed(patch(admin, order.id, { status: 'delivered' }));
    await changed(put(admin, order.id, { payment_status: 'completed' }));
    const refunded = await changed(
      patch(admin, order.id, { status: 'refunded', reason: 'Returned within 30 days' }),
    );
    expect(refunded).toMatchObject({ status: 'refunded', payment_status: 'refunded' });

    const body = await readHistory(admin, order);
    expect(body.status).toBe('refunded');
    // Only status events carry statuses; the others carry what they are about.
    expect(trail(body.events)).toEqual([
      ['created', null, 'pending', 'customer', null],
      ['status_changed', 'pending', 'confirmed', 'admin', null],
      ['status_changed', 'confirmed', 'processing', 'admin', 'Picked'],
      ['note_added', null, null, 'admin', null],
      ['status_changed', 'processing', 'shipped', 'admin', null],
      ['tracking_updated', null, null, 'admin', null],
      ['status_changed', 'shipped', 'delivered', 'admin', null],
      ['payment_status_changed', null, null, 'admin', null],
      ['status_changed', 'delivered', 'refunded', 'admin', 'Returned within 30 days'],
      ['payment_status_changed', null, null, 'admin', null],
    ]);
    for (const e of body.events.filter((e) => e.type !== 'payment_status_changed').slice(1)) {
      expect([e.from_payment_status, e.to_payment_status]).toEqual([null, null]);
    }
    const byType = (type: string) => body.events.filter((e) => e.type === type);
    expect(
      byType('payment_status_changed').map((e) => [e.from_payment_status, e.to_payment_status]),
    ).toEqual([
      ['pending', 'completed'],
      ['completed', 'refunded'],
    ]);
    expect(byType('created')[0]).toMatchObject({
      from_payment_status: null,
      to_payment_status: 'pending',
      actor_id: customer.userId,
      details: null,
    });
    expect(byType('tracking_updated').map((e) => e.details)).toEqual([
      { tracking_number: '1Z999AA10123456784', carrier: 'UPS' },
    ]);
    expect(byType('note_added').map((e) => e.details)).toEqual([
      { internal_notes: 'Fragile: double box' },
    ]);
    for (const e of body.events.slice(1)) expect(e.actor_id).toBe(admin.userId);

    // The customer sees the same trail without the internal note.
    const mine = await readHistory(customer, order);
    expect(trail(mine.events)).toEqual(
      trail(body.events).filter(([type]) => type !== 'note_added'),
    );
    expect(await countEvents(t, order.id)).toBe(10);
  });

  it('a customer cancellation is recorded with the customer as actor and the reason', async () => {
    const customer = makeUser();
    const admin = makeUser('admin');
    const order = await newOrder(customer);
    await changed(patch(admin, order.id, { status: 'confirmed' }));
    await changed(
      t.http
        .delete(`${ORDERS}/${order.id}/cancel`)
        .set(customer.auth)
        .send({ reason: 'Ordered the wrong size' }),
    );

    const body = await readHistory(customer, order);
    expect(trail(body.events)).toEqual([
      ['created', null, 'pending', 'customer', null],
      ['status_changed', 'pending', 'confirmed', 'admin', null],
      ['status_changed', 'confirmed', 'cancelled', 'customer', 'Ordered the wrong size'],
    ]);
    expect(body.events[2].actor_id).toBe(customer.userId);
    expect(await mustOrderRow(t, order.id)).toMatchObject({
      status: 'cancelled',
      cancellation_reason: 'Ordered the wrong size',
    });
  });

  it('customers see neither note_added events nor internal notes anywhere; admins see both', async () => {
    const customer = makeUser();
    const admin = makeUser('admin');
    const note = `Customer is a known fraud risk ${randomUUID()}`;
    const order = await newOrder(customer);
    const noted = await changed(put(admin, order.id, { internal_notes: note }));
    expect(noted.internal_notes).toBe(note);
    await changed(patch(admin, order.id, { status: 'confirmed' }));

    const adminHistory = await readHistory(admin, order);
    expect(adminHistory.events.map((e) => e.type)).toEqual([
      'created',
      'note_added',
      'status_changed',
    ]);
    const adminView = await t.http.get(`${ORDERS}/${order.id}`).set(admin.auth);
    expect(adminView.body.internal_notes).toBe(note);

    const customerHistory = await readHistory(customer, order);
    expect(customerHistory.events.map((e) => e.type)).toEqual(['created', 'status_changed']);
    const seenByCustomer: Response[] = [
      await history(customer, order.id),
      await t.http.get(`${ORDERS}/${order.id}`).set(customer.auth),
      await t.http.get(`${ORDERS}/number/${order.order_number}`).set(customer.auth),
      await t.http.get(ORDERS).set(customer.auth),
      await t.http.delete(`${ORDERS}/${order.id}/cancel`).set(customer.auth),
    ];
    for (const res of seenByCustomer) {
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(note);
      expect(res.text).not.toContain('internal_notes');
      expect(res.text).not.toContain('note_added');
    }
  });

  it('answers the owner and admins; another customer gets the 404 of a missing order', async () => {
    const owner = makeUser();
    const stranger = makeUser();
    const admin = makeUser('admin');
    const order = await newOrder(owner);

    await readHistory(owner, order);
    await readHistory(admin, order);

    const foreign = await history(stranger, order.id);
    const missingId = randomUUID();
    const missing = await history(stranger, missingId);
    const foreignProblem = expectProblem(foreign, 404, 'NOT_FOUND');
    const missingProblem = expectProblem(missing, 404, 'NOT_FOUND');
    const { instance: foreignAt, ...foreignRest } = foreignProblem;
    const { instance: missingAt, ...missingRest } = missingProblem;
    expect(foreignRest).toEqual(missingRest);
    expect(foreignAt).toBe(`${ORDERS}/${order.id}/history`);
    expect(missingAt).toBe(`${ORDERS}/${missingId}/history`);
    expect(foreign.text).not.toContain(order.order_number);
    expectProblem(await history(admin, missingId), 404, 'NOT_FOUND');

    const anonymous = await history(null, order.id);
    expectProblem(anonymous, 401, 'UNAUTHORIZED');
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);

    const malformed = await history(owner, 'not-a-uuid');
    const problem = expectProblem(malformed, 400, 'VALIDATION_FAILED');
    expect(problem.errors).toEqual([{ field: 'id', detail: expect.any(String) }]);
  });

  it('a refused transition (409), a stale If-Match (412) and a malformed one (400) leave no event', async () => {
    const customer = makeUser();
    const admin = makeUser('admin');
    const order = await newOrder(customer);
    await changed(patch(admin, order.id, { status: 'confirmed' }));
    const before = snapshot(await mustOrderRow(t, order.id));
    const events = await countEvents(t, order.id);
    const allEvents = await countEvents(t);

    expectProblem(
      await patch(admin, order.id, { status: 'delivered' }),
      409,
      'INVALID_TRANSITION',
      ['current_status', 'allowed_transitions'],
    );
    expectProblem(
      await put(admin, order.id, { status: 'pending', internal_notes: 'should not stick' }),
      409,
      'INVALID_TRANSITION',
      ['current_status', 'allowed_transitions'],
    );
    expectProblem(
      await put(admin, order.id, { payment_status: 'refunded', tracking_number: 'T1' }),
      409,
      'INVALID_PAYMENT_TRANSITION',
      ['current_payment_status', 'allowed_payment_transitions'],
    );
    expectProblem(
      await patch(admin, order.id, { status: 'processing' }).set('If-Match', etag(1)),
      412,
      'PRECONDITION_FAILED',
      ['current_version', 'current_status'],
    );
    expectProblem(
      await t.http
        .delete(`${ORDERS}/${order.id}/cancel`)
        .set(customer.auth)
        .set('If-Match', etag(1)),
      412,
      'PRECONDITION_FAILED',
      ['current_version', 'current_status'],
    );
    expectProblem(
      await patch(admin, order.id, { status: 'processing' }).set('If-Match', 'abc'),
      400,
      'VALIDATION_FAILED',
    );

    expect(await countEvents(t, order.id)).toBe(events);
    expect(await countEvents(t)).toBe(allEvents);
    expect(snapshot(await mustOrderRow(t, order.id))).toEqual(before);
    const body = await readHistory(admin, order);
    expect(trail(body.events)).toEqual([
      ['created', null, 'pending', 'customer', null],
      ['status_changed', 'pending', 'confirmed', 'admin', null],
    ]);
  });

  it('a PUT that changes nothing but repeats the status records no status event', async () => {
    const customer = makeUser();
    const admin = makeUser('admin');
    const order = await newOrder(customer);
    await changed(patch(admin, order.id, { status: 'confirmed' }));
    const events = await countEvents(t, order.id);

    const same = await changed(put(admin, order.id, { status: 'confirmed' }));
    expect(same.status).toBe('confirmed');
    expect(await countEvents(t, order.id)).toBe(events);
    const body = await readHistory(admin, order);
    expect(body.events.filter((e) => e.type === 'status_changed')).toHaveLength(1);
  });
});
