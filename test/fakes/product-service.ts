import { randomBytes } from 'node:crypto';
import {
  createServer,
  STATUS_CODES,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { DEMO_PRODUCTS } from '../../src/product-client/demo-catalog';
import {
  type ProductDocument,
  type ProductFields,
  withComputedFields,
} from '../../src/product-client/product-document';

// ---------------------------------------------------------------------------------------------
// Shared machinery of the fake neighbours (the User and Inventory fakes extend it too).
// ---------------------------------------------------------------------------------------------

export interface RecordedRequest {
  method: string;
  /** The request target as sent, query string included. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, the raw text if it was not JSON, undefined if there was none. */
  body?: unknown;
}

export interface FakeRequest {
  method: string;
  pathname: string;
  /** Path segments, URI-decoded. */
  segments: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  socket: Socket;
}

export interface FakeReply {
  status: number;
  /** Sent as JSON unless `raw` is given. */
  body?: unknown;
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

interface InjectedFailure {
  status: number;
  remaining: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export const json = (status: number, body: unknown): FakeReply => ({ status, body });

export const objectId = (): string => randomBytes(12).toString('hex');

/**
 * A real HTTP server on 127.0.0.1, so clients under test go through sockets, keep-alive, timeouts
 * and connection errors exactly as they would against the real neighbour.
 */
export abstract class FakeHttpService {
  requests: RecordedRequest[] = [];
  /** Benchmarks send many requests; they can switch the log off to keep memory flat. */
  recordRequests = true;
  latencyMs = 0;

  private failures: InjectedFailure[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private port = 0;
  private listening = false;

  protected constructor() {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    // Longer than any client's idle keep-alive, so the server never closes a socket a client is
    // about to reuse (which surfaces as a spurious ECONNRESET).
    this.server.keepAliveTimeout = 60_000;
    this.server.headersTimeout = 61_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /**
   * Creates the fake (each subclass's `create`) and listens on `port`, or on a free one. A fixture
   * calls `create` alone, while jest collects a describe block, and `up()` in its beforeAll.
   */
  static async start<T extends FakeHttpService, O extends object>(
    this: { create(options?: O): T },
    options: O & { port?: number } = {} as O,
  ): Promise<T> {
    const fake = this.create(options);
    await fake.listen(options.port ?? 0);
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  protected abstract route(req: FakeRequest): FakeReply | null | Promise<FakeReply | null>;

  /** Answers with this status instead of routing, for the next `times` requests. */
  failNext(status: number, times = 1, body?: unknown, headers?: Record<string, string>): void {
    this.failures.push({ status, remaining: times, body, headers });
  }

  /** Clears the switches and the request log; the data (products, users, stock) is kept. */
  reset(): void {
    this.requests = [];
    this.latencyMs = 0;
    this.failures = [];
  }

  /** Stops listening and cuts every open connection: from now on, connection refused. */
  async down(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    // Lets in-process clients see their pooled keep-alive sockets close; otherwise the next
    // request may reuse one and fail with "other side closed" instead of connection refused.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** Listens again on the same port, so clients keep their configured URL. */
  async up(): Promise<void> {
    if (this.listening) return;
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.down();
  }

  protected async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    this.port = address.port;
    this.listening = true;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const text = await readBody(req);
      const body = parseBody(text);
      if (this.recordRequests) {
        this.requests.push({
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          headers: req.headers,
          ...(text === '' ? {} : { body }),
        });
      }
      if (this.latencyMs > 0) await this.sleep(this.latencyMs);
      if (req.socket.destroyed) return;

      const failure = this.failures[0];
      if (failure) {
        if (--failure.remaining <= 0) this.failures.shift();
        send(res, failureReply(failure));
        return;
      }

      const url = new URL(req.url ?? '/', 'http://fake');
      let segments: string[];
      try {
        segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      } catch {
        send(res, json(400, { message: 'Bad request' }));
        return;
      }
      const reply = await this.route({
        method: req.method ?? 'GET',
        pathname: url.pathname,
        segments,
        query: url.searchParams,
        headers: req.headers,
        body: text === '' ? undefined : body,
        socket: req.socket,
      });
      if (reply !== null && !req.socket.destroyed) send(res, reply);
    } catch (error) {
      if (!res.headersSent && !req.socket.destroyed) {
        send(res, json(500, { message: 'Server error', error: String(error) }));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function failureReply(failure: InjectedFailure): FakeReply {
  const headers = failure.headers;
  if (typeof failure.body === 'string') {
    return { status: failure.status, raw: failure.body, contentType: 'text/plain', headers };
  }
  return {
    status: failure.status,
    body: failure.body ?? defaultFailureBody(failure.status),
    headers,
  };
}

function defaultFailureBody(status: number): unknown {
  if (status === 500) return { message: 'Server error', error: 'Injected failure' };
  // express-rate-limit's default message.
  if (status === 429) return { message: 'Too many requests, please try again later.' };
  return { message: STATUS_CODES[status] ?? 'Error' };
}

function send(res: ServerResponse, reply: FakeReply): void {
  const payload = reply.raw ?? JSON.stringify(reply.body ?? null);
  res.writeHead(reply.status, {
    'Content-Type': reply.contentType ?? JSON_TYPE,
    'Content-Length': Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(payload);
}

// ---------------------------------------------------------------------------------------------
// The Product Service.
// ---------------------------------------------------------------------------------------------

export type ProductServiceMode =
  'normal' | 'html' | 'truncated-json' | 'garbage-price' | 'oversized' | 'drop-connection' | 'hang';

const OBJECT_ID = /^[0-9a-f]{24}$/i;

// What a misrouted request gets from a proxy or a front-end catch-all: 200, but not the API.
const HTML_PAGE =
  '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>' +
  '<body><div id="root"></div><script src="/static/js/main.js"></script></body></html>\n';

/**
 * The Product Service as the Order Service sees it: `GET /api/products/:id`,
 * `GET /api/products/sku/:sku` and `GET /api/products`, with the real service's answers,
 * including Mongoose's 500 on an id that is not an ObjectId.
 */
export interface ProductServiceOptions {
  products?: ProductDocument[];
}

export class FakeProductService extends FakeHttpService {
  /** Keyed by `_id`; tests may add, replace and remove documents directly. */
  products: Map<string, ProductDocument>;
  mode: ProductServiceMode = 'normal';

  private constructor(products: ProductDocument[]) {
    super();
    this.products = new Map(products.map((p) => [p._id, p]));
  }

  /** The fake, not listening yet: `up()` starts it (see FakeHttpService.start). */
  static create(options: ProductServiceOptions = {}): FakeProductService {
    return new FakeProductService(options.products ?? structuredClone(DEMO_PRODUCTS));
  }

  /** Stores a complete, valid product built from `p` and defaults, with a fresh id unless given. */
  add(p: Partial<ProductDocument> & { name?: string } = {}): ProductDocument {
    const _id = p._id ?? objectId();
    const now = new Date().toISOString();
    const fields: ProductFields = {
      name: 'Test Product',
      description: 'A product made up by a test.',
      shortDescription: 'Test product',
      price: 10,
      sku: `TEST-${_id.slice(-8).toUpperCase()}`,
      category: 'test',
      images: [
        {
          url: `https://images.example.com/products/${_id}.jpg`,
          alt: p.name ?? 'Test Product',
          isPrimary: true,
        },
      ],
      stock: 100,
      lowStockThreshold: 10,
      isActive: true,
      isFeatured: false,
      tags: [],
      rating: { average: 0, count: 0 },
      createdAt: now,
      updatedAt: now,
      ...p,
      _id,
    };
    const product = withComputedFields(fields);
    this.products.set(_id, product);
    return product;
  }

  /** How many requests asked for this product by id. */
  requestsFor(id: string): number {
    const path = `/api/products/${id}`;
    return this.requests.filter((r) => r.path.split('?')[0] === path).length;
  }

  override reset(): void {
    super.reset();
    this.mode = 'normal';
  }

  protected route(req: FakeRequest): FakeReply | null {
    switch (this.mode) {
      case 'hang':
        return null;
      case 'drop-connection':
        req.socket.destroy();
        return null;
      case 'html':
        return { status: 200, raw: HTML_PAGE, contentType: 'text/html; charset=utf-8' };
      case 'truncated-json': {
        const text = JSON.stringify(this.answer(req).body);
        return { status: 200, raw: text.slice(0, Math.max(1, Math.floor(text.length / 2))) };
      }
      case 'oversized': {
        // Valid JSON, but over the 1 MiB the Order Service reads of an answer.
        const padding = 'x'.repeat(2 * 1024 * 1024);
        return {
          status: 200,
          raw: JSON.stringify({ ...(this.answer(req).body as object), padding }),
        };
      }
      default:
        return this.answer(req);
    }
  }

  private answer(req: FakeRequest): FakeReply {
    const [api, resource, first, second, ...rest] = req.segments;
    if (req.method !== 'GET' || api !== 'api' || resource !== 'products' || rest.length > 0) {
      return notFoundRoute;
    }
    if (first === undefined) return this.list(req.query);
    if (first === 'sku' && second !== undefined) {
      const sku = second.toUpperCase();
      const product = [...this.products.values()].find((p) => p.sku === sku);
      return product ? json(200, this.present(product)) : productNotFound;
    }
    if (second !== undefined) return notFoundRoute;
    if (!OBJECT_ID.test(first)) {
      return json(500, {
        message: 'Server error',
        error: `Cast to ObjectId failed for value "${first}" (type string) at path "_id" for model "Product"`,
      });
    }
    // Mongo compares ObjectIds, not strings: an upper-case hex id finds the same document.
    const product = this.products.get(first.toLowerCase()) ?? this.products.get(first);
    return product ? json(200, this.present(product)) : productNotFound;
  }

  private list(query: URLSearchParams): FakeReply {
    const page = positiveInt(query.get('page'), 1);
    const limit = positiveInt(query.get('limit'), 10);
    const category = query.get('category');
    const brand = query.get('brand');
    const minPrice = query.get('minPrice');
    const maxPrice = query.get('maxPrice');
    const search = query.get('search')?.toLowerCase();
    const matching = [...this.products.values()]
      .filter(
        (p) =>
          p.isActive &&
          (!category || p.category === category) &&
          (!brand || p.brand === brand) &&
          (!minPrice || p.price >= Number(minPrice)) &&
          (!maxPrice || p.price <= Number(maxPrice)) &&
          (query.get('inStock') !== 'true' || p.stock > 0) &&
          (!search ||
            [p.name, p.description, ...p.tags].some((t) => t.toLowerCase().includes(search))),
      )
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a._id.localeCompare(b._id));
    const total = matching.length;
    return json(200, {
      products: matching.slice((page - 1) * limit, page * limit).map((p) => this.present(p)),
      pagination: { page, limit, total, pages: Math.ceil(total / limit) },
    });
  }

  private present(p: ProductDocument): unknown {
    return this.mode === 'garbage-price' ? { ...p, price: 'abc' } : p;
  }
}

const notFoundRoute = json(404, { message: 'Route not found' });
const productNotFound = json(404, { message: 'Product not found' });

function positiveInt(value: string | null, fallback: number): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isInteger(n) && n >= 1 ? n : fallback;
}
