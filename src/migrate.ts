/**
 * Applies pending migrations and exits: `npm run migration:run:prod`, the command of the
 * Kubernetes Job `order-service-migrate`. Runs from dist/ with production dependencies only
 * (the TypeORM CLI needs ts-node and the sources), under the same advisory lock as the
 * start-up migration.
 */
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ConfigValidationError, validateEnvironment } from './config/environment';
import { buildDataSourceOptions } from './database/data-source-options';
import { runMigrationsLocked } from './database/migrate';

async function migrate(): Promise<void> {
  const env = validateEnvironment(process.env);
  if (!env.DATABASE_URL) {
    throw new Error('DATABASE_URL is not set: migrations need a PostgreSQL server.');
  }
  const dataSource = await new DataSource({
    ...buildDataSourceOptions(env.DATABASE_URL, env),
    poolSize: 2, // one connection holds the advisory lock, the other migrates
  }).initialize();
  try {
    if (dataSource.migrations.length === 0) {
      throw new Error('No migrations were found next to the service: rebuild it.');
    }
    const applied = await runMigrationsLocked(dataSource);
    new Logger('Migrations').log(
      applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'No pending migrations',
    );
  } finally {
    await dataSource.destroy();
  }
}

migrate().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(
      error instanceof ConfigValidationError
        ? error.message
        : `Migrations failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  },
);
