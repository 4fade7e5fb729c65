import { AsyncResource } from 'node:async_hooks';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

/** What the library's storage interface answers (its record type is not exported). */
export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** How often records without a live hit or block are dropped (the library's default too). */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * One throttler's hits for one key, oldest first: the times they leave the window. Expired
 * hits are only ever at the front, so they are skipped by moving `head`, and the array is
 * compacted once most of it is skipped.
 */
class HitQueue {
  private expirations: number[] = [];
  private head = 0;

  get size(): number {
    return this.expirations.length - this.head;
  }

  /** When the oldest hit leaves the window; asked only when there is one. */
  get oldest(): number {
    return this.expirations[this.head];
  }

  push(expiresAt: number): void {
    this.expirations.push(expiresAt);
  }

  prune(now: number): void {
    const { expirations } = this;
    while (this.head < expirations.length && expirations[this.head] <= now) this.head++;
    if (this.head > 64 && this.head * 2 > expirations.length) {
      this.expirations = expirations.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.expirations = [];
    this.head = 0;
  }
}

interface KeyRecord {
  hits: Map<string, HitQueue>;
  expiresAt: number;
  isBlocked: boolean;
  blockExpiresAt: number;
}

/**
 * The in-memory rate-limit counters of one replica: the same sliding window, blocking and
 * answers as `@nestjs/throttler`'s own `ThrottlerStorageService`, at a constant cost per
 * request. That one filters every hit still in the window into a new array on every request,
 * so a caller near a limit of 300 costs 300 comparisons and an array of that size per request;
 * here expired hits are dropped from the front of a queue.
 *
 * Times come from a monotonic clock: a hit leaves the window `ttl` after it came in even when
 * the system clock is set back, which also keeps each queue in order.
 */
export class SlidingWindowStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly records = new Map<string, KeyRecord>();
  private sweep?: NodeJS.Timeout;
  // Bound here, outside any request, so that the timer does not keep the first request's
  // async context (its logger, its ids) alive for as long as the service runs.
  private readonly startSweep = AsyncResource.bind(() => {
    this.sweep = setInterval(() => this.evictIdle(), SWEEP_INTERVAL_MS).unref();
  });

  constructor(private readonly clock: () => number = () => performance.now()) {}

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    if (!this.sweep) this.startSweep();
    // Whole milliseconds: with a fraction, `now + ttl - now` can come out a hair over `ttl`
    // and round up to a second more than the window.
    const now = Math.floor(this.clock());
    const record = this.recordOf(key, now + ttl);
    const hits = this.queueOf(record, throttlerName);
    hits.prune(now);
    if (record.expiresAt <= now) record.expiresAt = now + ttl;
    const timeToExpire = seconds(record.expiresAt - now);

    if (blockDuration <= 0) {
      // Never blocked: a hit over the limit is refused but not counted.
      const isBlocked = hits.size >= limit;
      if (!isBlocked) hits.push(now + ttl);
      return Promise.resolve({
        totalHits: hits.size + (isBlocked ? 1 : 0),
        timeToExpire,
        isBlocked,
        timeToBlockExpire: isBlocked ? (hits.size ? seconds(hits.oldest - now) : timeToExpire) : 0,
      });
    }

    if (!record.isBlocked) hits.push(now + ttl);
    if (hits.size > limit && !record.isBlocked) {
      record.isBlocked = true;
      record.blockExpiresAt = now + blockDuration;
    }
    const timeToBlockExpire = seconds(record.blockExpiresAt - now);
    if (timeToBlockExpire <= 0 && record.isBlocked) {
      // The block is over: the caller starts afresh, with this request as its first hit.
      record.isBlocked = false;
      hits.clear();
      hits.push(now + ttl);
    }
    return Promise.resolve({
      totalHits: hits.size,
      timeToExpire,
      isBlocked: record.isBlocked,
      // The library reports the time since its last block ended (or since 1970) as a negative
      // count while not blocked; callers read it only when blocked.
      timeToBlockExpire: record.isBlocked ? timeToBlockExpire : 0,
    });
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweep);
    this.sweep = undefined;
    this.records.clear();
  }

  /** Drops the records with nothing left to remember, so that idle callers cost no memory. */
  private evictIdle(): void {
    const now = Math.floor(this.clock());
    for (const [key, record] of this.records) {
      if (record.isBlocked && record.blockExpiresAt > now) continue;
      if (record.expiresAt > now) continue;
      let live = false;
      for (const hits of record.hits.values()) {
        hits.prune(now);
        live ||= hits.size > 0;
      }
      if (!live) this.records.delete(key);
    }
  }

  /** How many callers are remembered (for tests). */
  get keys(): number {
    return this.records.size;
  }

  private recordOf(key: string, expiresAt: number): KeyRecord {
    let record = this.records.get(key);
    if (!record) {
      record = { hits: new Map(), expiresAt, isBlocked: false, blockExpiresAt: 0 };
      this.records.set(key, record);
    }
    return record;
  }

  private queueOf(record: KeyRecord, throttlerName: string): HitQueue {
    let hits = record.hits.get(throttlerName);
    if (!hits) {
      hits = new HitQueue();
      record.hits.set(throttlerName, hits);
    }
    return hits;
  }
}

/** Whole seconds, rounded up, as the library reports them. */
function seconds(ms: number): number {
  return Math.ceil(ms / 1000);
}
