import { createSecretKey, KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import jwt from 'jsonwebtoken';
import { ExtractJwt } from 'passport-jwt';
import { appConfig, type AppConfig } from '../config/app.config';
import type { AuthUser } from './auth-user';
import { userFromClaims } from './jwt.strategy';

const bearer = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * Whether a request carries a token the service would accept, answered before routing (the
 * per-IP rate limit needs it before authentication runs). The same key, algorithms and claim
 * rules as JwtStrategy, which still authenticates every protected route.
 */
@Injectable()
export class TokenVerifier {
  private readonly key: KeyObject;
  private readonly algorithms: jwt.Algorithm[];

  constructor(@Inject(appConfig.KEY) config: AppConfig) {
    this.key = createSecretKey(Buffer.from(config.SECRET_KEY, 'utf8'));
    this.algorithms = config.ALGORITHM;
  }

  /** The caller the request's bearer token names, or undefined without a valid one. */
  userOf(req: Request): Omit<AuthUser, 'token'> | undefined {
    const token = bearer(req);
    if (!token) return undefined;
    try {
      const claims = jwt.verify(token, this.key, { algorithms: this.algorithms });
      return typeof claims === 'object' ? userFromClaims(claims) : undefined;
    } catch {
      return undefined;
    }
  }
}
