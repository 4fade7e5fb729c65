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
import type { Order } from './order.entity';

export type StockStatus = 'held' | 'confirming' | 'confirmed' | 'released' | 'lacking';

export interface ProductAttributes {
  brand: string | null;
  category: string | null;
}

/** What was bought, frozen at order time: later catalogue changes never alter an order. */
@Entity('order_items')
/** Orders holding a product: the admin search's product filter. */
@Index('idx_order_items_product', ['product_id', 'order_id'])
@Check(
  'chk_order_items_line',
  '"position" >= 0 AND "quantity" > 0 AND "unit_price" >= 0 AND "subtotal" >= 0',
)
export class OrderItem {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('idx_order_items_order')
  @Column({ type: 'uuid' })
  order_id: string;

  @ManyToOne('Order', (order: Order) => order.items, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'fk_order_items_order' })
  order?: Order;

  /** The line's place in the order as the customer listed it (items share one created_at). */
  @Column({ type: 'smallint' })
  position: number;

  @Column({ type: 'varchar', length: 24 })
  product_id: string;

  @Column({ type: 'varchar', length: 500 })
  product_name: string;

  @Column({ type: 'varchar', length: 100 })
  product_sku: string;

  @Column({ type: 'text', nullable: true })
  product_image: string | null;

  @Column({ type: 'numeric', precision: 12, scale: 2, transformer: centsColumn })
  unit_price: number;

  @Column({ type: 'integer' })
  quantity: number;

  @Column({ type: 'numeric', precision: 12, scale: 2, transformer: centsColumn })
  subtotal: number;

  @Column({ type: 'jsonb' })
  product_attributes: ProductAttributes;

  /** The Inventory Service's hold on this line's stock, when an Inventory Service is configured. */
  @Column({ type: 'varchar', length: 100, nullable: true })
  reservation_id: string | null;

  /**
   * Where this line's hold stands with the Inventory Service: `held` until the relay confirms
   * it, `confirming` while a confirmation is on its way (so that a lost answer is not mistaken
   * for an expired hold), then `confirmed`, `released` or `lacking` (no stock to be had).
   */
  @Column({ type: 'varchar', length: 16, nullable: true })
  stock_status: StockStatus | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;
}
