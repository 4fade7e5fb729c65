import { byViewer, ORDER_COLUMNS, orderJsonColumns } from './order-row.mapper';

// Every statement is a constant: values travel as parameters, rows as JSON arrays.

/** The order, its items, its first history entry and outbox rows, and (with a key) the stored
 * idempotent response: one statement, so one implicit transaction and one round trip. */
export const INSERT_ORDER = `
  WITH new_order AS (
    INSERT INTO orders (id, order_number, user_id, customer_email, customer_name, status,
      payment_status, subtotal, tax, shipping_cost, discount, total, currency, shipping_address,
      billing_address, payment_method, customer_notes, created_at, updated_at, event_sequence)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18,
      $26)
    RETURNING id
  ), new_items AS (
    INSERT INTO order_items (id, order_id, position, product_id, product_name, product_sku,
      product_image, unit_price, quantity, subtotal, product_attributes, reservation_id,
      stock_status, created_at)
    SELECT i.id, n.id, i.position, i.product_id, i.product_name, i.product_sku, i.product_image,
      i.unit_price, i.quantity, i.subtotal, i.product_attributes, i.reservation_id,
      i.stock_status, $18
    FROM new_order n, jsonb_to_recordset($19::jsonb) AS i(id uuid, position smallint,
      product_id varchar, product_name varchar, product_sku varchar, product_image text,
      unit_price numeric, quantity integer, subtotal numeric, product_attributes jsonb,
      reservation_id varchar, stock_status varchar)
  ), history AS (
    INSERT INTO order_events (order_id, type, to_status, to_payment_status, actor_id, actor_role,
      created_at)
    SELECT id, 'created', $6, $7, $20, $21, $18 FROM new_order
  ), effects AS (
    INSERT INTO outbox (order_id, topic, kind, payload, created_at)
    SELECT n.id, r.topic, r.kind, r.payload, $18
    FROM new_order n, jsonb_to_recordset($22::jsonb) AS r(topic varchar, kind varchar,
      payload jsonb)
  ), replay AS (
    UPDATE idempotency_keys SET response_status = 201, response_body = $25
    WHERE user_id = $23 AND key = $24 AND EXISTS (SELECT 1 FROM new_order)
  )
  SELECT 1`;

/** Compare-and-set on the version read: a change that lost a race updates nothing. */
export const UPDATE_ORDER = `
  WITH updated AS (
    UPDATE orders SET status = $3, payment_status = $4, tracking_number = $5, carrier = $6,
      internal_notes = $7, cancellation_reason = $8, confirmed_at = $9, shipped_at = $10,
      delivered_at = $11, cancelled_at = $12, held_from = $13, flags = $20::jsonb,
      payment_intent_id = $21, amount_captured = $22,
      updated_at = $14, event_sequence = event_sequence + $15, version = version + 1
    WHERE id = $1 AND version = $2
    RETURNING id
  ), history AS (
    INSERT INTO order_events (order_id, type, from_status, to_status, from_payment_status,
      to_payment_status, details, actor_id, actor_role, reason, created_at)
    SELECT u.id, h.type, h.from_status, h.to_status, h.from_payment_status,
      h.to_payment_status, h.details, $18, $19, h.reason, $14
    FROM updated u, jsonb_to_recordset($16::jsonb) AS h(type order_event_type,
      from_status order_status, to_status order_status, from_payment_status payment_status,
      to_payment_status payment_status, details jsonb, reason text)
  ), effects AS (
    INSERT INTO outbox (order_id, topic, kind, payload, created_at)
    SELECT u.id, r.topic, r.kind, r.payload, $14
    FROM updated u, jsonb_to_recordset($17::jsonb) AS r(topic varchar, kind varchar,
      payload jsonb)
  )
  SELECT count(*)::int AS updated FROM updated`;

export const SELECT_BY_ID = `SELECT ${ORDER_COLUMNS} FROM orders o
  WHERE o.id = $1 AND ($2::varchar IS NULL OR o.user_id = $2)`;

/** Inside a transaction: the order, and no other change to it until commit. */
export const SELECT_BY_ID_FOR_UPDATE = `SELECT ${ORDER_COLUMNS} FROM orders o
  WHERE o.id = $1 FOR UPDATE OF o`;

/** The order as the API shows it, by id or by number (see orderJsonColumns). */
export const SELECT_JSON_BY_ID = byViewer(
  (viewer) => `SELECT ${orderJsonColumns(viewer)} FROM orders o
  WHERE o.id = $1 AND ($2::varchar IS NULL OR o.user_id = $2)`,
);

export const SELECT_JSON_BY_NUMBER = byViewer(
  (viewer) => `SELECT ${orderJsonColumns(viewer)} FROM orders o
  WHERE o.order_number = $1 AND ($2::varchar IS NULL OR o.user_id = $2)`,
);

export const SELECT_HISTORY = `SELECT id::int AS id, type, from_status, to_status, from_payment_status,
  to_payment_status, details, actor_id, actor_role, reason, created_at
  FROM order_events WHERE order_id = $1 ORDER BY id`;

/** A history entry that changes nothing about the order (its version stays). */
export const INSERT_HISTORY = `
  INSERT INTO order_events (order_id, type, details, actor_id, actor_role, created_at)
  SELECT $1, h.type, h.details, $3, $4, $5
  FROM jsonb_to_recordset($2::jsonb) AS h(type order_event_type, details jsonb)`;

/** Pending orders placed before the cut-off whose money was not taken, oldest first. */
export const SELECT_UNPAID_BEFORE = `SELECT id FROM orders
  WHERE status = 'pending' AND created_at < $1
    AND payment_status IN ('pending', 'authorized', 'failed')
  ORDER BY created_at, id LIMIT $2`;

export const SELECT_STOCK_LINES = `SELECT id AS item_id, product_id, quantity, reservation_id,
  stock_status FROM order_items WHERE order_id = $1 ORDER BY position`;

export const SET_STOCK_STATUS = `UPDATE order_items SET stock_status = $2 WHERE id = $1`;

/** A lapsed hold replaced by a new one: what the order shows changed, so its version moves. */
export const REPLACE_RESERVATION = `
  WITH line AS (
    UPDATE order_items SET reservation_id = $2, stock_status = $3 WHERE id = $1
    RETURNING order_id, product_id
  ), bumped AS (
    UPDATE orders o SET version = o.version + 1, updated_at = now()
    FROM line WHERE o.id = line.order_id RETURNING o.id
  )
  INSERT INTO order_events (order_id, type, details, actor_id, actor_role)
  SELECT line.order_id, 'stock_reserved_again',
    jsonb_build_object('item_id', $1::text, 'product_id', line.product_id,
      'reservation_id', $2::text), 'system', 'system'
  FROM line`;
