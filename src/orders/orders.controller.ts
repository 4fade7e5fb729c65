import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Put,
  Query,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Roles } from '../auth/decorators';
import { DomainError } from '../common/errors/domain-error';
import { IdempotencyKeyHeader, IfMatchVersion } from '../common/http-headers';
import { CreateOrderDto } from './dto/create-order.dto';
import { ListOrdersQueryDto } from './dto/list-orders-query.dto';
import {
  OrderHistoryResponseDto,
  OrderListResponseDto,
  OrderResponseDto,
} from './dto/order-response.dto';
import { CancelOrderDto, UpdateOrderDto, UpdateStatusDto } from './dto/update-order.dto';
import { OrderHeadersInterceptor } from './order-headers.interceptor';
import { OrderNumberPipe } from './order-number.pipe';
import {
  CancelOrderDocs,
  CreateOrderDocs,
  GetOrderByNumberDocs,
  GetOrderDocs,
  GetOrderHistoryDocs,
  ListAllOrdersDocs,
  ListMyOrdersDocs,
  UpdateOrderDocs,
  UpdateOrderStatusDocs,
} from './orders.api-docs';
import { OrdersService } from './orders.service';
import { OrderCreationLimit } from '../throttling/rate-limit.guard';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () =>
    new DomainError('VALIDATION_FAILED', 'id must be a UUID.', {
      errors: [{ field: 'id', detail: 'id must be a UUID' }],
    }),
});

@ApiTags('orders')
@ApiBearerAuth()
@UseInterceptors(OrderHeadersInterceptor)
@Controller('api/orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  /** Creates an order for the caller from products and quantities; the server prices it. */
  @Post()
  @OrderCreationLimit()
  @CreateOrderDocs()
  create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateOrderDto,
    @IdempotencyKeyHeader() key?: string,
  ): Promise<OrderResponseDto> {
    return this.orders.create(user, dto, key);
  }

  /** The caller's own orders, newest first. */
  @Get()
  @ListMyOrdersDocs()
  listMine(
    @CurrentUser() user: AuthUser,
    @Query() q: ListOrdersQueryDto,
  ): Promise<OrderListResponseDto> {
    return this.orders.list(user, { userId: user.userId, status: q.status }, q.page, q.limit);
  }

  /** Every order, newest first (admins). */
  @Get('all')
  @Roles('admin')
  @ListAllOrdersDocs()
  listAll(
    @CurrentUser() user: AuthUser,
    @Query() q: ListOrdersQueryDto,
  ): Promise<OrderListResponseDto> {
    return this.orders.list(user, { status: q.status }, q.page, q.limit);
  }

  /** One order by its number (owner or admin). */
  @Get('number/:order_number')
  @GetOrderByNumberDocs()
  getByNumber(
    @CurrentUser() user: AuthUser,
    @Param('order_number', OrderNumberPipe) orderNumber: string,
  ): Promise<OrderResponseDto> {
    return this.orders.findByNumber(orderNumber, user);
  }

  /** One order (owner or admin). */
  @Get(':id')
  @GetOrderDocs()
  getOne(@CurrentUser() user: AuthUser, @Param('id', uuid) id: string): Promise<OrderResponseDto> {
    return this.orders.findOne(id, user);
  }

  /** The order's history, oldest first (owner or admin). */
  @Get(':id/history')
  @GetOrderHistoryDocs()
  history(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
  ): Promise<OrderHistoryResponseDto> {
    return this.orders.history(id, user);
  }

  /** Cancels the order (owner while pending, confirmed or processing; admin per the lifecycle). */
  @Delete(':id/cancel')
  @HttpCode(200)
  @CancelOrderDocs()
  cancel(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
    @Body() dto: CancelOrderDto,
    @IfMatchVersion() version?: number,
  ): Promise<OrderResponseDto> {
    return this.orders.cancel(id, user, dto.reason, version);
  }

  /** Updates status, payment status, tracking, carrier or internal notes (admins). */
  @Put(':id')
  @Roles('admin')
  @UpdateOrderDocs()
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
    @Body() dto: UpdateOrderDto,
    @IfMatchVersion() version?: number,
  ): Promise<OrderResponseDto> {
    return this.orders.change(id, user, {
      ...dto,
      allowSameStatus: true,
      expectedVersion: version,
    });
  }

  /** Moves the order to another status (admins). */
  @Patch(':id/status')
  @Roles('admin')
  @UpdateOrderStatusDocs()
  updateStatus(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
    @Body() dto: UpdateStatusDto,
    @IfMatchVersion() version?: number,
  ): Promise<OrderResponseDto> {
    return this.orders.change(id, user, { ...dto, expectedVersion: version });
  }
}
