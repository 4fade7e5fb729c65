import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user';
import { DomainError } from '../common/errors/domain-error';
import {
  OrderHistoryResponseDto,
  orderJsonText,
  OrderListResponseDto,
  OrderText,
  presentEvent,
} from './dto/order-response.dto';
import type { ListOrdersQueryDto } from './dto/list-orders-query.dto';
import { searchFromQuery } from './dto/order-search-query';
import type { SearchOrdersQueryDto } from './dto/search-orders-query.dto';
import { decodeCursor, encodeCursor } from './order-cursor';
import { OrderEventType } from './order-event.entity';
import { invalidParameter, OrderSearch } from './order-search';
import { OrderSearchRepository, SearchPage } from './order-search.repository';
import type { OrderJsonRow } from './order-row.mapper';
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

  async findOne(id: string, viewer: AuthUser): Promise<OrderText> {
    const row = await this.orders.findJsonById(id, ownerScope(viewer), viewer.role);
    return this.present(row, viewer);
  }

  async findByNumber(orderNumber: string, viewer: AuthUser): Promise<OrderText> {
    const row = await this.orders.findJsonByNumber(orderNumber, ownerScope(viewer), viewer.role);
    return this.present(row, viewer);
  }

  /** A customer asking for someone else's order hears exactly what a missing order says. */
  private present(row: OrderJsonRow | undefined, viewer: AuthUser): OrderText {
    if (!row) throw orderNotFound();
    return { body: orderJsonText(row, viewer.role), version: row.version };
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
   * `ownerId` limits it to one customer's orders. The JSON of an OrderListResponseDto, its orders
   * as PostgreSQL wrote them (see orderJsonText).
   */
  async list(
    viewer: AuthUser,
    query: ListOrdersQueryDto | SearchOrdersQueryDto,
    ownerId: string | null,
  ): Promise<string> {
    const search = searchFromQuery(query, ownerId);
    const { limit } = query;
    if (query.cursor !== undefined) {
      if (query.page !== undefined) {
        throw invalidParameter('page', 'page and cursor cannot be used together: send one of them');
      }
      const after = decodeCursor(query.cursor, search);
      const [found, total] = await Promise.all([
        this.search.page(search, after, 0, limit + 1, viewer.role),
        query.include_total ? this.search.count(search) : undefined,
      ]);
      const next_cursor = nextCursor(search, found, limit);
      return listJson(viewer, found, limit, { limit, next_cursor, total });
    }
    const page = query.page ?? 1;
    const [found, total] = await Promise.all([
      this.search.page(search, null, (page - 1) * limit, limit + 1, viewer.role),
      this.search.count(search),
    ]);
    const pages = Math.ceil(total / limit);
    const next_cursor = nextCursor(search, found, limit);
    return listJson(viewer, found, limit, { total, page, limit, pages, next_cursor });
  }

  private async mustFind(id: string, viewer: AuthUser): Promise<Order> {
    const order = await this.orders.findById(id, ownerScope(viewer));
    if (!order) throw orderNotFound();
    return order;
  }
}

/** One more order than the page holds was read: it says whether a next page exists. */
function nextCursor(search: OrderSearch, found: SearchPage, limit: number): string | null {
  return found.orders.length > limit ? encodeCursor(search, found.positions[limit - 1]) : null;
}

/** `{"orders":[…], …rest}`; a member of `rest` that is undefined is left out, as in JSON. */
function listJson(
  viewer: AuthUser,
  found: SearchPage,
  limit: number,
  rest: Omit<OrderListResponseDto, 'orders'>,
): string {
  const orders = found.orders.slice(0, limit).map((row) => orderJsonText(row, viewer.role));
  return `{"orders":[${orders.join(',')}],${JSON.stringify(rest).slice(1)}`;
}
