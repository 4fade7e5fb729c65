import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, dropTestDatabase } from './database';
import {
  exitWithin,
  freePort,
  RunningService,
  serviceEnv,
  startService,
  waitUntilReady,
} from './service';
import { TEST_SECRET } from './tokens';

export interface BuiltService {
  service: RunningService;
  url: string;
  /** Runs a query on the service's own database. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/**
 * `node dist/main.js` as production runs it (the document it serves is the one the Swagger CLI
 * plugin built), on its own clone of the migrated template, with the e2e SECRET_KEY.
 */
export async function startBuiltService(env: Record<string, string> = {}): Promise<BuiltService> {
  const db = await createTestDatabase();
  const cwd = mkdtempSync(join(tmpdir(), 'order-built-'));
  const port = await freePort();
  const service = startService(
    serviceEnv({
      PORT: String(port),
      DATABASE_URL: db.url,
      SECRET_KEY: TEST_SECRET,
      // The clone is migrated already.
      MIGRATIONS_RUN: 'false',
      LOG_LEVEL: 'warn',
      ...env,
    }),
    cwd,
  );
  const stop = async () => {
    if (service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGTERM');
      await exitWithin(service, 20_000).catch(() => undefined);
    }
    await dropTestDatabase(db.name);
    rmSync(cwd, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(service, port, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    service,
    url: `http://127.0.0.1:${port}`,
    query: async <T>(sql: string, params: unknown[] = []) => {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as T[];
      } finally {
        await client.end();
      }
    },
    stop,
  };
}
