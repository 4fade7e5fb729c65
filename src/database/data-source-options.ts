import { join } from 'node:path';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';
import type { Environment } from '../config/environment';
import { ENTITIES } from './entities';

type DatabaseSettings = Pick<
  Environment,
  'DB_POOL_SIZE' | 'DB_STATEMENT_TIMEOUT_MS' | 'DB_CONNECT_TIMEOUT_MS'
>;

// Source (ts-node, jest) keeps migrations at the project root; the build compiles them to dist/migrations.
const MIGRATIONS_GLOB = __filename.endsWith('.ts')
  ? join(__dirname, '..', '..', 'migrations', '*.ts')
  : join(__dirname, '..', 'migrations', '*.js');

/** The one options object behind both the application's DataSource and the TypeORM CLI's. */
export function buildDataSourceOptions(
  url: string,
  settings: DatabaseSettings,
): PostgresDataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    uuidExtension: 'pgcrypto',
    connectTimeoutMS: settings.DB_CONNECT_TIMEOUT_MS,
    poolSize: settings.DB_POOL_SIZE,
    extra: {
      application_name: 'order-service',
      statement_timeout: settings.DB_STATEMENT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
    },
  };
}
