import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import type { Order } from '../orders/order.entity';

/**
 * Every webhook delivery that was acted on, by the Payment Service's event id. Written in the
 * transaction of its effect: the primary key is what makes a repeated delivery change nothing.
 */
@Entity('payment_events')
@Index('idx_payment_events_order', ['order_id', 'received_at'])
export class PaymentEvent {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  type: string;

  @Column({ type: 'uuid' })
  order_id: string;

  @ManyToOne('Order', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'fk_payment_events_order' })
  order?: Order;

  /** The body as validated. */
  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  /** What it did: applied, ignored (and why), flagged. */
  @Column({ type: 'varchar', length: 64 })
  outcome: string;

  @CreateDateColumn({ type: 'timestamptz' })
  received_at: Date;
}
