import { DataSource } from 'typeorm';

// An arbitrary but fixed key: every replica of this service contends for the same lock.
const MIGRATION_LOCK_KEY = 7_321_004_001;

/**
 * Applies pending migrations while holding a PostgreSQL advisory lock, so that replicas starting
 * together apply each migration exactly once: the others wait, then find nothing pending.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
