import type { Response } from 'express';
import type { RefundResponseDto, RefundResult } from './dto/refund.dto';

/** Where the refund is listed, and whether the body replays an earlier response to the key. */
export function createdRefundResponse(res: Response, result: RefundResult): RefundResponseDto {
  res.setHeader('Location', `/api/orders/${result.refund.order_id}/refunds`);
  if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
  return result.refund;
}
