import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Statuses worth another try: overloaded, or a proxy in front of it is. 500 is included because
 * it is the Product Service's answer to any internal failure (ids are checked before a call).
 */
export const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

/** Exponential backoff with full jitter: a random wait up to base × 2^attempt. */
export function backoffMs(
  attempt: number,
  baseMs: number,
  random: () => number = Math.random,
): number {
  return Math.round(random() * baseMs * 2 ** attempt);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or bad. */
export function retryAfterMs(header: unknown, now: number = Date.now()): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Waits, but never past the deadline: returns false when the wait would overrun it. */
export async function waitWithin(ms: number, deadline: number): Promise<boolean> {
  if (Date.now() + ms >= deadline) return false;
  await sleep(ms);
  return true;
}
