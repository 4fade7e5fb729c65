import type { IncomingHttpHeaders } from 'node:http';
import type { FactoryProvider } from '@nestjs/common';
import { Pool } from 'undici';
import { appConfig, type AppConfig } from '../config/app.config';
import { currentRequestId } from '../logging/request-context';
import { MetricsService } from '../metrics/metrics.service';

/** Why a call to a neighbour produced no answer: the `outcome` label of its metrics too. */
export type CallFailure = 'timeout' | 'refused' | 'network_error' | 'too_large';

/** A call that got no usable answer; `outcome` says why, the message says what happened. */
export class NeighbourCallError extends Error {
  constructor(
    readonly outcome: CallFailure,
    message: string,
  ) {
    super(message);
    this.name = 'NeighbourCallError';
  }

  /** Refused before anything was sent: the call certainly had no effect there. */
  get neverSent(): boolean {
    return this.outcome === 'refused';
  }
}

/** Every status comes back to the caller to interpret; the body parsed when it is JSON. */
export interface NeighbourResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The parsed JSON, or the text as it came when it is not JSON ('' for no body). */
  data: unknown;
}

export interface NeighbourOptions {
  /** The `service` label of the metrics. */
  service: string;
  /** Unset: the neighbour is not configured, and no call may be made. */
  baseUrl?: string;
  /** Per call, from sending it until the whole body is in. */
  timeoutMs: number;
  /** Calls in flight at once; further ones queue. Unbounded when unset. */
  maxConnections?: number;
  /** A longer answer fails with `too_large`: a neighbour gone wrong cannot make us buffer it. */
  maxResponseBytes: number;
}

function outcomeOf(status: number): string {
  if (status < 400) return 'ok';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  return status >= 500 ? 'server_error' : 'client_error';
}

function failureOf(error: unknown): NeighbourCallError {
  if (error instanceof NeighbourCallError) return error;
  const { code, message } = error as { code?: string; message?: string };
  if (code === 'ECONNREFUSED') return new NeighbourCallError('refused', message ?? code);
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return new NeighbourCallError('too_large', 'the answer exceeds the size limit');
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new NeighbourCallError('timeout', String(message));
  return new NeighbourCallError('network_error', message ?? String(error));
}

/** JSON when it parses, else the text as it came: the caller decides what a non-JSON answer means. */
function parseBody(text: string): unknown {
  if (text === '') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * HTTP to one neighbour service, on undici: one keep-alive pool, no redirects followed, a bounded
 * body, every status handed to the caller. Each call carries the request id of the request that
 * caused it, and is measured by service and outcome. Nest closes the pool at shutdown.
 */
export class NeighbourHttp {
  private readonly pool: Pool | undefined;
  private readonly prefix: string;

  constructor(
    private readonly options: NeighbourOptions,
    private readonly metrics: MetricsService,
  ) {
    const base = options.baseUrl ? new URL(options.baseUrl) : undefined;
    this.prefix = base ? base.pathname.replace(/\/+$/, '') : '';
    this.pool = base
      ? new Pool(base.origin, {
          connections: options.maxConnections ?? null,
          maxResponseSize: options.maxResponseBytes,
        })
      : undefined;
  }

  get(
    path: string,
    options: { headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<NeighbourResponse> {
    return this.call('GET', path, undefined, options.headers, options.timeoutMs);
  }

  post(
    path: string,
    body: unknown,
    options: { headers?: Record<string, string> } = {},
  ): Promise<NeighbourResponse> {
    return this.call('POST', path, JSON.stringify(body), options.headers);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.destroy();
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    extra: Record<string, string> | undefined,
    timeoutMs = this.options.timeoutMs,
  ): Promise<NeighbourResponse> {
    if (!this.pool) throw new Error(`${this.options.service} service is not configured`);
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const requestId = currentRequestId();
    if (requestId) headers['x-request-id'] = requestId;
    const started = performance.now();
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new NeighbourCallError('timeout', `no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      const res = await this.pool.request({
        method,
        path: this.prefix + path,
        headers,
        body,
        signal: abort.signal,
      });
      const data = parseBody(await res.body.text());
      this.observe(outcomeOf(res.statusCode), started);
      return { status: res.statusCode, headers: res.headers, data };
    } catch (error) {
      const failure = failureOf(abort.signal.aborted ? abort.signal.reason : error);
      this.observe(failure.outcome, started);
      throw failure;
    } finally {
      clearTimeout(timer);
    }
  }

  private observe(outcome: string, started: number): void {
    this.metrics.neighbourCall(this.options.service, outcome, (performance.now() - started) / 1000);
  }
}

/** A client module's NeighbourHttp, with the settings `options` takes from the configuration. */
export function neighbourHttpProvider(
  options: (config: AppConfig) => NeighbourOptions,
): FactoryProvider<NeighbourHttp> {
  return {
    provide: NeighbourHttp,
    inject: [appConfig.KEY, MetricsService],
    useFactory: (config: AppConfig, metrics: MetricsService) =>
      new NeighbourHttp(options(config), metrics),
  };
}
