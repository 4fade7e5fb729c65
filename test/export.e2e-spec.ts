import { parse } from 'csv-parse/sync';
import { get as httpGet, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import type { Response } from 'supertest';
import { createTestApp, TestApp } from './utils/app';
import { expectStatus, OrderJson, ORDERS } from './utils/orders';
import { expectProblem } from './utils/problem';
import { expectedSearch, Query, SEARCH_PRODUCTS, seedSearchOrders } from './utils/search-fixture';
import { SeedOrder, seedBulkOrders } from './utils/seed-orders';
import { makeUser, TestUser } from './utils/tokens';

const EXPORT = `${ORDERS}/export`;
const NOW = new Date(Date.UTC(2026, 5, 15, 12, 0, 0));

const ORDER_COLUMNS = [
  'id',
  'order_number',
  'created_at',
  'status',
  'payment_status',
  'user_id',
  'customer_email',
  'customer_name',
  'currency',
  'subtotal',
  'tax',
  'shipping_cost',
  'discount',
  'total',
  'payment_method',
  'tracking_number',
  'carrier',
  'flags',
];
const LINE_COLUMNS = [
  'line',
  'product_id',
  'product_sku',
  'product_name',
  'unit_price',
  'quantity',
  'line_subtotal',
];

/** What a spreadsheet must see for a text cell: formulas defused with a leading apostrophe. */
const cell = (text: string | null) =>
  text === null ? '' : /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
/** JSON money (a number with at most two decimals) as the exact decimal the CSV holds. */
const money = (amount: number) => amount.toFixed(2);

function expectedOrderCells(o: OrderJson): string[] {
  return [
    o.id,
    cell(o.order_number),
    new Date(o.created_at).toISOString(),
    o.status,
    o.payment_status,
    cell(o.user_id),
    cell(o.customer_email),
    cell(o.customer_name),
    o.currency,
    money(o.subtotal),
    money(o.tax),
    money(o.shipping_cost),
    money(o.discount),
    money(o.total),
    cell(o.payment_method),
    cell(o.tracking_number),
    cell(o.carrier),
    o.flags.map((f) => f.code).join(';'),
  ];
}

describe('export: GET /api/orders/export', () => {
  let t: TestApp;
  let admin: TestUser;
  let seeded: SeedOrder[];

  beforeAll(async () => {
    t = await createTestApp();
    admin = makeUser('admin');
    seeded = await seedSearchOrders(t.databaseUrl, 120, NOW);
  });

  afterAll(async () => {
    await t?.close();
  });

  /** The orders the search API answers for the same filters, every page. */
  async function apiOrders(query: Query): Promise<OrderJson[]> {
    const out: OrderJson[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await t.http
        .get(`${ORDERS}/all`)
        .query({ ...query, limit: '100', ...(cursor ? { cursor } : {}) })
        .set(admin.auth);
      expectStatus(res, 200);
      out.push(...(res.body as { orders: OrderJson[] }).orders);
      cursor = (res.body as { next_cursor: string | null }).next_cursor;
    } while (cursor);
    return out;
  }

  async function download(query: Query) {
    const res = await t.http
      .get(EXPORT)
      .query(query)
      .set(admin.auth)
      .buffer(true)
      .parse((response, done) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
      });
    return { res, text: res.body as string };
  }

  it.each<[string, Query]>([
    ['every order', {}],
    ['a filtered, sorted set', { status: 'pending,shipped,cancelled', sort: 'total' }],
    ['the formula-like and quoted names', { q: 'example', total_min: '5' }],
    ['a product', { product_id: SEARCH_PRODUCTS[2], sort: '-total' }],
  ])('%s: one row per order, equal field by field to the API', async (_name, query) => {
    const { res, text } = await download(query);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const today = new Date().toISOString().slice(0, 10);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="orders-${today}.csv"`);
    // RFC 4180 line ends; the only bare line breaks are inside quoted cells.
    expect(text.endsWith('\r\n')).toBe(true);

    const rows = parse(text, { relax_column_count: false });
    const [header, ...data] = rows;
    expect(header).toEqual([...ORDER_COLUMNS, 'item_count']);
    const orders = await apiOrders(query);
    expect(orders.map((o) => o.id)).toEqual(expectedSearch(seeded, query).map((o) => o.id));
    expect(data).toEqual(orders.map((o) => [...expectedOrderCells(o), String(o.items.length)]));
  });

  it('lines=true: one row per item, the order columns repeated', async () => {
    const query = { sort: 'created_at', created_from: '2026-06-12' };
    const { res, text } = await download({ ...query, lines: 'true' });
    expect(res.status).toBe(200);
    const [header, ...data] = parse(text);
    expect(header).toEqual([...ORDER_COLUMNS, ...LINE_COLUMNS]);
    const orders = await apiOrders(query);
    expect(orders.length).toBeGreaterThan(10);
    expect(data).toEqual(
      orders.flatMap((o) =>
        o.items.map((item, index) => [
          ...expectedOrderCells(o),
          String(index + 1),
          cell(item.product_id),
          cell(item.product_sku),
          cell(item.product_name),
          money(item.unit_price),
          String(item.quantity),
          money(item.subtotal),
        ]),
      ),
    );
    // The tricky text really is in there, and came back intact.
    const names = new Set(data.map((r) => r[7]));
    for (const name of [
      '\'=HYPERLINK("http://x","y")',
      'Bob "The Builder", Jr.',
      'Line\nBreak',
      "'\tTabbed",
      'Zoë Ünal',
      '李小龍',
    ]) {
      expect(names).toContain(name);
    }
    expect(
      new Set(data.map((r) => r[LINE_COLUMNS.indexOf('product_name') + ORDER_COLUMNS.length])),
    ).toContain('Naïve Café\r\nBlend');
  });

  it('an empty result is the header alone', async () => {
    const { res, text } = await download({ email: 'nobody@example.com' });
    expect(res.status).toBe(200);
    expect(text).toBe(`${[...ORDER_COLUMNS, 'item_count'].join(',')}\r\n`);
  });

  it.each<[string, Query]>([
    ['status', { status: 'nope' }],
    ['total_min', { total_min: '1.001' }],
    ['lines', { lines: 'maybe' }],
    ['page', { page: '1' }],
    ['cursor', { cursor: 'abc' }],
    ['limit', { limit: '10' }],
  ])('a bad %s is 400 before anything is streamed', async (field, query) => {
    const res = await t.http.get(EXPORT).query(query).set(admin.auth);
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect((body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
  });

  it('is for admins only', async () => {
    const res = await t.http.get(EXPORT).set(makeUser('customer').auth);
    expectProblem(res, 403, 'FORBIDDEN');
  });

  it('a client that goes away stops the query', async () => {
    const admin_ = new Client({ connectionString: t.databaseUrl });
    await admin_.connect();
    const server: Server = t.app.getHttpServer();
    try {
      await seedBulkOrders(admin_, 30_000, { now: new Date(Date.UTC(2025, 0, 1)) });
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      const { port } = server.address() as AddressInfo;
      const exports = async () =>
        (
          await admin_.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND query LIKE '/* order-export */%'
               AND pid <> pg_backend_pid() AND state <> 'idle'`,
          )
        ).rows[0].n;

      const response = await new Promise<IncomingMessage>((ok, fail) =>
        httpGet(
          { port, host: '127.0.0.1', path: `${EXPORT}?lines=true`, headers: admin.auth },
          ok,
        ).on('error', fail),
      );
      expect(response.statusCode).toBe(200);
      // Read a little, then stop reading: the service must wait (back-pressure), not buffer.
      await new Promise((ok) => response.once('data', ok));
      response.pause();
      await sleep(300);
      expect(await exports()).toBe(1);

      response.destroy();
      let running = 1;
      for (let waited = 0; waited < 5_000 && running > 0; waited += 100) {
        await sleep(100);
        running = await exports();
      }
      expect(running).toBe(0);
    } finally {
      await admin_.end();
      await new Promise((ok) => server.close(ok));
    }
  });
});
