import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, MigrationExecutor } from 'typeorm';
import { appConfig, type AppConfig } from '../config/app.config';
import { DatabaseState } from './database-state';
import { runMigrationsLocked } from './migrate';

/** Waits between connection attempts: doubling from the first, never longer than the cap. */
export const RETRY_FIRST_MS = 250;
export const RETRY_CAP_MS = 2000;
/** How often pending migrations are looked for again while a migration Job applies them. */
export const MIGRATIONS_RECHECK_MS = 2000;

/**
 * Connects the application's DataSource (the one `@InjectDataSource()` hands out) and applies or
 * waits for migrations, without ever failing start-up. An exit would only get the pod restarted
 * with growing back-off (a crash loop) and keep it down long after the database is back; staying
 * up, it answers probes, answers order routes with 503, and is ready within seconds of the
 * database returning.
 */
@Injectable()
export class DatabaseConnector implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Database');
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private failures = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly state: DatabaseState,
  ) {}

  /** The first attempt is awaited, so that a reachable database is ready before listening. */
  async onApplicationBootstrap(): Promise<void> {
    await this.attempt();
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.dataSource.isInitialized) await this.dataSource.initialize();
      await this.prepareSchema();
    } catch (error) {
      this.failures += 1;
      const message = error instanceof Error ? error.message : String(error);
      // The driver's message (addresses, ports) is for the log, not for clients.
      this.state.set('connecting', 'The database cannot be reached yet; retrying.');
      // Once, then now and then: an outage must not flood the log.
      if (this.failures === 1 || this.failures % 30 === 0) {
        this.logger.warn(`Database unavailable (attempt ${this.failures}), retrying: ${message}`);
      }
    }
    if (this.state.phase === 'connecting') {
      this.retryIn(Math.min(RETRY_CAP_MS, RETRY_FIRST_MS * 2 ** Math.min(this.failures - 1, 10)));
    } else if (this.state.phase === 'migrations-pending') {
      this.retryIn(MIGRATIONS_RECHECK_MS);
    }
  }

  private retryIn(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.attempt(), ms);
    this.timer.unref();
  }

  private async prepareSchema(): Promise<void> {
    // An incomplete build leaves dist/ without migrations: an empty schema would answer 500s.
    if (this.dataSource.migrations.length === 0) {
      const detail =
        'No migrations were found next to the service: rebuild it with `npm run build`.';
      if (this.state.phase !== 'broken') this.logger.error(detail);
      this.state.set('broken', detail);
      return;
    }
    if (this.config.MIGRATIONS_RUN) {
      const applied = await runMigrationsLocked(this.dataSource);
      if (applied.length > 0) this.logger.log(`Applied migrations: ${applied.join(', ')}`);
    } else {
      const pending = (await new MigrationExecutor(this.dataSource).getPendingMigrations()).length;
      if (pending > 0) {
        const detail =
          `The database has ${pending} pending migration${pending === 1 ? '' : 's'} and ` +
          'MIGRATIONS_RUN=false: run the migration job.';
        if (this.state.phase !== 'migrations-pending') this.logger.warn(detail);
        this.state.set('migrations-pending', detail, pending);
        return;
      }
    }
    if (this.failures > 0) this.logger.log('Database ready');
    this.failures = 0;
    this.state.set('ready');
  }
}
