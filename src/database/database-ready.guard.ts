import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC } from '../auth/decorators';
import { DomainError } from '../common/errors/domain-error';
import { DatabaseState } from './database-state';

/**
 * Routes that need the database answer 503 DATABASE_UNAVAILABLE while it is not connected or its
 * schema not migrated, rather than a 500 from an unconnected driver. Public routes (probes, the
 * banner) need no database.
 */
@Injectable()
export class DatabaseReadyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly state: DatabaseState,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.state.ready) return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    throw new DomainError(
      'DATABASE_UNAVAILABLE',
      `The database is unavailable; retry shortly. ${this.state.detail ?? ''}`.trim(),
      { headers: { 'Retry-After': '2' } },
    );
  }
}
