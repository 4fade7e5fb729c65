import { Module, OnModuleInit } from '@nestjs/common';
import { HttpModule, HttpService } from '@nestjs/axios';
import { instrumentHttp, neighbourHttpOptions } from '../common/instrument-http';
import { appConfig, type AppConfig } from '../config/app.config';
import { MetricsService } from '../metrics/metrics.service';
import { InventoryClient } from './inventory-client.service';

@Module({
  imports: [
    HttpModule.registerAsync({
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig) =>
        neighbourHttpOptions({
          baseURL: config.INVENTORY_SERVICE_URL,
          timeout: config.INVENTORY_SERVICE_TIMEOUT_MS,
          maxContentLength: 256 * 1024,
        }),
    }),
  ],
  providers: [InventoryClient],
  exports: [InventoryClient],
})
export class InventoryClientModule implements OnModuleInit {
  constructor(
    private readonly http: HttpService,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    instrumentHttp(this.http, 'inventory', this.metrics);
  }
}
