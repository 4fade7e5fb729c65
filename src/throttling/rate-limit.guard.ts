import { ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../auth/auth-user';
import { COUNTED_PER_IP } from './ip-rate-limit';

export const ORDER_CREATION_LIMIT = 'rate-limit:order-creation';

/** Marks the handler that also counts against the tighter order-creation limit. */
export const OrderCreationLimit = () => SetMetadata(ORDER_CREATION_LIMIT, true);

/**
 * Limits per user when a token identified one, per client IP otherwise. Runs after the auth
 * guard, so `req.user` is known. Keys span every route: the limit is the caller's, not a route's.
 * A request without a valid token was counted per IP before routing already (IpRateLimit).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const req = context
      .switchToHttp()
      .getRequest<FastifyRequest & { user?: AuthUser; raw: { [COUNTED_PER_IP]?: boolean } }>();
    return (!req.user && req.raw[COUNTED_PER_IP] === true) || super.shouldSkip(context);
  }

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const { user, ip } = req as unknown as FastifyRequest & { user?: AuthUser };
    return Promise.resolve(user ? `user:${user.userId}` : `ip:${ip}`);
  }

  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    name: string,
  ): string {
    return `order-service:rate:${name}:${tracker}`;
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    // One Retry-After whichever limit was hit (the library suffixes it with the limit's name).
    context
      .switchToHttp()
      .getResponse<FastifyReply>()
      .header('Retry-After', String(detail.timeToBlockExpire));
    throw new ThrottlerException('Too many requests; retry after the time in Retry-After.');
  }
}
