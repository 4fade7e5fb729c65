import { Controller, Get, Inject, NotFoundException, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/decorators';
import { appConfig, type AppConfig } from '../config/app.config';
import { MetricsService } from './metrics.service';

/** Public for scrapers; gone from the API port when METRICS_PORT moves it elsewhere. */
@ApiExcludeController()
// Probes and scrapes must never be turned away by a rate limit.
@SkipThrottle()
@Public()
@Controller()
export class MetricsController extends PrometheusController {
  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    super();
  }

  @Get()
  async index(@Res({ passthrough: true }) response: FastifyReply) {
    if (this.config.METRICS_PORT) throw new NotFoundException();
    this.metrics.sample();
    return super.index(response);
  }
}
