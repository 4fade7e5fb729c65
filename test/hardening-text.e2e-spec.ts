import { useOrderService } from './utils/fixture';
import {
  createOrder,
  ORDERS,
  OrderJson,
  putOrder,
  validOrderBody,
  NO_RATE_LIMITS,
} from './utils/orders';
import { expectProblem } from './utils/problem';
import { keyRows, ordersOf } from './utils/safety';
import { makeUser } from './utils/tokens';

// Text that PostgreSQL or a reader would choke on is refused with 400 VALIDATION_FAILED naming
// the field, wherever it is sent: body fields at any depth, member names, path and query values.

const BAD: [string, string][] = [
  ['a lone high surrogate', '\ud800'],
  ['a lone low surrogate', 'x\udc00y'],
  ['NUL', 'a\u0000b'],
  ['a C0 control (ESC)', 'a\u001bb'],
  ['a C1 control (NEL)', 'a\u0085b'],
  ['DEL', 'a\u007fb'],
  ['a right-to-left override', 'abc\u202edef'],
  ['a left-to-right isolate', '\u2066abc'],
];

/** The raw JSON text, so that escapes such as \ud800 reach the server as a client sends them. */
const json = (body: unknown) => JSON.stringify(body);

/** The answer carries none of the characters it refuses. */
function expectCleanText(text: string): void {
  // eslint-disable-next-line no-control-regex
  expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  expect(text).not.toMatch(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/,
  );
}

describe('hostile text is refused with 400 naming the field', () => {
  const t = useOrderService({ env: NO_RATE_LIMITS });
  const { customer, admin } = t;
  let order: OrderJson;

  beforeAll(async () => {
    order = await createOrder(t, customer);
  });

  const post = (body: unknown, key?: string) => {
    const req = t.http.post(ORDERS).set(customer.auth).set('Content-Type', 'application/json');
    return (key ? req.set('Idempotency-Key', key) : req).send(json(body));
  };

  describe.each(BAD)('%s', (_name, text) => {
    it.each([
      [
        'shipping_address.street',
        { shipping_address: { ...(validOrderBody().shipping_address as object), street: text } },
      ],
      [
        'shipping_address.city',
        { shipping_address: { ...(validOrderBody().shipping_address as object), city: text } },
      ],
      ['customer_notes', { customer_notes: text }],
    ])('POST /api/orders with it in %s → 400, no order', async (field, overrides) => {
      const res = await post(validOrderBody(undefined, overrides));

      const body = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expectCleanText(res.text);
      expect(await ordersOf(t, customer.userId)).toHaveLength(1);
    });

    it.each([
      ['tracking_number', 'put'],
      ['carrier', 'put'],
      ['internal_notes', 'put'],
      ['reason', 'patch'],
      ['reason', 'cancel'],
    ])('%s of a change (%s) → 400, the order unchanged', async (field, how) => {
      const res =
        how === 'put'
          ? await t.http
              .put(`${ORDERS}/${order.id}`)
              .set(admin.auth)
              .set('Content-Type', 'application/json')
              .send(json({ status: 'confirmed', [field]: text }))
          : how === 'patch'
            ? await t.http
                .patch(`${ORDERS}/${order.id}/status`)
                .set(admin.auth)
                .set('Content-Type', 'application/json')
                .send(json({ status: 'confirmed', reason: text }))
            : await t.http
                .delete(`${ORDERS}/${order.id}/cancel`)
                .set(customer.auth)
                .set('Content-Type', 'application/json')
                .send(json({ reason: text }));

      const body = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expectCleanText(res.text);
      const [row] = await t.db.query<{ version: number; status: string }[]>(
        'SELECT version, status FROM orders WHERE id = $1',
        [order.id],
      );
      expect(row).toEqual({ version: order.version, status: 'pending' });
    });
  });

  it('a nested member name with a lone surrogate → 400 naming it (escaped), not 500', async () => {
    const res = await post(
      validOrderBody(undefined, {
        shipping_address: { ...(validOrderBody().shipping_address as object), ['\ud800']: 'x' },
      }),
    );

    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual([expect.objectContaining({ field: 'shipping_address.\\ud800' })]);
    expectCleanText(res.text);
  });

  it('an idempotent create with a lone surrogate stores no key and no order', async () => {
    const buyer = makeUser('customer');
    const res = await t.http
      .post(ORDERS)
      .set(buyer.auth)
      .set('Idempotency-Key', 'surrogate-1')
      .set('Content-Type', 'application/json')
      .send(json(validOrderBody(undefined, { customer_notes: 'hi \udbff there' })));

    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(await keyRows(t, buyer.userId)).toEqual([]);
    expect(await ordersOf(t, buyer.userId)).toEqual([]);
  });

  it('tab and line breaks: accepted and stored exactly in notes and reasons', async () => {
    const notes = 'Ring twice.\r\n\tThen wait.\nThanks';
    const created = await createOrder(
      t,
      customer,
      validOrderBody(undefined, { customer_notes: notes }),
    );
    expect(created.customer_notes).toBe(notes);
    const [row] = await t.db.query<{ customer_notes: string }[]>(
      'SELECT customer_notes FROM orders WHERE id = $1',
      [created.id],
    );
    expect(row.customer_notes).toBe(notes);

    const put = await putOrder(t, admin, created.id, { internal_notes: 'line 1\nline 2' });
    expect(put.status).toBe(200);
    expect(put.body.internal_notes).toBe('line 1\nline 2');
  });

  it.each([
    [
      'shipping_address.street',
      {
        shipping_address: {
          ...(validOrderBody().shipping_address as object),
          street: '1 Main\nStreet',
        },
      },
    ],
    [
      'shipping_address.zipCode',
      {
        shipping_address: { ...(validOrderBody().shipping_address as object), zipCode: '627\t01' },
      },
    ],
  ])('a line break or tab in a one-line field (%s) → 400', async (field, overrides) => {
    const res = await post(validOrderBody(undefined, overrides));

    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it.each([
    ['tracking_number', { tracking_number: '1Z\n999' }],
    ['carrier', { carrier: 'UPS\t' }],
  ])('a line break or tab in %s → 400', async (field, change) => {
    const res = await putOrder(t, admin, order.id, change);

    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('a query parameter named with a bidi override → 400 naming it escaped, echoing no override', async () => {
    const res = await t.http.get(`${ORDERS}?${encodeURIComponent('\u202e')}=1`).set(customer.auth);

    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual([expect.objectContaining({ field: '\\u202e' })]);
    expectCleanText(res.text);
  });

  it.each([
    ['status', `status=${encodeURIComponent('pending\u202e')}`],
    ['status', 'status=%C2%85'],
    ['page', 'page=1%00'],
  ])('a query value with a control in %s → 400 naming it', async (field, query) => {
    const res = await t.http.get(`${ORDERS}?${query}`).set(customer.auth);

    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expectCleanText(res.text);
  });

  it.each([
    ['order_number', `${ORDERS}/number/${encodeURIComponent('ORD-20250101-\u202eABCDE')}`],
    ['id', `${ORDERS}/${encodeURIComponent('\u0085')}`],
    ['id', `${ORDERS}/${encodeURIComponent('\u2066')}/history`],
  ])('a path value with a control in %s → 400 naming it', async (field, path) => {
    const res = await t.http.get(path).set(customer.auth);

    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expectCleanText(res.text);
  });

  it('a path with invalid UTF-8 (an encoded lone surrogate) → 400, not 500', async () => {
    const res = await t.http.get(`${ORDERS}/%ED%A0%80`).set(customer.auth);

    expect(res.status).toBe(400);
    expectCleanText(res.text);
  });
});
