import { logFormat } from './logging.module';
import { startupBanner } from './startup-banner';

describe('logFormat', () => {
  const dev = { NODE_ENV: 'development' as const, DEBUG: false, LOG_FORMAT: undefined };

  it.each([
    ['a terminal in development', dev, true, 'pretty'],
    ['a pipe in development', dev, false, 'json'],
    ['a terminal in production', { ...dev, NODE_ENV: 'production' as const }, true, 'json'],
    ['DEBUG on a pipe', { ...dev, DEBUG: true }, false, 'pretty'],
    [
      'LOG_FORMAT=pretty on a pipe in production',
      { ...dev, NODE_ENV: 'production' as const, LOG_FORMAT: 'pretty' as const },
      false,
      'pretty',
    ],
    [
      'LOG_FORMAT=json on a terminal with DEBUG',
      { ...dev, DEBUG: true, LOG_FORMAT: 'json' as const },
      true,
      'json',
    ],
  ])('%s: %s', (_name, config, terminal, expected) => {
    expect(logFormat(config, terminal)).toBe(expected);
  });
});

describe('startupBanner', () => {
  const env = {
    APP_NAME: 'Order Service',
    APP_VERSION: '1.2.3',
    NODE_ENV: 'development' as const,
    DATABASE_URL: undefined,
    EMBEDDED_DB_DIR: './.data/pg',
    PRODUCT_SERVICE_URL: undefined,
  };

  it('names the URL, the docs, the embedded database, the demo catalog and npm run token', () => {
    expect(startupBanner(env, 8000).split('\n')).toEqual([
      'Order Service 1.2.3 is ready',
      '  URL:       http://localhost:8000',
      '  API docs:  http://localhost:8000/docs',
      '  Database:  embedded PostgreSQL (data in ./.data/pg)',
      '  Catalog:   built-in demo catalog (PRODUCT_SERVICE_URL is unset)',
      '  Token:     npm run -s token   (admin: npm run -s token -- --role admin)',
    ]);
  });

  it('names the database host and the Product Service, never their credentials', () => {
    const banner = startupBanner(
      {
        ...env,
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://orders:s3cret@db.internal:5433/orders?sslmode=require',
        PRODUCT_SERVICE_URL: 'http://svc:t0ken@product-service:3002/',
      },
      8080,
    );

    expect(banner).toContain('Database:  PostgreSQL at db.internal:5433/orders');
    expect(banner).toContain('Catalog:   Product Service at http://product-service:3002');
    expect(banner).toContain('Token:     issued by the User Service');
    expect(banner).not.toMatch(/s3cret|t0ken|sslmode|orders:/);
  });
});
