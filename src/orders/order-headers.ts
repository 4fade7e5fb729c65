import type { Response } from 'express';
import { pipeline } from 'node:stream';
import type { OrderResponseDto, OrderResult, OrderText } from './dto/order-response.dto';
import type { CsvFile } from './order-export.service';

/**
 * Sets what the headers of a single-order response say: its version as a strong ETag (sent back
 * in If-Match), and whether the body replays an earlier response to the same Idempotency-Key.
 */
export function orderResponse(res: Response, result: OrderResult): OrderResponseDto {
  res.setHeader('ETag', `"${result.order.version}"`);
  if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
  return result.order;
}

/** An order read as JSON text: the same headers, and the body as res.json() would type it. */
export function orderTextResponse(res: Response, result: OrderText): string {
  res.setHeader('ETag', `"${result.version}"`);
  return jsonText(res, result.body);
}

/** JSON the service has as text already, typed as res.json() types what it writes. */
export function jsonText(res: Response, body: string): string {
  res.type('application/json');
  return body;
}

/** A created order also says where it lives. */
export function createdOrderResponse(res: Response, result: OrderResult): OrderResponseDto {
  res.setHeader('Location', `/api/orders/${result.order.id}`);
  return orderResponse(res, result);
}

/** Streams a CSV download; a client that goes away destroys the body, which stops its query. */
export function sendCsv(res: Response, file: CsvFile): void {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${file.filename}"`);
  pipeline(file.body, res, () => {
    // A body that failed half-way has already cut the connection; nothing more can be said.
  });
}
