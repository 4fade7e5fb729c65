import type { Response } from 'supertest';
import type { ProductDocument } from '../src/product-client/product-document';
import { useOrderService } from './utils/fixture';
import {
  ADDRESS,
  amount,
  countRows,
  createOrder,
  decimal,
  expectedPricing,
  expectStatus,
  expectTwoDecimalMoney,
  ISO_DATE,
  ItemInput,
  itemRows,
  mustOrderRow,
  NO_RATE_LIMITS,
  ORDER_NUMBER,
  OrderJson,
  ORDERS,
  OTHER_ADDRESS,
  PRODUCTS,
  toCents,
  UUID,
  validOrderBody,
} from './utils/orders';
import { expectProblem } from './utils/problem';
import { makeUser, objectId, TestUser } from './utils/tokens';

const TIMEOUT_MS = 300;

describe('POST /api/orders', () => {
  const t = useOrderService({
    product: true,
    env: { ...NO_RATE_LIMITS, PRODUCT_SERVICE_TIMEOUT_MS: String(TIMEOUT_MS) },
  });
  const { products: fake, admin } = t;
  const customer = makeUser('customer', 'Jane.Doe+shop@example.com');

  const product = (id: string): ProductDocument => {
    const p = fake.products.get(id);
    if (!p) throw new Error(`the fake has no product ${id}`);
    return p;
  };

  /** The item snapshot the issue asks for, from the fake's own document. */
  function expectedItem(p: ProductDocument, quantity: number) {
    const unit = toCents(p.price);
    return {
      id: expect.stringMatching(UUID),
      product_id: p._id,
      product_name: p.name,
      product_sku: p.sku,
      product_image: p.images[0]?.url ?? null,
      unit_price: amount(unit),
      quantity,
      subtotal: amount(unit * quantity),
      product_attributes: { brand: p.brand ?? null, category: p.category ?? null },
      // No Inventory Service is configured here, so no line holds a reservation.
      reservation_id: null,
      created_at: expect.stringMatching(ISO_DATE),
    };
  }

  interface Expectation {
    user?: TestUser;
    billing?: typeof ADDRESS;
    notes?: string | null;
    paymentMethod?: string;
  }

  /**
   * Checks every member of a 201 answer and the rows behind it against the fake's products:
   * `lines` are the merged lines the order must hold, in order.
   */
  async function expectCreated(
    res: Response,
    lines: ItemInput[],
    options: Expectation = {},
  ): Promise<OrderJson> {
    const user = options.user ?? customer;
    expectStatus(res, 201);
    const products = lines.map((line) => product(line.product_id));
    const pricing = expectedPricing(
      lines.map((line, i) => ({ price: products[i].price, quantity: line.quantity })),
    );
    const body = res.body as OrderJson;
    const billing = options.billing ?? ADDRESS;
    expect(body).toEqual({
      id: expect.stringMatching(UUID),
      order_number: expect.stringMatching(ORDER_NUMBER),
      user_id: user.userId,
      customer_email: user.email,
      customer_name: user.email.split('@')[0],
      status: 'pending',
      payment_status: 'pending',
      subtotal: amount(pricing.subtotal),
      tax: amount(pricing.tax),
      shipping_cost: amount(pricing.shipping),
      discount: 0,
      total: amount(pricing.total),
      currency: 'USD',
      shipping_address: ADDRESS,
      billing_address: billing,
      payment_method: options.paymentMethod ?? 'credit_card',
      payment_intent_id: null,
      tracking_number: null,
      carrier: null,
      customer_notes: options.notes ?? null,
      ...(user.role === 'admin' ? { internal_notes: null } : {}),
      cancellation_reason: null,
      flags: [],
      version: 1,
      created_at: expect.stringMatching(ISO_DATE),
      updated_at: expect.stringMatching(ISO_DATE),
      confirmed_at: null,
      shipped_at: null,
      delivered_at: null,
      cancelled_at: null,
      items: lines.map((line, i) => expectedItem(products[i], line.quantity)),
      allowed_transitions: user.role === 'admin' ? ['confirmed', 'cancelled'] : ['cancelled'],
    });
    if (user.role !== 'admin') expect(body).not.toHaveProperty('internal_notes');
    expectTwoDecimalMoney(res.text);

    const row = await mustOrderRow(t, body.id);
    expect(row).toMatchObject({
      id: body.id,
      order_number: body.order_number,
      user_id: user.userId,
      customer_email: user.email,
      customer_name: user.email.split('@')[0],
      status: 'pending',
      payment_status: 'pending',
      subtotal: decimal(pricing.subtotal),
      tax: decimal(pricing.tax),
      shipping_cost: decimal(pricing.shipping),
      discount: '0.00',
      total: decimal(pricing.total),
      currency: 'USD',
      shipping_address: ADDRESS,
      billing_address: billing,
      payment_method: options.paymentMethod ?? 'credit_card',
      payment_intent_id: null,
      tracking_number: null,
      carrier: null,
      customer_notes: options.notes ?? null,
      internal_notes: null,
      cancellation_reason: null,
      version: 1,
      confirmed_at: null,
      shipped_at: null,
      delivered_at: null,
      cancelled_at: null,
    });
    expect(row.created_at.getTime()).toBe(new Date(body.created_at).getTime());

    const items = await itemRows(t, body.id);
    expect(items).toEqual(
      lines.map((line, i) => ({
        id: body.items[i].id,
        order_id: body.id,
        position: i,
        product_id: products[i]._id,
        product_name: products[i].name,
        product_sku: products[i].sku,
        product_image: products[i].images[0]?.url ?? null,
        unit_price: decimal(pricing.lines[i].unit),
        quantity: line.quantity,
        subtotal: decimal(pricing.lines[i].subtotal),
        product_attributes: {
          brand: products[i].brand ?? null,
          category: products[i].category ?? null,
        },
        reservation_id: null,
        // No Inventory Service here, so no hold to track.
        stock_status: null,
        created_at: expect.any(Date),
      })),
    );

    // What was stored is what is served afterwards.
    const again = await t.http.get(`${ORDERS}/${body.id}`).set(user.auth);
    expectStatus(again, 200);
    expect(again.body).toEqual(body);
    return body;
  }

  const post = (body: unknown, user: TestUser = customer) =>
    t.http
      .post(ORDERS)
      .set(user.auth)
      .send(body as object);

  describe('pricing and snapshots', () => {
    it('creates an order of one item, every money and snapshot field checked', async () => {
      const lines = [{ product_id: PRODUCTS.laptop, quantity: 1 }];
      const order = await expectCreated(await post(validOrderBody(lines)), lines);

      // 1299.99 + 8 % (103.9992 → 104.00), free shipping.
      expect(order).toMatchObject({
        subtotal: 1299.99,
        tax: 104,
        shipping_cost: 0,
        total: 1403.99,
      });
      expect(order.items[0]).toMatchObject({
        product_name: 'Aurora 14 Ultrabook',
        product_sku: 'ELEC-LAP-AUR14',
        product_image: 'https://images.example.com/products/aurora-14-front.jpg',
        product_attributes: { brand: 'Lumen', category: 'electronics' },
      });
    });

    it('creates an order of three items, each line and the totals exact', async () => {
      const lines = [
        { product_id: PRODUCTS.headphones, quantity: 2 },
        { product_id: PRODUCTS.tshirt, quantity: 3 },
        { product_id: PRODUCTS.battery, quantity: 7 },
      ];
      const order = await expectCreated(await post(validOrderBody(lines)), lines);

      // 499.98 + 73.50 + 8.05 = 581.53; tax 46.5224 → 46.52.
      expect(order.items.map((i) => [i.unit_price, i.quantity, i.subtotal])).toEqual([
        [249.99, 2, 499.98],
        [24.5, 3, 73.5],
        [1.15, 7, 8.05],
      ]);
      expect(order).toMatchObject({ subtotal: 581.53, tax: 46.52, shipping_cost: 0 });
      expect(order.total).toBe(628.05);
    });

    it('prices 1.15 as 115 cents exactly', async () => {
      const one = [{ product_id: PRODUCTS.battery, quantity: 1 }];
      const single = await expectCreated(await post(validOrderBody(one)), one);
      expect(single).toMatchObject({
        subtotal: 1.15,
        tax: 0.09,
        shipping_cost: 10,
        total: 11.24,
      });
      expect(single.items[0].unit_price).toBe(1.15);

      // 1.15 × 3 is 3.4499999999999997 in binary floats.
      const three = [{ product_id: PRODUCTS.battery, quantity: 3 }];
      const triple = await expectCreated(await post(validOrderBody(three)), three);
      expect(triple).toMatchObject({ subtotal: 3.45, tax: 0.28, shipping_cost: 10, total: 13.73 });
      expect(triple.items[0].subtotal).toBe(3.45);
      const rows = await itemRows(t, triple.id);
      expect(rows[0]).toMatchObject({ unit_price: '1.15', subtotal: '3.45' });
    });

    it('adds cents without float drift (0.10 + 0.20) and rounds the tax once per order', async () => {
      const dime = fake.add({ name: 'Dime sticker', price: 0.1 });
      const twenty = fake.add({ name: 'Twenty sticker', price: 0.2 });
      const sixA = fake.add({ name: 'Six A', price: 0.06 });
      const sixB = fake.add({ name: 'Six B', price: 0.06 });

      const floats = [
        { product_id: dime._id, quantity: 1 },
        { product_id: twenty._id, quantity: 1 },
      ];
      const sum = await expectCreated(await post(validOrderBody(floats)), floats);
      expect(sum).toMatchObject({ subtotal: 0.3, tax: 0.02, total: 10.32 });

      // Per line 0.0048 → 0.00 twice; per order 0.0096 → 0.01.
      const sixes = [
        { product_id: sixA._id, quantity: 1 },
        { product_id: sixB._id, quantity: 1 },
      ];
      const once = await expectCreated(await post(validOrderBody(sixes)), sixes);
      expect(once).toMatchObject({ subtotal: 0.12, tax: 0.01, shipping_cost: 10, total: 10.13 });
    });

    it('charges shipping at 99.99 and not at 100.00', async () => {
      const under = [{ product_id: PRODUCTS.skillet, quantity: 1 }];
      const below = await expectCreated(await post(validOrderBody(under)), under);
      expect(below).toMatchObject({ subtotal: 99.99, tax: 8, shipping_cost: 10, total: 117.99 });

      const at = [{ product_id: PRODUCTS.jacket, quantity: 1 }];
      const free = await expectCreated(await post(validOrderBody(at)), at);
      expect(free).toMatchObject({ subtotal: 100, tax: 8, shipping_cost: 0, total: 108 });
    });

    it('merges the same product listed twice into one line, in first-appearance order', async () => {
      const body = validOrderBody([
        { product_id: PRODUCTS.novel, quantity: 2 },
        { product_id: PRODUCTS.tshirt, quantity: 1 },
        { product_id: PRODUCTS.novel, quantity: 3 },
      ]);
      const order = await expectCreated(await post(body), [
        { product_id: PRODUCTS.novel, quantity: 5 },
        { product_id: PRODUCTS.tshirt, quantity: 1 },
      ]);
      expect(order.items).toHaveLength(2);
      expect(await itemRows(t, order.id)).toHaveLength(2);
    });

    it('treats an upper-case hex id as the same product, merging it', async () => {
      const body = validOrderBody([
        { product_id: PRODUCTS.tshirt.toUpperCase(), quantity: 1 },
        { product_id: PRODUCTS.tshirt, quantity: 2 },
      ]);
      const order = await expectCreated(await post(body), [
        { product_id: PRODUCTS.tshirt, quantity: 3 },
      ]);
      expect(order.items[0].product_id).toBe(product(PRODUCTS.tshirt)._id);
    });

    it('checks stock against the merged quantity', async () => {
      const before = await countRows(t);
      const res = await post(
        validOrderBody([
          { product_id: PRODUCTS.headphones, quantity: 2 },
          { product_id: PRODUCTS.headphones, quantity: 2 },
        ]),
      );
      const body = expectProblem(res, 409, 'INSUFFICIENT_STOCK', [
        'product_id',
        'requested',
        'available',
      ]);
      expect(body.detail).toContain(PRODUCTS.headphones);
      expect(await countRows(t)).toEqual(before);
    });

    it('accepts exactly the stock on hand', async () => {
      const lines = [
        { product_id: PRODUCTS.headphones, quantity: product(PRODUCTS.headphones).stock },
      ];
      await expectCreated(await post(validOrderBody(lines)), lines);
    });

    it('snapshots the first image (not the primary one) and null for what a product lacks', async () => {
      const firstNotPrimary = fake.add({
        name: 'Two pictures',
        brand: 'Acme',
        images: [
          { url: 'https://images.example.com/first.jpg', alt: 'first', isPrimary: false },
          { url: 'https://images.example.com/primary.jpg', alt: 'primary', isPrimary: true },
        ],
      });
      const bare = fake.add({ name: 'No picture, no brand', images: [] });
      const lines = [
        { product_id: firstNotPrimary._id, quantity: 1 },
        { product_id: bare._id, quantity: 2 },
      ];
      const order = await expectCreated(await post(validOrderBody(lines)), lines);
      expect(order.items[0].product_image).toBe('https://images.example.com/first.jpg');
      expect(order.items[0].product_attributes).toEqual({ brand: 'Acme', category: 'test' });
      expect(order.items[1].product_image).toBeNull();
      expect(order.items[1].product_attributes).toEqual({ brand: null, category: 'test' });
    });

    it('keeps the snapshot when the catalogue changes later', async () => {
      const p = fake.add({ name: 'Old name', price: 19.99, brand: 'Before' });
      const order = await createOrder(t, customer, validOrderBody([p._id]));
      fake.add({ ...p, name: 'New name', price: 5, brand: 'After', images: [] });

      const res = await t.http.get(`${ORDERS}/${order.id}`).set(customer.auth);
      expectStatus(res, 200);
      expect(res.body.items[0]).toMatchObject({
        product_name: 'Old name',
        unit_price: 19.99,
        product_attributes: { brand: 'Before', category: 'test' },
        product_image: p.images[0].url,
      });
      expect(res.body.subtotal).toBe(19.99);
    });

    it('accepts 50 distinct items and quantity 1000', async () => {
      const many = Array.from({ length: 50 }, (_, i) =>
        fake.add({
          name: `Bulk ${i}`,
          price: Number(`1.${String(i).padStart(2, '0')}`),
          stock: 1000,
        }),
      );
      const lines = many.map((p, i) => ({ product_id: p._id, quantity: i === 0 ? 1000 : 1 }));
      const order = await expectCreated(await post(validOrderBody(lines)), lines);
      expect(order.items).toHaveLength(50);
      expect(order.items[0].quantity).toBe(1000);
    });
  });

  describe('customer, addresses and options', () => {
    it('takes customer_email from the token and customer_name from its local part', async () => {
      const lines = [{ product_id: PRODUCTS.novel, quantity: 1 }];
      const order = await expectCreated(await post(validOrderBody(lines)), lines);
      expect(order.customer_email).toBe('Jane.Doe+shop@example.com');
      expect(order.customer_name).toBe('Jane.Doe+shop');
      expect(order.user_id).toBe(customer.userId);
    });

    it('lets an admin order for themself', async () => {
      const lines = [{ product_id: PRODUCTS.novel, quantity: 1 }];
      const order = await expectCreated(await post(validOrderBody(lines), admin), lines, {
        user: admin,
      });
      expect(order.user_id).toBe(admin.userId);
    });

    it('defaults the billing address to the shipping address', async () => {
      const lines = [{ product_id: PRODUCTS.novel, quantity: 1 }];
      const order = await expectCreated(await post(validOrderBody(lines)), lines, {
        billing: ADDRESS,
      });
      expect(order.billing_address).toEqual(order.shipping_address);
    });

    it('keeps a billing address, notes and payment method that are given', async () => {
      const lines = [{ product_id: PRODUCTS.novel, quantity: 1 }];
      const notes = 'Leave it at the door.\nThanks!';
      await expectCreated(
        await post(
          validOrderBody(lines, {
            billing_address: OTHER_ADDRESS,
            customer_notes: notes,
            payment_method: 'paypal',
          }),
        ),
        lines,
        { billing: OTHER_ADDRESS, notes, paymentMethod: 'paypal' },
      );
    });

    it('accepts customer_notes of exactly 1000 characters', async () => {
      const lines = [{ product_id: PRODUCTS.novel, quantity: 1 }];
      const notes = 'n'.repeat(1000);
      await expectCreated(await post(validOrderBody(lines, { customer_notes: notes })), lines, {
        notes,
      });
    });
  });

  describe('order numbers', () => {
    it('are ORD-YYYYMMDD-XXXXXX with the UTC date, and unique across 30 orders', async () => {
      const user = makeUser('customer');
      const numbers: string[] = [];
      for (let i = 0; i < 30; i++) {
        const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
        const order = await createOrder(t, user, validOrderBody([PRODUCTS.battery]));
        const after = new Date().toISOString().slice(0, 10).replace(/-/g, '');
        const match = ORDER_NUMBER.exec(order.order_number);
        expect(match).not.toBeNull();
        expect([day, after]).toContain(match![1]);
        numbers.push(order.order_number);
      }
      expect(new Set(numbers).size).toBe(30);

      const rows = await t.db.query<{ order_number: string }[]>(
        'SELECT order_number FROM orders WHERE user_id = $1 ORDER BY created_at',
        [user.userId],
      );
      expect(rows.map((r) => r.order_number).sort()).toEqual([...numbers].sort());
      const [dupes] = await t.db.query<{ n: number }[]>(
        'SELECT count(*)::int - count(DISTINCT order_number)::int AS n FROM orders',
      );
      expect(dupes.n).toBe(0);
    });
  });

  describe('product errors write nothing', () => {
    /** Posts, expects the problem, and checks that no order or item row appeared. */
    async function expectRejected(
      body: unknown,
      status: number,
      code: string,
      extensions: string[] = ['product_id', 'requested', 'available'],
    ): Promise<Record<string, unknown>> {
      const before = await countRows(t);
      const res = await post(body);
      expect(await countRows(t)).toEqual(before);
      return expectProblem(res, status, code, extensions);
    }

    it('422 PRODUCT_NOT_FOUND naming an unknown id', async () => {
      const missing = objectId();
      const problem = await expectRejected(validOrderBody([missing]), 422, 'PRODUCT_NOT_FOUND');
      expect(problem.detail).toContain(missing);
      if ('product_id' in problem) expect(problem.product_id).toBe(missing);
      expect(fake.requestsFor(missing)).toBe(1);
    });

    it('422 PRODUCT_NOT_FOUND when only the last of several products is unknown', async () => {
      const missing = objectId();
      const problem = await expectRejected(
        validOrderBody([PRODUCTS.novel, PRODUCTS.tshirt, missing]),
        422,
        'PRODUCT_NOT_FOUND',
      );
      expect(problem.detail).toContain(missing);
    });

    it('422 PRODUCT_UNAVAILABLE for an inactive product', async () => {
      const problem = await expectRejected(
        validOrderBody([PRODUCTS.novel, PRODUCTS.bulb]),
        422,
        'PRODUCT_UNAVAILABLE',
      );
      expect(problem.detail).toContain(PRODUCTS.bulb);
    });

    it.each([
      ['stock 0', PRODUCTS.socks, 1],
      ['stock 3, 4 asked', PRODUCTS.headphones, 4],
    ])('409 INSUFFICIENT_STOCK naming the product (%s)', async (_name, id, quantity) => {
      const p = product(id);
      const problem = await expectRejected(
        validOrderBody([PRODUCTS.novel, { product_id: p._id, quantity }]),
        409,
        'INSUFFICIENT_STOCK',
      );
      expect(problem.detail).toEqual(expect.stringMatching(new RegExp(`${p._id}|${p.name}`)));
      if ('product_id' in problem) expect(problem.product_id).toBe(p._id);
    });

    it('503 PRODUCT_SERVICE_UNAVAILABLE when the Product Service is down', async () => {
      await fake.down();
      try {
        await expectRejected(validOrderBody([PRODUCTS.novel]), 503, 'PRODUCT_SERVICE_UNAVAILABLE');
      } finally {
        await fake.up();
      }
    });

    it('takes orders again once the Product Service is back up', async () => {
      await fake.down();
      try {
        const refused = await post(validOrderBody([PRODUCTS.novel]));
        expect([refused.status, refused.body.code]).toEqual([503, 'PRODUCT_SERVICE_UNAVAILABLE']);
      } finally {
        await fake.up();
      }
      const lines = [{ product_id: PRODUCTS.novel, quantity: 1 }];
      await expectCreated(await post(validOrderBody(lines)), lines);
    });

    it(`503 PRODUCT_SERVICE_UNAVAILABLE when it answers after the ${TIMEOUT_MS} ms timeout`, async () => {
      fake.latencyMs = 3000;
      const started = Date.now();
      await expectRejected(validOrderBody([PRODUCTS.novel]), 503, 'PRODUCT_SERVICE_UNAVAILABLE');
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(elapsed).toBeLessThan(2500);
      expect(fake.requestsFor(PRODUCTS.novel)).toBeGreaterThanOrEqual(1);
    });

    it('503 PRODUCT_SERVICE_UNAVAILABLE when it never answers', async () => {
      fake.mode = 'hang';
      await expectRejected(validOrderBody([PRODUCTS.novel]), 503, 'PRODUCT_SERVICE_UNAVAILABLE');
    });

    it('503 PRODUCT_SERVICE_UNAVAILABLE when it drops the connection', async () => {
      fake.mode = 'drop-connection';
      await expectRejected(validOrderBody([PRODUCTS.novel]), 503, 'PRODUCT_SERVICE_UNAVAILABLE');
    });

    it.each([
      ['an HTML page', 'html'],
      ['truncated JSON', 'truncated-json'],
      ['price "abc"', 'garbage-price'],
    ] as const)('502 PRODUCT_SERVICE_BAD_RESPONSE for %s', async (_name, mode) => {
      fake.mode = mode;
      await expectRejected(
        validOrderBody([PRODUCTS.novel, PRODUCTS.tshirt]),
        502,
        'PRODUCT_SERVICE_BAD_RESPONSE',
      );
    });

    it.each([
      ['a missing price', { price: undefined }],
      ['a negative price', { price: -1 }],
      ['a fractional stock', { stock: 1.5 }],
      ['a document of another product', { _id: '0123456789abcdef01234567' }],
    ])('502 PRODUCT_SERVICE_BAD_RESPONSE for %s', async (_name, change) => {
      const p = fake.add({ name: 'Broken' });
      fake.products.set(p._id, { ...p, ...change } as ProductDocument);
      await expectRejected(validOrderBody([p._id]), 502, 'PRODUCT_SERVICE_BAD_RESPONSE');
    });
  });

  describe('validation: 400 before any look-up, nothing written', () => {
    async function expectInvalid(body: unknown): Promise<Record<string, unknown>> {
      const before = await countRows(t);
      fake.reset();
      const res = await post(body);
      const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(await countRows(t)).toEqual(before);
      expect(fake.requests).toEqual([]);
      return problem;
    }

    const fieldsNamed = (problem: Record<string, unknown>): string[] =>
      ((problem.errors ?? []) as { field: string }[]).map((e) => e.field);

    it.each([
      ['total', 0.01],
      ['subtotal', 0.01],
      ['tax', 0],
      ['shipping_cost', 0],
      ['discount', 100],
      ['status', 'delivered'],
      ['payment_status', 'completed'],
      ['user_id', objectId()],
      ['order_number', 'ORD-20250101-AAAAAA'],
      ['customer_email', 'someone@else.com'],
      ['customer_name', 'Someone'],
      ['id', '00000000-0000-4000-8000-000000000000'],
      ['version', 7],
      ['currency', 'EUR'],
      ['internal_notes', 'vip'],
      ['tracking_number', '1Z999'],
      ['created_at', '2020-01-01T00:00:00.000Z'],
    ])('rejects the server-owned field %s', async (field, value) => {
      const problem = await expectInvalid(validOrderBody([PRODUCTS.novel], { [field]: value }));
      expect(fieldsNamed(problem)).toContain(field);
    });

    it.each([
      ['price', 0.01],
      ['unit_price', 0.01],
      ['subtotal', 0.01],
      ['product_name', 'Free'],
      ['product_sku', 'X'],
    ])('rejects items[].%s', async (field, value) => {
      const problem = await expectInvalid(
        validOrderBody([{ product_id: PRODUCTS.novel, quantity: 1, [field]: value }]),
      );
      expect(fieldsNamed(problem).join(' ')).toContain(field);
    });

    it('rejects an unknown field inside the shipping address', async () => {
      const problem = await expectInvalid(
        validOrderBody([PRODUCTS.novel], { shipping_address: { ...ADDRESS, phone: '555' } }),
      );
      expect(fieldsNamed(problem).join(' ')).toContain('phone');
    });

    const ids = (n: number) => Array.from({ length: n }, () => objectId());

    it.each([
      ['no items', { items: [] }],
      ['51 items', { items: ids(51).map((id) => ({ product_id: id, quantity: 1 })) }],
      ['items missing', { items: undefined }],
      ['items not an array', { items: { product_id: PRODUCTS.novel, quantity: 1 } }],
      ['an item that is not an object', { items: ['x'] }],
      ['a null item', { items: [null] }],
    ])('rejects %s', async (_name, override) => {
      await expectInvalid(validOrderBody([PRODUCTS.novel], override));
    });

    it.each([
      ['0', 0],
      ['-1', -1],
      ['1.5', 1.5],
      ['"2"', '2'],
      ['1001', 1001],
      ['1e20', 1e20],
      ['null', null],
      ['missing', undefined],
      ['true', true],
    ])('rejects quantity %s', async (_name, quantity) => {
      const problem = await expectInvalid(
        validOrderBody([{ product_id: PRODUCTS.novel, quantity } as unknown as ItemInput]),
      );
      expect(fieldsNamed(problem).join(' ')).toContain('quantity');
    });

    it('rejects merged quantities above 1000 for one product', async () => {
      await expectInvalid(
        validOrderBody([
          { product_id: PRODUCTS.novel, quantity: 600 },
          { product_id: PRODUCTS.novel, quantity: 600 },
        ]),
      );
    });

    it.each([
      ['../admin', '../admin'],
      ['24 non-hex characters', 'z'.repeat(24)],
      ['too short', '65a1f0c0e4b0'],
      ['23 hex', PRODUCTS.laptop.slice(0, 23)],
      ['25 hex', `${PRODUCTS.laptop}0`],
      ['a path after an id', `${PRODUCTS.laptop}/../x`],
      ['a query in an id', `${PRODUCTS.laptop.slice(0, 23)}?`],
      ['an encoded slash', `${PRODUCTS.laptop.slice(0, 21)}%2F`],
      ['surrounding spaces', ` ${PRODUCTS.laptop} `],
      ['empty', ''],
      ['a number', 123456],
      ['null', null],
      ['an object', { $ne: null }],
    ])('rejects a product id that is %s, without asking the Product Service', async (_n, id) => {
      const problem = await expectInvalid(
        validOrderBody([{ product_id: id, quantity: 1 } as unknown as ItemInput]),
      );
      expect(fieldsNamed(problem).join(' ')).toContain('product_id');
    });

    it('rejects an invalid id even next to valid ones, asking nothing', async () => {
      await expectInvalid(
        validOrderBody([PRODUCTS.novel, { product_id: '../admin', quantity: 1 }, PRODUCTS.tshirt]),
      );
    });

    const noStreet = { ...ADDRESS, street: undefined };
    it.each([
      ['shipping_address missing', { shipping_address: undefined }],
      ['shipping_address null', { shipping_address: null }],
      ['shipping_address a string', { shipping_address: '1 Main Street, Springfield' }],
      ['shipping_address without street', { shipping_address: noStreet }],
      ['an empty city', { shipping_address: { ...ADDRESS, city: '' } }],
      ['a blank state', { shipping_address: { ...ADDRESS, state: '   ' } }],
      ['a numeric zipCode', { shipping_address: { ...ADDRESS, zipCode: 62701 } }],
      ['a 1000-character street', { shipping_address: { ...ADDRESS, street: 's'.repeat(1000) } }],
      ['a control character', { shipping_address: { ...ADDRESS, country: 'U\u0000S' } }],
      ['a billing address without street', { billing_address: noStreet }],
      ['a billing address that is an array', { billing_address: [ADDRESS] }],
      ['customer_notes of 1001 characters', { customer_notes: 'n'.repeat(1001) }],
      ['customer_notes not a string', { customer_notes: 42 }],
      ['an unknown payment method', { payment_method: 'bitcoin' }],
    ])('rejects %s', async (_name, override) => {
      await expectInvalid(validOrderBody([PRODUCTS.novel], override));
    });

    it('rejects a body that is an array or empty', async () => {
      await expectInvalid([validOrderBody([PRODUCTS.novel])]);
      await expectInvalid({});
    });
  });

  it('401 without a token, writing nothing', async () => {
    const before = await countRows(t);
    const res = await t.http.post(ORDERS).send(validOrderBody([PRODUCTS.novel]));
    expectProblem(res, 401, 'UNAUTHORIZED');
    expect(await countRows(t)).toEqual(before);
    expect(fake.requests).toEqual([]);
  });
});
