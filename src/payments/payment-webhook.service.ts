import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { isRefusal, planChange } from '../orders/order-change-plan';
import { OrderChangesService, SYSTEM } from '../orders/order-changes.service';
import type { Order } from '../orders/order.entity';
import { OrdersRepository } from '../orders/orders.repository';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import type { PaymentEventDto, PaymentWebhookResponseDto } from './dto/payment-event.dto';
import { decidePaymentEvent, PaymentDecision } from './payment-decision';
import { PaymentsRepository } from './payments.repository';
import { RefundStatus } from './refund.entity';

/**
 * Applies the Payment Service's events. One transaction per delivery: the order row is locked
 * (so deliveries about one order take turns and each decides on what the one before did), the
 * event id is recorded, and the effect is written with it, so that an event takes effect once
 * however often and however concurrently it is delivered. No call to a neighbour happens inside.
 */
@Injectable()
export class PaymentWebhookService {
  constructor(
    private readonly payments: PaymentsRepository,
    private readonly orders: OrdersRepository,
    private readonly changes: OrderChangesService,
    private readonly relay: OutboxRelay,
  ) {}

  async receive(event: PaymentEventDto): Promise<PaymentWebhookResponseDto> {
    const outcome = await this.payments.transaction(async (manager) => {
      const order = await this.orders.lockById(event.data.order_id, manager);
      // Nothing is recorded: the sender learns that the order is unknown here.
      if (!order) throw new DomainError('NOT_FOUND', 'No order has this order_id.');
      const refund = event.data.refund_id
        ? await this.payments.lockRefund(event.data.refund_id, order.id, manager)
        : undefined;
      const refunded = (await this.payments.refundsOf(order.id, manager))
        .filter((r) => r.status === RefundStatus.SUCCEEDED)
        .reduce((sum, r) => sum + r.amount, 0);
      const decision = decidePaymentEvent(order, event, refund, refunded);
      if (!(await this.payments.recordEvent(event, decision.outcome, manager))) return 'duplicate';
      await this.apply(order, event, decision, manager);
      return decision.outcome;
    });
    this.relay.nudge();
    return { received: true, outcome };
  }

  private async apply(
    order: Order,
    event: PaymentEventDto,
    decision: PaymentDecision,
    manager: EntityManager,
  ): Promise<void> {
    const now = new Date();
    if (decision.kind === 'nothing') return;
    if (decision.kind === 'history') {
      await this.orders.addHistory(order.id, decision.history, SYSTEM, now, manager);
      return;
    }
    const plan = planChange(order, decision.request, 'system', now);
    if (isRefusal(plan)) {
      // The decision follows the same tables, so this is a process rule it did not foresee:
      // keep the event in the history rather than lose it.
      await this.orders.addHistory(
        order.id,
        [
          {
            type: 'payment_event_ignored',
            details: { event_id: event.id, event_type: event.type, why: plan.detail },
          },
        ],
        SYSTEM,
        now,
        manager,
      );
      return;
    }
    const next = await this.changes.commitPlan(
      order,
      plan,
      now,
      { fields: decision.fields, history: decision.history },
      manager,
    );
    // The row is locked by this transaction, so its version cannot have moved.
    if (!next) throw new Error(`Order ${order.id} changed while it was locked`);
    if (decision.refund) {
      await this.payments.settleRefund(decision.refund.id, decision.refund.status, now, manager);
    }
  }
}
