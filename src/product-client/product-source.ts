import { Logger } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import { DomainError } from '../common/errors/domain-error';
import {
  NeighbourCallError,
  type NeighbourHttp,
  type NeighbourResponse,
} from '../common/neighbour-http';
import type { AppConfig } from '../config/app.config';
import type { MetricsService } from '../metrics/metrics.service';
import { backoffMs, RETRYABLE_STATUSES, retryAfterMs, waitWithin } from './resilience';

/** Where product documents come from: the Product Service, or the built-in demo catalog. */
export abstract class ProductSource {
  /** The raw document, or null when the product does not exist. `deadline` is epoch ms. */
  abstract fetch(id: string, deadline: number): Promise<unknown>;
}

function unavailable(detail: string, retryAfterSeconds?: number): DomainError {
  return new DomainError('PRODUCT_SERVICE_UNAVAILABLE', detail, {
    headers: retryAfterSeconds ? { 'Retry-After': String(retryAfterSeconds) } : undefined,
  });
}

function badResponse(id: string, detail: string): DomainError {
  return new DomainError(
    'PRODUCT_SERVICE_BAD_RESPONSE',
    `The Product Service's answer for product ${id} ${detail}.`,
    { extensions: { product_id: id } },
  );
}

/** One attempt's outcome: an answer to use, or a failure that may be worth another try. */
type Attempt =
  { kind: 'done'; value: unknown } | { kind: 'retry'; error: DomainError; retryAfter?: number };

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * The Product Service over HTTP: per-call timeout, an overall deadline per order, retries with
 * backoff for transient failures only, and a circuit breaker that fails fast while it is down.
 */
export class HttpProductSource extends ProductSource {
  private readonly logger = new Logger('ProductClient');
  private readonly breaker: CircuitBreaker<[string, number], unknown>;
  private openedAt = 0;

  constructor(
    private readonly http: NeighbourHttp,
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    super();
    this.breaker = new CircuitBreaker(
      (id: string, deadline: number) => this.withRetries(id, deadline),
      {
        timeout: false, // the calls carry their own timeouts and deadline
        errorThresholdPercentage: config.PRODUCT_SERVICE_BREAKER_ERROR_PERCENT,
        volumeThreshold: config.PRODUCT_SERVICE_BREAKER_VOLUME,
        resetTimeout: config.PRODUCT_SERVICE_BREAKER_RESET_MS,
        // Only an unreachable service opens the circuit; a wrong answer about one product does not.
        errorFilter: (error: unknown) =>
          !(error instanceof DomainError && error.code === 'PRODUCT_SERVICE_UNAVAILABLE'),
      },
    );
    metrics.circuitState('closed');
    this.breaker.on('open', () => {
      this.openedAt = Date.now();
      metrics.circuitState('open');
      this.logger.warn('Product Service circuit opened: failing fast');
    });
    this.breaker.on('halfOpen', () => {
      metrics.circuitState('half-open');
      this.logger.log('Product Service circuit half-open: probing');
    });
    this.breaker.on('close', () => {
      metrics.circuitState('closed');
      this.logger.log('Product Service circuit closed');
    });
  }

  get state(): BreakerState {
    return this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'half-open' : 'closed';
  }

  async fetch(id: string, deadline: number): Promise<unknown> {
    try {
      return await this.breaker.fire(id, deadline);
    } catch (error) {
      if (error instanceof DomainError) throw error;
      if ((error as { code?: string }).code === 'EOPENBREAKER') {
        const wait = this.openedAt + this.config.PRODUCT_SERVICE_BREAKER_RESET_MS - Date.now();
        throw unavailable(
          'The Product Service is failing; orders are refused until it recovers.',
          Math.max(1, Math.ceil(wait / 1000)),
        );
      }
      throw error;
    }
  }

  private async withRetries(id: string, deadline: number): Promise<unknown> {
    const { PRODUCT_SERVICE_RETRIES: retries, PRODUCT_SERVICE_RETRY_BASE_MS: base } = this.config;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(id, deadline);
      if (outcome.kind === 'done') return outcome.value;
      const wait = outcome.retryAfter ?? backoffMs(attempt, base);
      if (attempt >= retries || !(await waitWithin(wait, deadline))) throw outcome.error;
    }
  }

  private async attempt(id: string, deadline: number): Promise<Attempt> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      return { kind: 'retry', error: unavailable('The Product Service did not answer in time.') };
    }
    let res: NeighbourResponse;
    try {
      res = await this.http.get(`/api/products/${id}`, {
        timeoutMs: Math.min(this.config.PRODUCT_SERVICE_TIMEOUT_MS, remaining),
      });
    } catch (error) {
      // Asking again would get the same answer.
      if (error instanceof NeighbourCallError && error.outcome === 'too_large') {
        throw badResponse(id, 'is too large');
      }
      // The low-level reason goes to the log; the client learns only that the call failed.
      this.logger.warn(`Product Service call for ${id} failed: ${(error as Error).message}`);
      return { kind: 'retry', error: unavailable('The Product Service could not be reached.') };
    }
    if (res.status === 404) return { kind: 'done', value: null };
    if (RETRYABLE_STATUSES.has(res.status) || res.status >= 500) {
      const error = unavailable(`The Product Service answered ${res.status}.`);
      if (!RETRYABLE_STATUSES.has(res.status)) throw error;
      return { kind: 'retry', error, retryAfter: retryAfterMs(res.headers['retry-after']) };
    }
    if (res.status !== 200) throw badResponse(id, `was an unexpected ${res.status}`);
    // The raw text comes back when a 200 is not JSON (an HTML error page, a cut body).
    if (typeof res.data !== 'object' || res.data === null) throw badResponse(id, 'is not JSON');
    return { kind: 'done', value: res.data };
  }
}

/** Serves a fixed catalog in the Product Service's own JSON, so a bare `npm start` can take orders. */
export class DemoProductSource extends ProductSource {
  private readonly byId: Map<string, unknown>;

  constructor(products: readonly { _id: string }[]) {
    super();
    this.byId = new Map(products.map((p) => [p._id, p]));
  }

  fetch(id: string): Promise<unknown> {
    const product = this.byId.get(id);
    return Promise.resolve(product === undefined ? null : structuredClone(product));
  }
}
