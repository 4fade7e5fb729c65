import { Injectable, PipeTransform } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { ORDER_NUMBER } from './order-number';

/** Rejects anything that is not an order number before it reaches a query. */
@Injectable()
export class OrderNumberPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!ORDER_NUMBER.test(value)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        'order_number must look like ORD-20251124-K3Q9ZP.',
        {
          errors: [
            { field: 'order_number', detail: 'order_number must look like ORD-YYYYMMDD-XXXXXX' },
          ],
        },
      );
    }
    return value;
  }
}
