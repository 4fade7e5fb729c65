import jwt from 'jsonwebtoken';
import { DEMO_PRODUCTS } from '../../src/product-client/demo-catalog';
import { withComputedFields } from '../../src/product-client/product-document';
import { signToken, TEST_SECRET } from '../utils/tokens';
import { FakeInventoryService } from './inventory-service';
import { FakeProductService, objectId } from './product-service';
import { FakeUserService } from './user-service';

const LAPTOP = DEMO_PRODUCTS[0];
const OUT_OF_STOCK = DEMO_PRODUCTS.find((p) => p.stock === 0)!;
const INACTIVE = DEMO_PRODUCTS.find((p) => !p.isActive)!;

// Bodies are probed field by field; typing every fake answer here would add nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
}

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return getJson(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('DEMO_PRODUCTS', () => {
  it('holds 12 consistent product documents', () => {
    expect(DEMO_PRODUCTS).toHaveLength(12);
    expect(new Set(DEMO_PRODUCTS.map((p) => p._id)).size).toBe(12);
    expect(new Set(DEMO_PRODUCTS.map((p) => p.sku)).size).toBe(12);
    for (const p of DEMO_PRODUCTS) {
      expect(p._id).toMatch(/^[0-9a-f]{24}$/);
      expect(p.id).toBe(p._id);
      expect(p.sku).toBe(p.sku.toUpperCase());
      expect(Number.isInteger(p.stock)).toBe(true);
      expect(p.images.length).toBeGreaterThan(0);
      expect(p.images[0].url).toMatch(/^https:\/\/images\.example\.com\//);
      expect(new Date(p.createdAt).toISOString()).toBe(p.createdAt);
      expect(p).toEqual(withComputedFields(p));
    }
  });

  it('covers the edge cases orders depend on', () => {
    const prices = DEMO_PRODUCTS.map((p) => p.price);
    expect(prices).toEqual(expect.arrayContaining([1299.99, 24.5, 1.15, 99.99, 100]));
    expect(DEMO_PRODUCTS.filter((p) => p.stock === 0)).toHaveLength(1);
    expect(DEMO_PRODUCTS.filter((p) => p.stock === 3)).toHaveLength(1);
    expect(DEMO_PRODUCTS.filter((p) => !p.isActive)).toHaveLength(1);
    expect(OUT_OF_STOCK).toMatchObject({ inStock: false, lowStock: true });
    expect(DEMO_PRODUCTS.find((p) => p.stock === 3)).toMatchObject({
      inStock: true,
      lowStock: true,
    });
    expect(LAPTOP.discountPercentage).toBe(13); // (1499.99 - 1299.99) / 1499.99
    expect(DEMO_PRODUCTS.find((p) => p.price === 100)!.discountPercentage).toBe(0);
  });
});

describe('FakeProductService', () => {
  let fake: FakeProductService;

  beforeAll(async () => {
    fake = await FakeProductService.start();
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  it('listens on 127.0.0.1 on a free port', () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fake.url).not.toMatch(/:0$/);
  });

  it('answers a product by id with the bare document, as JSON, keeping the connection', async () => {
    const res = await fetch(`${fake.url}/api/products/${LAPTOP._id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('connection')).toBe('keep-alive');
    expect(await res.json()).toEqual(LAPTOP);
  });

  it('finds an upper-case id, like Mongo', async () => {
    const { status, body } = await getJson(`${fake.url}/api/products/${LAPTOP._id.toUpperCase()}`);
    expect(status).toBe(200);
    expect(body._id).toBe(LAPTOP._id);
  });

  it('answers inactive products by id: filtering them is the caller’s job', async () => {
    const { status, body } = await getJson(`${fake.url}/api/products/${INACTIVE._id}`);
    expect(status).toBe(200);
    expect(body.isActive).toBe(false);
  });

  it('answers 404 for an unknown id and 500 for an id that is not an ObjectId', async () => {
    expect(await getJson(`${fake.url}/api/products/${objectId()}`)).toEqual({
      status: 404,
      body: { message: 'Product not found' },
    });
    const bad = await getJson(`${fake.url}/api/products/not-an-id`);
    expect(bad.status).toBe(500);
    expect(bad.body).toEqual({
      message: 'Server error',
      error: expect.stringContaining('Cast to ObjectId failed for value "not-an-id"'),
    });
  });

  it('answers a product by SKU, case-insensitively', async () => {
    const { status, body } = await getJson(
      `${fake.url}/api/products/sku/${LAPTOP.sku.toLowerCase()}`,
    );
    expect(status).toBe(200);
    expect(body).toEqual(LAPTOP);
    expect((await getJson(`${fake.url}/api/products/sku/NOPE-123`)).status).toBe(404);
  });

  it('lists active products, 10 a page by default', async () => {
    const first = await getJson(`${fake.url}/api/products`);
    expect(first.status).toBe(200);
    expect(first.body.pagination).toEqual({ page: 1, limit: 10, total: 11, pages: 2 });
    expect(first.body.products).toHaveLength(10);
    const second = await getJson(`${fake.url}/api/products?page=2`);
    expect(second.body.products).toHaveLength(1);
    const all = [...first.body.products, ...second.body.products];
    expect(all.map((p: { _id: string }) => p._id)).not.toContain(INACTIVE._id);
  });

  it('filters the list', async () => {
    const books = await getJson(`${fake.url}/api/products?category=books&limit=50`);
    expect(books.body.products.map((p: { category: string }) => p.category)).toEqual([
      'books',
      'books',
    ]);
    expect(books.body.pagination).toEqual({ page: 1, limit: 50, total: 2, pages: 1 });
    const search = await getJson(`${fake.url}/api/products?search=SKILLET`);
    expect(search.body.products.map((p: { sku: string }) => p.sku)).toEqual(['HOME-KIT-HRTH12']);
    const inStock = await getJson(`${fake.url}/api/products?inStock=true&limit=100`);
    expect(inStock.body.pagination.total).toBe(10);
    const cheap = await getJson(`${fake.url}/api/products?maxPrice=20&minPrice=10`);
    expect(cheap.body.products.map((p: { price: number }) => p.price).sort()).toEqual([
      12.99, 16.99,
    ]);
  });

  it('answers 404 Route not found elsewhere', async () => {
    expect(await getJson(`${fake.url}/api/nothing`)).toEqual({
      status: 404,
      body: { message: 'Route not found' },
    });
    expect((await post(`${fake.url}/api/products`, {})).status).toBe(404);
  });

  it('serves a product added by the test, and counts requests for it', async () => {
    const added = fake.add({ name: 'Gadget', price: 19.99, comparePrice: 25, stock: 2 });
    expect(added).toMatchObject({
      id: added._id,
      name: 'Gadget',
      isActive: true,
      inStock: true,
      lowStock: true,
      discountPercentage: 20,
    });
    expect(added._id).toMatch(/^[0-9a-f]{24}$/);
    expect(added.sku).toBe(added.sku.toUpperCase());
    expect(fake.add().price).toBe(10);
    expect(fake.add().stock).toBe(100);
    await fetch(`${fake.url}/api/products/${added._id}`, { headers: { 'X-Request-Id': 'abc' } });
    const { body } = await getJson(`${fake.url}/api/products/${added._id}?x=1`);
    expect(body).toEqual(added);
    expect(fake.requestsFor(added._id)).toBe(2);
    expect(fake.requests[0]).toMatchObject({
      method: 'GET',
      path: `/api/products/${added._id}`,
      headers: expect.objectContaining({ 'x-request-id': 'abc' }),
    });
    fake.products.delete(added._id);
    expect((await getJson(`${fake.url}/api/products/${added._id}`)).status).toBe(404);
  });

  it('starts from a deep copy of the demo catalog, or from the given products', async () => {
    fake.products.get(LAPTOP._id)!.price = 1;
    expect(LAPTOP.price).toBe(1299.99);
    fake.products.set(LAPTOP._id, structuredClone(LAPTOP));

    const only = await FakeProductService.start({ products: [OUT_OF_STOCK] });
    try {
      expect([...only.products.keys()]).toEqual([OUT_OF_STOCK._id]);
      expect((await getJson(`${only.url}/api/products/${LAPTOP._id}`)).status).toBe(404);
    } finally {
      await only.close();
    }
  });

  it('waits latencyMs before answering', async () => {
    fake.latencyMs = 150;
    const started = performance.now();
    expect((await fetch(`${fake.url}/api/products/${LAPTOP._id}`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('fails the next N requests on demand', async () => {
    fake.failNext(503, 2);
    const url = `${fake.url}/api/products/${LAPTOP._id}`;
    expect(await getJson(url)).toEqual({ status: 503, body: { message: 'Service Unavailable' } });
    expect((await fetch(url)).status).toBe(503);
    expect((await fetch(url)).status).toBe(200);

    fake.failNext(500);
    expect(await getJson(url)).toEqual({
      status: 500,
      body: { message: 'Server error', error: 'Injected failure' },
    });

    fake.failNext(429, 1, { message: 'slow down' }, { 'Retry-After': '2' });
    const limited = await fetch(url);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(await limited.json()).toEqual({ message: 'slow down' });
    expect((await fetch(url)).status).toBe(200);
  });

  it('html mode answers 200 with a web page', async () => {
    fake.mode = 'html';
    const res = await fetch(`${fake.url}/api/products/${LAPTOP._id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toMatch(/^<!DOCTYPE html>/);
  });

  it('truncated-json mode answers 200 JSON that does not parse', async () => {
    fake.mode = 'truncated-json';
    const res = await fetch(`${fake.url}/api/products/${LAPTOP._id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await res.text();
    expect(JSON.stringify(LAPTOP).startsWith(text)).toBe(true);
    expect(() => JSON.parse(text) as unknown).toThrow();
  });

  it('garbage-price mode answers products whose price is not a number', async () => {
    fake.mode = 'garbage-price';
    const one = await getJson(`${fake.url}/api/products/${LAPTOP._id}`);
    expect(one.body).toEqual({ ...LAPTOP, price: 'abc' });
    const list = await getJson(`${fake.url}/api/products`);
    expect(list.body.products[0].price).toBe('abc');
    expect(LAPTOP.price).toBe(1299.99);
  });

  it('drop-connection mode closes the socket without an answer', async () => {
    fake.mode = 'drop-connection';
    await expect(fetch(`${fake.url}/api/products/${LAPTOP._id}`)).rejects.toThrow();
    fake.mode = 'normal';
    expect((await fetch(`${fake.url}/api/products/${LAPTOP._id}`)).status).toBe(200);
  });

  it('hang mode never answers', async () => {
    fake.mode = 'hang';
    await expect(
      fetch(`${fake.url}/api/products/${LAPTOP._id}`, { signal: AbortSignal.timeout(200) }),
    ).rejects.toThrow(/timeout|aborted/i);
    expect(fake.requestsFor(LAPTOP._id)).toBe(1);
  });

  it('reset() restores every switch and clears the log', async () => {
    fake.mode = 'html';
    fake.latencyMs = 1000;
    fake.failNext(500, 5);
    await fetch(`${fake.url}/api/nothing`, { signal: AbortSignal.timeout(100) }).catch(() => {});
    fake.reset();
    expect(fake.requests).toEqual([]);
    expect(fake.mode).toBe('normal');
    expect(fake.latencyMs).toBe(0);
    expect((await fetch(`${fake.url}/api/products/${LAPTOP._id}`)).status).toBe(200);
  });

  it('down() refuses connections on the same port until up()', async () => {
    const url = `${fake.url}/api/products/${LAPTOP._id}`;
    expect((await fetch(url)).status).toBe(200); // leaves a keep-alive connection open
    const before = fake.url;
    await fake.down();
    // fetch's errors come from another realm under jest, so match their shape, not their class.
    await expect(fetch(url)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
    await fake.up();
    expect(fake.url).toBe(before);
    expect((await fetch(url)).status).toBe(200);
  });

  it('down() also cuts requests in flight', async () => {
    fake.mode = 'hang';
    const pending = expect(fetch(`${fake.url}/api/products/${LAPTOP._id}`)).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await fake.down();
    await pending;
    await fake.up();
  });
});

describe('FakeUserService', () => {
  let fake: FakeUserService;
  const userId = objectId();

  beforeAll(async () => {
    fake = await FakeUserService.start({ secret: TEST_SECRET });
    fake.addUser(userId, {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      password: 's3cret',
    });
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  const me = (token?: string) =>
    getJson(`${fake.url}/api/users/me`, {
      headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    });

  it('answers the user document for a bearer token, without the password', async () => {
    const { status, body } = await me(signToken({ userId, email: 'ada@example.com' }));
    expect(status).toBe(200);
    expect(body).toEqual({
      _id: userId,
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      role: 'customer',
      addresses: [
        {
          street: expect.any(String),
          city: expect.any(String),
          state: expect.any(String),
          zipCode: expect.any(String),
          country: expect.any(String),
          isDefault: true,
        },
      ],
      isActive: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  it('decodes without verifying: another secret still finds the user', async () => {
    expect((await me(signToken({ userId }, { secret: 'other' }))).status).toBe(200);
  });

  it('answers 401 without or with an undecodable token, 404 for an unknown user', async () => {
    expect(await me()).toEqual({ status: 401, body: { message: 'Invalid token' } });
    expect(await me('not.a.jwt')).toEqual({ status: 401, body: { message: 'Invalid token' } });
    expect(await me(signToken({ userId: undefined }))).toMatchObject({ status: 401 });
    expect(await me(signToken({ userId: objectId() }))).toEqual({
      status: 404,
      body: { message: 'User not found' },
    });
  });

  it('logs in with HS256 tokens carrying exactly userId, email and role for 7 days', async () => {
    const { status, body } = await post(`${fake.url}/api/auth/login`, {
      email: 'ADA@example.com',
      password: 's3cret',
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ message: 'Login successful', user: { _id: userId } });
    expect(body.user.password).toBeUndefined();
    const claims = jwt.verify(body.token, TEST_SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(Object.keys(claims).sort()).toEqual(['email', 'exp', 'iat', 'role', 'userId']);
    expect(claims).toMatchObject({ userId, email: 'ada@example.com', role: 'customer' });
    expect(claims.exp! - claims.iat!).toBe(7 * 24 * 3600);
    expect(jwt.decode(body.token, { complete: true })!.header.alg).toBe('HS256');
    expect(jwt.decode(fake.tokenFor(userId))).toMatchObject({ userId, role: 'customer' });
  });

  it('refuses bad credentials', async () => {
    const invalid = { status: 401, body: { message: 'Invalid credentials' } };
    const login = (body: unknown) => post(`${fake.url}/api/auth/login`, body);
    expect(await login({ email: 'ada@example.com', password: 'wrong' })).toEqual(invalid);
    expect(await login({ email: 'nobody@example.com', password: 's3cret' })).toEqual(invalid);
    expect(await login({})).toEqual(invalid);
    const noPassword = fake.addUser(objectId());
    expect(await login({ email: noPassword.email, password: '' })).toEqual(invalid);
  });

  it('has the same switches', async () => {
    const token = signToken({ userId });
    fake.failNext(500, 1);
    expect((await me(token)).status).toBe(500);
    fake.latencyMs = 100;
    const started = performance.now();
    expect((await me(token)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${token}`,
      `Bearer ${token}`,
    ]);
    await fake.down();
    await expect(me(token)).rejects.toThrow();
    await fake.up();
    expect((await me(token)).status).toBe(200);
  });
});

describe('FakeInventoryService', () => {
  let fake: FakeInventoryService;
  const auth = { Authorization: `Bearer ${signToken()}` };
  const productId = objectId();

  beforeAll(async () => {
    fake = await FakeInventoryService.start();
  });
  beforeEach(() => {
    fake.reservations.clear();
    fake.setStock(productId, 5);
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  const reserve = (id: string, body: unknown, headers: Record<string, string> = auth) =>
    post(`${fake.url}/api/inventory/product/${id}/reserve`, body, headers);
  const settle = (reservationId: string, action: 'confirm' | 'cancel') =>
    post(`${fake.url}/api/inventory/reservation/${reservationId}/${action}`, {}, auth);
  const check = (items: unknown) => post(`${fake.url}/api/inventory/check-availability`, { items });

  it('starts with the demo catalog’s stock', () => {
    expect(fake.stock.get(LAPTOP._id)).toBe(LAPTOP.stock);
    expect(fake.stock.get(OUT_OF_STOCK._id)).toBe(0);
  });

  it('checks availability without a token', async () => {
    const { status, body } = await check([
      { productId, quantity: 5 },
      { productId: OUT_OF_STOCK._id, quantity: 1 },
      { productId: objectId(), quantity: 1 },
    ]);
    expect(status).toBe(200);
    expect(body.availability).toEqual([
      { productId, available: true, availableQuantity: 5, requestedQuantity: 5 },
      {
        productId: OUT_OF_STOCK._id,
        available: false,
        availableQuantity: 0,
        requestedQuantity: 1,
      },
      expect.objectContaining({ available: false, availableQuantity: 0 }),
    ]);
    expect((await check(undefined)).status).toBe(400);
  });

  it('reserves stock for 15 minutes, and refuses more than is left', async () => {
    expect(await reserve(productId, { quantity: 2, orderId: 'o-1' }, {})).toMatchObject({
      status: 401,
    });
    const before = Date.now();
    const { status, body } = await reserve(productId, { quantity: 4, orderId: 'o-1' });
    expect(status).toBe(201);
    expect(body).toEqual({
      message: 'Stock reserved successfully',
      reservation: {
        reservationId: expect.stringMatching(/^res_[0-9a-f]+$/),
        productId,
        quantity: 4,
        orderId: 'o-1',
        status: 'ACTIVE',
        expiresAt: expect.any(String),
      },
    });
    const ttl = Date.parse(body.reservation.expiresAt) - before;
    expect(ttl).toBeGreaterThan(14.9 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000 + 1000);
    expect(fake.reservations.get(body.reservation.reservationId)?.status).toBe('ACTIVE');

    expect(await reserve(productId, { quantity: 2, orderId: 'o-2' })).toEqual({
      status: 400,
      body: { message: 'Insufficient stock available' },
    });
    expect((await check([{ productId, quantity: 1 }])).body.availability[0]).toMatchObject({
      available: true,
      availableQuantity: 1,
    });
    const short = await reserve(productId, { quantity: 1, orderId: 'o-3', expirationMinutes: 1 });
    expect(Date.parse(short.body.reservation.expiresAt) - Date.now()).toBeLessThanOrEqual(60_000);
    expect((await reserve(productId, { quantity: 0, orderId: 'o-4' })).status).toBe(400);
  });

  it('confirms a reservation once, taking it off the stock', async () => {
    const { body } = await reserve(productId, { quantity: 3, orderId: 'o-1' });
    const id = body.reservation.reservationId;
    const confirmed = await settle(id, 'confirm');
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.reservation).toMatchObject({ reservationId: id, status: 'CONFIRMED' });
    expect(fake.stock.get(productId)).toBe(2);
    expect(fake.availableQuantity(productId)).toBe(2);
    expect(await settle(id, 'confirm')).toEqual({
      status: 400,
      body: { message: 'Reservation is not active' },
    });
    expect(await settle(id, 'cancel')).toMatchObject({ status: 400 });
  });

  it('cancels a reservation, releasing its stock', async () => {
    const { body } = await reserve(productId, { quantity: 5, orderId: 'o-1' });
    expect(fake.availableQuantity(productId)).toBe(0);
    const cancelled = await settle(body.reservation.reservationId, 'cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.reservation.status).toBe('CANCELLED');
    expect(fake.availableQuantity(productId)).toBe(5);
    expect(fake.stock.get(productId)).toBe(5);
  });

  it('answers 404 for an unknown reservation and 401 without a token', async () => {
    expect(await settle('res_0000', 'confirm')).toEqual({
      status: 404,
      body: { message: 'Reservation not found' },
    });
    const { body } = await reserve(productId, { quantity: 1, orderId: 'o-1' });
    const noAuth = await post(
      `${fake.url}/api/inventory/reservation/${body.reservation.reservationId}/confirm`,
      {},
    );
    expect(noAuth.status).toBe(401);
  });

  it('expire() makes a reservation lapse and frees its stock', async () => {
    const { body } = await reserve(productId, { quantity: 5, orderId: 'o-1' });
    const id = body.reservation.reservationId;
    fake.expire(id);
    expect(fake.reservations.get(id)?.status).toBe('EXPIRED');
    expect(fake.availableQuantity(productId)).toBe(5);
    expect(await settle(id, 'confirm')).toEqual({
      status: 400,
      body: { message: 'Reservation is not active' },
    });
  });

  it('has the same switches', async () => {
    fake.failNext(503, 1);
    expect((await check([{ productId, quantity: 1 }])).status).toBe(503);
    expect((await check([{ productId, quantity: 1 }])).status).toBe(200);
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: '/api/inventory/check-availability',
      body: { items: [{ productId, quantity: 1 }] },
    });
    await fake.down();
    await expect(check([])).rejects.toThrow();
    await fake.up();
    expect((await check([{ productId, quantity: 1 }])).status).toBe(200);
  });
});
