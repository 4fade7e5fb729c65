import { useOrderService } from './utils/fixture';
import { ADDRESS } from './utils/orders';
import { expectNoLeak, expectProblem } from './utils/problem';
import { objectId } from './utils/tokens';

const ORDERS = '/api/orders';

/** An order request that is valid apart from what a test adds to it. */
const orderBody = (extra: Record<string, unknown> = {}) => ({
  items: [{ product_id: objectId(), quantity: 1 }],
  shipping_address: { ...ADDRESS },
  ...extra,
});

describe('errors answer RFC 9457 problem+json', () => {
  const t = useOrderService();
  const { customer } = t;

  it('400 MALFORMED_JSON for a body that is not JSON, without echoing the parser', async () => {
    const res = await t.http
      .post(ORDERS)
      .set(customer.auth)
      .set('Content-Type', 'application/json')
      .send('{"items": [{"product_id": "abc", quantity: }');

    const body = expectProblem(res, 400, 'MALFORMED_JSON');
    expect(body.instance).toBe(ORDERS);
    expect(body.detail).not.toMatch(/position|Unexpected token|SyntaxError/i);
  });

  it('401 UNAUTHORIZED without a token, with WWW-Authenticate', async () => {
    const res = await t.http.get(ORDERS);

    const body = expectProblem(res, 401, 'UNAUTHORIZED');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(body.instance).toBe(ORDERS);
  });

  it('403 FORBIDDEN for a customer on an admin route', async () => {
    const res = await t.http.get(`${ORDERS}/all`).set(customer.auth);

    const body = expectProblem(res, 403, 'FORBIDDEN');
    expect(body.instance).toBe(`${ORDERS}/all`);
  });

  it.each([
    ['GET', '/api/no-such-thing'],
    ['GET', '/definitely/not/here?with=query'],
    ['POST', '/api/no-such-thing'],
  ])('404 NOT_FOUND for an unknown route (%s %s)', async (method, path) => {
    const req = method === 'GET' ? t.http.get(path) : t.http.post(path).send({});
    const res = await req.set(customer.auth);

    const body = expectProblem(res, 404, 'NOT_FOUND');
    expect(body.instance).toBe(path.split('?')[0]);
  });

  it('413 PAYLOAD_TOO_LARGE for a JSON body over 100 kB', async () => {
    const res = await t.http
      .post(ORDERS)
      .set(customer.auth)
      .send(orderBody({ note: 'x'.repeat(110 * 1024) }));

    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('a JSON body just under 100 kB is read (and judged on its content)', async () => {
    const res = await t.http
      .post(ORDERS)
      .set(customer.auth)
      .send(orderBody({ note: 'x'.repeat(90 * 1024) }));

    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect((body.errors as { field: string }[]).map((e) => e.field)).toContain('note');
  });

  it.each([
    ['text/plain', 'items=1'],
    ['application/x-www-form-urlencoded', 'items=1&total=1'],
    ['application/xml', '<order><items/></order>'],
  ])('415 UNSUPPORTED_MEDIA_TYPE for a %s body', async (type, payload) => {
    const res = await t.http
      .post(ORDERS)
      .set(customer.auth)
      .set('Content-Type', type)
      .send(payload);

    const body = expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(body.instance).toBe(ORDERS);
  });

  it('400 VALIDATION_FAILED naming an unknown top-level field', async () => {
    const res = await t.http
      .post(ORDERS)
      .set(customer.auth)
      .send(orderBody({ total: 1 }));

    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    const errors = body.errors as { field: string; detail: string }[];
    expect(errors).toEqual(
      expect.arrayContaining([{ field: 'total', detail: expect.stringContaining('total') }]),
    );
    expect(body.detail).toContain('total');
  });

  it('400 VALIDATION_FAILED naming an unknown field inside an item', async () => {
    const res = await t.http
      .post(ORDERS)
      .set(customer.auth)
      .send(orderBody({ items: [{ product_id: objectId(), quantity: 1, price: 0.01 }] }));

    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    const fields = (body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining([expect.stringMatching(/^items\.0\.price$/)]));
  });

  it('an id the database cannot parse is a client error, not a leaked SQL failure', async () => {
    const res = await t.http.get(`${ORDERS}/not-an-id'%20OR%201=1--`).set(customer.auth);

    const code = (res.body as { code?: string }).code ?? '';
    expect(['VALIDATION_FAILED', 'BAD_REQUEST', 'NOT_FOUND']).toContain(code);
    expectProblem(res, code === 'NOT_FOUND' ? 404 : 400, code);
    expectNoLeak(res.text);
  });
});
