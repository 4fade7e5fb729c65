import { Module, OnModuleInit } from '@nestjs/common';
import { HttpModule, HttpService } from '@nestjs/axios';
import { instrumentHttp, neighbourHttpOptions } from '../common/instrument-http';
import { appConfig, type AppConfig } from '../config/app.config';
import { MetricsService } from '../metrics/metrics.service';
import { UserClient } from './user-client.service';

@Module({
  imports: [
    HttpModule.registerAsync({
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig) =>
        neighbourHttpOptions({
          baseURL: config.USER_SERVICE_URL,
          timeout: config.USER_SERVICE_TIMEOUT_MS,
          maxContentLength: 256 * 1024,
        }),
    }),
  ],
  providers: [UserClient],
  exports: [UserClient],
})
export class UserClientModule implements OnModuleInit {
  constructor(
    private readonly http: HttpService,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    instrumentHttp(this.http, 'user', this.metrics);
  }
}
