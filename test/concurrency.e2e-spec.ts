import type { Response } from 'supertest';
import { useOrderService } from './utils/fixture';
import {
  adminAllowed,
  createOrder,
  customerAllowed,
  driveTo,
  expectStatus,
  mustOrderRow,
  OrderJson,
  ORDERS,
  patchStatus,
  snapshot,
  Status,
  TRANSITIONS,
  validOrderBody,
} from './utils/orders';
import { expectProblem } from './utils/problem';
import { countEvents, etag, eventRows, expectEtagOfBody } from './utils/safety';
import { makeUser, TestUser } from './utils/tokens';

describe('safe under races: compare-and-set transitions, ETag and If-Match', () => {
  const t = useOrderService({ product: true });
  const p = t.products.add({ price: 42.5, stock: 10_000 });

  const newOrder = (customer: TestUser): Promise<OrderJson> =>
    createOrder(t, customer, validOrderBody([{ product_id: p._id, quantity: 1 }]));

  const cancel = (user: TestUser, id: string, ifMatch?: string, reason?: string) =>
    t.orders.cancel(user, id, { ifMatch, reason });
  const patch = (user: TestUser, id: string, status: string, ifMatch?: string) =>
    t.orders.patchStatus(user, id, status, { ifMatch });
  const put = (user: TestUser, id: string, body: Record<string, unknown>, ifMatch?: string) =>
    t.orders.update(user, id, body, { ifMatch });

  /** The status changes recorded for an order, as [from, to, actor_role]. */
  async function statusTrail(id: string): Promise<[string | null, string | null, string][]> {
    return (await eventRows(t, id))
      .filter((e) => e.type === 'status_changed')
      .map((e) => [e.from_status, e.to_status, e.actor_role]);
  }

  /** A truthful 409: it names the status the order is in, and the target is not allowed from it. */
  function expectRefusedTransition(
    res: Response,
    target: Status,
    role: 'admin' | 'customer',
  ): Status {
    const problem = expectProblem(res, 409, 'INVALID_TRANSITION', [
      'current_status',
      'allowed_transitions',
    ]);
    const current = problem.current_status as Status;
    const allowed = role === 'admin' ? adminAllowed(current) : customerAllowed(current);
    expect(problem.allowed_transitions).toEqual(allowed);
    expect(allowed).not.toContain(target);
    return current;
  }

  describe('atomic transitions', () => {
    it('50 concurrent PATCH → confirmed on one pending order: exactly one 200, 49 × 409', async () => {
      const customer = makeUser();
      const admin = makeUser('admin');
      const order = await newOrder(customer);

      const answers = await Promise.all(
        Array.from({ length: 50 }, () => patchStatus(t, admin, order.id, 'confirmed')),
      );

      const winners = answers.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      expect(winners[0].body).toMatchObject({ id: order.id, status: 'confirmed', version: 2 });
      expect(winners[0].headers.etag).toBe(etag(2));
      for (const res of answers.filter((r) => r !== winners[0])) {
        expect(expectRefusedTransition(res, 'confirmed', 'admin')).toBe('confirmed');
      }

      const row = await mustOrderRow(t, order.id);
      expect(row).toMatchObject({ status: 'confirmed', version: 2 });
      expect(row.confirmed_at).not.toBeNull();
      expect(await statusTrail(order.id)).toEqual([['pending', 'confirmed', 'admin']]);
      expect(await countEvents(t, order.id)).toBe(2);
    });

    it('25 × shipped against 25 × cancelled on a processing order: exactly one wins', async () => {
      const customer = makeUser();
      const admin = makeUser('admin');
      const order = await newOrder(customer);
      const processing = await driveTo(t, admin, order.id, 'processing');
      const eventsBefore = await countEvents(t, order.id);
      const targets: Status[] = Array.from({ length: 50 }, (_, i) =>
        i % 2 === 0 ? 'shipped' : 'cancelled',
      );

      const answers = await Promise.all(targets.map((s) => patchStatus(t, admin, order.id, s)));

      const winners = answers.flatMap((res, i) => (res.status === 200 ? [[res, targets[i]]] : []));
      expect(winners).toHaveLength(1);
      const [[won, target]] = winners as [Response, Status][];
      expect(won.body).toMatchObject({ status: target, version: processing.version + 1 });
      expectEtagOfBody(won);
      answers.forEach((res, i) => {
        if (res !== won) expect(expectRefusedTransition(res, targets[i], 'admin')).toBe(target);
      });

      const row = await mustOrderRow(t, order.id);
      expect(row).toMatchObject({ status: target, version: processing.version + 1 });
      expect(row.shipped_at === null).toBe(target === 'cancelled');
      expect(row.cancelled_at === null).toBe(target === 'shipped');
      const trail = await statusTrail(order.id);
      expect(trail.slice(-1)).toEqual([['processing', target, 'admin']]);
      expect(await countEvents(t, order.id)).toBe(eventsBefore + 1);
    });

    it('25 × confirmed against 25 × cancelled on a pending order: only a valid chain succeeds', async () => {
      const customer = makeUser();
      const admin = makeUser('admin');
      const order = await newOrder(customer);
      const targets: Status[] = Array.from({ length: 50 }, (_, i) =>
        i % 2 === 0 ? 'confirmed' : 'cancelled',
      );

      const answers = await Promise.all(targets.map((s) => patchStatus(t, admin, order.id, s)));

      // pending → confirmed → cancelled is a legal sequence, so one or two may succeed; each
      // success is one version and one event, and they chain from pending.
      const successes = answers
        .filter((r) => r.status === 200)
        .map((r) => r.body as OrderJson)
        .sort((a, b) => a.version - b.version);
      expect(successes.length).toBeGreaterThanOrEqual(1);
      expect(successes.map((o) => o.version)).toEqual(successes.map((_, i) => 2 + i));
      let from: Status = 'pending';
      const chain: [Status, Status, string][] = [];
      for (const o of successes) {
        expect(TRANSITIONS[from]).toContain(o.status);
        chain.push([from, o.status, 'admin']);
        from = o.status;
      }
      const reached = successes.map((o) => o.status);
      answers.forEach((res, i) => {
        if (res.status !== 200) {
          expect(reached).toContain(expectRefusedTransition(res, targets[i], 'admin'));
        }
      });

      const row = await mustOrderRow(t, order.id);
      expect(row).toMatchObject({ status: from, version: 1 + successes.length });
      expect(await statusTrail(order.id)).toEqual(chain);
      expect(await countEvents(t, order.id)).toBe(1 + successes.length);
    });

    describe('customer cancel against admin ship on a processing order', () => {
      async function processingOrder() {
        const customer = makeUser();
        const admin = makeUser('admin');
        const order = await newOrder(customer);
        const processing = await driveTo(t, admin, order.id, 'processing');
        return { customer, admin, order: processing };
      }

      it('cancel first: the ship is refused with current_status cancelled', async () => {
        const { customer, admin, order } = await processingOrder();
        const cancelled = await cancel(customer, order.id, undefined, 'Changed my mind');
        expectStatus(cancelled, 200);
        expect(cancelled.body).toMatchObject({ status: 'cancelled', version: order.version + 1 });

        const shipped = await patchStatus(t, admin, order.id, 'shipped');
        expect(expectRefusedTransition(shipped, 'shipped', 'admin')).toBe('cancelled');

        const row = await mustOrderRow(t, order.id);
        expect(row).toMatchObject({
          status: 'cancelled',
          version: order.version + 1,
          cancellation_reason: 'Changed my mind',
          shipped_at: null,
        });
        expect((await statusTrail(order.id)).slice(-1)).toEqual([
          ['processing', 'cancelled', 'customer'],
        ]);
      });

      it('ship first: the cancel is refused with current_status shipped', async () => {
        const { customer, admin, order } = await processingOrder();
        const shipped = await patchStatus(t, admin, order.id, 'shipped');
        expectStatus(shipped, 200);
        expect(shipped.body).toMatchObject({ status: 'shipped', version: order.version + 1 });

        const cancelled = await cancel(customer, order.id, undefined, 'Too late?');
        expect(expectRefusedTransition(cancelled, 'cancelled', 'customer')).toBe('shipped');

        const row = await mustOrderRow(t, order.id);
        expect(row).toMatchObject({
          status: 'shipped',
          version: order.version + 1,
          cancellation_reason: null,
          cancelled_at: null,
        });
        expect((await statusTrail(order.id)).slice(-1)).toEqual([
          ['processing', 'shipped', 'admin'],
        ]);
      });

      it('at the same time, on 10 orders: exactly one wins each race and the row agrees', async () => {
        const races = await Promise.all(Array.from({ length: 10 }, () => processingOrder()));
        const results = await Promise.all(
          races.map(async ({ customer, admin, order }, i) => {
            const [c, s] =
              i % 2 === 0
                ? await Promise.all([
                    cancel(customer, order.id),
                    patchStatus(t, admin, order.id, 'shipped'),
                  ])
                : await Promise.all([
                    patchStatus(t, admin, order.id, 'shipped'),
                    cancel(customer, order.id),
                  ]).then(([ship, can]) => [can, ship]);
            return { order, cancel: c, ship: s };
          }),
        );

        for (const { order, cancel: c, ship: s } of results) {
          expect([c.status, s.status].sort()).toEqual([200, 409]);
          const winner: Status = c.status === 200 ? 'cancelled' : 'shipped';
          if (winner === 'cancelled') {
            expect(c.body).toMatchObject({ status: 'cancelled', version: order.version + 1 });
            expect(expectRefusedTransition(s, 'shipped', 'admin')).toBe('cancelled');
          } else {
            expect(s.body).toMatchObject({ status: 'shipped', version: order.version + 1 });
            expect(expectRefusedTransition(c, 'cancelled', 'customer')).toBe('shipped');
          }
          const row = await mustOrderRow(t, order.id);
          expect(row).toMatchObject({ status: winner, version: order.version + 1 });
          expect(await statusTrail(order.id)).toEqual([
            ['pending', 'confirmed', 'admin'],
            ['confirmed', 'processing', 'admin'],
            ['processing', winner, winner === 'cancelled' ? 'customer' : 'admin'],
          ]);
        }
      });
    });
  });

  describe('ETag and If-Match', () => {
    it('every single-order response carries ETag "<version>"', async () => {
      const customer = makeUser();
      const admin = makeUser('admin');

      const created = await t.http
        .post(ORDERS)
        .set(customer.auth)
        .send(validOrderBody([{ product_id: p._id, quantity: 1 }]));
      expectStatus(created, 201);
      expect(created.headers.etag).toBe(etag(1));
      const order = created.body as OrderJson;

      const byId = await t.http.get(`${ORDERS}/${order.id}`).set(customer.auth);
      expectStatus(byId, 200);
      expect(byId.headers.etag).toBe(etag(1));
      const byNumber = await t.http.get(`${ORDERS}/number/${order.order_number}`).set(admin.auth);
      expectStatus(byNumber, 200);
      expect(byNumber.headers.etag).toBe(etag(1));

      const patched = await patch(admin, order.id, 'confirmed');
      expectStatus(patched, 200);
      expect(patched.headers.etag).toBe(etag(2));
      const updated = await put(admin, order.id, { internal_notes: 'Gift wrap' });
      expectStatus(updated, 200);
      expect(updated.headers.etag).toBe(etag(3));
      const cancelled = await cancel(customer, order.id);
      expectStatus(cancelled, 200);
      expect(cancelled.headers.etag).toBe(etag(4));

      for (const res of [created, byId, byNumber, patched, updated, cancelled]) {
        expectEtagOfBody(res);
      }
      expect((await mustOrderRow(t, order.id)).version).toBe(4);
      const again = await t.http.get(`${ORDERS}/${order.id}`).set(admin.auth);
      expect(again.headers.etag).toBe(etag(4));
    });

    /** A request with a stale If-Match answers 412 and leaves the row and its events alone. */
    async function expectPreconditionFailed(id: string, send: () => Promise<Response>) {
      const before = snapshot(await mustOrderRow(t, id));
      const events = await countEvents(t, id);
      const res = await send();
      const problem = expectProblem(res, 412, 'PRECONDITION_FAILED', [
        'current_version',
        'current_status',
      ]);
      expect(problem).toMatchObject({
        current_version: before.version,
        current_status: before.status,
      });
      expect(res.headers.etag).toBeUndefined();
      expect(snapshot(await mustOrderRow(t, id))).toEqual(before);
      expect(await countEvents(t, id)).toBe(events);
    }

    it('PATCH /status: a matching If-Match applies, a stale one is 412 and changes nothing', async () => {
      const admin = makeUser('admin');
      const order = await newOrder(makeUser());

      const ok = await patch(admin, order.id, 'confirmed', etag(1));
      expectStatus(ok, 200);
      expect(ok.body).toMatchObject({ status: 'confirmed', version: 2 });
      expect(ok.headers.etag).toBe(etag(2));

      await expectPreconditionFailed(order.id, () => patch(admin, order.id, 'processing', etag(1)));
      // The ETag of one answer is the If-Match of the next change.
      const next = await patch(admin, order.id, 'processing', String(ok.headers.etag));
      expectStatus(next, 200);
      expect(next.headers.etag).toBe(etag(3));
      expect(await mustOrderRow(t, order.id)).toMatchObject({ status: 'processing', version: 3 });
    });

    it('PUT: a matching If-Match applies, a stale one is 412 and changes nothing', async () => {
      const admin = makeUser('admin');
      const order = await newOrder(makeUser());

      const ok = await put(admin, order.id, { payment_status: 'completed' }, etag(1));
      expectStatus(ok, 200);
      expect(ok.body).toMatchObject({ payment_status: 'completed', version: 2 });
      expect(ok.headers.etag).toBe(etag(2));

      await expectPreconditionFailed(order.id, () =>
        put(admin, order.id, { tracking_number: '1Z999', carrier: 'UPS' }, etag(1)),
      );
      await expectPreconditionFailed(order.id, () =>
        put(admin, order.id, { internal_notes: 'late' }, etag(3)),
      );
      const row = await mustOrderRow(t, order.id);
      expect(row).toMatchObject({ version: 2, tracking_number: null, internal_notes: null });
    });

    it('DELETE cancel: a matching If-Match applies, a stale one is 412 and changes nothing', async () => {
      const customer = makeUser();
      const admin = makeUser('admin');
      const order = await newOrder(customer);
      const confirmed = await patch(admin, order.id, 'confirmed');
      expectStatus(confirmed, 200);

      await expectPreconditionFailed(order.id, () => cancel(customer, order.id, etag(1), 'x'));
      const ok = await cancel(customer, order.id, etag(2), 'Found it cheaper');
      expectStatus(ok, 200);
      expect(ok.body).toMatchObject({ status: 'cancelled', version: 3 });
      expect(ok.headers.etag).toBe(etag(3));
      expect(await mustOrderRow(t, order.id)).toMatchObject({
        status: 'cancelled',
        version: 3,
        cancellation_reason: 'Found it cheaper',
      });
    });

    it('If-Match: * matches any version', async () => {
      const customer = makeUser();
      const admin = makeUser('admin');
      const order = await newOrder(customer);

      const patched = await patch(admin, order.id, 'confirmed', '*');
      expectStatus(patched, 200);
      expect(patched.headers.etag).toBe(etag(2));
      const updated = await put(admin, order.id, { carrier: 'DHL' }, '*');
      expectStatus(updated, 200);
      expect(updated.headers.etag).toBe(etag(3));
      const cancelled = await cancel(customer, order.id, '*');
      expectStatus(cancelled, 200);
      expect(cancelled.headers.etag).toBe(etag(4));
      expect(await mustOrderRow(t, order.id)).toMatchObject({
        status: 'cancelled',
        carrier: 'DHL',
        version: 4,
      });
    });

    it('a malformed If-Match is 400 and changes nothing', async () => {
      const customer = makeUser();
      const admin = makeUser('admin');
      const order = await newOrder(customer);
      const before = snapshot(await mustOrderRow(t, order.id));

      for (const send of [
        () => patch(admin, order.id, 'confirmed', 'abc'),
        () => put(admin, order.id, { carrier: 'DHL' }, 'abc'),
        () => cancel(customer, order.id, 'abc'),
      ]) {
        const res = await send();
        const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
        expect(problem.errors).toEqual([{ field: 'If-Match', detail: expect.any(String) }]);
      }
      expect(snapshot(await mustOrderRow(t, order.id))).toEqual(before);
      expect(await countEvents(t, order.id)).toBe(1);
    });

    it('an If-Match with an unbalanced quote is not an entity-tag: 400, nothing applied', async () => {
      const admin = makeUser('admin');
      const order = await newOrder(makeUser());
      const before = snapshot(await mustOrderRow(t, order.id));

      const answers: [string, number][] = [];
      for (const value of ['"1', '1"']) {
        const res = await patch(admin, order.id, 'confirmed', value);
        answers.push([value, res.status]);
      }
      expect(answers).toEqual([
        ['"1', 400],
        ['1"', 400],
      ]);
      expect(snapshot(await mustOrderRow(t, order.id))).toEqual(before);
      expect(await countEvents(t, order.id)).toBe(1);
    });

    it('If-Match uses the strong comparison: W/"<current version>" does not match (412)', async () => {
      const admin = makeUser('admin');
      const order = await newOrder(makeUser());

      await expectPreconditionFailed(order.id, () => patch(admin, order.id, 'confirmed', 'W/"1"'));
    });

    it('a stale If-Match is 412 even for a refused transition; a matching one still obeys the lifecycle', async () => {
      const admin = makeUser('admin');
      const order = await newOrder(makeUser());
      expectStatus(await patch(admin, order.id, 'confirmed'), 200);

      await expectPreconditionFailed(order.id, () => patch(admin, order.id, 'delivered', etag(1)));
      const events = await countEvents(t, order.id);
      const refused = await patch(admin, order.id, 'delivered', etag(2));
      expect(expectRefusedTransition(refused, 'delivered', 'admin')).toBe('confirmed');
      expect(await mustOrderRow(t, order.id)).toMatchObject({ status: 'confirmed', version: 2 });
      expect(await countEvents(t, order.id)).toBe(events);
    });

    it('without If-Match the transition rules still hold', async () => {
      const customer = makeUser();
      const admin = makeUser('admin');
      const order = await newOrder(customer);

      const skip = await patch(admin, order.id, 'shipped');
      expect(expectRefusedTransition(skip, 'shipped', 'admin')).toBe('pending');
      const viaPut = await put(admin, order.id, { status: 'delivered' });
      expect(expectRefusedTransition(viaPut, 'delivered', 'admin')).toBe('pending');

      await driveTo(t, admin, order.id, 'shipped');
      const late = await cancel(customer, order.id);
      expect(expectRefusedTransition(late, 'cancelled', 'customer')).toBe('shipped');
      expect(await mustOrderRow(t, order.id)).toMatchObject({ status: 'shipped', version: 4 });
      expect(await countEvents(t, order.id)).toBe(4);
    });

    it('If-Match on a missing or foreign order is 404, not 412', async () => {
      const customer = makeUser();
      const stranger = makeUser();
      const admin = makeUser('admin');
      const order = await newOrder(customer);
      const missing = '6f1c1c39-3c39-4d8e-9d49-0d0e0b8f4a11';

      expectProblem(await patch(admin, missing, 'confirmed', etag(1)), 404, 'NOT_FOUND');
      expectProblem(await put(admin, missing, { carrier: 'DHL' }, etag(1)), 404, 'NOT_FOUND');
      expectProblem(await cancel(stranger, order.id, etag(1)), 404, 'NOT_FOUND');
      expectProblem(await cancel(stranger, order.id, etag(7)), 404, 'NOT_FOUND');
      expect(await mustOrderRow(t, order.id)).toMatchObject({ status: 'pending', version: 1 });
    });

    it('10 concurrent PUTs with the same If-Match: one applies, 9 × 412, no lost update', async () => {
      const admin = makeUser('admin');
      const order = await newOrder(makeUser());
      const notes = Array.from({ length: 10 }, (_, i) => `note ${i}`);

      const answers = await Promise.all(
        notes.map((note) => put(admin, order.id, { internal_notes: note }, etag(1))),
      );

      const winners = answers.flatMap((res, i) => (res.status === 200 ? [notes[i]] : []));
      expect(winners).toHaveLength(1);
      for (const res of answers.filter((r) => r.status !== 200)) {
        const problem = expectProblem(res, 412, 'PRECONDITION_FAILED', [
          'current_version',
          'current_status',
        ]);
        expect(problem.current_version).toBe(2);
      }
      expect(await mustOrderRow(t, order.id)).toMatchObject({
        version: 2,
        internal_notes: winners[0],
      });
      const notesAdded = (await eventRows(t, order.id)).filter((e) => e.type === 'note_added');
      expect(notesAdded.map((e) => e.details)).toEqual([{ internal_notes: winners[0] }]);
    });
  });
});
