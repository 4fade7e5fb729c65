import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user';
import { DomainError } from '../common/errors/domain-error';
import {
  OrderHistoryResponseDto,
  OrderListResponseDto,
  OrderResult,
  presentEvent,
  presentOrder,
} from './dto/order-response.dto';
import { OrderEventType } from './order-event.entity';
import type { Order } from './order.entity';
import { ListFilter, OrdersRepository } from './orders.repository';

export function orderNotFound(): DomainError {
  return new DomainError('NOT_FOUND', 'Order not found.');
}

/** A customer sees only their own orders; an admin sees every order. */
export function ownerScope(viewer: AuthUser): string | null {
  return viewer.role === 'admin' ? null : viewer.userId;
}

/** Reads orders: one, a page of them, and an order's history. */
@Injectable()
export class OrderQueriesService {
  constructor(private readonly orders: OrdersRepository) {}

  async findOne(id: string, viewer: AuthUser): Promise<OrderResult> {
    return { order: presentOrder(await this.mustFind(id, viewer), viewer.role) };
  }

  async findByNumber(orderNumber: string, viewer: AuthUser): Promise<OrderResult> {
    // A customer asking for someone else's order hears exactly what a missing order says.
    const order = await this.orders.findByNumber(orderNumber, ownerScope(viewer));
    if (!order) throw orderNotFound();
    return { order: presentOrder(order, viewer.role) };
  }

  /** The order's events, oldest first; internal notes stay with the admins. */
  async history(id: string, viewer: AuthUser): Promise<OrderHistoryResponseDto> {
    const [order, events] = await Promise.all([this.mustFind(id, viewer), this.orders.history(id)]);
    return {
      order_id: order.id,
      order_number: order.order_number,
      status: order.status,
      events: events
        .filter((e) => viewer.role === 'admin' || e.type !== OrderEventType.NOTE_ADDED)
        .map(presentEvent),
    };
  }

  /** Newest first. */
  async list(
    viewer: AuthUser,
    filter: ListFilter,
    page: number,
    limit: number,
  ): Promise<OrderListResponseDto> {
    const { orders, total } = await this.orders.list(filter, (page - 1) * limit, limit);
    return {
      orders: orders.map((o) => presentOrder(o, viewer.role)),
      total,
      page,
      limit,
      pages: Math.ceil(total / limit),
    };
  }

  private async mustFind(id: string, viewer: AuthUser): Promise<Order> {
    const order = await this.orders.findById(id, ownerScope(viewer));
    if (!order) throw orderNotFound();
    return order;
  }
}
