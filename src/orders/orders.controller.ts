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
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Roles } from '../auth/decorators';
import { DomainError } from '../common/errors/domain-error';
import { CreateOrderDto } from './dto/create-order.dto';
import { ListOrdersQueryDto } from './dto/list-orders-query.dto';
import { OrderListResponseDto, OrderResponseDto, presentOrder } from './dto/order-response.dto';
import { CancelOrderDto, UpdateOrderDto, UpdateStatusDto } from './dto/update-order.dto';
import { OrderNumberPipe } from './order-number.pipe';
import { OrdersService } from './orders.service';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () =>
    new DomainError('VALIDATION_FAILED', 'id must be a UUID.', {
      errors: [{ field: 'id', detail: 'id must be a UUID' }],
    }),
});

@ApiTags('orders')
@ApiBearerAuth()
@Controller('api/orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  /** Creates an order for the caller from products and quantities; the server prices it. */
  @Post()
  async create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateOrderDto,
  ): Promise<OrderResponseDto> {
    return presentOrder(await this.orders.create(user, dto), user);
  }

  /** The caller's own orders, newest first. */
  @Get()
  async listMine(
    @CurrentUser() user: AuthUser,
    @Query() q: ListOrdersQueryDto,
  ): Promise<OrderListResponseDto> {
    const page = await this.orders.list({ userId: user.userId, status: q.status }, q.page, q.limit);
    return { ...page, orders: page.orders.map((o) => presentOrder(o, user)) };
  }

  /** Every order, newest first (admins). */
  @Get('all')
  @Roles('admin')
  async listAll(
    @CurrentUser() user: AuthUser,
    @Query() q: ListOrdersQueryDto,
  ): Promise<OrderListResponseDto> {
    const page = await this.orders.list({ status: q.status }, q.page, q.limit);
    return { ...page, orders: page.orders.map((o) => presentOrder(o, user)) };
  }

  /** One order by its number (owner or admin). */
  @Get('number/:order_number')
  async getByNumber(
    @CurrentUser() user: AuthUser,
    @Param('order_number', OrderNumberPipe) orderNumber: string,
  ): Promise<OrderResponseDto> {
    return presentOrder(await this.orders.findByNumber(orderNumber, user), user);
  }

  /** One order (owner or admin). */
  @Get(':id')
  async getOne(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
  ): Promise<OrderResponseDto> {
    return presentOrder(await this.orders.findOne(id, user), user);
  }

  /** Cancels the order (owner while pending, confirmed or processing; admin per the lifecycle). */
  @Delete(':id/cancel')
  @HttpCode(200)
  async cancel(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
    @Body() dto: CancelOrderDto,
  ): Promise<OrderResponseDto> {
    return presentOrder(await this.orders.cancel(id, user, dto.reason), user);
  }

  /** Updates status, payment status, tracking, carrier or internal notes (admins). */
  @Put(':id')
  @Roles('admin')
  async update(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
    @Body() dto: UpdateOrderDto,
  ): Promise<OrderResponseDto> {
    return presentOrder(
      await this.orders.change(id, user, { ...dto, allowSameStatus: true }),
      user,
    );
  }

  /** Moves the order to another status (admins). */
  @Patch(':id/status')
  @Roles('admin')
  async updateStatus(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
    @Body() dto: UpdateStatusDto,
  ): Promise<OrderResponseDto> {
    return presentOrder(await this.orders.change(id, user, dto), user);
  }
}
