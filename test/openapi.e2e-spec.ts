import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ERROR_CATALOG, type ErrorCode } from '../src/common/errors/error-codes';
import { DEMO_PRODUCTS } from '../src/product-client/demo-catalog';
import { SpawnedService, useServiceSpawner } from './utils/service';
import { makeUser, TEST_SECRET } from './utils/tokens';

/*
 * The OpenAPI document (/docs-json) is what client SDKs are generated from: every operation
 * documents its answers, errors included; Redocly's recommended rules pass; a TypeScript SDK
 * generated from it type-checks against, and works with, a small client. Read from the BUILT
 * service: its document comes from the Swagger plugin as `npm run build` applies it
 * (scripts/build.js), which is what clients get (run `npm run build` first; `npm test` does).
 */

const ROOT = resolve(__dirname, '..');
const BIN = join(ROOT, 'node_modules', '.bin');
const PROBLEM_REF = '#/components/schemas/ProblemDetailsDto';

interface Schema {
  $ref?: string;
  required?: string[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  enum?: string[];
}
interface Media {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  operationId: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, Media> }>;
}
interface Document {
  servers?: { url: string }[];
  info: { license?: { name: string } };
  security?: Record<string, unknown[]>[];
  paths: Record<string, Record<string, Operation>>;
}

const ONE_ORDER = [
  'post /api/orders',
  'get /api/orders/{id}',
  'get /api/orders/number/{order_number}',
  'delete /api/orders/{id}/cancel',
  'put /api/orders/{id}',
  'patch /api/orders/{id}/status',
];
const CHANGES = [
  'delete /api/orders/{id}/cancel',
  'put /api/orders/{id}',
  'patch /api/orders/{id}/status',
];

/**
 * Runs a tool without blocking the event loop: a blocked loop keeps fetch's idle keep-alive
 * sockets past the server's timeout, and the next request would be sent on a closed one.
 */
function run(command: string, args: string[], cwd: string) {
  return new Promise<{ status: number; out: string }>((done) => {
    execFile(
      command,
      args,
      {
        cwd,
        encoding: 'utf8',
        timeout: 120_000,
        // No telemetry or update check: CI has no internet, and a test must not phone home.
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        done({
          status: error ? (typeof code === 'number' ? code : 1) : 0,
          out: `${stdout}\n${stderr}`,
        });
      },
    );
  });
}

