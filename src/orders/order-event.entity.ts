import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { OrderStatus, PaymentStatus } from './order-process';
import type { Order } from './order.entity';

export enum OrderEventType {
  CREATED = 'created',
  STATUS_CHANGED = 'status_changed',
  PAYMENT_STATUS_CHANGED = 'payment_status_changed',
  TRACKING_UPDATED = 'tracking_updated',
  NOTE_ADDED = 'note_added',
  STOCK_FLAGGED = 'stock_flagged',
  STOCK_RESERVED_AGAIN = 'stock_reserved_again',
  PAYMENT_EVENT_IGNORED = 'payment_event_ignored',
  PAYMENT_FLAGGED = 'payment_flagged',
  REFUND_REQUESTED = 'refund_requested',
  REFUND_SUCCEEDED = 'refund_succeeded',
  REFUND_FAILED = 'refund_failed',
}

/** One row per change of an order, written in the transaction that makes the change. */
@Entity('order_events')
@Index('idx_order_events_order', ['order_id', 'id'])
export class OrderEvent {
  /** Monotonic, so events of one order sort in the order they were written. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ type: 'uuid' })
  order_id: string;

  @ManyToOne('Order', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'fk_order_events_order' })
  order?: Order;

  @Column({ type: 'enum', enum: OrderEventType, enumName: 'order_event_type' })
  type: OrderEventType;

  @Column({ type: 'enum', enum: OrderStatus, enumName: 'order_status', nullable: true })
  from_status: OrderStatus | null;

  @Column({ type: 'enum', enum: OrderStatus, enumName: 'order_status', nullable: true })
  to_status: OrderStatus | null;

  @Column({ type: 'enum', enum: PaymentStatus, enumName: 'payment_status', nullable: true })
  from_payment_status: PaymentStatus | null;

  @Column({ type: 'enum', enum: PaymentStatus, enumName: 'payment_status', nullable: true })
  to_payment_status: PaymentStatus | null;

  /** What else changed: tracking number and carrier, or the internal note. */
  @Column({ type: 'jsonb', nullable: true })
  details: Record<string, unknown> | null;

  @Column({ type: 'varchar', length: 64 })
  actor_id: string;

  @Column({ type: 'varchar', length: 16 })
  actor_role: string;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;
}
