// Every e2e worker starts from the same known settings; a developer's .env is not read (NODE_ENV=test).
process.env.NODE_ENV = 'test';
process.env.SECRET_KEY = 'e2e-test-secret-that-is-long-enough';
process.env.ALGORITHM = 'HS256';
process.env.MIGRATIONS_RUN = 'false';
// Suites send hundreds of requests as one user; the rate-limit tests set their own limits.
process.env.RATE_LIMIT_PER_USER = '1000000';
process.env.RATE_LIMIT_PER_IP = '1000000';
process.env.RATE_LIMIT_ORDER_CREATION = '1000000';
process.env.LOG_LEVEL = process.env.TEST_LOGS ? 'debug' : 'silent';
for (const key of [
  'DATABASE_URL',
  'USER_SERVICE_URL',
  'PRODUCT_SERVICE_URL',
  'INVENTORY_SERVICE_URL',
  'REDIS_URL',
  'NATS_URL',
]) {
  delete process.env[key];
}
