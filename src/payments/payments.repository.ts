import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { centsColumn, centsToDecimal } from '../common/money';
import type { PaymentEventDto } from './dto/payment-event.dto';
import { Refund, RefundLine, RefundStatus } from './refund.entity';

// Every statement is a constant: values travel as parameters.

/** The unique event id is the guard against a second effect: a repeat inserts nothing. */
const INSERT_PAYMENT_EVENT = `INSERT INTO payment_events (id, type, order_id, payload, outcome)
  VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING id`;

const REFUND_COLUMNS = `id, order_id, status, amount::text, subtotal::text, tax::text,
  discount::text, shipping_cost::text, currency, lines, reason, requested_by, created_at,
  settled_at`;

const SELECT_REFUNDS = `SELECT ${REFUND_COLUMNS} FROM refunds WHERE order_id = $1
  ORDER BY created_at, id`;

const SELECT_REFUND_FOR_UPDATE = `SELECT ${REFUND_COLUMNS} FROM refunds
  WHERE id = $1 AND order_id = $2 FOR UPDATE`;

const INSERT_REFUND = `INSERT INTO refunds (id, order_id, status, amount, subtotal, tax, discount,
  shipping_cost, currency, lines, reason, requested_by, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;

const SETTLE_REFUND = `UPDATE refunds SET status = $2, settled_at = $3
  WHERE id = $1 AND status = 'pending'`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const cents = (value: unknown): number => centsColumn.from(value) as number;

function refundFromRow(row: Record<string, unknown>): Refund {
  return {
    ...(row as unknown as Refund),
    amount: cents(row.amount),
    subtotal: cents(row.subtotal),
    tax: cents(row.tax),
    discount: cents(row.discount),
    shipping_cost: cents(row.shipping_cost),
    lines: row.lines as RefundLine[],
    created_at: new Date(row.created_at as string),
    settled_at: row.settled_at == null ? null : new Date(row.settled_at as string),
  };
}

/** Owns every statement on refunds and on the webhook's event log. */
@Injectable()
export class PaymentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** False when this event id was recorded before (by this transaction's rivals too). */
  async recordEvent(
    event: PaymentEventDto,
    outcome: string,
    manager: EntityManager,
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(INSERT_PAYMENT_EVENT, [
      event.id,
      event.type,
      event.data.order_id,
      JSON.stringify(event),
      outcome,
    ]);
    return rows.length === 1;
  }

  async refundsOf(
    orderId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Refund[]> {
    const rows: Record<string, unknown>[] = await manager.query(SELECT_REFUNDS, [orderId]);
    return rows.map(refundFromRow);
  }

  /** The order's refund of that id, locked until the transaction ends. */
  async lockRefund(
    refundId: string,
    orderId: string,
    manager: EntityManager,
  ): Promise<Refund | undefined> {
    // Ids are ours (UUIDs); anything else names no refund of ours.
    if (!UUID.test(refundId)) return undefined;
    const rows: Record<string, unknown>[] = await manager.query(SELECT_REFUND_FOR_UPDATE, [
      refundId,
      orderId,
    ]);
    return rows[0] && refundFromRow(rows[0]);
  }

  async insertRefund(refund: Refund, manager: EntityManager): Promise<void> {
    await manager.query(INSERT_REFUND, [
      refund.id,
      refund.order_id,
      refund.status,
      centsToDecimal(refund.amount),
      centsToDecimal(refund.subtotal),
      centsToDecimal(refund.tax),
      centsToDecimal(refund.discount),
      centsToDecimal(refund.shipping_cost),
      refund.currency,
      JSON.stringify(refund.lines),
      refund.reason,
      refund.requested_by,
      refund.created_at,
    ]);
  }

  async settleRefund(
    refundId: string,
    status: RefundStatus,
    now: Date,
    manager: EntityManager,
  ): Promise<void> {
    await manager.query(SETTLE_REFUND, [refundId, status, now]);
  }
}
