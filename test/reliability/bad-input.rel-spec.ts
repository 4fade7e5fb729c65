import fc from 'fast-check';
import type { Response } from 'supertest';
import type { TestApp } from '../utils/app';
import { useOrderService } from '../utils/fixture';
import {
  ADDRESS,
  expectStatus,
  NO_RATE_LIMITS,
  OrderJson,
  ORDERS,
  PRODUCTS,
  validOrderBody,
} from '../utils/orders';
import { expectProblem } from '../utils/problem';
import { utf8Bytes } from '../utils/safety';
import { makeUser, objectId } from '../utils/tokens';

/*
 * "Prove it", part 1: malformed requests on every endpoint get the documented 4xx problem and
 * change nothing; random create bodies never get a 5xx; every accepted order is priced exactly.
 */

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** `stranger` is a customer who does not own the seed order. */
type Caller = 'customer' | 'admin' | 'stranger' | 'anonymous';

interface BadRequest {
  name: string;
  method: Method;
  /** `:order` and `:number` stand for the seed order's id and number. */
  path: string;
  as?: Caller;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (with `contentType`, default application/json). */
  raw?: string | Buffer;
  contentType?: string;
  status: number;
  code: string;
  /** Problem members allowed beyond the standard ones. */
  extensions?: string[];
}

const V = 'VALIDATION_FAILED';

/** A create body that would be accepted, with `patch` applied on top. */
const good = (patch: Record<string, unknown> = {}) => validOrderBody([PRODUCTS.novel], patch);
const goodItem = (patch: Record<string, unknown> = {}) => ({
  product_id: PRODUCTS.novel,
  quantity: 1,
  ...patch,
});
const withItems = (items: unknown) => good({ items });
const withAddress = (patch: Record<string, unknown>) =>
  good({ shipping_address: { ...ADDRESS, ...patch } });

const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

const post = (
  name: string,
  body: unknown,
  status = 400,
  code = V,
  extra: Partial<BadRequest> = {},
): BadRequest => ({ name, method: 'post', path: ORDERS, body, status, code, ...extra });

const postRaw = (
  name: string,
  raw: string | Buffer,
  status: number,
  code: string,
  contentType = 'application/json',
  extra: Partial<BadRequest> = {},
): BadRequest => ({ name, method: 'post', path: ORDERS, raw, contentType, status, code, ...extra });

const get = (name: string, path: string, status = 400, code = V, as: Caller = 'customer') => ({
  name,
  method: 'get' as const,
  path,
  as,
  status,
  code,
});

const SERVER_OWNED: [string, unknown][] = [
  ['id', '00000000-0000-4000-8000-000000000000'],
  ['order_number', 'ORD-20250101-AAAAAA'],
  ['user_id', objectId()],
  ['customer_email', 'someone.else@example.com'],
  ['customer_name', 'Someone Else'],
  ['status', 'delivered'],
  ['payment_status', 'completed'],
  ['subtotal', 0],
  ['tax', 0],
  ['shipping_cost', 0],
  ['discount', 100],
  ['total', 0.01],
  ['currency', 'EUR'],
  ['version', 7],
  ['created_at', '2020-01-01T00:00:00Z'],
  ['updated_at', '2020-01-01T00:00:00Z'],
  ['confirmed_at', '2020-01-01T00:00:00Z'],
  ['tracking_number', '1Z999'],
  ['internal_notes', 'vip'],
  ['payment_intent_id', 'pi_123'],
  ['cancellation_reason', 'none'],
];

const SERVER_OWNED_ITEM: [string, unknown][] = [
  ['price', 0.01],
  ['unit_price', 0.01],
  ['subtotal', 0.01],
  ['product_name', 'Free stuff'],
  ['product_sku', 'FREE'],
  ['id', '00000000-0000-4000-8000-000000000000'],
  ['order_id', '00000000-0000-4000-8000-000000000000'],
  ['reservation_id', 'r-1'],
];

const BAD_PRODUCT_IDS: [string, unknown][] = [
  ['path traversal', '../admin'],
  ['encoded traversal', '%2e%2e'],
  ['an SSRF URL', 'http://169.254.169.254/'],
  ['24 chars with a non-hex', '65a1f0c0e4b0a1b2c3d4e5fg'],
  ['23 hex chars', '65a1f0c0e4b0a1b2c3d4e5f'],
  ['25 hex chars', '65a1f0c0e4b0a1b2c3d4e5f10'],
  ['24 hex with a NUL', '65a1f0c0e4b0a1b2c3d4e5f\u0000'],
  ['SQL', "' OR 1=1 --"],
  ['a number', 123456789012],
  ['null', null],
  ['an object', { $ne: null }],
];

const BAD_QUANTITIES: [string, unknown][] = [
  ['0', 0],
  ['-1', -1],
  ['1.5', 1.5],
  ['"2"', '2'],
  ['1e20', 1e20],
  ['null', null],
  ['1001', 1001],
  ['true', true],
  ['[1]', [1]],
];

