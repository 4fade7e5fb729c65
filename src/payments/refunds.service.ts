import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AuthUser } from '../auth/auth-user';
import { DomainError } from '../common/errors/domain-error';
import { IdempotencyService, requestHash } from '../idempotency/idempotency.service';
import { OrderChangesService } from '../orders/order-changes.service';
import { PaymentStatus } from '../orders/order-process';
import { orderNotFound, ownerScope } from '../orders/order-queries.service';
import { OrdersRepository } from '../orders/orders.repository';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import type {
  CreateRefundDto,
  RefundListResponseDto,
  RefundResponseDto,
  RefundResult,
} from './dto/refund.dto';
import { PaymentsRepository } from './payments.repository';
import { isRefundRefusal, quoteRefund } from './refund-amounts';
import { presentRefund, refundDetails } from './refund-presenter';
import { Refund, RefundStatus } from './refund.entity';

/** Payment statuses with captured money left to give back. */
const REFUNDABLE: readonly PaymentStatus[] = [
  PaymentStatus.COMPLETED,
  PaymentStatus.PARTIALLY_REFUNDED,
];

/** Requests refunds (carried out by the Payment Service) and lists them. */
@Injectable()
export class RefundsService {
  constructor(
    private readonly payments: PaymentsRepository,
    private readonly orders: OrdersRepository,
    private readonly changes: OrderChangesService,
    private readonly idempotency: IdempotencyService,
    private readonly relay: OutboxRelay,
  ) {}

  /** With an Idempotency-Key, a repeat gets the first response and refunds nothing more. */
  async create(
    orderId: string,
    admin: AuthUser,
    dto: CreateRefundDto,
    key?: string,
  ): Promise<RefundResult> {
    if (key === undefined) return { refund: await this.request(orderId, admin, dto) };
    // The order is part of the request: one key cannot refund two orders.
    const hash = requestHash({ refund_of: orderId, ...dto });
    const claim = await this.idempotency.claim(admin.userId, key, hash);
    if (claim.kind === 'replay') return { refund: claim.body as RefundResponseDto, replayed: true };
    try {
      return { refund: await this.request(orderId, admin, dto, key) };
    } catch (error) {
      await this.idempotency.release(admin.userId, key).catch(() => undefined);
      throw error;
    }
  }

  async list(orderId: string, viewer: AuthUser): Promise<RefundListResponseDto> {
    const order = await this.orders.findById(orderId, ownerScope(viewer));
    if (!order) throw orderNotFound();
    const refunds = await this.payments.refundsOf(order.id);
    return { order_id: order.id, refunds: refunds.map((r) => presentRefund(r, viewer.role)) };
  }

  /**
   * One transaction holding the order's row lock: two refunds of one order take turns, and the
   * second sees the first when it checks what is left of the captured amount.
   */
  private async request(
    orderId: string,
    admin: AuthUser,
    dto: CreateRefundDto,
    key?: string,
  ): Promise<RefundResponseDto> {
    const body = await this.payments.transaction(async (manager) => {
      const order = await this.orders.lockById(orderId, manager);
      if (!order) throw orderNotFound();
      if (!REFUNDABLE.includes(order.payment_status)) {
        throw new DomainError(
          'PAYMENT_NOT_CAPTURED',
          `The order's payment is ${order.payment_status}: there is no captured money to refund.`,
          { extensions: { payment_status: order.payment_status } },
        );
      }
      const earlier = (await this.payments.refundsOf(order.id, manager)).filter(
        (r) => r.status !== RefundStatus.FAILED,
      );
      // Marked paid by hand before amounts were recorded: the order's total was taken.
      const captured = order.amount_captured ?? order.total;
      const quote = quoteRefund(
        order,
        earlier,
        { lines: dto.lines ?? [], shipping: dto.shipping ?? false },
        captured,
      );
      if (isRefundRefusal(quote)) {
        throw new DomainError(quote.code, quote.detail, { extensions: quote.extensions });
      }
      const now = new Date();
      const refund: Refund = {
        id: randomUUID(),
        order_id: order.id,
        status: RefundStatus.PENDING,
        amount: quote.amount,
        subtotal: quote.subtotal,
        tax: quote.tax,
        discount: quote.discount,
        shipping_cost: quote.shipping_cost,
        currency: order.currency,
        lines: quote.lines,
        reason: dto.reason ?? null,
        requested_by: admin.userId,
        created_at: now,
        settled_at: null,
      };
      await this.payments.insertRefund(refund, manager);
      // The Payment Service acts on the order.refund_requested event this writes.
      const history = [
        { type: 'refund_requested' as const, details: refundDetails(refund, order) },
      ];
      const actor = { id: admin.userId, role: admin.role };
      if (!(await this.changes.commit(order, {}, history, actor, now, [], manager))) {
        throw new Error(`Order ${order.id} changed while it was locked`);
      }
      const response = presentRefund(refund, admin.role);
      if (key !== undefined) {
        await this.idempotency.complete(manager, admin.userId, key, 201, response);
      }
      return response;
    });
    this.relay.nudge();
    return body;
  }
}
