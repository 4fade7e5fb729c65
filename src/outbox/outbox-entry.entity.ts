import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A side effect that a committed change still owes the world (a stock confirmation, an event to
 * publish). Written in the same transaction as the change, carried out after commit by the
 * relay, so that a crash between the two loses nothing.
 */
@Entity('outbox')
@Index('idx_outbox_pending', ['id'], { where: '"processed_at" IS NULL' })
@Index('idx_outbox_order_pending', ['order_id', 'topic', 'id'], {
  where: '"processed_at" IS NULL',
})
@Index('idx_outbox_processed', ['processed_at'], { where: '"processed_at" IS NOT NULL' })
export class OutboxEntry {
  /** Monotonic: within an order and topic, effects run in the order they were written. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ type: 'uuid' })
  order_id: string;

  /** Effects of one topic run one after another per order; topics do not wait for each other. */
  @Column({ type: 'varchar', length: 32 })
  topic: string;

  @Column({ type: 'varchar', length: 64 })
  kind: string;

  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** Not before this time: the back-off after a failed attempt. */
  @Column({ type: 'timestamptz', default: () => 'now()' })
  available_at: Date;

  /** A relay has claimed it until then; after that, another may take it over. */
  @Column({ type: 'timestamptz', nullable: true })
  leased_until: Date | null;

  @Column({ type: 'text', nullable: true })
  last_error: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;

  @Column({ type: 'timestamptz', nullable: true })
  processed_at: Date | null;
}
