import { createSecretKey, KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { ExtractJwt } from 'passport-jwt';
import { appConfig, type AppConfig } from '../config/app.config';
import type { AuthUser } from './auth-user';
import { userFromClaims } from './jwt.strategy';

const bearer = ExtractJwt.fromAuthHeaderAsBearerToken();

type Caller = Omit<AuthUser, 'token'>;

/** A token found valid, and until when (its `exp`, epoch ms). */
interface Verified {
  user: Caller;
  expiresAt: number;
}

/** Callers of a busy minute, about 300 bytes each. */
const VERIFIED_TOKENS = 10_000;

/**
 * Whether a request carries a token the service would accept, answered before routing (the
 * per-IP rate limit needs it before authentication runs). The same key, algorithms and claim
 * rules as JwtStrategy, which authenticates every token the guard does not know (guards.ts).
 *
 * A client sends the same token with every request until it expires, and checking its signature
 * and claims costs tens of microseconds each time: a token found valid is remembered, by its
 * exact text, until its `exp`. Only valid tokens are kept, so a flood of bad ones costs what it
 * did and evicts nothing but the least recent callers.
 */
@Injectable()
export class TokenVerifier {
  private readonly key: KeyObject;
  private readonly algorithms: jwt.Algorithm[];
  private readonly verified = new LRUCache<string, Verified>({ max: VERIFIED_TOKENS });

  constructor(@Inject(appConfig.KEY) config: AppConfig) {
    this.key = createSecretKey(Buffer.from(config.SECRET_KEY, 'utf8'));
    this.algorithms = config.ALGORITHM;
  }

  /**
   * The caller as JwtStrategy would make them (token included) when the request's token is one
   * found valid before and not expired since; undefined otherwise, without verifying anything.
   */
  knownCaller(req: { headers: IncomingHttpHeaders }): AuthUser | undefined {
    const token = bearer(req);
    const known = token ? this.verified.get(token) : undefined;
    return token && known && Date.now() < known.expiresAt ? { ...known.user, token } : undefined;
  }

  /** The caller the request's bearer token names, or undefined without a valid one. */
  userOf(req: { headers: IncomingHttpHeaders }): Caller | undefined {
    const token = bearer(req);
    if (!token) return undefined;
    const known = this.verified.get(token);
    if (known && Date.now() < known.expiresAt) return known.user;
    const found = this.verify(token);
    if (found) this.verified.set(token, found);
    else if (known) this.verified.delete(token);
    return found?.user;
  }

  private verify(token: string): Verified | undefined {
    try {
      const claims = jwt.verify(token, this.key, { algorithms: this.algorithms });
      if (typeof claims !== 'object') return undefined;
      const user = userFromClaims(claims);
      // userFromClaims refuses a token without a numeric `exp`.
      return user && { user, expiresAt: (claims.exp as number) * 1000 };
    } catch {
      return undefined;
    }
  }
}
