import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Roles } from '../auth/decorators';
import { IdempotencyKeyHeader } from '../common/http-headers';
import { uuidParam } from '../common/uuid-param.pipe';
import { CreateRefundDto, RefundListResponseDto, RefundResponseDto } from './dto/refund.dto';
import { CreateRefundDocs, ListRefundsDocs } from './payments.api-docs';
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
  @CreateRefundDocs()
  create(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam) id: string,
    @Body() dto: CreateRefundDto,
    @Res({ passthrough: true }) res: FastifyReply,
    @IdempotencyKeyHeader() key?: string,
  ): Promise<RefundResponseDto> {
    return this.refunds.create(id, user, dto, key).then((r) => createdRefundResponse(res, r));
  }

  /** The order's refunds, oldest first (owner or admin; the reason for admins only). */
  @Get()
  @ListRefundsDocs()
  list(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam) id: string,
  ): Promise<RefundListResponseDto> {
    return this.refunds.list(id, user);
  }
}
