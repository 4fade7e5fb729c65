import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon from 'autocannon';

/** One request of a scenario; `next()` is called for every request sent. */
export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** A pause of the load generator's event loop this long is reported with the result. */
export const LOAD_STALL_MS = 1000;

/** Watches this process's event loop; stop() gives the longest it was held up, in ms. */
export function watchStalls(): { stop(): number } {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  return {
    stop() {
      loop.disable();
      return loop.max / 1e6;
    },
  };
}

export interface LoadResult {
  requests: number;
  durationS: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** Connection errors and timeouts (no HTTP status at all). */
  errors: number;
  statusCodes: Record<string, number>;
  /**
   * The longest this process's event loop, autocannon's, was held up during the run (ms). Over
   * a second or so, the load itself paused (the machine, not the service) and req/s understates.
   */
  loadStallMs: number;
}

/**
 * autocannon as a library: `connections` clients keep one request each in flight, for
 * `durationS` seconds, or until exactly `amount` requests have been answered. A timed run stops
 * with requests still in flight, whose outcome it never learns; a counted run has none.
 */
export async function runLoad(
  url: string,
  next: () => RequestSpec,
  connections: number,
  run: { durationS: number } | { amount: number },
): Promise<LoadResult> {
  const first = next();
  const stall = watchStalls();
  const result = await autocannon({
    url,
    connections,
    ...('amount' in run ? { amount: run.amount } : { duration: run.durationS }),
    timeout: 30,
    // Every request is built afresh, so each may carry another user's token or body.
    requests: [{ ...first, setupRequest: (req) => ({ ...req, ...next() }) }],
  });
  const loadStallMs = stall.stop();
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = count ?? 0;
  }
  const completed = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    requests: completed,
    durationS: result.duration,
    rps: completed / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCodes,
    loadStallMs,
  };
}
