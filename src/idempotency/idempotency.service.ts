import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { appConfig, type AppConfig } from '../config/app.config';

export type Claim = { kind: 'claimed' } | { kind: 'replay'; status: number; body: unknown };

/** A claim whose owner has not finished after this long is taken to be abandoned (a crash). */
const STALE_CLAIM_SECONDS = 60;
const PURGE_BATCH = 1000;

/** JSON with sorted keys, so that the same body hashes the same whatever its key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/**
 * Stripe's Idempotency-Key semantics over PostgreSQL. A request first claims its key (a row with
 * no response yet, visible at once to concurrent requests); the response is stored in the same
 * transaction as the order it describes; a failure releases the claim so a retry can succeed.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger('Idempotency');
  private readonly ttlHours: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(appConfig.KEY) config: AppConfig,
  ) {
    this.ttlHours = config.IDEMPOTENCY_TTL_HOURS;
  }

  async claim(userId: string, key: string, hash: string): Promise<Claim> {
    // A lost race against a releasing owner finds no row; trying again settles it.
    for (let attempt = 0; attempt < 3; attempt++) {
      // One statement: a new key, an expired one, or an abandoned claim all become ours.
      const claimed: unknown[] = await this.dataSource.query(
        `INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, locked_at = now(), created_at = now(),
               response_status = NULL, response_body = NULL
           WHERE idempotency_keys.created_at < now() - make_interval(hours => $4)
              OR (idempotency_keys.response_status IS NULL
                  AND idempotency_keys.locked_at < now() - make_interval(secs => $5))
         RETURNING 1`,
        [userId, key, hash, this.ttlHours, STALE_CLAIM_SECONDS],
      );
      if (claimed.length > 0) return { kind: 'claimed' };

      const rows: {
        request_hash: string;
        response_status: number | null;
        response_body: unknown;
      }[] = await this.dataSource.query(
        `SELECT request_hash, response_status, response_body FROM idempotency_keys
           WHERE user_id = $1 AND key = $2`,
        [userId, key],
      );
      const existing = rows[0];
      if (!existing) continue;
      if (existing.request_hash !== hash) {
        throw new DomainError(
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was used with a different request body.',
        );
      }
      if (existing.response_status === null) {
        throw new DomainError(
          'IDEMPOTENCY_KEY_IN_USE',
          'A request with this Idempotency-Key is still being processed.',
          { headers: { 'Retry-After': '1' } },
        );
      }
      return { kind: 'replay', status: existing.response_status, body: existing.response_body };
    }
    throw new DomainError(
      'IDEMPOTENCY_KEY_IN_USE',
      'A request with this Idempotency-Key is still being processed.',
      { headers: { 'Retry-After': '1' } },
    );
  }

  /** Called inside the transaction that commits the result. */
  async complete(
    manager: EntityManager,
    userId: string,
    key: string,
    status: number,
    body: unknown,
  ): Promise<void> {
    await manager.query(
      `UPDATE idempotency_keys SET response_status = $3, response_body = $4
       WHERE user_id = $1 AND key = $2`,
      [userId, key, status, JSON.stringify(body)],
    );
  }

  /** A request that failed stores nothing: its retry, corrected or not, is a new request. */
  async release(userId: string, key: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND response_status IS NULL`,
      [userId, key],
    );
  }

  /**
   * Deletes keys older than the TTL in small batches. SKIP LOCKED lets every replica run it at
   * the same time without waiting on one another or deleting a row twice.
   */
  @Cron(CronExpression.EVERY_10_MINUTES)
  async purgeExpired(): Promise<number> {
    // Not connected yet (DatabaseConnector is still trying): the next run will purge.
    if (!this.dataSource.isInitialized) return 0;
    let total = 0;
    for (;;) {
      const [, deleted]: [unknown, number] = await this.dataSource.query(
        `DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(
           SELECT ctid FROM idempotency_keys
           WHERE created_at < now() - make_interval(hours => $1)
           LIMIT $2 FOR UPDATE SKIP LOCKED))`,
        [this.ttlHours, PURGE_BATCH],
      );
      total += deleted;
      if (deleted < PURGE_BATCH) break;
    }
    if (total > 0) this.logger.log(`Purged ${total} expired idempotency keys`);
    return total;
  }
}
