import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Roles } from '../auth/decorators';
import { IdempotencyKeyHeader } from '../common/http-headers';
import { uuidParam } from '../common/uuid-param.pipe';
import { CreateRefundDto, RefundListResponseDto, RefundResponseDto } from './dto/refund.dto';
import { createdRefundResponse } from './refund-headers';
import { RefundsService } from './refunds.service';

@ApiTags('refunds')
@ApiBearerAuth()
@Controller('api/orders/:id/refunds')
export class RefundsController {
  constructor(private readonly refunds: RefundsService) {}

  /** Gives back lines and/or shipping of a captured payment (admins). */
  @Post()
  @Roles('admin')
  @ApiOperation({
    summary: 'Request a refund (admins)',
    description:
      'The amount is computed in cents: each line’s unit price × quantity plus its share of the ' +
      'tax (cumulative, half-up: refunding every line refunds exactly the tax) less its share ' +
      'of any discount, plus the shipping when asked (once). 409 PAYMENT_NOT_CAPTURED; 422 ' +
      'REFUND_QUANTITY_EXCEEDED, REFUND_EXCEEDS_CAPTURED, SHIPPING_ALREADY_REFUNDED, ' +
      'REFUND_ITEM_NOT_FOUND, REFUND_EMPTY. Writes the event order.refund_requested.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Repeating a request with the same key and body returns the first response.',
  })
  create(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam) id: string,
    @Body() dto: CreateRefundDto,
    @Res({ passthrough: true }) res: Response,
    @IdempotencyKeyHeader() key?: string,
  ): Promise<RefundResponseDto> {
    return this.refunds.create(id, user, dto, key).then((r) => createdRefundResponse(res, r));
  }

  /** The order's refunds, oldest first (owner or admin; the reason for admins only). */
  @Get()
  list(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam) id: string,
  ): Promise<RefundListResponseDto> {
    return this.refunds.list(id, user);
  }
}
