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
import type { ListOrdersQueryDto } from './dto/list-orders-query.dto';
import { searchFromQuery } from './dto/order-search-query';
import type { SearchOrdersQueryDto } from './dto/search-orders-query.dto';
import { decodeCursor, encodeCursor } from './order-cursor';
import { OrderEventType } from './order-event.entity';
import { invalidParameter, OrderSearch } from './order-search';
import { OrderSearchRepository, SearchPage } from './order-search.repository';
import type { Order } from './order.entity';
import { OrdersRepository } from './orders.repository';

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
  constructor(
    private readonly orders: OrdersRepository,
    private readonly search: OrderSearchRepository,
  ) {}

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

  /**
   * A page of the orders the query selects (newest first unless sorted otherwise): by number
   * (`page`, with the total count) or after a cursor (keyset: stable while orders are created).
   * `ownerId` limits it to one customer's orders.
   */
  async list(
    viewer: AuthUser,
    query: ListOrdersQueryDto | SearchOrdersQueryDto,
    ownerId: string | null,
  ): Promise<OrderListResponseDto> {
    const search = searchFromQuery(query, ownerId);
    const { limit } = query;
    if (query.cursor !== undefined) {
      if (query.page !== undefined) {
        throw invalidParameter('page', 'page and cursor cannot be used together: send one of them');
      }
      const after = decodeCursor(query.cursor, search);
      const [found, total] = await Promise.all([
        this.search.page(search, after, 0, limit + 1),
        query.include_total ? this.search.count(search) : undefined,
      ]);
      return {
        ...this.present(viewer, search, found, limit),
        ...(total === undefined ? {} : { total }),
      };
    }
    const page = query.page ?? 1;
    const [found, total] = await Promise.all([
      this.search.page(search, null, (page - 1) * limit, limit + 1),
      this.search.count(search),
    ]);
    const { orders, next_cursor } = this.present(viewer, search, found, limit);
    return { orders, total, page, limit, pages: Math.ceil(total / limit), next_cursor };
  }

  /** One more order than the page holds was read: it says whether a next page exists. */
  private present(viewer: AuthUser, search: OrderSearch, found: SearchPage, limit: number) {
    const more = found.orders.length > limit;
    const orders = found.orders.slice(0, limit).map((o) => presentOrder(o, viewer.role));
    const next_cursor = more ? encodeCursor(search, found.positions[limit - 1]) : null;
    return { orders, limit, next_cursor };
  }

  private async mustFind(id: string, viewer: AuthUser): Promise<Order> {
    const order = await this.orders.findById(id, ownerScope(viewer));
    if (!order) throw orderNotFound();
    return order;
  }
}
