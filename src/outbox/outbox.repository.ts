import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** An outbox row a relay has leased. */
export interface ClaimedEntry {
  id: string;
  order_id: string;
  topic: string;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
  created_at: Date;
}

/**
 * Leases the oldest due rows of the given topics. Per order and topic only the earliest
 * unprocessed row qualifies, so effects of one order run strictly in the order they were
 * written, while other orders go ahead. SKIP LOCKED lets every replica claim at once without
 * waiting or taking the same row; the lease (not a held lock) keeps others off it while its
 * effect runs, so no transaction stays open across a neighbour call.
 */
const CLAIM = `
  WITH due AS (
    SELECT o.id FROM outbox o
    WHERE o.processed_at IS NULL AND o.topic = ANY($1::varchar[])
      AND o.available_at <= now() AND (o.leased_until IS NULL OR o.leased_until < now())
      AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.order_id = o.order_id
        AND e.topic = o.topic AND e.processed_at IS NULL AND e.id < o.id)
    ORDER BY o.id LIMIT $2 FOR UPDATE SKIP LOCKED)
  UPDATE outbox SET leased_until = now() + make_interval(secs => $3),
    attempts = outbox.attempts + 1
  FROM due WHERE outbox.id = due.id
  RETURNING outbox.id, outbox.order_id, outbox.topic, outbox.kind, outbox.payload,
    outbox.attempts, outbox.created_at`;

/** Credentials carried for the effect are not kept once it is done. */
const COMPLETE = `UPDATE outbox SET processed_at = now(), leased_until = NULL, last_error = NULL,
  payload = payload - 'token' WHERE id = ANY($1::bigint[])`;

const RETRY = `UPDATE outbox SET leased_until = NULL, last_error = $3,
  available_at = now() + make_interval(secs => $2) WHERE id = $1`;

const BACKLOG = `SELECT count(*)::int AS count,
  coalesce(extract(epoch FROM now() - min(created_at)), 0)::float AS oldest_seconds
  FROM outbox WHERE processed_at IS NULL AND topic = ANY($1::varchar[])`;

const PURGE = `DELETE FROM outbox WHERE id = ANY(ARRAY(
  SELECT id FROM outbox WHERE processed_at < now() - make_interval(hours => $1)
  LIMIT $2 FOR UPDATE SKIP LOCKED))`;

@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async claim(topics: string[], limit: number, leaseSeconds: number): Promise<ClaimedEntry[]> {
    const [rows]: [ClaimedEntry[], number] = await this.dataSource.query(CLAIM, [
      topics,
      limit,
      leaseSeconds,
    ]);
    return rows;
  }

  async complete(ids: string[]): Promise<void> {
    await this.dataSource.query(COMPLETE, [ids]);
  }

  async retry(id: string, delaySeconds: number, error: string): Promise<void> {
    await this.dataSource.query(RETRY, [id, delaySeconds, error.slice(0, 1000)]);
  }

  async backlog(topics: string[]): Promise<{ count: number; oldest_seconds: number }> {
    const rows: { count: number; oldest_seconds: number }[] = await this.dataSource.query(BACKLOG, [
      topics,
    ]);
    return rows[0];
  }

  /** Deletes processed rows older than `hours`, a batch at a time; safe on every replica. */
  async purge(hours: number, batch: number): Promise<number> {
    const [, deleted]: [unknown, number] = await this.dataSource.query(PURGE, [hours, batch]);
    return deleted;
  }
}
