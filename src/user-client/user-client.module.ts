import { Module } from '@nestjs/common';
import { NeighbourHttp } from '../common/neighbour-http';
import { appConfig, type AppConfig } from '../config/app.config';
import { MetricsService } from '../metrics/metrics.service';
import { UserClient } from './user-client.service';

@Module({
  providers: [
    {
      provide: NeighbourHttp,
      inject: [appConfig.KEY, MetricsService],
      useFactory: (config: AppConfig, metrics: MetricsService) =>
        new NeighbourHttp(
          {
            service: 'user',
            baseUrl: config.USER_SERVICE_URL,
            timeoutMs: config.USER_SERVICE_TIMEOUT_MS,
            maxResponseBytes: 256 * 1024,
          },
          metrics,
        ),
    },
    UserClient,
  ],
  exports: [UserClient],
})
export class UserClientModule {}
