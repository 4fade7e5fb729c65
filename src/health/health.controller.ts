import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/decorators';
import { DomainError } from '../common/errors/domain-error';
import { appConfig, type AppConfig } from '../config/app.config';
import { LiveDocs, OverallHealthDocs, ReadyDocs } from './health.api-docs';
import { HealthService } from './health.service';

@ApiTags('health')
// Probes and scrapes must never be turned away by a rate limit.
@SkipThrottle()
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly health: HealthService,
  ) {}

  /** Liveness: the process answers. No dependency is checked, so a database outage never restarts pods. */
  @Get('live')
  @LiveDocs()
  live() {
    return { status: 'ok' };
  }

  /** Readiness: 503 when the database is unreachable or the service is shutting down. */
  @Get('ready')
  @ReadyDocs()
  async ready() {
    const { ok, result, detail } = await this.health.readiness();
    if (!ok) {
      throw new DomainError(
        'NOT_READY',
        detail ?? 'A dependency is down or the service is shutting down.',
        { extensions: { checks: result.details } },
      );
    }
    return { status: 'ok', checks: result.details };
  }

  /** The health document clients of the platform already read, plus the readiness details. */
  @Get()
  @OverallHealthDocs()
  async overall(@Res({ passthrough: true }) res: FastifyReply) {
    const { ok, result } = await this.health.readiness();
    if (!ok) res.status(503);
    return {
      status: ok ? 'healthy' : 'unhealthy',
      service: 'order-service',
      version: this.config.APP_VERSION,
      checks: result.details,
    };
  }
}
