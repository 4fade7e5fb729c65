import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { centsColumn } from '../common/money';
import type { Order } from '../orders/order.entity';

export enum RefundStatus {
  PENDING = 'pending',
  SUCCEEDED = 'succeeded',
  FAILED = 'failed',
}

/** One refunded line: integer cents, as computed when the refund was requested. */
export interface RefundLine {
  item_id: string;
  quantity: number;
  unit_price: number;
  subtotal: number;
}

const money = { type: 'numeric', precision: 12, scale: 2, transformer: centsColumn } as const;

/**
 * Money given back on an order, line by line. Requested by an admin (`pending`), carried out by
 * the Payment Service, which reports `succeeded` or `failed` through the webhook.
 */
@Entity('refunds')
@Index('idx_refunds_order', ['order_id', 'created_at'])
@Check('chk_refunds_money', '"amount" > 0 AND "subtotal" >= 0 AND "shipping_cost" >= 0')
export class Refund {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  order_id: string;

  @ManyToOne('Order', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'fk_refunds_order' })
  order?: Order;

  @Column({
    type: 'enum',
    enum: RefundStatus,
    enumName: 'refund_status',
    default: RefundStatus.PENDING,
  })
  status: RefundStatus;

  /** subtotal + tax − discount + shipping_cost. */
  @Column(money) amount: number;
  /** The lines' unit price × quantity. */
  @Column(money) subtotal: number;
  /** The lines' share of the order's tax. */
  @Column(money) tax: number;
  /** The lines' share of the order's discount, kept back. */
  @Column(money) discount: number;
  @Column(money) shipping_cost: number;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'jsonb' })
  lines: RefundLine[];

  /** The admin's reason; customers never see it. */
  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ type: 'varchar', length: 64 })
  requested_by: string;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;

  /** When the Payment Service said how it ended. */
  @Column({ type: 'timestamptz', nullable: true })
  settled_at: Date | null;
}
