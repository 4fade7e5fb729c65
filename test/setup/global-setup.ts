import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { runMigrationsLocked } from '../../src/database/migrate';
import { dataSourceFor, databaseUrl, templateName, withAdminClient } from '../utils/database';

/**
 * Finds a PostgreSQL for the suite (TEST_DATABASE_URL, else an embedded one) and builds this run's
 * template database once: every test file then clones it instead of migrating again.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEST_RUN_ID = `${process.pid}`;
  if (!process.env.TEST_DATABASE_URL) {
    const dir = process.env.EMBEDDED_TEST_DB_DIR ?? mkdtempSync(join(tmpdir(), 'order-test-pg-'));
    const embedded = await startEmbeddedPostgres(dir);
    (globalThis as { __embedded?: typeof embedded }).__embedded = embedded;
    process.env.TEST_DATABASE_URL = embedded.url;
  }
  const template = templateName();
  await withAdminClient(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${template}"`);
  });
  const dataSource = await dataSourceFor(databaseUrl(template)).initialize();
  try {
    await runMigrationsLocked(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
