import { Inject, Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import type { ServerResponse } from 'node:http';
import { TokenVerifier } from '../auth/token-verifier';
import { DomainError } from '../common/errors/domain-error';
import type { Next } from '../common/http-layers';
import { pathOf } from '../common/http-semantics';
import { appConfig, type AppConfig } from '../config/app.config';
import type { PipelineRequest } from '../logging/request-context';

/** Probes and scrapes arrive every few seconds from one address: never turned away. */
const EXEMPT_PATHS = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/** Set on a request this limiter has counted, so that RateLimitGuard does not count it again. */
export const COUNTED_PER_IP = Symbol('counted per IP');

/**
 * The per-IP limit, before routing and authentication: every request without a valid token
 * (none, a bad one, an unknown path, the API documentation) counts against its client address.
 * A request with a valid token is limited per user by RateLimitGuard instead, so customers
 * behind one address (an office, a carrier's NAT) do not share one budget.
 */
@Injectable()
export class IpRateLimit {
  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly tokens: TokenVerifier,
  ) {}

  readonly middleware = (
    req: PipelineRequest & { [COUNTED_PER_IP]?: boolean },
    res: ServerResponse,
    next: Next,
  ): void => {
    if (EXEMPT_PATHS.has(pathOf(req)) || this.tokens.userOf(req)) return next();
    req[COUNTED_PER_IP] = true;
    const window = this.config.RATE_LIMIT_WINDOW_MS;
    this.storage
      .increment(
        `order-service:rate:ip:${req.ip}`,
        window,
        this.config.RATE_LIMIT_PER_IP,
        window,
        'ip',
      )
      .then(({ isBlocked, timeToBlockExpire }) => {
        if (!isBlocked) return next();
        const retryAfter = String(Math.max(1, timeToBlockExpire));
        res.setHeader('Retry-After', retryAfter);
        next(
          new DomainError(
            'TOO_MANY_REQUESTS',
            'Too many requests; retry after the time in Retry-After.',
            { headers: { 'Retry-After': retryAfter } },
          ),
        );
      }, next);
  };
}
