import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AuthUser } from '../auth/auth-user';
import { DomainError } from '../common/errors/domain-error';
import { MAX_CENTS, toCents } from '../common/money';
import { appConfig, type AppConfig } from '../config/app.config';
import { IdempotencyService, requestHash } from '../idempotency/idempotency.service';
import { InventoryClient } from '../inventory-client/inventory-client.service';
import { MetricsService } from '../metrics/metrics.service';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import { CatalogProduct } from '../product-client/catalog-product';
import { ProductClient } from '../product-client/product-client.service';
import { UserClient } from '../user-client/user-client.service';
import { CreateOrderDto, MAX_QUANTITY } from './dto/create-order.dto';
import { OrderResponseDto, OrderResult, presentOrder } from './dto/order-response.dto';
import { generateOrderNumber } from './order-number';
import { eventRow } from './order-outbox';
import { OrderStatus, PaymentStatus } from './order-process';
import type { Order } from './order.entity';
import { isUniqueViolation, OrdersRepository } from './orders.repository';
import { priceOrder, PricingRules } from './pricing';

const ORDER_NUMBER_ATTEMPTS = 5;

type Line = { product: CatalogProduct; quantity: number };

/** Turns a basket into a priced, stored order. */
@Injectable()
export class OrderPlacementService {
  private readonly rules: PricingRules;

  constructor(
    private readonly orders: OrdersRepository,
    private readonly products: ProductClient,
    private readonly idempotency: IdempotencyService,
    private readonly users: UserClient,
    private readonly inventory: InventoryClient,
    private readonly metrics: MetricsService,
    private readonly relay: OutboxRelay,
    @Inject(appConfig.KEY) config: AppConfig,
  ) {
    this.rules = {
      taxRate: config.TAX_RATE,
      shippingFee: toCents(config.SHIPPING_FEE)!,
      freeShippingThreshold: toCents(config.FREE_SHIPPING_THRESHOLD)!,
    };
  }

  /**
   * Creates the caller's order. With an Idempotency-Key, a repeat of a completed request gets the
   * first response again and creates nothing.
   */
  async create(user: AuthUser, dto: CreateOrderDto, key?: string): Promise<OrderResult> {
    if (key === undefined) return { order: await this.place(user, dto) };
    const claim = await this.idempotency.claim(user.userId, key, requestHash(dto));
    if (claim.kind === 'replay') return { order: claim.body as OrderResponseDto, replayed: true };
    try {
      return { order: await this.place(user, dto, key) };
    } catch (error) {
      // If even the release fails (the database is down), the claim goes stale and is retaken.
      await this.idempotency.release(user.userId, key).catch(() => undefined);
      throw error;
    }
  }

  private async place(user: AuthUser, dto: CreateOrderDto, key?: string) {
    const lines = mergeLines(dto.items);
    const [catalog, customerName] = await Promise.all([
      this.products.getProducts([...lines.keys()]),
      this.users.customerName(user),
    ]);
    // With an Inventory Service, stock is whatever it lets us reserve; else the catalog's count.
    const checkStock = !this.inventory.enabled;
    const chosen = [...lines].map(([id, quantity]) => ({
      product: checkAvailable(id, quantity, catalog.get(id) ?? null, checkStock),
      quantity,
    }));
    // The id is chosen here so that reservations can name the order before it is written.
    const order = this.build(user, dto, randomUUID(), customerName, chosen);
    const reservations = this.inventory.enabled
      ? await this.inventory.reserveAll(
          chosen.map(({ product, quantity }) => ({ productId: product.id, quantity })),
          order.id,
          user.token,
        )
      : new Map<string, string>();
    for (const item of order.items) {
      item.reservation_id = reservations.get(item.product_id) ?? null;
      item.stock_status = item.reservation_id ? 'held' : null;
    }
    try {
      const response = await this.write(order, user, key);
      this.metrics.orderCreated();
      return response;
    } catch (error) {
      // Nothing was written, so no outbox entry can carry this: release now rather than leave
      // the stock unsellable until the holds expire.
      await this.inventory.cancelAll([...reservations.values()], user.token);
      throw error;
    }
  }

