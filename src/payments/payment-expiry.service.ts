import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { appConfig, type AppConfig } from '../config/app.config';
import { OrderChangesService } from '../orders/order-changes.service';
import { OrderStatus, PaymentStatus } from '../orders/order-process';
import type { Order } from '../orders/order.entity';
import { OrdersRepository } from '../orders/orders.repository';

const BATCH = 100;
/** Batches per run at most: the next run carries on. */
const MAX_BATCHES = 10;

export const PAYMENT_TIMEOUT_REASON = 'payment_timeout';

/** Payment statuses in which no money was taken. */
const UNPAID: readonly PaymentStatus[] = [
  PaymentStatus.PENDING,
  PaymentStatus.AUTHORIZED,
  PaymentStatus.FAILED,
];

/**
 * Whether the order is still one to expire. Checked again on every attempt of the change, on
 * the order as re-read: a payment captured after the order was picked makes it false, and the
 * compare-and-set makes a capture that lands during the attempt win over the cancellation.
 */
export function unpaidSince(order: Order, cutoff: Date): boolean {
  return (
    order.status === OrderStatus.PENDING &&
    UNPAID.includes(order.payment_status) &&
    order.created_at < cutoff
  );
}

/**
 * Cancels pending orders not paid within ORDER_PAYMENT_TIMEOUT_MINUTES, as `system` with the
 * reason `payment_timeout`: their holds are released and the event written like any other
 * cancellation. Every replica may run it; of two attempts on one order one wins, the other
 * finds it cancelled and leaves it.
 */
@Injectable()
export class PaymentExpiryService {
  private readonly logger = new Logger('PaymentExpiry');

  constructor(
    private readonly orders: OrdersRepository,
    private readonly changes: OrderChangesService,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  @Cron(CronExpression.EVERY_MINUTE)
  async run(): Promise<void> {
    try {
      await this.expireUnpaid();
    } catch (error) {
      this.logger.warn(`Expiring unpaid orders failed: ${(error as Error).message}`);
    }
  }

  /** How many orders it cancelled. */
  async expireUnpaid(now = new Date()): Promise<number> {
    const minutes = this.config.ORDER_PAYMENT_TIMEOUT_MINUTES;
    if (!minutes) return 0;
    const cutoff = new Date(now.getTime() - minutes * 60_000);
    let cancelled = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const ids = await this.orders.unpaidBefore(cutoff, BATCH);
      for (const id of ids) {
        const done = await this.changes
          .changeAsSystem(
            id,
            { status: OrderStatus.CANCELLED, reason: PAYMENT_TIMEOUT_REASON },
            (order) => unpaidSince(order, cutoff),
          )
          .catch((error: Error) => {
            this.logger.warn(`Order ${id} could not be expired: ${error.message}`);
            return undefined;
          });
        if (done) cancelled++;
      }
      if (ids.length < BATCH) break;
    }
    if (cancelled > 0) this.logger.log(`Cancelled ${cancelled} orders not paid in ${minutes} min`);
    return cancelled;
  }
}
