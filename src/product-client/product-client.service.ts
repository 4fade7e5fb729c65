import { Inject, Injectable } from '@nestjs/common';
import { appConfig, type AppConfig } from '../config/app.config';
import { CatalogProduct, parseProduct } from './catalog-product';
import { ProductSource } from './product-source';

@Injectable()
export class ProductClient {
  constructor(
    private readonly source: ProductSource,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  /**
   * Looks up every id at once (the Product Service has no batch endpoint), all within one
   * deadline. A missing product maps to null; an unreachable or misbehaving service throws.
   */
  async getProducts(ids: readonly string[]): Promise<Map<string, CatalogProduct | null>> {
    const deadline = Date.now() + this.config.PRODUCT_SERVICE_DEADLINE_MS;
    const found = await Promise.all(
      ids.map(async (id) => {
        const raw = await this.source.fetch(id, deadline);
        return [id, raw === null ? null : parseProduct(id, raw)] as const;
      }),
    );
    return new Map(found);
  }
}
