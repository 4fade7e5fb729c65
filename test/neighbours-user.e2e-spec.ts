import { setTimeout as sleep } from 'node:timers/promises';
import type { Response } from 'supertest';
import type { TestApp } from './utils/app';
import { useOrderService, type OrderService } from './utils/fixture';
import { expectStatus, mustOrderRow, OrderJson, validOrderBody } from './utils/orders';
import { makeUser, objectId, TestUser } from './utils/tokens';

/*
 * "Resilient neighbours": the User Service gives the customer's name for the order's snapshot.
 * The order matters more than the name: whatever the User Service does, the order is taken.
 */

jest.setTimeout(60_000);

const MARGIN_MS = 1500;

/** A customer whose e-mail's local part is unlike any registered name. */
function customer(): TestUser {
  return makeUser('customer', `shopper.${objectId().slice(-6)}+orders@example.com`);
}

const localPart = (user: TestUser) => user.email.split('@')[0];

async function timedPost(t: OrderService, user: TestUser, body: Record<string, unknown>) {
  const started = Date.now();
  const res: Response = await t.orders.create(user, body);
  return { res, elapsed: Date.now() - started };
}

/** Expects a created order named `name`, in the response and in its row. */
async function expectNamed(t: TestApp, res: Response, user: TestUser, name: string) {
  expectStatus(res, 201);
  const order = res.body as OrderJson;
  expect(order.customer_name).toBe(name);
  expect(order.customer_email).toBe(user.email);
  const row = await mustOrderRow(t, order.id);
  expect({ name: row.customer_name, email: row.customer_email, user: row.user_id }).toEqual({
    name,
    email: user.email,
    user: user.userId,
  });
  return order;
}

/** An app on a fake Product Service and a fake User Service, with `env` on top. */
const useUserServiceApp = (env: Record<string, string | undefined>) =>
  useOrderService({ product: true, user: true, env });

