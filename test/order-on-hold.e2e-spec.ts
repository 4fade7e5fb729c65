import { useOrderService } from './utils/fixture';
import {
  createOrder,
  driveTo,
  expectStatus,
  mustOrderRow,
  OrderJson,
  ORDERS,
  patchStatus,
  putOrder,
  NO_RATE_LIMITS,
  STATUSES,
} from './utils/orders';
import { expectProblem } from './utils/problem';

/*
 * On hold: an admin pauses a confirmed or processing order (saying why); it may only resume to
 * the status it was held from, or be cancelled. Customers see it and cannot change it.
 */

describe('on hold', () => {
  const t = useOrderService({ product: true, env: NO_RATE_LIMITS });
  const { customer, admin } = t;

  async function heldOrder(from: 'confirmed' | 'processing'): Promise<OrderJson> {
    const order = await createOrder(t, customer);
    await driveTo(t, admin, order.id, from);
    const res = await patchStatus(t, admin, order.id, 'on_hold', 'address check');
    expectStatus(res, 200);
    return res.body as OrderJson;
  }

  async function historyOf(id: string) {
    const res = await t.http.get(`${ORDERS}/${id}/history`).set(admin.auth);
    expectStatus(res, 200);
    return (res.body as { events: Record<string, unknown>[] }).events;
  }

  it.each(['confirmed', 'processing'] as const)(
    'holds a %s order with a reason: its history says so and it may go back or be cancelled',
    async (from) => {
      const order = await heldOrder(from);

      expect(order.status).toBe('on_hold');
      expect(order.allowed_transitions).toEqual([from, 'cancelled']);
      expect((await mustOrderRow(t, order.id)).status).toBe('on_hold');
      const last = (await historyOf(order.id)).at(-1);
      expect(last).toMatchObject({
        type: 'status_changed',
        from_status: from,
        to_status: 'on_hold',
        reason: 'address check',
        actor_role: 'admin',
      });

      const resumed = await patchStatus(t, admin, order.id, from);
      expectStatus(resumed, 200);
      expect((resumed.body as OrderJson).status).toBe(from);
      expect((resumed.body as OrderJson).allowed_transitions).toContain('on_hold');
      expect((await historyOf(order.id)).at(-1)).toMatchObject({
        from_status: 'on_hold',
        to_status: from,
      });
    },
  );

  it.each([
    ['confirmed', 'processing'],
    ['processing', 'confirmed'],
    ['processing', 'shipped'],
    ['confirmed', 'pending'],
    ['confirmed', 'delivered'],
  ] as const)('refuses to resume an order held from %s to %s', async (from, to) => {
    const order = await heldOrder(from);

    const res = await patchStatus(t, admin, order.id, to);

    const problem = expectProblem(res, 409, 'INVALID_TRANSITION', [
      'current_status',
      'allowed_transitions',
    ]);
    expect(problem.current_status).toBe('on_hold');
    expect(problem.allowed_transitions).toEqual([from, 'cancelled']);
    expect((await mustOrderRow(t, order.id)).version).toBe(order.version);
  });

  it('lets an admin cancel an order on hold', async () => {
    const order = await heldOrder('processing');
    const res = await patchStatus(t, admin, order.id, 'cancelled', 'fraud');
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ status: 'cancelled', cancellation_reason: 'fraud' });
  });

  it('shows customers the hold but lets them change nothing', async () => {
    const order = await heldOrder('confirmed');

    const seen = await t.http.get(`${ORDERS}/${order.id}`).set(customer.auth);
    expectStatus(seen, 200);
    expect(seen.body).toMatchObject({ status: 'on_hold', allowed_transitions: [] });

    const cancel = await t.http.delete(`${ORDERS}/${order.id}/cancel`).set(customer.auth).send({});
    expectProblem(cancel, 409, 'INVALID_TRANSITION', ['current_status', 'allowed_transitions']);
    const patch = await patchStatus(t, customer, order.id, 'confirmed');
    expect(patch.status).toBe(403);
    expect((await mustOrderRow(t, order.id)).status).toBe('on_hold');
  });

  it('needs a reason to hold an order', async () => {
    const order = await createOrder(t, customer);
    await driveTo(t, admin, order.id, 'confirmed');

    const res = await patchStatus(t, admin, order.id, 'on_hold');

    const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(JSON.stringify(problem.errors)).toContain('reason');
    expect((await mustOrderRow(t, order.id)).status).toBe('confirmed');
  });

  it.each(STATUSES.filter((s) => s !== 'confirmed' && s !== 'processing'))(
    'cannot hold a %s order',
    async (status) => {
      const order = await createOrder(t, customer);
      await driveTo(t, admin, order.id, status);

      const res = await patchStatus(t, admin, order.id, 'on_hold', 'why not');

      expectProblem(res, 409, 'INVALID_TRANSITION', ['current_status', 'allowed_transitions']);
      expect((await mustOrderRow(t, order.id)).status).toBe(status);
    },
  );

  it('PUT with the on-hold status it already has changes nothing', async () => {
    const order = await heldOrder('confirmed');
    const res = await putOrder(t, admin, order.id, { status: 'on_hold' });
    expectStatus(res, 200);
    expect((res.body as OrderJson).version).toBe(order.version);
    expect(res.headers.etag).toBe(`"${order.version}"`);
  });
});
