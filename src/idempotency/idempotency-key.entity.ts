import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A client's Idempotency-Key, scoped to the caller. While `response_body` is null the request
 * is in flight; once set (in the transaction that created the order) it is replayed verbatim.
 */
@Entity('idempotency_keys')
@Index('idx_idempotency_keys_created', ['created_at'])
export class IdempotencyKey {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  user_id: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  key: string;

  /** SHA-256 of the canonical request body: the same key with another body is a client bug. */
  @Column({ type: 'char', length: 64 })
  request_hash: string;

  @Column({ type: 'smallint', nullable: true })
  response_status: number | null;

  /** `json`, not `jsonb`: a replay must repeat the first answer's text, key order included. */
  @Column({ type: 'json', nullable: true })
  response_body: unknown;

  /** When the in-flight claim was taken; a claim left by a crashed process goes stale. */
  @Column({ type: 'timestamptz', default: () => 'now()' })
  locked_at: Date;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;
}
