import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { signOwnerToken } from '../auth/service-token';
import { DomainError } from '../common/errors/domain-error';
import { appConfig, type AppConfig } from '../config/app.config';
import { InventoryClient, neverSent } from '../inventory-client/inventory-client.service';
import type { ClaimedEntry } from '../outbox/outbox.repository';
import { OutboxHandler, OutboxRelay } from '../outbox/outbox-relay.service';
import { OrderChangesService } from './order-changes.service';
import { OrderStatus, StockEffect } from './order-process';
import type { Order } from './order.entity';
import { OrdersRepository, StockLine } from './orders.repository';
import { STOCK_TOPIC } from '../outbox/outbox-topics';

/**
 * Brings the Inventory Service in line with an order after the change that asked for it has
 * committed. Each line's state is kept beside it, so a retry does only what is still owed.
 */
@Injectable()
export class StockRelayHandler implements OutboxHandler, OnModuleInit {
  private readonly logger = new Logger('StockRelay');

  constructor(
    private readonly relay: OutboxRelay,
    private readonly inventory: InventoryClient,
    private readonly orders: OrdersRepository,
    private readonly changes: OrderChangesService,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  get enabled(): boolean {
    return this.inventory.enabled;
  }

  onModuleInit(): void {
    // A line can take a confirmation, a new hold and its confirmation: three calls at most.
    const lease = Math.ceil((4 * this.config.INVENTORY_SERVICE_TIMEOUT_MS) / 1000) + 5;
    this.relay.register(STOCK_TOPIC, this, lease);
  }

  async handle(entry: ClaimedEntry): Promise<void> {
    const order = await this.orders.findById(entry.order_id, null);
    if (!order) return;
    const token =
      (entry.payload.token as string | undefined) ??
      signOwnerToken(this.config, {
        userId: order.user_id,
        email: order.customer_email,
      });
    const lines = await this.orders.stockLines(order.id);
    if ((entry.kind as StockEffect) === 'confirm_stock') await this.confirm(order, lines, token);
    else await this.release(lines, token);
  }

  private async confirm(order: Order, lines: StockLine[], token: string): Promise<void> {
    // Cancelled before this ran: the release that follows frees the holds instead.
    if (order.status === OrderStatus.CANCELLED) return;
    const owed = lines.filter(
      (l) => l.reservation_id && (l.stock_status === 'held' || l.stock_status === 'confirming'),
    );
    const results = await Promise.allSettled(
      owed.map((line) => this.confirmLine(order, line, token)),
    );
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
    const lacking = owed.filter(
      (_, i) => (results[i] as PromiseFulfilledResult<boolean>).value === false,
    );
    if (lacking.length > 0) {
      await this.changes.flagStockShortage(
        order.id,
        lacking.map((l) => l.item_id),
      );
    }
  }

  /** True once the line's stock is sold to this order; false when none could be had. */
  private async confirmLine(order: Order, line: StockLine, token: string): Promise<boolean> {
    const wasConfirming = line.stock_status === 'confirming';
    if (!wasConfirming) await this.orders.setStockStatus(line.item_id, 'confirming');
    const result = await this.inventory
      .confirm(line.reservation_id!, token)
      .catch(async (error) => {
        // Known not to have arrived: the hold is simply still held (a cancellation may free it).
        if (!wasConfirming && neverSent(error)) {
          await this.orders.setStockStatus(line.item_id, 'held');
        }
        throw error;
      });
    if (result === 'confirmed' || wasConfirming) {
      // A hold no longer active after a confirmation whose answer was lost was most likely
      // confirmed by it: taking stock again would sell it twice.
      if (result !== 'confirmed') {
        this.logger.warn(`Hold ${line.reservation_id} was already settled; taken as confirmed`);
      }
      await this.orders.setStockStatus(line.item_id, 'confirmed');
      return true;
    }
    // The hold lapsed before it was confirmed: take the stock again if there is any.
    let reservationId: string;
    try {
      reservationId = await this.inventory.reserve(
        { productId: line.product_id, quantity: line.quantity },
        order.id,
        token,
      );
    } catch (error) {
      if (error instanceof DomainError && error.code === 'INSUFFICIENT_STOCK') {
        await this.orders.setStockStatus(line.item_id, 'lacking');
        return false;
      }
      throw error;
    }
    // Recorded before it is confirmed, so that a retry confirms this hold instead of taking
    // another one.
    await this.orders.replaceReservation(line.item_id, reservationId);
    if ((await this.inventory.confirm(reservationId, token)) !== 'confirmed') {
      throw new Error(`The new hold ${reservationId} could not be confirmed`);
    }
    await this.orders.setStockStatus(line.item_id, 'confirmed');
    return true;
  }

  /** Frees holds not yet sold; confirmed stock cannot be taken back through this API. */
  private async release(lines: StockLine[], token: string): Promise<void> {
    const held = lines.filter((l) => l.reservation_id && l.stock_status === 'held');
    const results = await Promise.allSettled(
      held.map(async (line) => {
        await this.inventory.release(line.reservation_id!, token);
        await this.orders.setStockStatus(line.item_id, 'released');
      }),
    );
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
  }
}
