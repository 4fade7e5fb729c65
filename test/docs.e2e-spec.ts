import { useOrderService } from './utils/fixture';

// Not the defaults, so that the assertions prove the values come from the configuration.
const APP_NAME = 'Order Service (docs test)';
const APP_VERSION = '3.14.15';

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { security?: unknown[] }>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
  security?: Record<string, unknown[]>[];
}

describe('API documentation and banner', () => {
  const t = useOrderService({ env: { APP_NAME, APP_VERSION } });

  it('GET /docs-json is an OpenAPI 3 document with bearer security', async () => {
    const res = await t.http.get('/docs-json');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = res.body as OpenApiDocument;
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toEqual(expect.objectContaining({ title: APP_NAME, version: APP_VERSION }));
    expect(typeof doc.paths).toBe('object');
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
    expect(doc.components.securitySchemes.bearer).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    );
    // Every operation needs the token unless it says otherwise.
    expect(doc.security).toEqual(expect.arrayContaining([{ bearer: [] }]));
  });

  it('documents the health probes', async () => {
    const res = await t.http.get('/docs-json');

    expect(res.status).toBe(200);
    const paths = Object.keys((res.body as OpenApiDocument).paths);
    expect(paths).toEqual(expect.arrayContaining(['/health', '/health/live', '/health/ready']));
  });

  it('documents the order endpoints', async () => {
    const res = await t.http.get('/docs-json');

    expect(res.status).toBe(200);
    const paths = (res.body as OpenApiDocument).paths;
    const operations = Object.entries(paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        'POST /api/orders',
        'GET /api/orders',
        'GET /api/orders/all',
        'GET /api/orders/{id}',
        'GET /api/orders/number/{order_number}',
        'DELETE /api/orders/{id}/cancel',
        'PUT /api/orders/{id}',
        'PATCH /api/orders/{id}/status',
      ]),
    );
  });

  it('GET /docs serves the Swagger UI page', async () => {
    const res = await t.http.get('/docs').redirects(1);

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/swagger-ui/i);
  });

  it('GET / answers the banner without a token', async () => {
    const res = await t.http.get('/');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ message: 'Order Service API', version: APP_VERSION, docs: '/docs' });
  });
});