  private build(
    user: AuthUser,
    dto: CreateOrderDto,
    id: string,
    customerName: string,
    chosen: Line[],
  ): Order {
    const priced = priceOrder(
      chosen.map(({ product, quantity }) => ({ unitPrice: product.priceCents, quantity })),
      this.rules,
    );
    if (priced.total > MAX_CENTS) {
      throw new DomainError('ORDER_TOO_LARGE', 'The order total exceeds 9,999,999,999.99.');
    }
    // One clock reading for every timestamp, so the response and the rows agree exactly.
    const now = new Date();
    return {
      id,
      order_number: '',
      user_id: user.userId,
      customer_email: user.email,
      customer_name: customerName,
      status: OrderStatus.PENDING,
      payment_status: PaymentStatus.PENDING,
      subtotal: priced.subtotal,
      tax: priced.tax,
      shipping_cost: priced.shippingCost,
      discount: priced.discount,
      total: priced.total,
      currency: 'USD',
      shipping_address: { ...dto.shipping_address },
      billing_address: { ...(dto.billing_address ?? dto.shipping_address) },
      payment_method: dto.payment_method ?? 'credit_card',
      customer_notes: dto.customer_notes?.trim() ? dto.customer_notes : null,
      payment_intent_id: null,
      amount_captured: null,
      tracking_number: null,
      carrier: null,
      internal_notes: null,
      cancellation_reason: null,
      held_from: null,
      flags: [],
      event_sequence: 1,
      version: 1,
      created_at: now,
      updated_at: now,
      confirmed_at: null,
      shipped_at: null,
      delivered_at: null,
      cancelled_at: null,
      items: chosen.map(({ product, quantity }, position) => ({
        id: randomUUID(),
        order_id: id,
        position,
        product_id: product.id,
        product_name: product.name,
        product_sku: product.sku,
        product_image: product.image,
        unit_price: product.priceCents,
        quantity,
        subtotal: priced.lines[position].subtotal,
        product_attributes: { brand: product.brand, category: product.category },
        reservation_id: null,
        stock_status: null,
        created_at: now,
      })),
    };
  }

  /** Stores the order with its `order.created` event (and the idempotent response). */
  private async write(order: Order, user: AuthUser, key?: string): Promise<OrderResponseDto> {
    const actor = { id: user.userId, role: user.role };
    for (let attempt = 1; ; attempt++) {
      order.order_number = generateOrderNumber(order.created_at);
      const response = presentOrder(order, user.role);
      const created = eventRow(order, 'order.created', 1, {}, actor, order.created_at);
      const replay = key === undefined ? undefined : { userId: user.userId, key, body: response };
      try {
        await this.orders.insert(order, actor, [created], replay);
        this.relay.nudge();
        return response;
      } catch (error) {
        // Six random characters make a same-day collision rare, not impossible.
        if (attempt < ORDER_NUMBER_ATTEMPTS && isUniqueViolation(error, 'uq_orders_order_number')) {
          continue;
        }
        throw error;
      }
    }
  }
}

/** The same product listed twice becomes one line, in the order it first appeared. */
function mergeLines(items: CreateOrderDto['items']): Map<string, number> {
  const lines = new Map<string, number>();
  for (const { product_id, quantity } of items) {
    const id = product_id.toLowerCase();
    lines.set(id, (lines.get(id) ?? 0) + quantity);
  }
  for (const [id, quantity] of lines) {
    if (quantity > MAX_QUANTITY) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `The quantities for product ${id} add up to ${quantity}; at most ${MAX_QUANTITY} per product.`,
        { errors: [{ field: 'items', detail: `product ${id}: quantity exceeds ${MAX_QUANTITY}` }] },
      );
    }
  }
  return lines;
}

function checkAvailable(
  id: string,
  quantity: number,
  product: CatalogProduct | null,
  checkStock: boolean,
): CatalogProduct {
  if (!product) {
    throw new DomainError('PRODUCT_NOT_FOUND', `Product ${id} does not exist.`, {
      extensions: { product_id: id },
    });
  }
  if (!product.isActive) {
    throw new DomainError(
      'PRODUCT_UNAVAILABLE',
      `Product ${id} (${product.name}) is not for sale.`,
      {
        extensions: { product_id: id },
      },
    );
  }
  if (checkStock && product.stock < quantity) {
    throw new DomainError(
      'INSUFFICIENT_STOCK',
      `Only ${product.stock} of product ${id} (${product.name}) in stock; ${quantity} requested.`,
      { extensions: { product_id: id, requested: quantity, available: product.stock } },
    );
  }
  return product;
}
