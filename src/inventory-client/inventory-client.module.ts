import { Module } from '@nestjs/common';
import { NeighbourHttp } from '../common/neighbour-http';
import { appConfig, type AppConfig } from '../config/app.config';
import { MetricsService } from '../metrics/metrics.service';
import { InventoryClient } from './inventory-client.service';

@Module({
  providers: [
    {
      provide: NeighbourHttp,
      inject: [appConfig.KEY, MetricsService],
      useFactory: (config: AppConfig, metrics: MetricsService) =>
        new NeighbourHttp(
          {
            service: 'inventory',
            baseUrl: config.INVENTORY_SERVICE_URL,
            timeoutMs: config.INVENTORY_SERVICE_TIMEOUT_MS,
            maxResponseBytes: 256 * 1024,
          },
          metrics,
        ),
    },
    InventoryClient,
  ],
  exports: [InventoryClient],
})
export class InventoryClientModule {}
