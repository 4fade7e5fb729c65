import { Inject, Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { AuthUser } from '../auth/auth-user';
import { NeighbourCallError, NeighbourHttp } from '../common/neighbour-http';
import { appConfig, type AppConfig } from '../config/app.config';

/** The customer name clients of the platform already know: the local part of the e-mail. */
export function nameFromEmail(email: string): string {
  return email.split('@')[0].slice(0, 200);
}

/**
 * The customer's real name from the User Service, for the order's snapshot. The order matters
 * more than the name: when the User Service is slow or down, the name falls back to the e-mail.
 */
@Injectable()
export class UserClient {
  private readonly logger = new Logger('UserClient');
  private readonly names: LRUCache<string, string> | undefined;

  constructor(
    private readonly http: NeighbourHttp,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {
    if (config.USER_NAME_CACHE_TTL_MS > 0) {
      this.names = new LRUCache({ max: 10_000, ttl: config.USER_NAME_CACHE_TTL_MS });
    }
  }

  async customerName(user: AuthUser): Promise<string> {
    if (!this.config.USER_SERVICE_URL) return nameFromEmail(user.email);
    const cached = this.names?.get(user.userId);
    if (cached) return cached;
    try {
      const res = await this.http.get('/api/users/me', {
        headers: { authorization: `Bearer ${user.token}` },
      });
      const { firstName, lastName } =
        res.status === 200 && typeof res.data === 'object' && res.data !== null
          ? (res.data as { firstName?: unknown; lastName?: unknown })
          : {};
      const name = [firstName, lastName]
        .filter((part): part is string => typeof part === 'string' && part.trim() !== '')
        .map((part) => part.trim())
        .join(' ')
        .slice(0, 200);
      if (!name) {
        this.logger.warn(`User Service gave no name for user ${user.userId} (HTTP ${res.status})`);
        return nameFromEmail(user.email);
      }
      this.names?.set(user.userId, name);
      return name;
    } catch (error) {
      const why = error instanceof NeighbourCallError ? error.outcome : 'error';
      this.logger.warn(`User Service unavailable (${why}); using the name from the e-mail`);
      return nameFromEmail(user.email);
    }
  }
}
