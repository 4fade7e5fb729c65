import { MAX_OBJECT_MEMBERS } from '../src/common/http-middleware';
import { useOrderService } from './utils/fixture';
import {
  createOrder,
  NO_RATE_LIMITS,
  ORDERS,
  OrderJson,
  patchStatus,
  putOrder,
  validOrderBody,
} from './utils/orders';
import { expectProblem } from './utils/problem';
import { countEvents, ordersOf } from './utils/safety';
import { makeUser, objectId, signToken } from './utils/tokens';

// Token claims as the platform contract defines them, `null` as "not sent" in a change, and
// objects with more members than any request of the API has.

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('token claims', () => {
  const t = useOrderService({ env: NO_RATE_LIMITS });

  it.each([
    ['a userId with a NUL', `${objectId().slice(0, 23)}\u0000`],
    ['a userId that is a lone surrogate', '\ud800'],
    ['another lone surrogate', '\udfff'],
    [
      'a userId in upper-case hex',
      objectId()
        .toUpperCase()
        .replace(/^[0-9]/, 'A'),
    ],
    ['a 23-hex userId', objectId().slice(1)],
    ['a 25-hex userId', `${objectId()}0`],
    ['a UUID userId', '3f2504e0-4f89-41d3-9a0c-0305e82c3301'],
    ['a name as userId', 'alice'],
    ['a userId with a bidi override', `\u202e${objectId().slice(1)}`],
  ])('%s → 401', async (_name, userId) => {
    const res = await t.http.get(ORDERS).set(bearer(signToken({ userId })));

    expectProblem(res, 401, 'UNAUTHORIZED');
  });

  it.each([
    ['255 characters', `${'a'.repeat(243)}@example.com`],
    ['a NUL', 'jane\u0000@example.com'],
    ['a newline', 'jane@example.com\nX-Admin: yes'],
    ['a C1 control', 'jane\u0085@example.com'],
    ['a lone surrogate', 'jane\ud800@example.com'],
    ['a bidi override', 'jane\u202e@example.com'],
  ])('an email with %s → 401', async (_name, email) => {
    const res = await t.http.get(ORDERS).set(bearer(signToken({ email })));

    expectProblem(res, 401, 'UNAUTHORIZED');
  });

  it('an email of exactly 254 characters and a 24-hex userId are accepted', async () => {
    const email = `${'a'.repeat(242)}@example.com`;
    expect(email).toHaveLength(254);
    const res = await t.http.get(ORDERS).set(bearer(signToken({ userId: objectId(), email })));

    expect(res.status).toBe(200);
  });

  it('two lone surrogates never name the same caller: neither token is accepted', async () => {
    const owner = makeUser('customer');
    await createOrder(t, owner);
    for (const userId of ['\ud800', '\udbff']) {
      const res = await t.http.get(ORDERS).set(bearer(signToken({ userId })));
      expect(res.status).toBe(401);
    }
  });
});

describe('null in a change means "not sent"', () => {
  const t = useOrderService({ env: NO_RATE_LIMITS });
  const { admin } = t;
  let order: OrderJson;

  beforeAll(async () => {
    order = await createOrder(t, t.customer);
  });

  const unchanged = async () => {
    const [row] = await t.db.query<{ version: number; status: string }[]>(
      'SELECT version, status FROM orders WHERE id = $1',
      [order.id],
    );
    expect(row).toEqual({ version: order.version, status: 'pending' });
    expect(await countEvents(t, order.id)).toBe(1);
  };

  it.each([
    [{ status: null }],
    [{ payment_status: null }],
    [{ status: null, tracking_number: null, carrier: null, internal_notes: null }],
  ])('PUT %j → 400 nothing to change, the order untouched', async (body) => {
    const res = await putOrder(t, admin, order.id, body);

    expectProblem(res, 400, 'VALIDATION_FAILED');
    await unchanged();
  });

  it('PATCH /status with status null → 400, the order untouched', async () => {
    const res = await t.http
      .patch(`${ORDERS}/${order.id}/status`)
      .set(admin.auth)
      .send({ status: null });

    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'status' })]),
    );
    await unchanged();
  });

  it('a null beside a real change is ignored: the tracking number is kept', async () => {
    const set = await putOrder(t, admin, order.id, { tracking_number: '1Z999' });
    expect(set.status).toBe(200);
    const res = await putOrder(t, admin, order.id, { carrier: 'UPS', tracking_number: null });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ carrier: 'UPS', tracking_number: '1Z999' });
    order = res.body as OrderJson;
    const moved = await patchStatus(t, admin, order.id, 'confirmed');
    expect(moved.status).toBe(200);
  });
});

describe(`objects with more than ${MAX_OBJECT_MEMBERS} members`, () => {
  const t = useOrderService({ env: NO_RATE_LIMITS });
  const { customer } = t;

  const wide = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 1]));

  it('9,000 unknown members at the top → 400 naming the body, no order', async () => {
    const res = await t.orders.create(customer, { ...validOrderBody(), ...wide(9000) });

    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.detail).toMatch(new RegExp(`more than ${MAX_OBJECT_MEMBERS} members`));
    // Refused as a whole, before validation: not one problem per unknown member.
    expect(body.errors).toHaveLength(1);
    expect(await ordersOf(t, customer.userId)).toEqual([]);
  });

  it('101 members in a nested object → 400 naming it', async () => {
    const res = await t.orders.create(
      customer,
      validOrderBody(undefined, { shipping_address: wide(MAX_OBJECT_MEMBERS + 1) }),
    );

    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual([expect.objectContaining({ field: 'shipping_address' })]);
  });

  it('on the other routes that take a body too (PUT)', async () => {
    const put = await t.orders.update(makeUser('admin'), objectId(), wide(MAX_OBJECT_MEMBERS + 1));
    expect(put.status).toBe(400);
    expect(put.body.detail).toMatch(/members/);
  });

  it(`exactly ${MAX_OBJECT_MEMBERS} members are judged by the validator as before`, async () => {
    const res = await t.orders.create(customer, {
      ...validOrderBody(),
      ...wide(MAX_OBJECT_MEMBERS - 2),
    });

    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.detail).not.toMatch(/members/);
  });
});
