import { HttpService } from '@nestjs/axios';
import { isAxiosError } from 'axios';
import { firstValueFrom } from 'rxjs';
import { DomainError } from '../common/errors/domain-error';

/** Where product documents come from: the Product Service, or the built-in demo catalog. */
export abstract class ProductSource {
  /** The raw document, or null when the product does not exist. */
  abstract fetch(id: string): Promise<unknown>;
}

export function productServiceUnavailable(detail: string): DomainError {
  return new DomainError('PRODUCT_SERVICE_UNAVAILABLE', detail);
}

export class HttpProductSource extends ProductSource {
  constructor(private readonly http: HttpService) {
    super();
  }

  async fetch(id: string): Promise<unknown> {
    try {
      const res = await firstValueFrom(this.http.get<unknown>(`/api/products/${id}`));
      if (res.status === 404) return null;
      if (res.status !== 200) {
        throw productServiceUnavailable(`The Product Service answered ${res.status}.`);
      }
      // axios hands back the raw text when a 200 is not JSON (an HTML error page, a cut body).
      if (typeof res.data !== 'object' || res.data === null) {
        throw new DomainError(
          'PRODUCT_SERVICE_BAD_RESPONSE',
          `The Product Service's answer for product ${id} is not JSON.`,
          { extensions: { product_id: id } },
        );
      }
      return res.data;
    } catch (error) {
      if (error instanceof DomainError) throw error;
      if (isAxiosError(error) && error.code === 'ERR_BAD_RESPONSE') {
        throw new DomainError(
          'PRODUCT_SERVICE_BAD_RESPONSE',
          `The Product Service's answer for product ${id} could not be read.`,
          { extensions: { product_id: id } },
        );
      }
      const reason = isAxiosError(error) && error.code ? ` (${error.code})` : '';
      throw productServiceUnavailable(`The Product Service could not be reached${reason}.`);
    }
  }
}

/** Serves a fixed catalog in the Product Service's own JSON, so a bare `npm start` can take orders. */
export class DemoProductSource extends ProductSource {
  private readonly byId: Map<string, unknown>;

  constructor(products: readonly { _id: string }[]) {
    super();
    this.byId = new Map(products.map((p) => [p._id, p]));
  }

  fetch(id: string): Promise<unknown> {
    const product = this.byId.get(id);
    return Promise.resolve(product === undefined ? null : structuredClone(product));
  }
}
