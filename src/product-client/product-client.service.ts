import { Injectable } from '@nestjs/common';
import { CatalogProduct, parseProduct } from './catalog-product';
import { ProductSource } from './product-source';

@Injectable()
export class ProductClient {
  constructor(private readonly source: ProductSource) {}

  /**
   * Looks up every id at once (the Product Service has no batch endpoint). A missing product
   * maps to null; an unreachable or misbehaving service throws.
   */
  async getProducts(ids: readonly string[]): Promise<Map<string, CatalogProduct | null>> {
    const found = await Promise.all(
      ids.map(async (id) => {
        const raw = await this.source.fetch(id);
        return [id, raw === null ? null : parseProduct(id, raw)] as const;
      }),
    );
    return new Map(found);
  }
}