describe('OpenAPI document', () => {
  const services = useServiceSpawner();
  let s: SpawnedService;
  let doc: Document;
  let operations: [string, Operation][];
  let dir: string;

  beforeAll(async () => {
    s = await services.spawn({ env: { SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'warn' } });
    const res = await s.http().get('/docs-json');
    expect(res.status).toBe(200);
    doc = res.body as Document;
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]): [string, Operation] => [`${method} ${path}`, op]),
    );
    dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc, null, 2));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('documents every operation with a success response that has a schema', () => {
    expect(operations.length).toBeGreaterThanOrEqual(12);
    for (const [name, op] of operations) {
      const success = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
      expect({ name, successes: success.length }).toEqual({ name, successes: 1 });
      const [, response] = success[0];
      if (name === 'get /api/orders/export') {
        // The one download: a CSV file, not a JSON document.
        expect(response.content?.['text/csv']?.schema).toEqual({ type: 'string' });
        continue;
      }
      expect({ name, schema: response.content?.['application/json']?.schema }).toEqual({
        name,
        schema: expect.objectContaining({
          $ref: expect.stringMatching(/^#\/components\/schemas\//),
        }),
      });
    }
  });

  it('documents every error as problem+json whose codes belong to its status', () => {
    for (const [name, op] of operations) {
      const errors = Object.entries(op.responses).filter(([status]) => /^[45]\d\d$/.test(status));
      expect({ name, has4xx: errors.some(([s]) => s.startsWith('4')) }).toEqual({
        name,
        has4xx: true,
      });
      for (const [status, response] of errors) {
        // GET /health answers its own document, not a problem, when it is unhealthy.
        if (name === 'get /health' && status === '503') continue;
        const media = response.content?.['application/problem+json'];
        const [base, narrowed] = media?.schema?.allOf ?? [];
        expect({ name, status, ref: base?.$ref }).toEqual({ name, status, ref: PROBLEM_REF });
        const codes = narrowed?.properties?.code?.enum ?? [];
        expect(codes.length).toBeGreaterThan(0);
        for (const code of codes) {
          expect({ name, code, status: ERROR_CATALOG[code as ErrorCode]?.status }).toEqual({
            name,
            code,
            status: Number(status),
          });
        }
        expect(media?.example).toEqual(
          expect.objectContaining({ status: Number(status), code: codes[0] }),
        );
      }
    }
  });

  it('the problem schema has type, title, status, detail, code and optional errors', async () => {
    const res = await s.http().get('/docs-json');
    const { schemas } = (res.body as { components: { schemas: Record<string, Schema> } })
      .components;
    const problem = schemas.ProblemDetailsDto;
    const properties = problem.properties ?? {};
    expect(Object.keys(properties)).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'code', 'errors']),
    );
    expect([...(problem.required ?? [])].sort()).toEqual([
      'code',
      'detail',
      'status',
      'title',
      'type',
    ]);
    // Every code of the catalogue, as a named enum a generator turns into a union type.
    expect(properties.code.allOf).toEqual([{ $ref: '#/components/schemas/ErrorCode' }]);
    expect([...(schemas.ErrorCode.enum ?? [])].sort()).toEqual(Object.keys(ERROR_CATALOG).sort());
  });

  it('documents ETag on single-order answers, and Location and Idempotent-Replayed on create', () => {
    const byName = new Map(operations);
    for (const name of ONE_ORDER) {
      const op = byName.get(name)!;
      const success = Object.entries(op.responses).find(([s]) => s.startsWith('2'))![1];
      expect({ name, headers: Object.keys(success.headers ?? {}) }).toEqual({
        name,
        headers: expect.arrayContaining(['ETag']),
      });
    }
    const create = byName.get('post /api/orders')!;
    expect(Object.keys(create.responses['201'].headers ?? {}).sort()).toEqual(
      ['ETag', 'Idempotent-Replayed', 'Location'].sort(),
    );
    expect(create.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]),
    );
    for (const name of CHANGES) {
      expect({ name, parameters: byName.get(name)!.parameters }).toEqual({
        name,
        parameters: expect.arrayContaining([
          expect.objectContaining({ name: 'If-Match', in: 'header', required: false }),
        ]),
      });
      expect(Object.keys(byName.get(name)!.responses)).toContain('412');
    }
  });

  it('the health probes and the signed payment webhook need no token; every other /api operation needs one', () => {
    expect(doc.security).toEqual([{ bearer: [] }]);
    for (const [name, op] of operations) {
      if (name.startsWith('get /health') || name === 'post /api/payments/webhook') {
        expect({ name, security: op.security }).toEqual({ name, security: [] });
      } else {
        expect({ name, security: op.security ?? doc.security }).toEqual({
          name,
          security: [{ bearer: [] }],
        });
      }
    }
  });

  it('the create example uses the demo catalog and works as it is, Location leading to the order', async () => {
    const create = new Map(operations).get('post /api/orders')!;
    const examples = create.requestBody?.content['application/json'].examples ?? {};
    const [example] = Object.values(examples).map((e) => e.value) as {
      items: { product_id: string }[];
    }[];
    expect(example).toBeDefined();
    const demoIds = DEMO_PRODUCTS.map((p) => p._id);
    for (const item of example.items) expect(demoIds).toContain(item.product_id);

    const user = makeUser('customer');
    const res = await s.http().post('/api/orders').set(user.auth).send(example);

    expect(res.status).toBe(201);
    expect(res.headers.etag).toBe(`"${res.body.version}"`);
    expect(res.headers.location).toBe(`/api/orders/${res.body.id}`);
    const again = await s.http().get(res.headers.location).set(user.auth);
    expect(again.status).toBe(200);
    expect(again.body.order_number).toBe(res.body.order_number);
  });

  it("passes Redocly's recommended rules with no error and no warning", async () => {
    copyFileSync(join(ROOT, 'redocly.yaml'), join(dir, 'redocly.yaml'));
    copyFileSync(join(ROOT, '.redocly.lint-ignore.yaml'), join(dir, '.redocly.lint-ignore.yaml'));
    const config = parse(readFileSync(join(dir, 'redocly.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    // The recommended rules as they are: nothing switched off or down.
    expect(config).toEqual(expect.objectContaining({ extends: ['recommended'] }));
    expect(config).not.toHaveProperty('rules');
    // Only the ambiguous-path pairs the published contract fixes are accepted.
    const ignored = parse(readFileSync(join(dir, '.redocly.lint-ignore.yaml'), 'utf8')) as Record<
      string,
      Record<string, string[]>
    >;
    expect(ignored).toEqual({
      'openapi.json': {
        'no-ambiguous-paths': [
          '#/paths/~1api~1orders~1{id}~1history',
          '#/paths/~1api~1orders~1{id}~1cancel',
          '#/paths/~1api~1orders~1{id}~1status',
          '#/paths/~1api~1orders~1{id}~1refunds',
        ],
      },
    });

    const lint = await run(join(BIN, 'redocly'), ['lint', 'openapi.json', '--format=json'], dir);

    const report = JSON.parse(lint.out.slice(lint.out.indexOf('{'), lint.out.lastIndexOf('}') + 1));
    expect({ totals: report.totals, problems: report.problems }).toEqual({
      totals: { errors: 0, warnings: 0, ignored: 4 },
      problems: [],
    });
    expect(lint.status).toBe(0);
  });

  describe('a TypeScript SDK generated with openapi-typescript', () => {
    beforeAll(async () => {
      const generated = await run(
        join(BIN, 'openapi-typescript'),
        ['openapi.json', '-o', 'order-service.ts'],
        dir,
      );
      expect(generated.status).toBe(0);
      writeFileSync(join(dir, 'client.ts'), CLIENT);
      writeFileSync(join(dir, 'misuse.ts'), MISUSE);
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'commonjs',
            strict: true,
            noEmitOnError: true,
            skipLibCheck: true,
            outDir: 'out',
            typeRoots: [join(ROOT, 'node_modules', '@types')],
            types: ['node'],
          },
          files: ['client.ts'],
        }),
      );
    });

    it('type-checks a client that creates, reads and cancels an order, which then works', async () => {
      const tsc = await run(join(BIN, 'tsc'), ['-p', 'tsconfig.json'], dir);
      expect(tsc.out.trim()).toBe('');
      expect(tsc.status).toBe(0);

      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const client = require(join(dir, 'out', 'client.js')) as {
        createReadCancel(baseUrl: string, token: string, productId: string): Promise<string>;
      };
      const user = makeUser('customer');
      const id = await client.createReadCancel(s.url, user.token, DEMO_PRODUCTS[0]._id);

      const rows = await s.query<{ status: string }>('SELECT status FROM orders WHERE id = $1', [
        id,
      ]);
      expect(rows).toEqual([{ status: 'cancelled' }]);
    });

    it('rejects a client that misreads it (wrong field type, unknown error code)', async () => {
      const tsc = await run(
        join(BIN, 'tsc'),
        [
          '--noEmit',
          '--strict',
          '--skipLibCheck',
          '--types',
          'node',
          '--typeRoots',
          join(ROOT, 'node_modules', '@types'),
          'misuse.ts',
        ],
        dir,
      );

      expect(tsc.status).not.toBe(0);
      expect(tsc.out).toMatch(/misuse\.ts\(\d+,\d+\): error TS2322/);
      expect(tsc.out).toMatch(/NO_SUCH_CODE/);
    });
  });
});

