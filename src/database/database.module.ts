import { Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { appConfig, type AppConfig } from '../config/app.config';
import { buildDataSourceOptions } from './data-source-options';
import { EmbeddedDatabase, startEmbeddedPostgres } from './embedded-postgres';
import { runMigrationsLocked } from './migrate';

const logger = new Logger('Database');

/**
 * The database the service uses, made ready before the application's DataSource connects: the
 * configured server or an embedded one, with pending migrations applied.
 */
export class PreparedDatabase implements OnApplicationShutdown {
  constructor(
    readonly url: string,
    private embedded?: EmbeddedDatabase,
  ) {}

  static async prepare(config: AppConfig): Promise<PreparedDatabase> {
    let embedded: EmbeddedDatabase | undefined;
    if (!config.DATABASE_URL) {
      embedded = await startEmbeddedPostgres(config.EMBEDDED_DB_DIR);
      logger.log(
        `No DATABASE_URL: using an embedded PostgreSQL on 127.0.0.1:${embedded.port} with data in ${embedded.dataDir}. ` +
          'Set DATABASE_URL=postgres://user:pass@host:5432/db to use a real server.',
      );
    }
    const prepared = new PreparedDatabase(config.DATABASE_URL ?? embedded!.url, embedded);
    try {
      await prepared.migrate(config);
    } catch (error) {
      await prepared.onApplicationShutdown();
      throw error;
    }
    return prepared;
  }

  /**
   * Applies pending migrations, or with MIGRATIONS_RUN=false (a separate Job migrates) refuses to
   * start while any are pending: serving an old schema would answer 500s, a restart waits it out.
   */
  private async migrate(config: AppConfig): Promise<void> {
    const dataSource = await new DataSource({
      ...buildDataSourceOptions(this.url, config),
      poolSize: 2,
    }).initialize();
    try {
      // An incomplete build leaves dist/ without migrations; starting on an empty schema would
      // turn every request into a 500, so refuse to start instead.
      if (dataSource.migrations.length === 0) {
        throw new Error(
          'No migrations were found next to the service: rebuild it with `npm run build`.',
        );
      }
      if (!config.MIGRATIONS_RUN) {
        if (await dataSource.showMigrations()) {
          throw new Error(
            'The database has pending migrations and MIGRATIONS_RUN=false: run the migration job first.',
          );
        }
        return;
      }
      const applied = await runMigrationsLocked(dataSource);
      if (applied.length > 0) logger.log(`Applied migrations: ${applied.join(', ')}`);
    } finally {
      await dataSource.destroy();
    }
  }

  // Modules shut down from the root down, so this runs after TypeORM has closed its pool.
  async onApplicationShutdown(): Promise<void> {
    if (this.embedded) {
      await this.embedded.stop();
      this.embedded = undefined;
      logger.log('Embedded PostgreSQL stopped');
    }
  }
}

@Module({
  providers: [
    {
      provide: PreparedDatabase,
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig) => PreparedDatabase.prepare(config),
    },
  ],
  exports: [PreparedDatabase],
})
class PreparedDatabaseModule {}

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [PreparedDatabaseModule],
      inject: [appConfig.KEY, PreparedDatabase],
      useFactory: (config: AppConfig, db: PreparedDatabase) => ({
        ...buildDataSourceOptions(db.url, config),
        // Fail fast: an orchestrator restarts the pod, and tests should not hang for half a minute.
        retryAttempts: 2,
        retryDelay: 1000,
      }),
    }),
  ],
})
export class DatabaseModule {}
