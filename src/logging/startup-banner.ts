import type { Environment } from '../config/environment';

/** A URL without its credentials, path or query: enough to say where, never a secret. */
function where(url: string, keepPath = false): string {
  try {
    const parsed = new URL(url);
    const path = keepPath ? parsed.pathname.replace(/\/$/, '') : '';
    return `${parsed.protocol}//${parsed.host}${path}`;
  } catch {
    return 'a configured server';
  }
}

/**
 * The last lines of start-up: where the service answers and what it runs on, and how to call it.
 * Only what a newcomer needs to start; credentials are never shown.
 */
export function startupBanner(
  env: Pick<
    Environment,
    | 'APP_NAME'
    | 'APP_VERSION'
    | 'NODE_ENV'
    | 'DATABASE_URL'
    | 'EMBEDDED_DB_DIR'
    | 'PRODUCT_SERVICE_URL'
  >,
  port: number,
): string {
  const base = `http://localhost:${port}`;
  const database = env.DATABASE_URL
    ? `PostgreSQL at ${where(env.DATABASE_URL, true).replace(/^postgres(ql)?:\/\//, '')}`
    : `embedded PostgreSQL (data in ${env.EMBEDDED_DB_DIR})`;
  const catalog = env.PRODUCT_SERVICE_URL
    ? `Product Service at ${where(env.PRODUCT_SERVICE_URL)}`
    : 'built-in demo catalog (PRODUCT_SERVICE_URL is unset)';
  const token =
    env.NODE_ENV === 'production'
      ? 'issued by the User Service (POST /api/auth/login)'
      : 'npm run -s token   (admin: npm run -s token -- --role admin)';
  return [
    `${env.APP_NAME} ${env.APP_VERSION} is ready`,
    `  URL:       ${base}`,
    `  API docs:  ${base}/docs`,
    `  Database:  ${database}`,
    `  Catalog:   ${catalog}`,
    `  Token:     ${token}`,
  ].join('\n');
}
