import 'dotenv/config';
import { DataSource } from 'typeorm';
import { validateEnvironment } from './src/config/environment';
import { buildDataSourceOptions } from './src/database/data-source-options';

// The TypeORM CLI's data source. The embedded database only lives while the service runs, so
// the CLI needs a real server.
const env = validateEnvironment(process.env);
if (!env.DATABASE_URL) {
  throw new Error(
    'DATABASE_URL is not set: the migration CLI needs a PostgreSQL server (the embedded database applies migrations itself at start-up).',
  );
}

export default new DataSource(buildDataSourceOptions(env.DATABASE_URL, env));
