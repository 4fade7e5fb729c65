import { useOrderService } from './utils/fixture';
import { createOrder, driveTo, expectStatus, NO_RATE_LIMITS, OrderJson } from './utils/orders';
import { pendingEffects } from './utils/outbox';
import { expectProblem } from './utils/problem';

/*
 * If-Match as RFC 9110 has it (a list matches any member; a weak tag never matches), and a
 * change that changes nothing leaves the order exactly as it was.
 */

describe('If-Match lists and changes that change nothing', () => {
  const t = useOrderService({ product: true, env: NO_RATE_LIMITS });
  const { customer, admin } = t;

  const historyLength = async (id: string): Promise<number> => {
    const [row] = await t.db.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM order_events WHERE order_id = $1',
      [id],
    );
    return row.n;
  };

  it('matches any member of an If-Match list', async () => {
    const order = await createOrder(t, customer);
    const res = await t.orders.patchStatus(admin, order.id, 'confirmed', { ifMatch: '"7", "1"' });
    expectStatus(res, 200);
    expect((res.body as OrderJson).version).toBe(2);
    expect(res.headers.etag).toBe('"2"');
  });

  it('answers 412 to a list naming no current version, without an internal placeholder', async () => {
    const order = await createOrder(t, customer);
    for (const ifMatch of ['"7", "8"', 'W/"1"', 'W/"1", "3"']) {
      const res = await t.orders.cancel(customer, order.id, { ifMatch });
      const problem = expectProblem(res, 412, 'PRECONDITION_FAILED', [
        'current_version',
        'current_status',
      ]);
      expect(problem.current_version).toBe(1);
      expect(problem.detail).not.toMatch(/-1/);
      expect(problem.detail).toContain('version 1');
    }
    const weakOnly = await t.orders.cancel(customer, order.id, { ifMatch: 'W/"1"' });
    expect((weakOnly.body as { detail: string }).detail).toContain('weak');
    expect(await historyLength(order.id)).toBe(1);
  });

  it('answers 400 to a list with a malformed member', async () => {
    const order = await createOrder(t, customer);
    const res = await t.orders.cancel(customer, order.id, { ifMatch: '"1", nope' });
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });

  it('a PUT of the values the order already has changes nothing: same version, ETag, history, events', async () => {
    const order = await createOrder(t, customer);
    await driveTo(t, admin, order.id, 'processing', { payment: 'completed' });
    const set = await t.orders.update(admin, order.id, {
      tracking_number: 'TRK-1',
      carrier: 'UPS',
      internal_notes: 'fragile',
    });
    expectStatus(set, 200);
    const before = set.body as OrderJson & { internal_notes: string };
    const events = await historyLength(order.id);
    const outbox = await pendingEffects(t.db, 'event', order.id);

    const same = await t.orders.update(admin, order.id, {
      status: 'processing',
      payment_status: 'completed',
      tracking_number: 'TRK-1',
      carrier: 'UPS',
      internal_notes: 'fragile',
    });

    expectStatus(same, 200);
    expect(same.body).toEqual(before);
    expect(same.headers.etag).toBe(`"${before.version}"`);
    expect(await historyLength(order.id)).toBe(events);
    expect(await pendingEffects(t.db, 'event', order.id)).toBe(outbox);
  });

  it('null means "not sent": a change of nulls only is refused as nothing to change', async () => {
    const order = await createOrder(t, customer);
    const res = await t.orders.update(admin, order.id, { status: null, carrier: null });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(await historyLength(order.id)).toBe(1);
  });
});
