import { invalidParameter, OrderSearch, OrderSort, searchFingerprint } from './order-search';

/**
 * A cursor names the last order of a page by its sort key and id (keyset pagination): the next
 * page starts strictly after it, so an order created meanwhile never shifts a page, and the
 * millionth order is found by the same index descent as the first. Opaque to clients: base64url
 * of a small JSON document, bound to the query it was made for.
 */

export interface CursorPosition {
  /** The sort key of the last order shown: its created_at (ISO, microseconds) or its total. */
  key: string;
  id: string;
}

interface CursorDocument {
  v: 1;
  /** The fingerprint of the query (filters, sort, caller). */
  q: string;
  k: string;
  i: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const DECIMAL = /^\d{1,10}\.\d{2}$/;

export function encodeCursor(search: OrderSearch, position: CursorPosition): string {
  const document: CursorDocument = {
    v: 1,
    q: searchFingerprint(search),
    k: position.key,
    i: position.id,
  };
  return Buffer.from(JSON.stringify(document)).toString('base64url');
}

const malformed = () =>
  invalidParameter('cursor', 'cursor is not a cursor this service made; start again without it');

/** The position a cursor names, once it is known to belong to exactly this query. */
export function decodeCursor(cursor: string, search: OrderSearch): CursorPosition {
  let document: Partial<CursorDocument>;
  try {
    document = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorDocument;
  } catch {
    throw malformed();
  }
  if (
    typeof document !== 'object' ||
    document === null ||
    document.v !== 1 ||
    typeof document.q !== 'string' ||
    typeof document.k !== 'string' ||
    typeof document.i !== 'string' ||
    !UUID.test(document.i)
  ) {
    throw malformed();
  }
  if (document.q !== searchFingerprint(search)) {
    throw invalidParameter(
      'cursor',
      'cursor was made for other filters or another sort: send the same ones, or start again without it',
    );
  }
  if (!keyPattern(search.sort).test(document.k)) throw malformed();
  return { key: document.k, id: document.i };
}

function keyPattern(sort: OrderSort): RegExp {
  return sort.endsWith('total') ? DECIMAL : TIMESTAMP;
}
