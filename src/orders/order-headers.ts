import type { FastifyReply } from 'fastify';
import type { OrderResponseDto, OrderResult, OrderText } from './dto/order-response.dto';
import type { CsvFile } from './order-export.service';

/**
 * Sets what the headers of a single-order response say: its version as a strong ETag (sent back
 * in If-Match), and whether the body replays an earlier response to the same Idempotency-Key.
 */
export function orderResponse(res: FastifyReply, result: OrderResult): OrderResponseDto {
  res.header('ETag', `"${result.order.version}"`);
  if (result.replayed) res.header('Idempotent-Replayed', 'true');
  return result.order;
}

/** An order read as JSON text: the same headers, and the body typed as JSON. */
export function orderTextResponse(res: FastifyReply, result: OrderText): string {
  res.header('ETag', `"${result.version}"`);
  return jsonText(res, result.body);
}

/** JSON the service has as text already, typed as an object's JSON is typed. */
export function jsonText(res: FastifyReply, body: string): string {
  res.type('application/json; charset=utf-8');
  return body;
}

/** A created order also says where it lives. */
export function createdOrderResponse(res: FastifyReply, result: OrderResult): OrderResponseDto {
  res.header('Location', `/api/orders/${result.order.id}`);
  return orderResponse(res, result);
}

/** Streams a CSV download; a client that goes away destroys the body, which stops its query. */
export function sendCsv(res: FastifyReply, file: CsvFile): void {
  // Fastify pipes the stream; a body that fails half-way cuts the connection, which is all
  // that can still be said, and a client that goes away destroys the stream.
  void res
    .header('Content-Type', 'text/csv; charset=utf-8')
    .header('Content-Disposition', `attachment; filename="${file.filename}"`)
    .send(file.body);
}
