import { Logger, Module } from '@nestjs/common';
import { HttpModule, HttpService } from '@nestjs/axios';
import { instrumentHttp, neighbourHttpOptions } from '../common/instrument-http';
import { appConfig, type AppConfig } from '../config/app.config';
import { MetricsService } from '../metrics/metrics.service';
import { DEMO_PRODUCTS } from './demo-catalog';
import { ProductClient } from './product-client.service';
import { DemoProductSource, HttpProductSource, ProductSource } from './product-source';

/** Bounded so that a neighbour gone wrong cannot make the service buffer an endless body. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

@Module({
  imports: [
    HttpModule.registerAsync({
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig) =>
        neighbourHttpOptions({
          baseURL: config.PRODUCT_SERVICE_URL,
          timeout: config.PRODUCT_SERVICE_TIMEOUT_MS,
          maxSockets: config.PRODUCT_SERVICE_MAX_CONCURRENT,
          maxContentLength: MAX_RESPONSE_BYTES,
        }),
    }),
  ],
  providers: [
    {
      provide: ProductSource,
      inject: [appConfig.KEY, HttpService, MetricsService],
      useFactory: (config: AppConfig, http: HttpService, metrics: MetricsService) => {
        if (config.PRODUCT_SERVICE_URL) {
          instrumentHttp(http, 'product', metrics);
          return new HttpProductSource(http, config, metrics);
        }
        new Logger('ProductClient').log(
          `PRODUCT_SERVICE_URL is not set: serving the built-in demo catalog of ${DEMO_PRODUCTS.length} products.`,
        );
        return new DemoProductSource(DEMO_PRODUCTS);
      },
    },
    ProductClient,
  ],
  exports: [ProductClient, ProductSource],
})
export class ProductClientModule {}
