import { createSecretKey } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { IncomingHttpHeaders } from 'node:http';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { appConfig, type AppConfig } from '../config/app.config';
import { unsafeTextProblem } from '../common/text-safety';
import { AuthUser, ROLES, Role } from './auth-user';

export interface PlatformClaims {
  userId?: unknown;
  email?: unknown;
  role?: unknown;
  exp?: unknown;
}

const bearer = ExtractJwt.fromAuthHeaderAsBearerToken();

/** The User Service's ids are MongoDB ObjectIds, printed in lower-case hex. */
const USER_ID = /^[0-9a-f]{24}$/;
const MAX_EMAIL_LENGTH = 254;

/**
 * The caller as the platform's claims describe them, or undefined when a claim is not what the
 * platform issues: an id of another shape would reach queries and logs as written, and two
 * spellings of one id must never name two users (or one id two).
 */
export function userFromClaims(claims: PlatformClaims): Omit<AuthUser, 'token'> | undefined {
  const { userId, email, exp } = claims;
  // jsonwebtoken accepts a token without `exp`; a platform token always has one.
  if (typeof exp !== 'number') return undefined;
  if (typeof userId !== 'string' || !USER_ID.test(userId)) return undefined;
  if (
    typeof email !== 'string' ||
    !email.includes('@') ||
    email.length > MAX_EMAIL_LENGTH ||
    unsafeTextProblem(email) !== undefined
  ) {
    return undefined;
  }
  // Only an absent role means customer; null or anything else is a malformed token.
  const role = claims.role === undefined ? 'customer' : claims.role;
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) return undefined;
  return { userId, email, role: role as Role };
}

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

  validate(req: { headers: IncomingHttpHeaders }, claims: PlatformClaims): AuthUser {
    const user = userFromClaims(claims);
    if (!user) throw new UnauthorizedException();
    return { ...user, token: bearer(req) ?? '' };
  }
}
