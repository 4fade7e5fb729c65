import { Injectable } from '@nestjs/common';
import { pipeline, Readable } from 'node:stream';
import { csvTransform } from '../common/csv';
import { searchFromQuery } from './dto/order-search-query';
import type { ExportOrdersQueryDto } from './dto/search-orders-query.dto';
import { OrderSearchRepository } from './order-search.repository';

/** The export's columns, in order; money is exact decimal text, times are UTC ISO 8601. */
export const ORDER_EXPORT_HEADER = [
  'id',
  'order_number',
  'created_at',
  'status',
  'payment_status',
  'user_id',
  'customer_email',
  'customer_name',
  'currency',
  'subtotal',
  'tax',
  'shipping_cost',
  'discount',
  'total',
  'payment_method',
  'tracking_number',
  'carrier',
  'flags',
] as const;

export const ORDER_HEADER = [...ORDER_EXPORT_HEADER, 'item_count'] as const;
export const LINE_HEADER = [
  ...ORDER_EXPORT_HEADER,
  'line',
  'product_id',
  'product_sku',
  'product_name',
  'unit_price',
  'quantity',
  'line_subtotal',
] as const;

export interface CsvFile {
  filename: string;
  /** CSV text; destroying it stops the query behind it. */
  body: Readable;
}

/** Orders as CSV for spreadsheets and finance: the admin search's filters, streamed. */
@Injectable()
export class OrderExportService {
  constructor(private readonly search: OrderSearchRepository) {}

  async export(query: ExportOrdersQueryDto): Promise<CsvFile> {
    const search = searchFromQuery(query, null);
    const { rows } = await this.search.export(search, query.lines === true);
    const body = pipeline(rows, csvTransform(query.lines ? LINE_HEADER : ORDER_HEADER), () => {
      // Failures end the response early: the client sees a cut-off download, never a false end.
    });
    return { filename: `orders-${new Date().toISOString().slice(0, 10)}.csv`, body };
  }
}
