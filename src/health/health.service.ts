import { Inject, Injectable } from '@nestjs/common';
import {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { appConfig, type AppConfig } from '../config/app.config';
import { DatabaseState } from '../database/database-state';
import { ReadReplicas } from '../database/read-replicas';
import { ShutdownState } from './shutdown-state';

@Injectable()
export class HealthService {
  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly shutdown: ShutdownState,
    private readonly database: DatabaseState,
    private readonly replicas: ReadReplicas,
  ) {}

  /**
   * Readiness: the database is connected with its schema migrated, answers in time, and the
   * process is not shutting down. `detail` says why not, when it is the database's state.
   * Replicas are reported, never failed on: without them reads go to the primary.
   */
  async readiness(): Promise<{ ok: boolean; result: HealthCheckResult; detail?: string }> {
    const detail = this.database.detail;
    try {
      const result = await this.health.check([
        () =>
          this.database.ready
            ? this.db.pingCheck('database', { timeout: this.config.HEALTH_DB_TIMEOUT_MS })
            : this.indicators.check('database').down({
                state: this.database.phase,
                message: detail,
                ...(this.database.pending > 0 ? { pendingMigrations: this.database.pending } : {}),
              }),
        () => {
          const indicator = this.indicators.check('lifecycle');
          return this.shutdown.shuttingDown
            ? indicator.down({ state: 'shutting down' })
            : indicator.up({ state: 'serving' });
        },
        ...(this.replicas.status().length > 0 ? [() => this.replicaReport()] : []),
      ]);
      return { ok: true, result };
    } catch (error) {
      const response = (error as { getResponse?: () => unknown }).getResponse?.();
      if (response && typeof response === 'object' && 'details' in response) {
        return { ok: false, result: response as HealthCheckResult, detail };
      }
      throw error;
    }
  }

  private replicaReport() {
    const replicas = this.replicas.status();
    return this.indicators.check('replicas').up({
      serving: replicas.filter((r) => r.state === 'up').length,
      replicas,
    });
  }
}
