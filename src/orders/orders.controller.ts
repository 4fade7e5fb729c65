import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Roles } from '../auth/decorators';
import { uuidParam } from '../common/uuid-param.pipe';
import { IdempotencyKeyHeader, IfMatchVersions } from '../common/http-headers';
import { CreateOrderDto } from './dto/create-order.dto';
import { ListOrdersQueryDto } from './dto/list-orders-query.dto';
import { ExportOrdersQueryDto, SearchOrdersQueryDto } from './dto/search-orders-query.dto';
import { OrderHistoryResponseDto, OrderResponseDto } from './dto/order-response.dto';
import { CancelOrderDto, UpdateOrderDto, UpdateStatusDto } from './dto/update-order.dto';
import { OrderChangesService } from './order-changes.service';
import { OrderExportService } from './order-export.service';
import {
  createdOrderResponse,
  jsonText,
  orderResponse,
  orderTextResponse,
  sendCsv,
} from './order-headers';
import { OrderNumberPipe } from './order-number.pipe';
import {
  CancelOrderDocs,
  CreateOrderDocs,
  ExportOrdersDocs,
  GetOrderByNumberDocs,
  GetOrderDocs,
  GetOrderHistoryDocs,
  ListAllOrdersDocs,
  ListMyOrdersDocs,
  UpdateOrderDocs,
  UpdateOrderStatusDocs,
} from './orders.api-docs';
import { OrderPlacementService } from './order-placement.service';
import { OrderQueriesService } from './order-queries.service';
import { OrderCreationLimit } from '../throttling/rate-limit.guard';

const uuid = uuidParam;

@ApiTags('orders')
@ApiBearerAuth()
@Controller('api/orders')
export class OrdersController {
  constructor(
    private readonly placement: OrderPlacementService,
    private readonly queries: OrderQueriesService,
    private readonly changes: OrderChangesService,
    private readonly exports: OrderExportService,
  ) {}

  /** Creates an order for the caller from products and quantities; the server prices it. */
  @Post()
  @OrderCreationLimit()
  @CreateOrderDocs()
  create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateOrderDto,
    @Res({ passthrough: true }) res: FastifyReply,
    @IdempotencyKeyHeader() key?: string,
  ): Promise<OrderResponseDto> {
    return this.placement.create(user, dto, key).then((r) => createdOrderResponse(res, r));
  }

  /** The caller's own orders, newest first, by page or by cursor. */
  @Get()
  @ListMyOrdersDocs()
  listMine(
    @CurrentUser() user: AuthUser,
    @Query() q: ListOrdersQueryDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<string> {
    return this.queries.list(user, q, user.userId).then((body) => jsonText(res, body));
  }

  /** Every order, searched and sorted (admins). */
  @Get('all')
  @Roles('admin')
  @ListAllOrdersDocs()
  listAll(
    @CurrentUser() user: AuthUser,
    @Query() q: SearchOrdersQueryDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<string> {
    return this.queries.list(user, q, null).then((body) => jsonText(res, body));
  }

  /** Every order the search selects, as a CSV download (admins). Declared before `:id`. */
  @Get('export')
  @Roles('admin')
  @ExportOrdersDocs()
  export(@Query() q: ExportOrdersQueryDto, @Res() res: FastifyReply): Promise<void> {
    return this.exports.export(q).then((file) => sendCsv(res, file));
  }

  /** One order by its number (owner or admin). */
  @Get('number/:order_number')
  @GetOrderByNumberDocs()
  getByNumber(
    @CurrentUser() user: AuthUser,
    @Param('order_number', OrderNumberPipe) orderNumber: string,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<string> {
    return this.queries.findByNumber(orderNumber, user).then((r) => orderTextResponse(res, r));
  }

  /** One order (owner or admin). */
  @Get(':id')
  @GetOrderDocs()
  getOne(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<string> {
    return this.queries.findOne(id, user).then((r) => orderTextResponse(res, r));
  }

  /** The order's history, oldest first (owner or admin). */
  @Get(':id/history')
  @GetOrderHistoryDocs()
  history(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
  ): Promise<OrderHistoryResponseDto> {
    return this.queries.history(id, user);
  }

  /** Cancels the order (owner while pending, confirmed or processing; admin per the lifecycle). */
  @Delete(':id/cancel')
  @HttpCode(200)
  @CancelOrderDocs()
  cancel(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
    @Body() dto: CancelOrderDto,
    @Res({ passthrough: true }) res: FastifyReply,
    @IfMatchVersions() versions?: number[],
  ): Promise<OrderResponseDto> {
    return this.changes.cancel(id, user, dto.reason, versions).then((r) => orderResponse(res, r));
  }

  /** Updates status, payment status, tracking, carrier or internal notes (admins). */
  @Put(':id')
  @Roles('admin')
  @UpdateOrderDocs()
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
    @Body() dto: UpdateOrderDto,
    @Res({ passthrough: true }) res: FastifyReply,
    @IfMatchVersions() versions?: number[],
  ): Promise<OrderResponseDto> {
    return this.changes
      .change(id, user, { ...dto, allowSameStatus: true }, versions)
      .then((r) => orderResponse(res, r));
  }

  /** Moves the order to another status (admins). */
  @Patch(':id/status')
  @Roles('admin')
  @UpdateOrderStatusDocs()
  updateStatus(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
    @Body() dto: UpdateStatusDto,
    @Res({ passthrough: true }) res: FastifyReply,
    @IfMatchVersions() versions?: number[],
  ): Promise<OrderResponseDto> {
    return this.changes.change(id, user, dto, versions).then((r) => orderResponse(res, r));
  }
}
