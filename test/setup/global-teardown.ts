import { rmSync } from 'node:fs';
import type { EmbeddedDatabase } from '../../src/database/embedded-postgres';
import { templateName, withAdminClient } from '../utils/database';

/** Drops every database this run created, then stops the embedded server if the run started one. */
export default async function globalTeardown(): Promise<void> {
  await withAdminClient(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $2)',
      [templateName(), `order_test_${process.env.TEST_RUN_ID}_`],
    );
    for (const { datname } of rows)
      await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  });
  const { __embedded, __embeddedTempDir } = globalThis as {
    __embedded?: EmbeddedDatabase;
    __embeddedTempDir?: string;
  };
  await __embedded?.stop();
  if (__embeddedTempDir) rmSync(__embeddedTempDir, { recursive: true, force: true });
}
