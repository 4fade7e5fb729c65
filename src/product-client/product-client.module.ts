import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Logger, Module } from '@nestjs/common';
import { HttpModule, HttpService } from '@nestjs/axios';
import { instrumentHttp } from '../common/instrument-http';
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
      useFactory: (config: AppConfig) => ({
        baseURL: config.PRODUCT_SERVICE_URL,
        timeout: config.PRODUCT_SERVICE_TIMEOUT_MS,
        // One keep-alive pool for every look-up instead of a connection per product.
        // maxSockets caps concurrent calls: further look-ups queue instead of piling on.
        httpAgent: new HttpAgent({
          keepAlive: true,
          maxSockets: config.PRODUCT_SERVICE_MAX_CONCURRENT,
        }),
        httpsAgent: new HttpsAgent({
          keepAlive: true,
          maxSockets: config.PRODUCT_SERVICE_MAX_CONCURRENT,
        }),
        maxRedirects: 0,
        maxContentLength: MAX_RESPONSE_BYTES,
        validateStatus: () => true,
        headers: { Accept: 'application/json' },
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
