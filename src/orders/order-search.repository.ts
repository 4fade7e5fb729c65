import { Injectable } from '@nestjs/common';
import QueryStream from 'pg-query-stream';
import type { Readable } from 'node:stream';
import { ReadReplicas } from '../database/read-replicas';
import type { CursorPosition } from './order-cursor';
import type { Role } from '../auth/auth-user';
import { byViewer, orderJsonColumns, type OrderJsonRow, utc } from './order-row.mapper';
import { ORDER_SORTS, OrderSearch, OrderSort, searchParameters } from './order-search';

/*
 * Every statement that lists, searches or exports orders. Like those of OrdersRepository they are
 * constants: one per sort (and per export shape), built once when this module loads, with every
 * value a parameter. They run on a replica when one is current (ReadReplicas).
 */

/**
 * Parameters $1–$12 in the order of searchParameters(). A null parameter makes its line true, and
 * PostgreSQL, planning an unnamed statement with the values bound, drops it from the plan; what
 * remains matches an index (see the search migration). The `q` expression must stay the indexed
 * one, character for character in meaning. A product's orders are collected first (an array of
 * ids, then primary-key look-ups): as a semi-join the planner may prefer reading every order.
 */
export const SEARCH_CONDITIONS = `($1::varchar IS NULL OR p.user_id = $1)
  AND ($2::order_status[] IS NULL OR p.status = ANY($2))
  AND ($3::payment_status[] IS NULL OR p.payment_status = ANY($3))
  AND ($4::timestamptz IS NULL OR p.created_at >= $4)
  AND ($5::timestamptz IS NULL OR p.created_at < $5)
  AND ($6::text IS NULL OR lower(p.customer_email) = lower($6))
  AND ($7::text IS NULL OR p.order_number LIKE $7)
  AND ($8::numeric IS NULL OR p.total >= $8)
  AND ($9::numeric IS NULL OR p.total <= $9)
  AND ($10::varchar IS NULL OR p.id = ANY(ARRAY(SELECT i.order_id FROM order_items i
    WHERE i.product_id = $10)))
  AND (NOT $11::boolean OR p.flags <> '[]'::jsonb)
  AND ($12::text IS NULL OR ((p.order_number)::text || ' ' || (p.customer_email)::text || ' '
    || (p.customer_name)::text) ILIKE $12)`;

interface SortSql {
  /** ORDER BY over alias `p` (an index's order, both ways). */
  order: string;
  /** Strictly after the cursor's position, $13 (key) and $14 (id). */
  after: string;
  /** The sort key as the cursor keeps it. */
  key: string;
}

const SORT_SQL: Record<OrderSort, SortSql> = {
  '-created_at': {
    order: 'p.created_at DESC, p.id DESC',
    after: '($13::timestamptz IS NULL OR (p.created_at, p.id) < ($13::timestamptz, $14::uuid))',
    key: utc('p.created_at', 'US'),
  },
  created_at: {
    order: 'p.created_at, p.id',
    after: '($13::timestamptz IS NULL OR (p.created_at, p.id) > ($13::timestamptz, $14::uuid))',
    key: utc('p.created_at', 'US'),
  },
  '-total': {
    order: 'p.total DESC, p.id DESC',
    after: '($13::numeric IS NULL OR (p.total, p.id) < ($13::numeric, $14::uuid))',
    key: 'p.total::text',
  },
  total: {
    order: 'p.total, p.id',
    after: '($13::numeric IS NULL OR (p.total, p.id) > ($13::numeric, $14::uuid))',
    key: 'p.total::text',
  },
};

const bySort = <T>(build: (sort: OrderSort, sql: SortSql) => T) =>
  Object.fromEntries(ORDER_SORTS.map((s) => [s, build(s, SORT_SQL[s])])) as Record<OrderSort, T>;

/**
 * The page's ids come from an index alone; only they are then read in full, as the API shows
 * them to each kind of viewer (see orderJsonColumns).
 */
const SELECT_PAGE = bySort((_sort, { order, after, key }) =>
  byViewer(
    (viewer) => `
  WITH page AS (
    SELECT p.id, p.created_at, p.total, ${key} AS cursor_key FROM orders p
    WHERE ${SEARCH_CONDITIONS} AND ${after}
    ORDER BY ${order} OFFSET $15 LIMIT $16)
  SELECT ${orderJsonColumns(viewer)}, page.id, page.cursor_key FROM page JOIN orders o ON o.id = page.id
  ORDER BY ${order.replace(/p\./g, 'page.')}`,
  ),
);

