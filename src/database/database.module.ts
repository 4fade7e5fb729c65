import { Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { appConfig, type AppConfig } from '../config/app.config';
import { buildDataSourceOptions } from './data-source-options';
import { embeddedPostgres, type EmbeddedDatabase } from './embedded-postgres';
import { DatabaseConnector } from './database-connector';
import { DatabaseReadyGuard } from './database-ready.guard';
import { DatabaseState } from './database-state';

const logger = new Logger('Database');

/**
 * The database the service uses: the configured server, or an embedded one started here.
 * Connecting and migrating are DatabaseConnector's, in the background.
 */
export class PreparedDatabase implements OnApplicationShutdown {
  constructor(
    readonly url: string,
    private embedded?: EmbeddedDatabase,
  ) {}

  static async prepare(config: AppConfig): Promise<PreparedDatabase> {
    let embedded: EmbeddedDatabase | undefined;
    if (!config.DATABASE_URL) {
      embedded = await embeddedPostgres(config.EMBEDDED_DB_DIR);
      logger.log(
        `No DATABASE_URL: using an embedded PostgreSQL on 127.0.0.1:${embedded.port} with data in ${embedded.dataDir}. ` +
          'Set DATABASE_URL=postgres://user:pass@host:5432/db to use a real server.',
      );
    }
    return new PreparedDatabase(config.DATABASE_URL ?? embedded!.url, embedded);
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
        // The DataSource is handed out unconnected; DatabaseConnector connects it, retrying for
        // as long as it takes, so that an unreachable database never stops start-up.
        manualInitialization: true,
      }),
    }),
  ],
  providers: [DatabaseState, DatabaseConnector, DatabaseReadyGuard],
  exports: [DatabaseState, DatabaseReadyGuard],
})
export class DatabaseModule {}
