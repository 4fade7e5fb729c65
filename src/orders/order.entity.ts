import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  OneToMany,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { centsColumn } from '../common/money';
import { OrderStatus, PaymentStatus } from './order-process';
import type { PaymentFlagDetails } from './order-change-plan';
import { OrderItem } from './order-item.entity';

export interface Address {
  street: string;
  city: string;
  state: string;
  zipCode: string;
  country: string;
}

export type OrderFlag =
  | {
      code: 'stock_shortage';
      /** The order's items the flag is about. */
      item_ids: string[];
    }
  | {
      /** Money moved that the order does not account for (see the order's history). */
      code: 'payment_mismatch';
      item_ids: string[];
      details: PaymentFlagDetails;
    };

const money = { type: 'numeric', precision: 12, scale: 2, transformer: centsColumn } as const;

/** Property names are the API's snake_case field names, so rows and JSON share one vocabulary. */
@Entity('orders')
@Check(
  'chk_orders_money',
  '"subtotal" >= 0 AND "tax" >= 0 AND "shipping_cost" >= 0 AND "discount" >= 0 AND "total" >= 0',
)
@Index('idx_orders_user_created', ['user_id', 'created_at', 'id'])
@Index('idx_orders_status_created', ['status', 'created_at', 'id'])
@Index('idx_orders_created', ['created_at', 'id'])
@Index('idx_orders_flagged_created', ['created_at', 'id'], { where: `"flags" <> '[]'::jsonb` })
@Index('idx_orders_payment_created', ['payment_status', 'created_at', 'id'])
@Index('idx_orders_total', ['total', 'id'])
// Expression and operator-class indexes TypeORM cannot describe: created by the search migration,
// kept (not dropped) by schema comparison. `lower(customer_email)` serves the e-mail filter, the
// pattern index order-number prefixes, the trigram index the free-text search (`q`).
@Index('idx_orders_email_created', { synchronize: false })
@Index('idx_orders_number_prefix', { synchronize: false })
@Index('idx_orders_search_trgm', { synchronize: false })
export class Order {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('uq_orders_order_number', { unique: true })
  @Column({ type: 'varchar', length: 32 })
  order_number: string;

  @Column({ type: 'varchar', length: 64 })
  user_id: string;

  @Column({ type: 'varchar', length: 254 })
  customer_email: string;

  @Column({ type: 'varchar', length: 200 })
  customer_name: string;

  @Column({
    type: 'enum',
    enum: OrderStatus,
    enumName: 'order_status',
    default: OrderStatus.PENDING,
  })
  status: OrderStatus;

  @Column({
    type: 'enum',
    enum: PaymentStatus,
    enumName: 'payment_status',
    default: PaymentStatus.PENDING,
  })
  payment_status: PaymentStatus;

  /** Money columns hold integer cents in code. */
  @Column(money) subtotal: number;
  @Column(money) tax: number;
  @Column(money) shipping_cost: number;
  @Column({ ...money, default: 0 }) discount: number;
  @Column(money) total: number;

  @Column({ type: 'char', length: 3, default: 'USD' })
  currency: string;

  @Column({ type: 'jsonb' })
  shipping_address: Address;

  @Column({ type: 'jsonb' })
  billing_address: Address;

  @Column({ type: 'varchar', length: 50 })
  payment_method: string;

  /** The Payment Service's payment, from the first event it sent about this order. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  payment_intent_id: string | null;

  /** What the Payment Service captured, the ceiling of every refund; null until captured. */
  @Column({ ...money, nullable: true })
  amount_captured: number | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  tracking_number: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  carrier: string | null;

  @Column({ type: 'text', nullable: true })
  customer_notes: string | null;

  @Column({ type: 'text', nullable: true })
  internal_notes: string | null;

  @Column({ type: 'text', nullable: true })
  cancellation_reason: string | null;

  /** The status an on-hold order was held from: the only status it may resume to. */
  @Column({
    type: 'enum',
    enum: OrderStatus,
    enumName: 'order_status',
    nullable: true,
  })
  held_from: OrderStatus | null;

  /** What an admin should look at, such as lines whose stock could not be had. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  flags: OrderFlag[];

  /** The sequence number of the order's last published event (1 for order.created). */
  @Column({ type: 'integer', default: 0 })
  event_sequence: number;

  /** Bumped by every change; the ETag of the order. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updated_at: Date;

  @Column({ type: 'timestamptz', nullable: true })
  confirmed_at: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  shipped_at: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  delivered_at: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  cancelled_at: Date | null;

  @OneToMany(() => OrderItem, (item) => item.order)
  items: OrderItem[];
}
