import { presentOrder } from '../src/orders/dto/order-response.dto';
import { orderFromRow } from '../src/orders/order-row.mapper';
import { SELECT_BY_ID } from '../src/orders/order-statements';
import { useOrderService } from './utils/fixture';
import { createOrder, expectStatus, PRODUCTS, validOrderBody } from './utils/orders';
import type { TestUser } from './utils/tokens';

/*
 * Reads of orders send the JSON that PostgreSQL writes (orderJsonColumns), where changes present
 * the order in code (presentOrder). The two must agree byte for byte: every member, in the same
 * order, whatever the values hold.
 */
describe('Orders read as JSON that PostgreSQL writes', () => {
  const svc = useOrderService({ product: true });

  /** What presentOrder makes of the order's row, as res.json() writes it. */
  async function presented(id: string, viewer: TestUser): Promise<string> {
    const rows: Record<string, unknown>[] = await svc.db.query(SELECT_BY_ID, [id, null]);
    return JSON.stringify(presentOrder(orderFromRow(rows[0]), viewer.role));
  }

  async function expectReadsAsPresented(id: string, orderNumber: string): Promise<void> {
    for (const viewer of [svc.customer, svc.admin]) {
      const want = await presented(id, viewer);
      const one = await svc.orders.get(viewer, id);
      expectStatus(one, 200);
      expect(one.text).toBe(want);
      expect(one.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(one.headers.etag).toBe(`"${(JSON.parse(want) as { version: number }).version}"`);

      const byNumber = await svc.orders.getByNumber(viewer, orderNumber);
      expectStatus(byNumber, 200);
      expect(byNumber.text).toBe(want);

      const list =
        viewer.role === 'admin'
          ? await svc.orders.listAll(viewer, { limit: 100 })
          : await svc.orders.list(viewer, { limit: 100 });
      expectStatus(list, 200);
      expect(list.headers['content-type']).toBe('application/json; charset=utf-8');
      // Compact, in the DTO's member order, with this order's text as presented.
      expect(list.text).toBe(JSON.stringify(JSON.parse(list.text)));
      expect(list.text).toContain(want);
      expect(Object.keys(JSON.parse(list.text) as object)).toEqual([
        'orders',
        'total',
        'page',
        'limit',
        'pages',
        'next_cursor',
      ]);
    }
  }

  it('agrees with the order as presented when it is new', async () => {
    const order = await createOrder(
      svc,
      svc.customer,
      validOrderBody([PRODUCTS.tshirt, { product_id: PRODUCTS.battery, quantity: 3 }]),
    );
    await expectReadsAsPresented(order.id, order.order_number);
  });

  it('agrees for awkward text, money, timestamps and JSON members', async () => {
    const order = await createOrder(svc, svc.customer, validOrderBody([PRODUCTS.jacket]));
    const text = 'Quote " backslash \\ tab\t new\nline \u0001 \u2028 é 😀 </script> , : { } [ ]';
    await svc.db.query(
      `UPDATE orders SET customer_notes = $2, internal_notes = $3, customer_name = $4,
        tax = 12.50, shipping_cost = 100, discount = 0, total = 112.55, tracking_number = $5,
        carrier = '', payment_intent_id = 'pi_\\x', status = 'on_hold', held_from = 'processing',
        payment_status = 'completed', confirmed_at = '2026-01-02 03:04:05.999999+00',
        updated_at = '2026-01-02 03:04:06.0005+00', shipped_at = '1999-12-31 23:59:59+00',
        flags = $6::jsonb, shipping_address = $7::jsonb
      WHERE id = $1`,
      [
        order.id,
        text,
        `internal ${text}`,
        'Zoë "Z" O\'Neil',
        '  spaced  ',
        JSON.stringify([{ code: 'stock_shortage', item_ids: [order.items[0].id] }]),
        JSON.stringify({ line1: 'a, b: c', city: 'x "y"', nested: { list: [1, 2.5, null, true] } }),
      ],
    );
    await svc.db.query(
      `UPDATE order_items SET unit_price = 0.05, subtotal = 0.10, quantity = 2,
        product_image = NULL, product_attributes = $2::jsonb,
        created_at = '2026-03-04 05:06:07.000999+00'
      WHERE order_id = $1`,
      [order.id, JSON.stringify({ brand: 'A "b" \\ c', category: null, sizes: [1, { x: 'y' }] })],
    );
    await expectReadsAsPresented(order.id, order.order_number);
  });
});
