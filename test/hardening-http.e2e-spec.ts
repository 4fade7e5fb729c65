import { randomUUID } from 'node:crypto';
import { useOrderService } from './utils/fixture';
import { createOrder, NO_RATE_LIMITS, ORDERS, validOrderBody } from './utils/orders';
import { expectProblem } from './utils/problem';
import { keyRows, ordersOf } from './utils/safety';
import { makeUser } from './utils/tokens';

// HTTP semantics: 405 with Allow, OPTIONS, one Authorization and one Idempotency-Key, and no
// caching of anything read with a token.

const allowOf = (header: string | undefined) =>
  (header ?? '')
    .split(',')
    .map((m) => m.trim())
    .sort();

describe('HTTP semantics', () => {
  const t = useOrderService({ env: NO_RATE_LIMITS });
  const { customer, admin } = t;

  describe('a known path with a method it does not answer', () => {
    const id = randomUUID();
    it.each([
      ['DELETE', ORDERS, ['GET', 'HEAD', 'OPTIONS', 'POST']],
      ['PATCH', `${ORDERS}/${id}`, ['GET', 'HEAD', 'OPTIONS', 'PUT']],
      ['POST', `${ORDERS}/${id}/cancel`, ['DELETE', 'OPTIONS']],
      ['GET', `${ORDERS}/${id}/status`, ['OPTIONS', 'PATCH']],
      ['POST', '/health/live', ['GET', 'HEAD', 'OPTIONS']],
      ['PUT', '/docs-json', ['GET', 'HEAD', 'OPTIONS']],
    ])('%s %s → 405 METHOD_NOT_ALLOWED with Allow', async (method, path, allow) => {
      const res = await t.http[method.toLowerCase() as 'get'](path).set(customer.auth);

      expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
      expect(allowOf(res.headers.allow)).toEqual(allow);
    });

    it('needs no token to say so, and changes nothing', async () => {
      const res = await t.http.delete(ORDERS);

      expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
      expect(allowOf(res.headers.allow)).toEqual(['GET', 'HEAD', 'OPTIONS', 'POST']);
    });
  });

  it.each([
    [ORDERS, ['GET', 'HEAD', 'OPTIONS', 'POST']],
    [`${ORDERS}/${randomUUID()}`, ['GET', 'HEAD', 'OPTIONS', 'PUT']],
    ['/health/ready', ['GET', 'HEAD', 'OPTIONS']],
  ])('OPTIONS %s → 204 with Allow', async (path, allow) => {
    const res = await t.http.options(path);

    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(allowOf(res.headers.allow)).toEqual(allow);
  });

  it.each([
    ['GET', '/api/nowhere'],
    ['DELETE', '/api/nowhere'],
    ['OPTIONS', '/api/nowhere'],
    ['POST', `${ORDERS}/${randomUUID()}/history/extra`],
  ])('an unknown path stays 404 (%s %s)', async (method, path) => {
    const res = await t.http[method.toLowerCase() as 'get'](path).set(customer.auth);

    expectProblem(res, 404, 'NOT_FOUND');
    expect(res.headers.allow).toBeUndefined();
  });

  describe('headers that must come once', () => {
    it('two Authorization headers → 400, whichever token is valid', async () => {
      const other = makeUser('admin');
      const res = await t.http
        .get(`${ORDERS}/all`)
        .set('Authorization', [`Bearer ${customer.token}`, `Bearer ${other.token}`] as never);

      const body = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(body.errors).toEqual([expect.objectContaining({ field: 'Authorization' })]);
    });

    it('two Idempotency-Key headers → 400, no order and no key stored', async () => {
      const buyer = makeUser('customer');
      const res = await t.http
        .post(ORDERS)
        .set(buyer.auth)
        .set('Idempotency-Key', ['key-a', 'key-b'] as never)
        .send(validOrderBody());

      const body = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
      expect(await ordersOf(t, buyer.userId)).toEqual([]);
      expect(await keyRows(t, buyer.userId)).toEqual([]);
    });

    it('one of each is fine', async () => {
      const buyer = makeUser('customer');
      const res = await t.orders.create(buyer, validOrderBody(), { idempotencyKey: 'key-single' });

      expect(res.status).toBe(201);
    });
  });

  describe('Cache-Control: no-store on every authenticated response', () => {
    it('on reads, creations, changes and errors', async () => {
      const order = await createOrder(t, customer);
      const answers = [
        await t.orders.list(customer),
        await t.orders.get(customer, order.id),
        await t.orders.history(customer, order.id),
        await t.orders.getByNumber(customer, order.order_number),
        await t.orders.create(customer, validOrderBody()),
        await t.orders.update(admin, order.id, { carrier: 'UPS' }),
        await t.orders.get(customer, randomUUID()),
        await t.orders.listAll(customer),
        await t.orders.create(customer, {}),
      ];

      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 201, 200, 404, 403, 400]);
      expect(answers.map((r) => r.headers['cache-control'])).toEqual(answers.map(() => 'no-store'));
    });
  });
});
