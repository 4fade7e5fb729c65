import type { Response } from 'express';
import type { OrderResponseDto, OrderResult } from './dto/order-response.dto';

/**
 * Sets what the headers of a single-order response say: its version as a strong ETag (sent back
 * in If-Match), and whether the body replays an earlier response to the same Idempotency-Key.
 */
export function orderResponse(res: Response, result: OrderResult): OrderResponseDto {
  res.setHeader('ETag', `"${result.order.version}"`);
  if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
  return result.order;
}

/** A created order also says where it lives. */
export function createdOrderResponse(res: Response, result: OrderResult): OrderResponseDto {
  res.setHeader('Location', `/api/orders/${result.order.id}`);
  return orderResponse(res, result);
}