const CASES: BadRequest[] = [
  // ---- POST /api/orders: the body as bytes ------------------------------------------------
  postRaw('malformed JSON (cut off)', '{"items": [', 400, 'MALFORMED_JSON'),
  postRaw('malformed JSON (trailing comma)', '{"items": [],}', 400, 'MALFORMED_JSON'),
  postRaw('malformed JSON (single quotes)', "{'items': []}", 400, 'MALFORMED_JSON'),
  postRaw('a bare JSON string', '"items"', 400, 'MALFORMED_JSON'),
  postRaw('a bare JSON number', '42', 400, 'MALFORMED_JSON'),
  postRaw('JSON null', 'null', 400, 'MALFORMED_JSON'),
  postRaw('a JSON array instead of an object', '[]', 400, V),
  postRaw('an array of order bodies', JSON.stringify([good()]), 400, V),
  // {"\xff":1}: the bytes are decoded with a replacement character, then an unknown member.
  postRaw(
    'invalid UTF-8 in a member name',
    Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
    400,
    V,
  ),
  postRaw(
    'invalid UTF-8 that breaks the JSON',
    Buffer.from([0x7b, 0x22, 0xff, 0x7d]),
    400,
    'MALFORMED_JSON',
  ),
  postRaw('text/plain', JSON.stringify(good()), 415, 'UNSUPPORTED_MEDIA_TYPE', 'text/plain'),
  postRaw(
    'a form body',
    'items=1&total=0',
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    'application/x-www-form-urlencoded',
  ),
  postRaw(
    'multipart',
    '--x\r\nContent-Disposition: form-data; name="items"\r\n\r\n1\r\n--x--\r\n',
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    'multipart/form-data; boundary=x',
  ),
  postRaw(
    'application/json in an unsupported charset',
    JSON.stringify(good()),
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    'application/json; charset=koi8-r',
  ),
  postRaw('gzip that is not gzip', 'not gzip at all', 400, 'BAD_REQUEST', 'application/json', {
    headers: { 'Content-Encoding': 'gzip' },
  }),
  postRaw(
    'an unknown content encoding',
    JSON.stringify(good()),
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    undefined,
    {
      headers: { 'Content-Encoding': 'br2' },
    },
  ),
  { name: 'an empty body', method: 'post', path: ORDERS, status: 400, code: V },
  postRaw('an empty JSON body', '', 400, V),
  post('an empty object', {}),
  post(
    'a body over 100 kB',
    good({ customer_notes: 'x'.repeat(101 * 1024) }),
    413,
    'PAYLOAD_TOO_LARGE',
  ),
  postRaw('10,000 nested arrays', nestedArrays(10_000), 400, V),
  postRaw('10,000 nested arrays as items', `{"items":${nestedArrays(10_000)}}`, 400, V),
  postRaw(
    '10,000 nested objects in the address',
    `{"items":[{"product_id":"${PRODUCTS.novel}","quantity":1}],"shipping_address":${nestedObjects(10_000)}}`,
    400,
    V,
  ),
  postRaw('10,000 nested objects as an unknown field', `{"x":${nestedObjects(10_000)}}`, 400, V),

  // ---- POST /api/orders: items ------------------------------------------------------------
  post('items: 0 entries', withItems([])),
  // Found by the property test below: an array element passed nested validation untouched.
  post('items: an empty array as an entry', withItems([[], goodItem()])),
  post('items: an array as the only entry', withItems([[goodItem()]])),
  post('items: 51 entries', withItems(Array.from({ length: 51 }, () => goodItem()))),
  post(
    'items: 10,000 entries (too large a body)',
    withItems(Array.from({ length: 10_000 }, () => goodItem())),
    413,
    'PAYLOAD_TOO_LARGE',
  ),
  post('items: 10,000 empty entries', withItems(Array.from({ length: 10_000 }, () => ({})))),
  post('items: 10,000 numbers', withItems(Array.from({ length: 10_000 }, () => 1))),
  post('items: a string', withItems('everything')),
  post('items: an object', withItems({ product_id: PRODUCTS.novel, quantity: 1 })),
  post('items: null', withItems(null)),
  post('items: missing', { shipping_address: ADDRESS }),
  post('items: [null]', withItems([null])),
  ...BAD_QUANTITIES.map(([label, quantity]) =>
    post(`quantity ${label}`, withItems([goodItem({ quantity })])),
  ),
  post('quantity missing', withItems([{ product_id: PRODUCTS.novel }])),
  post(
    'the same product 600 + 600 times',
    withItems([goodItem({ quantity: 600 }), goodItem({ quantity: 600 })]),
  ),
  ...BAD_PRODUCT_IDS.map(([label, product_id]) =>
    post(`product_id: ${label}`, withItems([goodItem({ product_id })])),
  ),

  // ---- POST /api/orders: addresses and text -----------------------------------------------
  post('NUL in the street', withAddress({ street: '1 Main\u0000Street' })),
  post('NUL alone as the city', withAddress({ city: '\u0000' })),
  post('a bell character in the state', withAddress({ state: 'I\u0007L' })),
  post('a newline in the zip code', withAddress({ zipCode: '627\n01' })),
  post('a blank street', withAddress({ street: '   ' })),
  post('a zip code of 21 characters', withAddress({ zipCode: '1'.repeat(21) })),
  post('a number as the city', withAddress({ city: 12 })),
  post(
    'an address without a country',
    good({ shipping_address: { ...ADDRESS, country: undefined } }),
  ),
  post('an unknown address field', withAddress({ latitude: 1 })),
  post('the address as a string', good({ shipping_address: '1 Main Street, Springfield' })),
  post('the address as an array', good({ shipping_address: [ADDRESS] })),
  post('NUL in the billing address', good({ billing_address: { ...ADDRESS, street: 'a\u0000' } })),
  post('NUL in the customer notes', good({ customer_notes: 'leave at the door\u0000' })),
  post('customer notes of 1001 characters', good({ customer_notes: 'n'.repeat(1001) })),
  post('an unknown payment method', good({ payment_method: 'bitcoin' })),
  post(
    'SQL as the payment method',
    good({ payment_method: "credit_card'; DROP TABLE orders; --" }),
  ),
  post(
    'a __proto__ member',
    JSON.parse(
      `{"items":[{"product_id":"${PRODUCTS.novel}","quantity":1}],"shipping_address":${JSON.stringify(ADDRESS)},"__proto__":{"role":"admin"}}`,
    ) as unknown,
  ),
  post('a constructor member', good({ constructor: { prototype: { role: 'admin' } } })),

  // ---- POST /api/orders: fields only the server may set ------------------------------------
  ...SERVER_OWNED.map(([field, value]) => post(`server-owned ${field}`, good({ [field]: value }))),
  ...SERVER_OWNED_ITEM.map(([field, value]) =>
    post(`server-owned items[].${field}`, withItems([goodItem({ [field]: value })])),
  ),

  // ---- POST /api/orders: headers ------------------------------------------------------------
  post('an empty Idempotency-Key', good(), 400, V, { headers: { 'Idempotency-Key': '' } }),
  post('an Idempotency-Key of 256 characters', good(), 400, V, {
    headers: { 'Idempotency-Key': 'k'.repeat(256) },
  }),
  post('a non-ASCII Idempotency-Key', good(), 400, V, {
    headers: { 'Idempotency-Key': utf8Bytes('ключ-1') },
  }),
  post('an Idempotency-Key with a tab', good(), 400, V, {
    headers: { 'Idempotency-Key': 'a\tb' },
  }),
  post('no token', good(), 401, 'UNAUTHORIZED', { as: 'anonymous' }),
  post('a token that is not a JWT', good(), 401, 'UNAUTHORIZED', {
    as: 'anonymous',
    headers: { Authorization: 'Bearer not.a.jwt' },
  }),
  post('a Basic authorization', good(), 401, 'UNAUTHORIZED', {
    as: 'anonymous',
    headers: { Authorization: 'Basic YWRtaW46YWRtaW4=' },
  }),

  // ---- GET /api/orders and /api/orders/all -------------------------------------------------
  get('page=0', `${ORDERS}?page=0`),
  get('page=-1', `${ORDERS}?page=-1`),
  get('page=abc', `${ORDERS}?page=abc`),
  get('page=1.5', `${ORDERS}?page=1.5`),
  get('page=1000001', `${ORDERS}?page=1000001`),
  get('page=1e400 (Infinity)', `${ORDERS}?page=1e400`),
  get('page= (empty)', `${ORDERS}?page=`),
  get('page twice', `${ORDERS}?page=1&page=2`),
  get('limit=0', `${ORDERS}?limit=0`),
  get('limit=101', `${ORDERS}?limit=101`),
  get('limit=-5', `${ORDERS}?limit=-5`),
  get('limit=99999999999999999999', `${ORDERS}?limit=99999999999999999999`),
  get('limit=NUL', `${ORDERS}?limit=%00`),
  get('status=unknown', `${ORDERS}?status=lost`),
  get('status=PENDING (case)', `${ORDERS}?status=PENDING`),
  get('status twice', `${ORDERS}?status=pending&status=shipped`),
  get("status=' OR 1=1", `${ORDERS}?status=%27%20OR%201%3D1`),
  get('an unknown query parameter', `${ORDERS}?user_id=${objectId()}`),
  get('all: limit=101', `${ORDERS}/all?limit=101`, 400, V, 'admin'),
  get('all: status=unknown', `${ORDERS}/all?status=lost`, 400, V, 'admin'),
  get('all: page=0', `${ORDERS}/all?page=0`, 400, V, 'admin'),
  get('all: as a customer', `${ORDERS}/all`, 403, 'FORBIDDEN'),
  get('list without a token', ORDERS, 401, 'UNAUTHORIZED', 'anonymous'),

  // ---- GET /api/orders/:id, /number/:n, /:id/history --------------------------------------
  get('id: not a UUID', `${ORDERS}/not-a-uuid`),
  get('id: SQL', `${ORDERS}/${encodeURIComponent("1' OR '1'='1")}`),
  get('id: encoded traversal', `${ORDERS}/..%2F..%2Fetc%2Fpasswd`),
  get('id: NUL', `${ORDERS}/%00`),
  get('id: a UUID with a NUL', `${ORDERS}/00000000-0000-4000-8000-00000000000%00`),
  get('id: broken percent-encoding', `${ORDERS}/%E0%A4%A`, 400, 'BAD_REQUEST'),
  get('id: 5,000 characters', `${ORDERS}/${'a'.repeat(5000)}`),
  get('id: a UUID of 37 characters', `${ORDERS}/00000000-0000-4000-8000-0000000000000`),
  get('id: unknown', `${ORDERS}/00000000-0000-4000-8000-000000000000`, 404, 'NOT_FOUND'),
  get('number: SQL', `${ORDERS}/number/${encodeURIComponent("ORD-20250101-AAAAAA' OR '1'='1")}`),
  get('number: lower case', `${ORDERS}/number/ord-20250101-aaaaaa`),
  get('number: too short', `${ORDERS}/number/ORD-2025-XYZ`),
  get('number: NUL', `${ORDERS}/number/ORD-20250101-AAAAA%00`),
  get('number: broken percent-encoding', `${ORDERS}/number/%E0%A4%A`, 400, 'BAD_REQUEST'),
  get('number: unknown', `${ORDERS}/number/ORD-20250101-AAAAAA`, 404, 'NOT_FOUND'),
  get('history: not a UUID', `${ORDERS}/not-a-uuid/history`),
  get('history: SQL', `${ORDERS}/${encodeURIComponent("x'; DROP TABLE orders; --")}/history`),
  get(
    'history: unknown',
    `${ORDERS}/00000000-0000-4000-8000-000000000000/history`,
    404,
    'NOT_FOUND',
  ),
  get('history: another customer', `${ORDERS}/:order/history`, 404, 'NOT_FOUND', 'stranger'),

  // ---- DELETE /api/orders/:id/cancel ---------------------------------------------------------
  {
    name: 'cancel: not a UUID',
    method: 'delete',
    path: `${ORDERS}/nope/cancel`,
    status: 400,
    code: V,
  },
  {
    name: 'cancel: a server-owned field',
    method: 'delete',
    path: `${ORDERS}/:order/cancel`,
    body: { status: 'refunded' },
    status: 400,
    code: V,
  },
  {
    name: 'cancel: NUL in the reason',
    method: 'delete',
    path: `${ORDERS}/:order/cancel`,
    body: { reason: 'no\u0000' },
    status: 400,
    code: V,
  },
  {
    name: 'cancel: a reason of 501 characters',
    method: 'delete',
    path: `${ORDERS}/:order/cancel`,
    body: { reason: 'r'.repeat(501) },
    status: 400,
    code: V,
  },
  {
    name: 'cancel: malformed JSON',
    method: 'delete',
    path: `${ORDERS}/:order/cancel`,
    raw: '{"reason":',
    contentType: 'application/json',
    status: 400,
    code: 'MALFORMED_JSON',
  },
  {
    name: 'cancel: text/plain',
    method: 'delete',
    path: `${ORDERS}/:order/cancel`,
    raw: 'reason=x',
    contentType: 'text/plain',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'cancel: If-Match abc',
    method: 'delete',
    path: `${ORDERS}/:order/cancel`,
    headers: { 'If-Match': 'abc' },
    status: 400,
    code: V,
  },
  {
    name: 'cancel: If-Match empty',
    method: 'delete',
    path: `${ORDERS}/:order/cancel`,
    headers: { 'If-Match': '' },
    status: 400,
    code: V,
  },
  {
    // A list is valid If-Match (RFC 9110): one malformed member makes the whole header bad.
    name: 'cancel: If-Match a list with a malformed member',
    method: 'delete',
    path: `${ORDERS}/:order/cancel`,
    headers: { 'If-Match': '"1", abc' },
    status: 400,
    code: V,
  },
  {
    name: 'cancel: If-Match a list naming no current version',
    method: 'delete',
    path: `${ORDERS}/:order/cancel`,
    headers: { 'If-Match': '"998", "999", W/"1"' },
    status: 412,
    code: 'PRECONDITION_FAILED',
    extensions: ['current_version', 'current_status'],
  },
  {
    name: 'cancel: If-Match negative',
    method: 'delete',
    path: `${ORDERS}/:order/cancel`,
    headers: { 'If-Match': '"-1"' },
    status: 400,
    code: V,
  },
  {
    name: 'cancel: If-Match of 10 digits',
    method: 'delete',
    path: `${ORDERS}/:order/cancel`,
    headers: { 'If-Match': '"1234567890"' },
    status: 400,
    code: V,
  },
  {
    name: 'cancel: If-Match weak',
    method: 'delete',
    path: `${ORDERS}/:order/cancel`,
    headers: { 'If-Match': 'W/"1"' },
    status: 412,
    code: 'PRECONDITION_FAILED',
    extensions: ['current_version', 'current_status'],
  },
  {
    name: 'cancel: If-Match stale',
    method: 'delete',
    path: `${ORDERS}/:order/cancel`,
    headers: { 'If-Match': '"999"' },
    status: 412,
    code: 'PRECONDITION_FAILED',
    extensions: ['current_version', 'current_status'],
  },
  {
    name: 'cancel: unknown order',
    method: 'delete',
    path: `${ORDERS}/00000000-0000-4000-8000-000000000000/cancel`,
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'cancel: without a token',
    method: 'delete',
    path: `${ORDERS}/:order/cancel`,
    as: 'anonymous',
    status: 401,
    code: 'UNAUTHORIZED',
  },

  // ---- PUT /api/orders/:id ---------------------------------------------------------------
  {
    name: 'put: nothing to change',
    method: 'put',
    path: `${ORDERS}/:order`,
    as: 'admin',
    body: {},
    status: 400,
    code: V,
  },
  {
    name: 'put: no body',
    method: 'put',
    path: `${ORDERS}/:order`,
    as: 'admin',
    status: 400,
    code: V,
  },
  {
    name: 'put: unknown status',
    method: 'put',
    path: `${ORDERS}/:order`,
    as: 'admin',
    body: { status: 'teleported' },
    status: 400,
    code: V,
  },
  {
    name: 'put: unknown payment status',
    method: 'put',
    path: `${ORDERS}/:order`,
    as: 'admin',
    body: { payment_status: 'free' },
    status: 400,
    code: V,
  },
  ...(
    ['total', 'subtotal', 'version', 'id', 'order_number', 'user_id', 'items', 'currency'] as const
  ).map((field): BadRequest => ({
    name: `put: server-owned ${field}`,
    method: 'put',
    path: `${ORDERS}/:order`,
    as: 'admin',
    body: { carrier: 'UPS', [field]: field === 'items' ? [] : 1 },
    status: 400,
    code: V,
  })),
  {
    name: 'put: NUL in the tracking number',
    method: 'put',
    path: `${ORDERS}/:order`,
    as: 'admin',
    body: { tracking_number: '1Z\u0000' },
    status: 400,
    code: V,
  },
  {
    name: 'put: carrier of 101 characters',
    method: 'put',
    path: `${ORDERS}/:order`,
    as: 'admin',
    body: { carrier: 'c'.repeat(101) },
    status: 400,
    code: V,
  },
  {
    name: 'put: a JSON array',
    method: 'put',
    path: `${ORDERS}/:order`,
    as: 'admin',
    raw: '[{"carrier":"UPS"}]',
    contentType: 'application/json',
    status: 400,
    code: V,
  },
  {
    name: 'put: text/plain',
    method: 'put',
    path: `${ORDERS}/:order`,
    as: 'admin',
    raw: 'carrier=UPS',
    contentType: 'text/plain',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'put: If-Match abc',
    method: 'put',
    path: `${ORDERS}/:order`,
    as: 'admin',
    body: { carrier: 'UPS' },
    headers: { 'If-Match': 'abc' },
    status: 400,
    code: V,
  },
  {
    name: 'put: If-Match stale',
    method: 'put',
    path: `${ORDERS}/:order`,
    as: 'admin',
    body: { carrier: 'UPS' },
    headers: { 'If-Match': '"999"' },
    status: 412,
    code: 'PRECONDITION_FAILED',
    extensions: ['current_version', 'current_status'],
  },
  {
    name: 'put: as a customer',
    method: 'put',
    path: `${ORDERS}/:order`,
    body: { carrier: 'UPS' },
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'put: not a UUID',
    method: 'put',
    path: `${ORDERS}/x`,
    as: 'admin',
    body: { carrier: 'UPS' },
    status: 400,
    code: V,
  },
  {
    name: 'put: unknown order',
    method: 'put',
    path: `${ORDERS}/00000000-0000-4000-8000-000000000000`,
    as: 'admin',
    body: { carrier: 'UPS' },
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'put: skip to delivered',
    method: 'put',
    path: `${ORDERS}/:order`,
    as: 'admin',
    body: { status: 'delivered' },
    status: 409,
    code: 'INVALID_TRANSITION',
    extensions: ['current_status', 'allowed_transitions'],
  },

  // ---- PATCH /api/orders/:id/status ----------------------------------------------------------
  {
    name: 'patch: no status',
    method: 'patch',
    path: `${ORDERS}/:order/status`,
    as: 'admin',
    body: {},
    status: 400,
    code: V,
  },
  {
    name: 'patch: status null',
    method: 'patch',
    path: `${ORDERS}/:order/status`,
    as: 'admin',
    body: { status: null },
    status: 400,
    code: V,
  },
  {
    name: 'patch: status SHIPPED (case)',
    method: 'patch',
    path: `${ORDERS}/:order/status`,
    as: 'admin',
    body: { status: 'SHIPPED' },
    status: 400,
    code: V,
  },
  {
    name: 'patch: status as an array',
    method: 'patch',
    path: `${ORDERS}/:order/status`,
    as: 'admin',
    body: { status: ['confirmed'] },
    status: 400,
    code: V,
  },
  {
    name: 'patch: a server-owned field',
    method: 'patch',
    path: `${ORDERS}/:order/status`,
    as: 'admin',
    body: { status: 'confirmed', total: 0 },
    status: 400,
    code: V,
  },
  {
    name: 'patch: NUL in the reason',
    method: 'patch',
    path: `${ORDERS}/:order/status`,
    as: 'admin',
    body: { status: 'confirmed', reason: '\u0000' },
    status: 400,
    code: V,
  },
  {
    name: 'patch: malformed JSON',
    method: 'patch',
    path: `${ORDERS}/:order/status`,
    as: 'admin',
    raw: '{"status":"confirmed"',
    contentType: 'application/json',
    status: 400,
    code: 'MALFORMED_JSON',
  },
  {
    name: 'patch: If-Match "x"',
    method: 'patch',
    path: `${ORDERS}/:order/status`,
    as: 'admin',
    body: { status: 'confirmed' },
    headers: { 'If-Match': '"x"' },
    status: 400,
    code: V,
  },
  {
    name: 'patch: If-Match stale',
    method: 'patch',
    path: `${ORDERS}/:order/status`,
    as: 'admin',
    body: { status: 'confirmed' },
    headers: { 'If-Match': '"2"' },
    status: 412,
    code: 'PRECONDITION_FAILED',
    extensions: ['current_version', 'current_status'],
  },
  {
    name: 'patch: pending to pending',
    method: 'patch',
    path: `${ORDERS}/:order/status`,
    as: 'admin',
    body: { status: 'pending' },
    status: 409,
    code: 'INVALID_TRANSITION',
    extensions: ['current_status', 'allowed_transitions'],
  },
  {
    name: 'patch: pending to shipped',
    method: 'patch',
    path: `${ORDERS}/:order/status`,
    as: 'admin',
    body: { status: 'shipped' },
    status: 409,
    code: 'INVALID_TRANSITION',
    extensions: ['current_status', 'allowed_transitions'],
  },
  {
    name: 'patch: as a customer',
    method: 'patch',
    path: `${ORDERS}/:order/status`,
    body: { status: 'cancelled' },
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'patch: not a UUID',
    method: 'patch',
    path: `${ORDERS}/1/status`,
    as: 'admin',
    body: { status: 'confirmed' },
    status: 400,
    code: V,
  },
];