/** Written against the generated types only: if the document lies, this does not compile. */
const CLIENT = `
import type { components, paths } from './order-service';

type Create = paths['/api/orders']['post'];
type NewOrder = NonNullable<Create['requestBody']>['content']['application/json'];
type Order = Create['responses'][201]['content']['application/json'];
type Problem = components['schemas']['ProblemDetailsDto'];
type CreateProblemCode = Create['responses'][422]['content']['application/problem+json']['code'];
type Read = paths['/api/orders/{id}']['get'];
type Cancel = paths['/api/orders/{id}/cancel']['delete'];
type CancelBody = NonNullable<Cancel['requestBody']>['content']['application/json'];
type IfMatch = NonNullable<Cancel['parameters']['header']>['If-Match'];

const EXPECTED: CreateProblemCode[] = ['PRODUCT_NOT_FOUND', 'PRODUCT_UNAVAILABLE', 'ORDER_TOO_LARGE'];

async function expectOk<T>(res: Response, status: number): Promise<T> {
  if (res.status !== status) {
    const problem = (await res.json()) as Problem;
    throw new Error(problem.code + ': ' + problem.detail);
  }
  return (await res.json()) as T;
}

export async function createReadCancel(baseUrl: string, token: string, productId: string): Promise<string> {
  const auth = { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' };
  const body: NewOrder = {
    items: [{ product_id: productId, quantity: 2 }],
    shipping_address: { street: '1 Main St', city: 'Springfield', state: 'IL', zipCode: '62701', country: 'US' },
    payment_method: 'paypal',
  };
  const created = await fetch(baseUrl + '/api/orders', {
    method: 'POST',
    headers: { ...auth, 'Idempotency-Key': crypto.randomUUID() },
    body: JSON.stringify(body),
  });
  const order = await expectOk<Order>(created, 201);
  const etag: IfMatch = created.headers.get('ETag') ?? undefined;
  const total: number = order.total;
  const lines: number = order.items.reduce((n, item) => n + item.quantity, 0);
  if (lines !== 2 || total <= 0 || EXPECTED.length !== 3) throw new Error('unexpected order');

  const read = await fetch(baseUrl + created.headers.get('Location'), { headers: auth });
  const same = await expectOk<Read['responses'][200]['content']['application/json']>(read, 200);
  if (same.order_number !== order.order_number) throw new Error('another order');

  const reason: CancelBody = { reason: 'Changed my mind' };
  const cancelled = await fetch(baseUrl + '/api/orders/' + order.id + '/cancel', {
    method: 'DELETE',
    headers: { ...auth, ...(etag ? { 'If-Match': etag } : {}) },
    body: JSON.stringify(reason),
  });
  const after = await expectOk<Cancel['responses'][200]['content']['application/json']>(cancelled, 200);
  const status: Order['status'] = after.status;
  if (status !== 'cancelled' || after.cancellation_reason !== reason.reason) throw new Error(status);
  return after.id;
}
`;

const MISUSE = `
import type { paths } from './order-service';

type Create = paths['/api/orders']['post'];
type Order = Create['responses'][201]['content']['application/json'];
type Code = Create['responses'][422]['content']['application/problem+json']['code'];

export const total = (order: Order): string => order.total;
export const code: Code = 'NO_SUCH_CODE';
`;
