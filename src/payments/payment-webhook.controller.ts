import { Body, Controller, HttpCode, Post, UseGuards, ValidationPipe } from '@nestjs/common';
import {
  ApiBody,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/decorators';
import { validationError } from '../common/validation';
import { PaymentEventDto, PaymentWebhookResponseDto } from './dto/payment-event.dto';
import { PaymentSignatureGuard } from './payment-signature.guard';
import { PaymentWebhookService } from './payment-webhook.service';

/**
 * Members the contract does not name are dropped rather than refused: a sender that adds a
 * field must not have every delivery refused (and retried) until this service learns it.
 */
const tolerantBody = new ValidationPipe({
  expectedType: PaymentEventDto,
  whitelist: true,
  forbidNonWhitelisted: false,
  forbidUnknownValues: true,
  transform: true,
  validationError: { target: false, value: false },
  exceptionFactory: validationError,
});

@ApiTags('payments')
@Controller('api/payments')
export class PaymentWebhookController {
  constructor(private readonly webhook: PaymentWebhookService) {}

  /** The Payment Service reports what happened to an order's money. */
  @Post('webhook')
  @Public()
  // The signature, checked before anything is read, is what keeps strangers out; the Payment
  // Service delivering a burst from one address must not be throttled like a browser.
  @SkipThrottle()
  @UseGuards(PaymentSignatureGuard)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Payment Service webhook (signed; no bearer token)',
    description:
      'Enabled only when PAYMENT_WEBHOOK_SECRET is set (else 404). Header ' +
      '`Payment-Signature: t=<unix seconds>,v1=<hex>` (several v1 allowed) where v1 = ' +
      'HMAC-SHA256(secret, "<t>.<raw body>"); missing, malformed or wrong: 401 INVALID_SIGNATURE; ' +
      't further than PAYMENT_WEBHOOK_TOLERANCE_S from now: 401 SIGNATURE_EXPIRED. Types: ' +
      'payment.authorized, payment.captured (confirms a pending order whose amount and currency ' +
      'equal its total; a mismatch flags it), payment.failed (with refund_id: that refund ' +
      'failed), payment.refunded (with refund_id). Other types: 200, recorded, ignored. An event ' +
      'id already received: 200 "duplicate", nothing changes. Unknown order_id: 404, nothing ' +
      'stored. Members not listed here are ignored.',
  })
  @ApiHeader({ name: 'Payment-Signature', required: true, description: 't=<unix>,v1=<hex>' })
  @ApiBody({ type: PaymentEventDto })
  @ApiOkResponse({ type: PaymentWebhookResponseDto })
  @ApiUnauthorizedResponse({ description: 'INVALID_SIGNATURE or SIGNATURE_EXPIRED' })
  @ApiNotFoundResponse({ description: 'Webhook disabled, or no such order' })
  receive(@Body(tolerantBody) event: object): Promise<PaymentWebhookResponseDto> {
    return this.webhook.receive(event as PaymentEventDto);
  }
}