interface Counts {
  orders: number;
  order_items: number;
  order_events: number;
  idempotency_keys: number;
}

async function countAll(t: TestApp): Promise<Counts> {
  const [row] = await t.db.query<Counts[]>(
    `SELECT (SELECT count(*) FROM orders)::int AS orders,
            (SELECT count(*) FROM order_items)::int AS order_items,
            (SELECT count(*) FROM order_events)::int AS order_events,
            (SELECT count(*) FROM idempotency_keys)::int AS idempotency_keys`,
  );
  return row;
}

/** What the seed order looks like in the database: a change to it shows here. */
async function fingerprint(t: TestApp, id: string): Promise<unknown> {
  const [row] = await t.db.query<{ f: unknown }[]>(
    `SELECT to_jsonb(o) AS f FROM orders o WHERE o.id = $1`,
    [id],
  );
  return row?.f;
}

describe('bad input: every endpoint answers a 4xx problem and changes nothing', () => {
  const t = useOrderService({ product: true, env: NO_RATE_LIMITS });
  const { customer, admin } = t;
  const stranger = makeUser('customer');
  let seed: OrderJson;
  let before: Counts;
  let seedBefore: unknown;

  beforeAll(async () => {
    const res = await t.orders.create(customer, good());
    expectStatus(res, 201);
    seed = res.body as OrderJson;
    before = await countAll(t);
    seedBefore = await fingerprint(t, seed.id);
  });

  function send(c: BadRequest): Promise<Response> {
    const path = c.path.replace(':order', seed.id).replace(':number', seed.order_number);
    let req = t.http[c.method](path);
    const caller = c.as ?? 'customer';
    if (caller === 'customer') req = req.set(customer.auth);
    if (caller === 'admin') req = req.set(admin.auth);
    if (caller === 'stranger') req = req.set(stranger.auth);
    for (const [name, value] of Object.entries(c.headers ?? {})) req = req.set(name, value);
    if (c.raw !== undefined) {
      if (c.contentType) req = req.set('Content-Type', c.contentType);
      // A Buffer goes out as its bytes (superagent would otherwise serialise it as JSON).
      if (Buffer.isBuffer(c.raw))
        req = req.serialize((bytes: Buffer) => bytes as unknown as string);
      return req.send(c.raw as string);
    }
    if (c.body !== undefined) return req.send(c.body as object);
    return req;
  }

  it(`has at least 60 cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [`${c.method.toUpperCase()} ${c.name}`, c] as const))(
    '%s',
    async (_label, c) => {
      const counts = await countAll(t);
      const res = await send(c);

      expect(res.status).toBeLessThan(500);
      expectProblem(res, c.status, c.code, c.extensions);
      expect(await countAll(t)).toEqual(counts);
    },
  );

  it('left the database exactly as it was (row counts and the seed order)', async () => {
    expect(await countAll(t)).toEqual(before);
    expect(await fingerprint(t, seed.id)).toEqual(seedBefore);
  });
});

describe('what is valid stays valid, and nothing pollutes the server', () => {
  const t = useOrderService({ product: true, env: NO_RATE_LIMITS });
  const { customer } = t;

  it.each([
    ['Zürich', { street: 'Bahnhofstrasse 1', city: 'Zürich', state: 'ZH', country: 'Schweiz' }],
    ['東京', { street: '千代田区丸の内1-1', city: '東京', state: '東京都', country: '日本' }],
    ['Straße', { street: 'Königstraße 5', city: 'Köln', state: 'NRW', country: 'Deutschland' }],
    ['Arabic', { street: 'شارع التحرير 10', city: 'القاهرة', state: 'القاهرة', country: 'مصر' }],
    ['combining marks', { street: 'Storgatan 1', city: 'A\u030Astro\u0308m', state: 'Skåne' }],
    ['emoji', { street: '🏠 12 Rue de la Paix', city: 'Paris', state: 'Île-de-France' }],
    ['a zero-width joiner', { street: '1 Main St', city: 'Spring\u200Dfield' }],
  ])('an address in %s is accepted (201) and stored verbatim', async (_label, patch) => {
    const address = { ...ADDRESS, ...patch };
    const res = await t.http
      .post(ORDERS)
      .set(customer.auth)
      .send(good({ shipping_address: address, customer_notes: 'Ring twice\nthen wait' }));

    expectStatus(res, 201);
    const order = res.body as OrderJson;
    expect(order.shipping_address).toEqual(address);
    const [row] = await t.db.query<{ shipping_address: unknown; billing_address: unknown }[]>(
      'SELECT shipping_address, billing_address FROM orders WHERE id = $1',
      [order.id],
    );
    expect(row).toEqual({ shipping_address: address, billing_address: address });
    const read = await t.http.get(`${ORDERS}/${order.id}`).set(customer.auth);
    expectStatus(read, 200);
    expect((read.body as OrderJson).shipping_address).toEqual(address);
  });

  it('__proto__ and constructor members pollute no prototype of the server process', async () => {
    // The app runs in this process, so a polluted Object.prototype would show here.
    const payloads = [
      `{"__proto__":{"polluted":"yes"},"items":[{"product_id":"${PRODUCTS.novel}","quantity":1}],"shipping_address":${JSON.stringify(ADDRESS)}}`,
      `{"items":[{"product_id":"${PRODUCTS.novel}","quantity":1,"__proto__":{"polluted":"yes"}}],"shipping_address":${JSON.stringify(ADDRESS)}}`,
      `{"constructor":{"prototype":{"polluted":"yes"}},"items":[{"product_id":"${PRODUCTS.novel}","quantity":1}],"shipping_address":${JSON.stringify(ADDRESS)}}`,
    ];
    for (const payload of payloads) {
      const res = await t.http
        .post(ORDERS)
        .set(customer.auth)
        .set('Content-Type', 'application/json')
        .send(payload);
      expect(res.status).toBeLessThan(500);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Property-based: random create bodies.
// ---------------------------------------------------------------------------------------------

/** The catalogue of the property test: awkward prices, plenty of stock. */
const PRICES = [0, 0.01, 0.07, 0.1, 0.99, 1.15, 9.99, 19.99, 33.33, 49.95, 99.99, 100, 1299.99];
const HUGE_PRICE = 99_999_999.99;

/** Merges lines as the issue says: the same product (any case) becomes one line, first seen first. */
function mergedLines(items: { product_id: string; quantity: number }[]) {
  const lines = new Map<string, number>();
  for (const { product_id, quantity } of items) {
    const id = product_id.toLowerCase();
    lines.set(id, (lines.get(id) ?? 0) + quantity);
  }
  return [...lines];
}

/**
 * A JSON amount as integer cents, read from its shortest decimal text (exact, unlike × 100 in
 * binary floats): 299999999.97 → 29999999997. More than two decimals fails.
 */
function cents(amount: unknown): number {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(amount));
  if (typeof amount !== 'number' || !match) throw new Error(`${String(amount)} is not an amount`);
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** The pricing in cents: 8 % tax rounded half-up once, 10.00 shipping below 100.00. */
function priceInCents(lines: { unit: number; quantity: number }[]) {
  const subtotals = lines.map((l) => l.unit * l.quantity);
  const subtotal = subtotals.reduce((a, b) => a + b, 0);
  const tax = Math.floor((subtotal * 8 * 2 + 100) / 200);
  const shipping = subtotal < 100_00 ? 10_00 : 0;
  return { subtotals, subtotal, tax, shipping, discount: 0, total: subtotal + tax + shipping };
}

describe('property: random create bodies', () => {
  // Only the products added below: their prices are the ones the property knows.
  const t = useOrderService({ product: { products: [] }, env: NO_RATE_LIMITS });
  const { products: fake, customer } = t;
  const priceOf = new Map<string, number>();
  let known: string[];
  let unsellable: string[];
  /** Ids of the orders answered 201 (a replayed key answers the same id again). */
  const accepted = new Set<string>();
  const statuses: Record<number, number> = {};

  beforeAll(() => {
    for (const price of [...PRICES, HUGE_PRICE]) {
      const p = fake.add({ price, stock: 1_000_000, name: `Priced ${price}` });
      priceOf.set(p._id, price);
    }
    known = [...priceOf.keys()];
    unsellable = [
      fake.add({ isActive: false })._id,
      fake.add({ stock: 0 })._id,
      fake.add({ stock: 2 })._id,
      objectId(), // unknown to the Product Service: 422
    ];
    // Stock 2 sells up to two: every product the fake knows is priced from its document.
    for (const p of fake.products.values()) priceOf.set(p._id, p.price);
  });

  afterAll(() => {
    process.stdout.write(
      `[reliability] property: ${accepted.size} accepted orders; statuses ${JSON.stringify(statuses)}\n`,
    );
  });

  /** Mostly valid text (unicode included), sometimes not: blank, NUL, too long, not a string. */
  const text = (max: number) =>
    fc.oneof(
      {
        weight: 24,
        arbitrary: fc.constantFrom('1 Main St', 'Zürich', '東京', 'IL', 'US', '62701', 'Ωmega 🏠'),
      },
      {
        weight: 3,
        arbitrary: fc
          .string({ unit: 'grapheme', minLength: 1, maxLength: Math.min(max, 40) })
          .filter((s) => /\S/.test(s)),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: max + 5 }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('', '   ', 'a\u0000b', 'x'.repeat(max + 1), 5, null),
      },
    );
  const address = fc.oneof(
    {
      weight: 12,
      arbitrary: fc.record({
        street: text(200),
        city: text(100),
        state: text(100),
        zipCode: text(20),
        country: text(100),
      }),
    },
    { weight: 4, arbitrary: fc.constant({ ...ADDRESS }) },
    { weight: 1, arbitrary: fc.jsonValue() },
  );
  const productId = () =>
    fc.oneof(
      { weight: 20, arbitrary: fc.constantFrom(...known) },
      { weight: 2, arbitrary: fc.constantFrom(...known).map((id) => id.toUpperCase()) },
      { weight: 2, arbitrary: fc.constantFrom(...unsellable) },
      {
        weight: 1,
        arbitrary: fc.oneof(
          fc.string(),
          fc.constantFrom('../admin', '%2e%2e', 'http://169.254.169.254/', 'g'.repeat(24)),
        ),
      },
    );
  const quantity = fc.oneof(
    { weight: 16, arbitrary: fc.integer({ min: 1, max: 5 }) },
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 1000 }) },
    { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, '2', 1e20, null, 1001, true) },
  );
  const item = () =>
    fc.oneof(
      { weight: 30, arbitrary: fc.record({ product_id: productId(), quantity }) },
      {
        weight: 1,
        arbitrary: fc.record({ product_id: productId(), quantity, unit_price: fc.double() }),
      },
      { weight: 1, arbitrary: fc.jsonValue() },
    );
  /** A body a client might plausibly send: valid more often than not, wrong in one place. */
  const nearValid = () =>
    fc
      .tuple(
        fc.record(
          {
            items: fc.oneof(
              { weight: 12, arbitrary: fc.array(item(), { minLength: 1, maxLength: 4 }) },
              { weight: 1, arbitrary: fc.array(item(), { maxLength: 60 }) },
              { weight: 1, arbitrary: fc.jsonValue() },
            ),
            shipping_address: address,
            billing_address: address,
            customer_notes: fc.oneof(
              fc.string({ unit: 'grapheme', maxLength: 50 }),
              fc.constant('Leave it\nat the door'),
              text(1000),
            ),
            payment_method: fc.oneof(
              { weight: 6, arbitrary: fc.constantFrom('credit_card', 'paypal', 'bank_transfer') },
              { weight: 1, arbitrary: fc.constantFrom('bitcoin', 'CREDIT_CARD', '') },
            ),
          },
          { requiredKeys: ['items', 'shipping_address'] },
        ),
        fc.oneof(
          { weight: 8, arbitrary: fc.constant(undefined) },
          {
            weight: 1,
            arbitrary: fc.constantFrom<[string, unknown]>(
              ['total', 0.01],
              ['status', 'delivered'],
              ['user_id', objectId()],
              ['discount', 1000],
            ),
          },
        ),
      )
      .map(([b, extra]) => (extra ? { ...b, [extra[0]]: extra[1] } : b));

  /** A body sent as JSON, or raw text sent as application/json. */
  type Input = { json: unknown } | { raw: string };
  const body = () =>
    fc.oneof(
      { weight: 12, arbitrary: nearValid().map((json): Input => ({ json })) },
      { weight: 2, arbitrary: fc.jsonValue().map((json): Input => ({ json })) },
      { weight: 1, arbitrary: fc.string().map((raw): Input => ({ raw })) },
      {
        weight: 1,
        arbitrary: fc.anything().map((value): Input => ({ raw: JSON.stringify(value) ?? '' })),
      },
    );

  it('never answers 5xx; every accepted order is priced exactly from the Product Service', async () => {
    await fc.assert(
      fc.asyncProperty(body(), fc.option(fc.uuid(), { nil: undefined }), async (input, key) => {
        let req = t.http.post(ORDERS).set(customer.auth);
        if (key) req = req.set('Idempotency-Key', key);
        const raw = 'raw' in input ? input.raw : JSON.stringify(input.json);
        const res = await req.set('Content-Type', 'application/json').send(raw);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;

        expect(res.status).toBeLessThan(500);
        if (res.status !== 201) {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect((res.body as { status?: unknown }).status).toBe(res.status);
          return;
        }
        const order = res.body as OrderJson;
        accepted.add(order.id);
        const sent = input as { json: { items: { product_id: string; quantity: number }[] } };
        const lines = mergedLines(sent.json.items);
        const expected = priceInCents(
          lines.map(([id, quantity]) => ({ unit: cents(priceOf.get(id)), quantity })),
        );
        expect(order.items.map((i) => [i.product_id, i.quantity, cents(i.unit_price)])).toEqual(
          lines.map(([id, quantity]) => [id, quantity, cents(priceOf.get(id))]),
        );
        expect(order.items.map((i) => cents(i.subtotal))).toEqual(expected.subtotals);
        const money = {
          subtotal: cents(order.subtotal),
          tax: cents(order.tax),
          shipping: cents(order.shipping_cost),
          discount: cents(order.discount),
          total: cents(order.total),
        };
        expect(money.total).toBe(money.subtotal + money.tax + money.shipping - money.discount);
        expect(money).toEqual({
          subtotal: expected.subtotal,
          tax: expected.tax,
          shipping: expected.shipping,
          discount: expected.discount,
          total: expected.total,
        });
      }),
      { numRuns: 250 },
    );

    // Most runs are near-valid bodies: the pricing above must have been exercised.
    expect(accepted.size).toBeGreaterThan(20);
  });

  it('every stored order adds up, in the database, to the cent', async () => {
    const broken = await t.db.query<unknown[]>(
      `SELECT o.id, o.subtotal, o.tax, o.shipping_cost, o.discount, o.total,
              (SELECT sum(i.subtotal) FROM order_items i WHERE i.order_id = o.id) AS items_sum,
              (SELECT count(*) FROM order_items i
                WHERE i.order_id = o.id AND i.subtotal <> i.unit_price * i.quantity)::int AS bad_lines
         FROM orders o
        WHERE o.total <> o.subtotal + o.tax + o.shipping_cost - o.discount
           OR o.subtotal IS DISTINCT FROM
              (SELECT sum(i.subtotal) FROM order_items i WHERE i.order_id = o.id)
           OR EXISTS (SELECT 1 FROM order_items i
                       WHERE i.order_id = o.id AND i.subtotal <> i.unit_price * i.quantity)`,
    );
    expect(broken).toEqual([]);
    const [{ orders }] = await t.db.query<{ orders: number }[]>(
      'SELECT count(*)::int AS orders FROM orders',
    );
    expect(orders).toBe(accepted.size);
  });
});
