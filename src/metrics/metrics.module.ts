import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { METRIC_PROVIDERS } from './metrics';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Global()
@Module({
  imports: [PrometheusModule.register({ controller: MetricsController, path: '/metrics' })],
  providers: [...METRIC_PROVIDERS, MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
