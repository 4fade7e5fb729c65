import type { FastifyReply } from 'fastify';
import type { RefundResponseDto, RefundResult } from './dto/refund.dto';

/** Where the refund is listed, and whether the body replays an earlier response to the key. */
export function createdRefundResponse(res: FastifyReply, result: RefundResult): RefundResponseDto {
  res.header('Location', `/api/orders/${result.refund.order_id}/refunds`);
  if (result.replayed) res.header('Idempotent-Replayed', 'true');
  return result.refund;
}
