import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors/domain-error';
import { appConfig, type AppConfig } from '../config/app.config';
import { checkSignature } from './payment-signature';
import type { WithRawBody } from './raw-body';

/**
 * Lets a webhook delivery in only when it is signed by the Payment Service, over the bytes
 * received. Runs before the body is validated, so an unsigned request learns nothing about the
 * contract. Without a secret the webhook does not exist: 404, as for any unknown path.
 */
@Injectable()
export class PaymentSignatureGuard implements CanActivate {
  constructor(@Inject(appConfig.KEY) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.config.PAYMENT_WEBHOOK_SECRET.length === 0) throw new NotFoundException();
    const req = context.switchToHttp().getRequest<FastifyRequest & { raw: WithRawBody }>();
    const result = checkSignature(
      // Node joins repeated headers of this kind into one string.
      req.headers['payment-signature'] as string | undefined,
      req.raw.rawBody,
      this.config.PAYMENT_WEBHOOK_SECRET,
      this.config.PAYMENT_WEBHOOK_TOLERANCE_S,
      Math.floor(Date.now() / 1000),
    );
    if (!result.ok) {
      throw new DomainError(result.code, result.detail, {
        headers: { 'WWW-Authenticate': 'Payment-Signature' },
      });
    }
    return true;
  }
}
