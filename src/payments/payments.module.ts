import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { OrdersModule } from '../orders/orders.module';
import { OutboxModule } from '../outbox/outbox.module';
import { PaymentExpiryService } from './payment-expiry.service';
import { PaymentSignatureGuard } from './payment-signature.guard';
import { PaymentWebhookController } from './payment-webhook.controller';
import { PaymentWebhookService } from './payment-webhook.service';
import { PaymentsRepository } from './payments.repository';
import { RefundsController } from './refunds.controller';
import { RefundsService } from './refunds.service';

/** The Payment Service's webhook, refunds, and the expiry of unpaid orders. */
@Module({
  imports: [OrdersModule, IdempotencyModule, OutboxModule],
  controllers: [PaymentWebhookController, RefundsController],
  providers: [
    PaymentsRepository,
    PaymentWebhookService,
    PaymentSignatureGuard,
    RefundsService,
    PaymentExpiryService,
  ],
})
export class PaymentsModule {}
