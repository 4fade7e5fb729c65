import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import type { AuthUser, Role } from './auth-user';
import { IS_PUBLIC, ROLES_KEY } from './decorators';
import { TokenVerifier } from './token-verifier';

type CallerRequest = FastifyRequest & {
  user?: AuthUser;
  raw: FastifyRequest['raw'] & { user?: AuthUser };
};

/**
 * Every route needs a valid token unless it is marked @Public(). A token TokenVerifier has found
 * valid (by the same rules as JwtStrategy; the per-IP limit asked it before routing) names the
 * caller at once; any other goes through passport, which verifies it and answers a bad one. A
 * client sends one token until it expires: checking its signature again on every request was a
 * twentieth of a read's CPU.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenVerifier,
  ) {
    super();
  }

  canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const req = context.switchToHttp().getRequest<CallerRequest>();
    const known = this.tokens.knownCaller(req);
    if (!known) return super.canActivate(context);
    req.user = req.raw.user = known;
    return true;
  }

  /** Passport's verdict; the caller is noted on Node's request too, for the request log. */
  handleRequest<TUser = AuthUser>(
    err: unknown,
    user: TUser,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    const caller = super.handleRequest<TUser>(err, user, info, context);
    context.switchToHttp().getRequest<CallerRequest>().raw.user = caller as AuthUser;
    return caller;
  }
}

/** Routes marked @Roles(...) need one of those roles; the others only need a valid token. */
@Injectable()
export class RolesGuard {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!roles?.length) return true;
    const user = context.switchToHttp().getRequest<CallerRequest>().user;
    return !!user && roles.includes(user.role);
  }
}
