import type { HttpService } from '@nestjs/axios';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { HttpModuleOptions } from '@nestjs/axios';
import { isAxiosError, type InternalAxiosRequestConfig } from 'axios';
import { currentRequestId } from '../logging/request-context';
import type { MetricsService } from '../metrics/metrics.service';

type TimedConfig = InternalAxiosRequestConfig & { startedAt?: number };

function outcomeOf(status?: number, code?: string): string {
  if (status === undefined) {
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return 'timeout';
    if (code === 'ECONNREFUSED') return 'refused';
    return 'network_error';
  }
  if (status < 400) return 'ok';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  return status >= 500 ? 'server_error' : 'client_error';
}

/**
 * Every call to a neighbour carries the request id of the request that caused it, and is
 * measured by service and outcome.
 */
export function instrumentHttp(http: HttpService, service: string, metrics: MetricsService): void {
  const axios = http.axiosRef;
  axios.interceptors.request.use((config: TimedConfig) => {
    const requestId = currentRequestId();
    if (requestId) config.headers.set('X-Request-Id', requestId);
    config.startedAt = performance.now();
    return config;
  });
  const seconds = (config?: TimedConfig) =>
    config?.startedAt === undefined ? 0 : (performance.now() - config.startedAt) / 1000;
  axios.interceptors.response.use(
    (response) => {
      metrics.neighbourCall(service, outcomeOf(response.status), seconds(response.config));
      return response;
    },
    (error: unknown) => {
      if (isAxiosError(error)) {
        metrics.neighbourCall(
          service,
          outcomeOf(error.response?.status, error.code),
          seconds(error.config as TimedConfig | undefined),
        );
      }
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    },
  );
}

/**
 * The axios settings every neighbour client shares: one keep-alive pool (maxSockets caps the
 * calls in flight; further ones queue), no redirects followed, a bounded body, and every status
 * handed to the caller to interpret.
 */
export function neighbourHttpOptions(options: {
  baseURL?: string;
  timeout: number;
  maxSockets?: number;
  maxContentLength: number;
}): HttpModuleOptions {
  const agent = { keepAlive: true, maxSockets: options.maxSockets ?? Infinity };
  return {
    baseURL: options.baseURL,
    timeout: options.timeout,
    httpAgent: new HttpAgent(agent),
    httpsAgent: new HttpsAgent(agent),
    maxRedirects: 0,
    maxContentLength: options.maxContentLength,
    validateStatus: () => true,
    headers: { Accept: 'application/json' },
  };
}