describe('User Service: the customer name', () => {
  const TIMEOUT_MS = 1500;
  const t = useUserServiceApp({ USER_SERVICE_TIMEOUT_MS: String(TIMEOUT_MS) });
  const { products, users } = t;
  const item = products.add({ price: 12.5, stock: 10_000 });

  const body = () => validOrderBody([item._id]);
  const meCalls = (user: TestUser) =>
    users.requests.filter(
      (r) =>
        r.method === 'GET' &&
        r.path === '/api/users/me' &&
        r.headers.authorization === `Bearer ${user.token}`,
    );

  it("uses the registered name, asking with the caller's own token", async () => {
    const user = customer();
    users.addUser(user.userId, { firstName: 'Jane', lastName: 'Doe' });

    const { res } = await timedPost(t, user, body());

    await expectNamed(t, res, user, 'Jane Doe');
    expect(users.requests).toHaveLength(1);
    expect(users.requests[0]).toEqual(
      expect.objectContaining({ method: 'GET', path: '/api/users/me' }),
    );
    expect(users.requests[0].headers.authorization).toBe(`Bearer ${user.token}`);
  });

  it('caches the name: a second order does not ask again', async () => {
    const user = customer();
    users.addUser(user.userId, { firstName: 'Ada', lastName: 'Lovelace' });

    const first = await timedPost(t, user, body());
    await expectNamed(t, first.res, user, 'Ada Lovelace');
    expect(meCalls(user)).toHaveLength(1);

    const second = await timedPost(t, user, body());
    await expectNamed(t, second.res, user, 'Ada Lovelace');
    expect(users.requests).toHaveLength(1);
  });

  it('caches per user: another customer gets their own name', async () => {
    const first = customer();
    const other = customer();
    users.addUser(first.userId, { firstName: 'Grace', lastName: 'Hopper' });
    users.addUser(other.userId, { firstName: 'Alan', lastName: 'Turing' });

    await expectNamed(t, (await timedPost(t, first, body())).res, first, 'Grace Hopper');
    await expectNamed(t, (await timedPost(t, other, body())).res, other, 'Alan Turing');
    await expectNamed(t, (await timedPost(t, first, body())).res, first, 'Grace Hopper');
    expect(meCalls(first)).toHaveLength(1);
    expect(meCalls(other)).toHaveLength(1);
    expect(users.requests).toHaveLength(2);
  });

  it('takes the order with the name from the e-mail when the User Service is down', async () => {
    const user = customer();
    users.addUser(user.userId, { firstName: 'Jane', lastName: 'Doe' });
    await users.down();

    const { res, elapsed } = await timedPost(t, user, body());

    await expectNamed(t, res, user, localPart(user));
    expect(elapsed).toBeLessThan(TIMEOUT_MS + MARGIN_MS);

    // A fallback is not cached: once the service is back, the real name is used.
    await users.up();
    const again = await timedPost(t, user, body());
    await expectNamed(t, again.res, user, 'Jane Doe');
    expect(meCalls(user)).toHaveLength(1);
  });

  it('does not wait for a User Service slower than USER_SERVICE_TIMEOUT_MS', async () => {
    const user = customer();
    users.addUser(user.userId, { firstName: 'Jane', lastName: 'Doe' });
    users.latencyMs = 10_000;

    const { res, elapsed } = await timedPost(t, user, body());

    await expectNamed(t, res, user, localPart(user));
    expect(meCalls(user)).toHaveLength(1);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
  });

  it('uses the name from the e-mail for a user the User Service does not know (404)', async () => {
    const user = customer();

    const { res } = await timedPost(t, user, body());

    await expectNamed(t, res, user, localPart(user));
    expect(meCalls(user)).toHaveLength(1);
  });

  it.each([
    ['401', 401, { message: 'Invalid token' }],
    ['500', 500, undefined],
    ['an HTML page', 200, '<!DOCTYPE html><html><body>Sign in</body></html>'],
  ] as const)(
    'uses the name from the e-mail when the User Service answers %s',
    async (_, status, reply) => {
      const user = customer();
      users.addUser(user.userId, { firstName: 'Jane', lastName: 'Doe' });
      users.failNext(status, 1, reply);

      const { res } = await timedPost(t, user, body());

      await expectNamed(t, res, user, localPart(user));
      expect(meCalls(user)).toHaveLength(1);
    },
  );

  it('uses the name from the e-mail when the registered names are blank', async () => {
    const user = customer();
    users.addUser(user.userId, { firstName: ' ', lastName: '' });

    const { res } = await timedPost(t, user, body());

    await expectNamed(t, res, user, localPart(user));
  });

  it('asks for the name while the products are looked up, not after', async () => {
    const user = customer();
    users.addUser(user.userId, { firstName: 'Jane', lastName: 'Doe' });
    const latency = 1000;
    users.latencyMs = latency;
    products.latencyMs = latency;

    const { res, elapsed } = await timedPost(t, user, body());

    await expectNamed(t, res, user, 'Jane Doe');
    // One after the other would take at least 2 × 1000 ms.
    expect(elapsed).toBeGreaterThanOrEqual(latency - 50);
    expect(elapsed).toBeLessThan(2 * latency - 200);
  });
});

describe('User Service: cache lifetime', () => {
  const TTL_MS = 600;
  const t = useUserServiceApp({ USER_NAME_CACHE_TTL_MS: String(TTL_MS) });
  const { products, users } = t;

  it('asks again once USER_NAME_CACHE_TTL_MS has passed, and sees a changed name', async () => {
    const item = products.add({ price: 5, stock: 100 });
    const user = customer();
    users.addUser(user.userId, { firstName: 'Jane', lastName: 'Doe' });

    await expectNamed(
      t,
      (await timedPost(t, user, validOrderBody([item._id]))).res,
      user,
      'Jane Doe',
    );
    users.addUser(user.userId, { firstName: 'Jane', lastName: 'Smith' });
    await expectNamed(
      t,
      (await timedPost(t, user, validOrderBody([item._id]))).res,
      user,
      'Jane Doe',
    );
    expect(users.requests).toHaveLength(1);

    await sleep(TTL_MS + 300);
    await expectNamed(
      t,
      (await timedPost(t, user, validOrderBody([item._id]))).res,
      user,
      'Jane Smith',
    );
    expect(users.requests).toHaveLength(2);
    for (const r of users.requests) expect(r.headers.authorization).toBe(`Bearer ${user.token}`);
  });
});

describe('User Service: not configured', () => {
  // The fake runs, so the test can show that nobody calls it.
  const t = useUserServiceApp({ USER_SERVICE_URL: undefined });
  const { products, users } = t;

  it('names the customer after the e-mail and calls nobody', async () => {
    const item = products.add({ price: 5, stock: 100 });
    const user = customer();
    users.addUser(user.userId, { firstName: 'Jane', lastName: 'Doe' });

    const { res } = await timedPost(t, user, validOrderBody([item._id]));

    await expectNamed(t, res, user, localPart(user));
    expect(users.requests).toEqual([]);
  });
});
