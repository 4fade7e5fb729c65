import { Body, Controller, HttpCode, Post, UseGuards, ValidationPipe } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/decorators';
import { validationError } from '../common/validation';
import { PaymentEventDto, PaymentWebhookResponseDto } from './dto/payment-event.dto';
import { PaymentSignatureGuard } from './payment-signature.guard';
import { PaymentWebhookDocs } from './payments.api-docs';
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
  @PaymentWebhookDocs()
  receive(@Body(tolerantBody) event: object): Promise<PaymentWebhookResponseDto> {
    return this.webhook.receive(event as PaymentEventDto);
  }
}
