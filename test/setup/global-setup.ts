import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { runMigrationsLocked } from '../../src/database/migrate';
import { dataSourceFor, databaseUrl, templateName, withAdminClient } from '../utils/database';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Finds a PostgreSQL for the suite (TEST_DATABASE_URL, else an embedded one) and builds this run's
 * template database once: every test file then clones it instead of migrating again.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEST_RUN_ID = `${process.pid}`;
  if (!process.env.TEST_DATABASE_URL) {
    const dir = process.env.EMBEDDED_TEST_DB_DIR ?? mkdtempSync(join(tmpdir(), 'order-test-pg-'));
    const embedded = await startEmbeddedPostgres(dir);
    Object.assign(globalThis, {
      __embedded: embedded,
      __embeddedTempDir: process.env.EMBEDDED_TEST_DB_DIR ? undefined : dir,
    });
    process.env.TEST_DATABASE_URL = embedded.url;
  }
  const template = templateName();
  await withAdminClient(async (c) => {
    // Databases of earlier runs that died before their teardown (their pid is gone).
    const { rows } = await c.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'order\\_test\\_%'",
    );
    for (const { datname } of rows) {
      const pid = Number(/^order_test_(?:tmpl_)?(\d+)/.exec(datname)?.[1]);
      if (pid && !isAlive(pid)) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
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
