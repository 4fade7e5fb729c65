import { Logger, Module } from '@nestjs/common';
import { NeighbourHttp, neighbourHttpProvider } from '../common/neighbour-http';
import { appConfig, type AppConfig } from '../config/app.config';
import { MetricsService } from '../metrics/metrics.service';
import { DEMO_PRODUCTS } from './demo-catalog';
import { ProductClient } from './product-client.service';
import { DemoProductSource, HttpProductSource, ProductSource } from './product-source';

/** Bounded so that a neighbour gone wrong cannot make the service buffer an endless body. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

@Module({
  providers: [
    neighbourHttpProvider((config) => ({
      service: 'product',
      baseUrl: config.PRODUCT_SERVICE_URL,
      timeoutMs: config.PRODUCT_SERVICE_TIMEOUT_MS,
      maxConnections: config.PRODUCT_SERVICE_MAX_CONCURRENT,
      maxResponseBytes: MAX_RESPONSE_BYTES,
    })),
    {
      provide: ProductSource,
      inject: [appConfig.KEY, NeighbourHttp, MetricsService],
      useFactory: (config: AppConfig, http: NeighbourHttp, metrics: MetricsService) => {
        if (config.PRODUCT_SERVICE_URL) return new HttpProductSource(http, config, metrics);
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
