import { createSecretKey } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { appConfig, type AppConfig } from '../config/app.config';
import { AuthUser, ROLES, Role } from './auth-user';

interface PlatformClaims {
  userId?: unknown;
  email?: unknown;
  role?: unknown;
  exp?: unknown;
}

const bearer = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * Accepts exactly the User Service's tokens: HMAC-signed with the shared secret, from the
 * Authorization header only, with an expiry, `userId` and `email`, and a known role.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(@Inject(appConfig.KEY) config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject, made once: given a string, jsonwebtoken first tries it as a PEM public key
      // and builds the secret key from it only after that throws, on every request (about a
      // tenth of the service's CPU under load). The key is the same: the secret's UTF-8 bytes.
      secretOrKey: createSecretKey(Buffer.from(config.SECRET_KEY, 'utf8')) as unknown as Buffer,
      algorithms: config.ALGORITHM,
      ignoreExpiration: false,
      passReqToCallback: true,
    });
  }

  validate(req: Request, claims: PlatformClaims): AuthUser {
    const { userId, email, exp } = claims;
    // jsonwebtoken accepts a token without `exp`; a platform token always has one.
    if (typeof exp !== 'number') throw new UnauthorizedException();
    if (typeof userId !== 'string' || userId.length === 0 || userId.length > 64) {
      throw new UnauthorizedException();
    }
    if (typeof email !== 'string' || !email.includes('@') || email.length > 254) {
      throw new UnauthorizedException();
    }
    // Only an absent role means customer; null or anything else is a malformed token.
    const role = claims.role === undefined ? 'customer' : claims.role;
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
      throw new UnauthorizedException();
    }
    return { userId, email, role: role as Role, token: bearer(req) ?? '' };
  }
}
