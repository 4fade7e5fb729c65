import { Inject, Injectable } from '@nestjs/common';
import {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { appConfig, type AppConfig } from '../config/app.config';
import { ShutdownState } from './shutdown-state';

@Injectable()
export class HealthService {
  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly shutdown: ShutdownState,
  ) {}

  /** Readiness: the database answers in time and the process is not shutting down. */
  async readiness(): Promise<{ ok: boolean; result: HealthCheckResult }> {
    try {
      const result = await this.health.check([
        () => this.db.pingCheck('database', { timeout: this.config.HEALTH_DB_TIMEOUT_MS }),
        () => {
          const indicator = this.indicators.check('lifecycle');
          return this.shutdown.shuttingDown
            ? indicator.down({ state: 'shutting down' })
            : indicator.up({ state: 'serving' });
        },
      ]);
      return { ok: true, result };
    } catch (error) {
      const response = (error as { getResponse?: () => unknown }).getResponse?.();
      if (response && typeof response === 'object' && 'details' in response) {
        return { ok: false, result: response as HealthCheckResult };
      }
      throw error;
    }
  }
}