const COUNT = `SELECT count(*)::int AS total FROM orders p WHERE ${SEARCH_CONDITIONS}`;

/** Text cells that a person (or a product feed) wrote. */
const ORDER_EXPORT_COLUMNS = `p.id, p.order_number, ${utc('p.created_at', 'MS')} AS created_at,
  p.status, p.payment_status, p.user_id, p.customer_email, p.customer_name, p.currency,
  p.subtotal::text AS subtotal, p.tax::text AS tax, p.shipping_cost::text AS shipping_cost,
  p.discount::text AS discount, p.total::text AS total, p.payment_method, p.tracking_number,
  p.carrier, (SELECT string_agg(f->>'code', ';') FROM jsonb_array_elements(p.flags) f) AS flags`;

/** `order-export` names these statements in pg_stat_activity. */
const EXPORT_ORDERS = bySort(
  (_sort, { order }) => `/* order-export */ SELECT ${ORDER_EXPORT_COLUMNS},
    (SELECT count(*) FROM order_items c WHERE c.order_id = p.id)::int AS item_count
  FROM orders p WHERE ${SEARCH_CONDITIONS} ORDER BY ${order}`,
);

const EXPORT_LINES = bySort(
  (_sort, { order }) => `/* order-export */ SELECT ${ORDER_EXPORT_COLUMNS},
    l.position + 1 AS line, l.product_id, l.product_sku, l.product_name,
    l.unit_price::text AS unit_price, l.quantity, l.subtotal::text AS line_subtotal
  FROM orders p JOIN order_items l ON l.order_id = p.id
  WHERE ${SEARCH_CONDITIONS} ORDER BY ${order}, l.position`,
);

/** For the plan checks of the test suite and the benchmark (a page plans alike for each viewer). */
export const SEARCH_STATEMENTS = {
  page: bySort((sort) => SELECT_PAGE[sort].customer),
  count: COUNT,
  exportOrders: EXPORT_ORDERS,
  exportLines: EXPORT_LINES,
};

export interface SearchPage {
  orders: OrderJsonRow[];
  /** Each order's position, for a cursor that starts after it. */
  positions: CursorPosition[];
}

export interface ExportRows {
  /** Object rows, one per order or per line; ends when every match has been read. */
  rows: Readable;
}

/** An export outlives the per-statement time limit that guards requests. */
const EXPORT_BATCH_ROWS = 500;

@Injectable()
export class OrderSearchRepository {
  constructor(private readonly reads: ReadReplicas) {}

  /** The orders after `after` (or after `offset` of them), in the search's order. */
  async page(
    search: OrderSearch,
    after: CursorPosition | null,
    offset: number,
    limit: number,
    viewer: Role,
  ): Promise<SearchPage> {
    const rows = await this.reads.query<OrderJsonRow & { id: string; cursor_key: string }>(
      SELECT_PAGE[search.sort][viewer],
      [...searchParameters(search), after?.key ?? null, after?.id ?? null, offset, limit],
    );
    return { orders: rows, positions: rows.map((r) => ({ key: r.cursor_key, id: r.id })) };
  }

  async count(search: OrderSearch): Promise<number> {
    const rows = await this.reads.query<{ total: number }>(COUNT, searchParameters(search));
    return rows[0].total;
  }

  /**
   * Streams every match from a server-side portal, a batch at a time as the reader asks for
   * more, so memory stays flat however many orders match. Destroying `rows` before its end (a
   * client that went away) cancels the statement and discards its connection.
   */
  async export(search: OrderSearch, lines: boolean): Promise<ExportRows> {
    const connection = await this.reads.connect();
    try {
      await connection.client.query('SET statement_timeout = 0');
    } catch (error) {
      connection.release(true);
      throw error;
    }
    const sql = (lines ? EXPORT_LINES : EXPORT_ORDERS)[search.sort];
    const rows = connection.client.query(
      new QueryStream(sql, searchParameters(search), {
        batchSize: EXPORT_BATCH_ROWS,
        highWaterMark: EXPORT_BATCH_ROWS,
      }),
    );
    let ended = false;
    rows.once('end', () => (ended = true));
    rows.once('close', () => {
      if (ended) {
        connection.client.query('RESET statement_timeout').then(
          () => connection.release(),
          () => connection.release(true),
        );
      } else {
        void connection.cancel().finally(() => connection.release(true));
      }
    });
    return { rows };
  }
}
