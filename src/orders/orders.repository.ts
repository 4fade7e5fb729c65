import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ReadReplicas } from '../database/read-replicas';
import type { HistoryEntry } from './order-change-plan';
import type { OrderEvent } from './order-event.entity';
import type { OrderItem, StockStatus } from './order-item.entity';
import type { Role } from '../auth/auth-user';
import { historyFromRow, money, orderFromRow, type OrderJsonRow } from './order-row.mapper';
import {
  INSERT_HISTORY,
  INSERT_ORDER,
  REPLACE_RESERVATION,
  SELECT_BY_ID,
  SELECT_BY_ID_FOR_UPDATE,
  SELECT_HISTORY,
  SELECT_JSON_BY_ID,
  SELECT_JSON_BY_NUMBER,
  SELECT_STOCK_LINES,
  SELECT_UNPAID_BEFORE,
  SET_STOCK_STATUS,
  UPDATE_ORDER,
} from './order-statements';
import type { Order } from './order.entity';

/** An effect owed after commit, as the outbox stores it. */
export interface OutboxRow {
  topic: string;
  kind: string;
  payload: Record<string, unknown>;
}

export interface Actor {
  id: string;
  role: string;
}

/** Where an order's stock stands, line by line, for the stock relay. */
export interface StockLine {
  item_id: string;
  product_id: string;
  quantity: number;
  reservation_id: string | null;
  stock_status: StockStatus | null;
}

/** Two statements are one transaction only inside BEGIN; a unique order number can clash. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } })
    .driverError;
  return driverError?.code === '23505' && driverError.constraint === constraint;
}

/** Owns every statement on orders, their items and their history. */
@Injectable()
export class OrdersRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reads: ReadReplicas,
  ) {}

  async insert(
    order: Order,
    actor: Actor,
    outbox: OutboxRow[],
    replay?: { userId: string; key: string; body: unknown },
  ): Promise<void> {
    await this.dataSource.query(INSERT_ORDER, [
      order.id,
      order.order_number,
      order.user_id,
      order.customer_email,
      order.customer_name,
      order.status,
      order.payment_status,
      money(order.subtotal),
      money(order.tax),
      money(order.shipping_cost),
      money(order.discount),
      money(order.total),
      order.currency,
      JSON.stringify(order.shipping_address),
      JSON.stringify(order.billing_address),
      order.payment_method,
      order.customer_notes,
      order.created_at,
      JSON.stringify(order.items.map(itemParams)),
      actor.id,
      actor.role,
      JSON.stringify(outbox),
      replay?.userId ?? null,
      replay?.key ?? null,
      replay ? JSON.stringify(replay.body) : null,
      order.event_sequence,
    ]);
  }

  /**
   * False when the order is no longer at `expectedVersion` (a concurrent change won). With a
   * manager, it is part of that manager's transaction.
   */
  async update(
    next: Order,
    expectedVersion: number,
    history: HistoryEntry[],
    outbox: OutboxRow[],
    actor: Actor,
    eventCount: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<boolean> {
    const rows: { updated: number }[] = await manager.query(UPDATE_ORDER, [
      next.id,
      expectedVersion,
      next.status,
      next.payment_status,
      next.tracking_number,
      next.carrier,
      next.internal_notes,
      next.cancellation_reason,
      next.confirmed_at,
      next.shipped_at,
      next.delivered_at,
      next.cancelled_at,
      next.held_from,
      next.updated_at,
      eventCount,
      JSON.stringify(history),
      JSON.stringify(outbox),
      actor.id,
      actor.role,
      JSON.stringify(next.flags),
      next.payment_intent_id,
      next.amount_captured == null ? null : money(next.amount_captured),
    ]);
    return rows[0].updated === 1;
  }

  /** The order, locked until `manager`'s transaction ends. */
  async lockById(id: string, manager: EntityManager): Promise<Order | undefined> {
    const rows: Record<string, unknown>[] = await manager.query(SELECT_BY_ID_FOR_UPDATE, [id]);
    return rows[0] && orderFromRow(rows[0]);
  }

  /** History entries that leave the order as it is. */
  async addHistory(
    orderId: string,
    history: HistoryEntry[],
    actor: Actor,
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.query(INSERT_HISTORY, [
      orderId,
      JSON.stringify(history),
      actor.id,
      actor.role,
      now,
    ]);
  }

  /** Ids of pending orders placed before `cutoff` whose payment was not captured. */
  async unpaidBefore(cutoff: Date, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(SELECT_UNPAID_BEFORE, [
      cutoff,
      limit,
    ]);
    return rows.map((r) => r.id);
  }

  /** `ownerId` limits the search to that customer's orders. */
  async findById(id: string, ownerId: string | null): Promise<Order | undefined> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(SELECT_BY_ID, [
      id,
      ownerId,
    ]);
    return rows[0] && orderFromRow(rows[0]);
  }

  /** The order as the API shows it to `viewer`, by id or by number (see orderJsonColumns). */
  async findJsonById(
    id: string,
    ownerId: string | null,
    viewer: Role,
  ): Promise<OrderJsonRow | undefined> {
    const rows: OrderJsonRow[] = await this.dataSource.query(SELECT_JSON_BY_ID[viewer], [
      id,
      ownerId,
    ]);
    return rows[0];
  }

  async findJsonByNumber(
    orderNumber: string,
    ownerId: string | null,
    viewer: Role,
  ): Promise<OrderJsonRow | undefined> {
    const rows: OrderJsonRow[] = await this.dataSource.query(SELECT_JSON_BY_NUMBER[viewer], [
      orderNumber,
      ownerId,
    ]);
    return rows[0];
  }

  /** From a replica when one is current: a history may trail the latest change by a moment. */
  async history(orderId: string): Promise<OrderEvent[]> {
    const rows = await this.reads.query<Record<string, unknown>>(SELECT_HISTORY, [orderId]);
    return rows.map(historyFromRow);
  }

  stockLines(orderId: string): Promise<StockLine[]> {
    return this.dataSource.query(SELECT_STOCK_LINES, [orderId]);
  }

  async setStockStatus(itemId: string, status: StockStatus): Promise<void> {
    await this.dataSource.query(SET_STOCK_STATUS, [itemId, status]);
  }

  async replaceReservation(itemId: string, reservationId: string): Promise<void> {
    await this.dataSource.query(REPLACE_RESERVATION, [itemId, reservationId, 'held']);
  }
}

function itemParams(item: OrderItem) {
  return {
    id: item.id,
    position: item.position,
    product_id: item.product_id,
    product_name: item.product_name,
    product_sku: item.product_sku,
    product_image: item.product_image,
    unit_price: money(item.unit_price),
    quantity: item.quantity,
    subtotal: money(item.subtotal),
    product_attributes: item.product_attributes,
    reservation_id: item.reservation_id,
    stock_status: item.stock_status,
  };
}
