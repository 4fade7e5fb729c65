import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, In, QueryFailedError } from 'typeorm';
import type { AuthUser } from '../auth/auth-user';
import { DomainError } from '../common/errors/domain-error';
import { centsColumn, MAX_CENTS, toCents } from '../common/money';
import { appConfig, type AppConfig } from '../config/app.config';
import { CatalogProduct } from '../product-client/catalog-product';
import { ProductClient } from '../product-client/product-client.service';
import { IdempotencyService, requestHash } from '../idempotency/idempotency.service';
import { InventoryClient } from '../inventory-client/inventory-client.service';
import { UserClient } from '../user-client/user-client.service';
import { MetricsService } from '../metrics/metrics.service';
import { CreateOrderDto, MAX_QUANTITY } from './dto/create-order.dto';
import {
  markReplayed,
  OrderResponseDto,
  presentEvent,
  presentOrder,
} from './dto/order-response.dto';
import { OrderEvent, OrderEventType } from './order-event.entity';
import { generateOrderNumber } from './order-number';
import {
  allowedTransitions,
  OrderStatus,
  PAYMENT_TRANSITIONS,
  PaymentStatus,
  sourcesFor,
  STATUS_TIMESTAMP,
} from './order-status';
import { OrderItem } from './order-item.entity';
import { Order } from './order.entity';
import { PricedOrder, priceOrder, PricingRules } from './pricing';

export interface OrderChange {
  status?: OrderStatus;
  /** From If-Match: the change applies only to this version. */
  expectedVersion?: number;
  /** PUT is idempotent: setting the current status again is not a transition. */
  allowSameStatus?: boolean;
  payment_status?: PaymentStatus;
  tracking_number?: string;
  carrier?: string;
  internal_notes?: string;
  reason?: string;
}

export interface OrderPage {
  orders: OrderResponseDto[];
  total: number;
  page: number;
  limit: number;
  pages: number;
}

const ORDER_NUMBER_ATTEMPTS = 5;

function orderNotFound(): DomainError {
  return new DomainError('NOT_FOUND', 'Order not found.');
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const driverError = (
    error as QueryFailedError & { driverError?: { code?: string; constraint?: string } }
  ).driverError;
  return (
    error instanceof QueryFailedError &&
    driverError?.code === '23505' &&
    driverError.constraint === constraint
  );
}

@Injectable()
export class OrdersService {
  private readonly rules: PricingRules;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly products: ProductClient,
    private readonly idempotency: IdempotencyService,
    private readonly users: UserClient,
    private readonly inventory: InventoryClient,
    private readonly metrics: MetricsService,
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
  async create(user: AuthUser, dto: CreateOrderDto, key?: string): Promise<OrderResponseDto> {
    if (key === undefined) {
      const order = presentOrder(await this.placeOrder(user, dto), user);
      this.metrics.orderCreated();
      return order;
    }

    const claim = await this.idempotency.claim(user.userId, key, requestHash(dto));
    if (claim.kind === 'replay') return markReplayed(claim.body as OrderResponseDto);
    try {
      let response: OrderResponseDto | undefined;
      await this.placeOrder(user, dto, async (manager, order) => {
        response = presentOrder(order, user);
        await this.idempotency.complete(manager, user.userId, key, 201, response);
      });
      this.metrics.orderCreated();
      return response!;
    } catch (error) {
      // If even the release fails (the database is down), the claim goes stale and is retaken.
      await this.idempotency.release(user.userId, key).catch(() => undefined);
      throw error;
    }
  }

  private async placeOrder(
    user: AuthUser,
    dto: CreateOrderDto,
    beforeCommit?: (manager: EntityManager, order: Order) => Promise<void>,
  ): Promise<Order> {
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
    const priced = priceOrder(
      chosen.map(({ product, quantity }) => ({ unitPrice: product.priceCents, quantity })),
      this.rules,
    );
    if (priced.total > MAX_CENTS) {
      throw new DomainError('ORDER_TOO_LARGE', 'The order total exceeds 9,999,999,999.99.');
    }

    // The id is chosen here so that reservations can name the order before it is written.
    const orderId = randomUUID();
    const reservations = this.inventory.enabled
      ? await this.inventory.reserveAll(
          chosen.map(({ product, quantity }) => ({ productId: product.id, quantity })),
          orderId,
          user.token,
        )
      : new Map<string, string>();
    try {
      return await this.writeOrder(
        user,
        dto,
        orderId,
        customerName,
        chosen,
        priced,
        reservations,
        beforeCommit,
      );
    } catch (error) {
      // Released now rather than left to expire, so the stock is sellable again at once.
      await this.inventory.cancelAll([...reservations.values()], user.token);
      throw error;
    }
  }

  private async writeOrder(
    user: AuthUser,
    dto: CreateOrderDto,
    orderId: string,
    customerName: string,
    chosen: { product: CatalogProduct; quantity: number }[],
    priced: PricedOrder,
    reservations: Map<string, string>,
    beforeCommit?: (manager: EntityManager, order: Order) => Promise<void>,
  ): Promise<Order> {
    const order: Partial<Order> = {
      id: orderId,
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
      // Explicit nulls so the created order has the same shape as a fetched one.
      payment_intent_id: null,
      tracking_number: null,
      carrier: null,
      internal_notes: null,
      cancellation_reason: null,
      confirmed_at: null,
      shipped_at: null,
      delivered_at: null,
      cancelled_at: null,
    };
    const items = chosen.map(({ product, quantity }, position) => ({
      position,
      product_id: product.id,
      product_name: product.name,
      product_sku: product.sku,
      product_image: product.image,
      unit_price: product.priceCents,
      quantity,
      subtotal: priced.lines[position].subtotal,
      product_attributes: { brand: product.brand, category: product.category },
      reservation_id: reservations.get(product.id) ?? null,
    }));

    for (let attempt = 1; ; attempt++) {
      const data = { ...order, order_number: generateOrderNumber() };
      try {
        // One statement is one transaction: without a hook to run before the commit, the
        // order needs no BEGIN and COMMIT of its own.
        if (!beforeCommit)
          return await this.insertOrder(this.dataSource.manager, user, data, items);
        return await this.dataSource.transaction(async (manager) => {
          const created = await this.insertOrder(manager, user, data, items);
          await beforeCommit(manager, created);
          return created;
        });
      } catch (error) {
        // Six random characters make a same-day collision rare, not impossible.
        if (attempt < ORDER_NUMBER_ATTEMPTS && isUniqueViolation(error, 'uq_orders_order_number')) {
          continue;
        }
        throw error;
      }
    }
  }

  /**
   * The order, its items and its `created` event in one statement (one round trip), so there is
   * never an order without its items or its history. Values are written as TypeORM writes them.
   */
  private async insertOrder(
    manager: EntityManager,
    user: AuthUser,
    data: Partial<Order>,
    items: Partial<OrderItem>[],
  ): Promise<Order> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const money = (cents: number | undefined) => centsColumn.to(cents) as string;
    const orderId = param(data.id);
    const orderValues = [
      orderId,
      param(data.order_number),
      param(data.user_id),
      param(data.customer_email),
      param(data.customer_name),
      param(data.status),
      param(data.payment_status),
      param(money(data.subtotal)),
      param(money(data.tax)),
      param(money(data.shipping_cost)),
      param(money(data.discount)),
      param(money(data.total)),
      param(data.currency),
      param(JSON.stringify(data.shipping_address)),
      param(JSON.stringify(data.billing_address)),
      param(data.payment_method),
      param(data.customer_notes),
    ].join(', ');
    const itemValues = items
      .map((item) =>
        [
          orderId,
          param(item.position),
          param(item.product_id),
          param(item.product_name),
          param(item.product_sku),
          param(item.product_image),
          param(money(item.unit_price)),
          param(item.quantity),
          param(money(item.subtotal)),
          param(JSON.stringify(item.product_attributes)),
          param(item.reservation_id),
        ].join(', '),
      )
      .map((row) => `(${row})`)
      .join(', ');
    const sql = `
      WITH new_order AS (
        INSERT INTO orders (id, order_number, user_id, customer_email, customer_name, status,
          payment_status, subtotal, tax, shipping_cost, discount, total, currency,
          shipping_address, billing_address, payment_method, customer_notes)
        VALUES (${orderValues})
        RETURNING id, version, created_at, updated_at
      ), new_items AS (
        INSERT INTO order_items (order_id, position, product_id, product_name, product_sku,
          product_image, unit_price, quantity, subtotal, product_attributes, reservation_id)
        VALUES ${itemValues}
        RETURNING id, position, created_at
      ), new_event AS (
        INSERT INTO order_events (order_id, type, from_status, to_status, from_payment_status,
          to_payment_status, actor_id, actor_role)
        SELECT id, ${param(OrderEventType.CREATED)}, NULL, ${param(data.status)}, NULL,
          ${param(data.payment_status)}, ${param(user.userId)}, ${param(user.role)}
        FROM new_order
      )
      SELECT o.version, o.created_at, o.updated_at,
             i.id AS item_id, i.position AS item_position, i.created_at AS item_created_at
      FROM new_order o LEFT JOIN new_items i ON true
      ORDER BY i.position`;
    const rows: {
      version: number;
      created_at: Date;
      updated_at: Date;
      item_id: string;
      item_position: number;
      item_created_at: Date;
    }[] = await manager.query(sql, params);
    const order = manager.create(Order, data);
    Object.assign(order, {
      version: rows[0].version,
      created_at: rows[0].created_at,
      updated_at: rows[0].updated_at,
    });
    order.items = items.map((item, i) =>
      Object.assign(manager.create(OrderItem, { ...item, order_id: order.id }), {
        id: rows[i].item_id,
        created_at: rows[i].item_created_at,
      }),
    );
    return order;
  }

  async findOne(id: string, viewer: AuthUser): Promise<OrderResponseDto> {
    return presentOrder(await this.findBy({ id }, viewer), viewer);
  }

  async findByNumber(orderNumber: string, viewer: AuthUser): Promise<OrderResponseDto> {
    return presentOrder(await this.findBy({ order_number: orderNumber }, viewer), viewer);
  }

  /** The order's events, oldest first; internal notes stay with the admins. */
  async history(id: string, viewer: AuthUser) {
    const order = await this.findBy({ id }, viewer);
    const events = await this.dataSource.getRepository(OrderEvent).find({
      where: { order_id: id },
      order: { id: 'ASC' },
    });
    return {
      order_id: order.id,
      order_number: order.order_number,
      status: order.status,
      events: events
        .filter((e) => viewer.role === 'admin' || e.type !== OrderEventType.NOTE_ADDED)
        .map(presentEvent),
    };
  }

  /** A customer asking for someone else's order hears exactly what a missing order says. */
  private async findBy(
    where: { id: string } | { order_number: string },
    viewer: AuthUser,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Order> {
    // find, not findOne: findOne's LIMIT 1 over a join makes TypeORM first select the ids
    // (SELECT DISTINCT ... LIMIT 1) and then the rows, two round trips for one unique key.
    const [order] = await manager.find(Order, {
      where: { ...where, ...(viewer.role === 'admin' ? {} : { user_id: viewer.userId }) },
      relations: { items: true },
      order: { items: { position: 'ASC' } },
    });
    if (!order) throw orderNotFound();
    return order;
  }

  /**
   * Newest first. The page's ids are read from the (filter, created_at, id) index alone and only
   * those orders are fetched, so a deep page does not read every row it skips; the count runs
   * beside it, and the items of the whole page come in one more query.
   */
  async list(
    viewer: AuthUser,
    filter: { userId?: string; status?: OrderStatus },
    page: number,
    limit: number,
  ): Promise<OrderPage> {
    const where = {
      ...(filter.userId ? { user_id: filter.userId } : {}),
      ...(filter.status ? { status: filter.status } : {}),
    };
    const repository = this.dataSource.getRepository(Order);
    const [orders, total] = await Promise.all([
      repository
        .createQueryBuilder('o')
        .innerJoin(
          (ids) => {
            ids.select('p.id', 'id').from(Order, 'p');
            if (filter.userId) ids.andWhere('p.user_id = :userId', { userId: filter.userId });
            if (filter.status) ids.andWhere('p.status = :status', { status: filter.status });
            return ids
              .orderBy('p.created_at', 'DESC')
              .addOrderBy('p.id', 'DESC')
              .offset((page - 1) * limit)
              .limit(limit);
          },
          'page',
          'page.id = o.id',
        )
        .orderBy('o.created_at', 'DESC')
        .addOrderBy('o.id', 'DESC')
        .getMany(),
      repository.count({ where }),
    ]);
    // Joined to the page instead, the items would repeat every order column on each item's row,
    // and TypeORM's hydration of such rows costs more CPU than this second query.
    if (orders.length > 0) {
      const items = await this.dataSource.getRepository(OrderItem).find({
        where: { order_id: In(orders.map((o) => o.id)) },
        order: { position: 'ASC' },
      });
      const byOrder = new Map<string, OrderItem[]>();
      for (const order of orders) byOrder.set(order.id, (order.items = []));
      for (const item of items) byOrder.get(item.order_id)?.push(item);
    }
    return {
      orders: orders.map((o) => presentOrder(o, viewer)),
      total,
      page,
      limit,
      pages: Math.ceil(total / limit),
    };
  }

  cancel(
    id: string,
    actor: AuthUser,
    reason?: string,
    expectedVersion?: number,
  ): Promise<OrderResponseDto> {
    return this.change(id, actor, { status: OrderStatus.CANCELLED, reason, expectedVersion });
  }

  /**
   * Applies a change as one compare-and-set statement: the row is locked, the allowed source
   * states are part of the WHERE clause, and a change that lost a race updates nothing.
   */
  async change(id: string, actor: AuthUser, change: OrderChange): Promise<OrderResponseDto> {
    const result = await this.applyChange(id, actor, change);
    if (result.transition) this.metrics.statusChanged(...result.transition);
    if (result.cancelledReservations.length > 0) {
      await this.inventory.cancelAll(result.cancelledReservations, actor.token);
    }
    return result.order;
  }

  private async applyChange(
    id: string,
    actor: AuthUser,
    change: OrderChange,
  ): Promise<{
    order: OrderResponseDto;
    cancelledReservations: string[];
    transition?: [OrderStatus, OrderStatus];
  }> {
    const { status, payment_status, tracking_number, carrier, internal_notes } = change;
    if (
      [status, payment_status, tracking_number, carrier, internal_notes].every(
        (v) => v === undefined,
      )
    ) {
      throw new DomainError('VALIDATION_FAILED', 'Nothing to change: send at least one field.');
    }
    return this.dataSource.transaction(async (manager) => {
      const params: unknown[] = [id];
      const param = (value: unknown) => `$${params.push(value)}`;
      const sets: string[] = ['version = o.version + 1', 'updated_at = now()'];
      const conditions: string[] = [];
      let owner = '';
      if (actor.role !== 'admin') owner = ` AND user_id = ${param(actor.userId)}`;

      if (change.status) {
        const to = param(change.status);
        sets.push(`status = ${to}`);
        const timestamp = STATUS_TIMESTAMP[change.status];
        if (timestamp) sets.push(`${timestamp} = COALESCE(o.${timestamp}, now())`);
        if (change.status === OrderStatus.CANCELLED && change.reason) {
          sets.push(`cancellation_reason = ${param(change.reason)}`);
        }
        if (change.status === OrderStatus.REFUNDED && !change.payment_status) {
          sets.push(
            `payment_status = CASE WHEN prev.payment_status = 'completed' THEN 'refunded'::payment_status ELSE prev.payment_status END`,
          );
        }
        const sources = sourcesFor(change.status, actor.role);
        const alternatives = sources.map(({ from, payment }) =>
          payment
            ? `(prev.status = ${param(from)} AND prev.payment_status = ${param(payment)})`
            : `prev.status = ${param(from)}`,
        );
        if (change.allowSameStatus) alternatives.push(`prev.status = ${to}`);
        conditions.push(alternatives.length ? `(${alternatives.join(' OR ')})` : 'false');
      }
      if (change.payment_status) {
        const to = param(change.payment_status);
        sets.push(`payment_status = ${to}`);
        const sources = (Object.keys(PAYMENT_TRANSITIONS) as PaymentStatus[]).filter((from) =>
          PAYMENT_TRANSITIONS[from].includes(change.payment_status!),
        );
        conditions.push(
          `(prev.payment_status = ANY(${param(sources)}) OR prev.payment_status = ${to})`,
        );
      }
      for (const field of ['tracking_number', 'carrier', 'internal_notes'] as const) {
        if (change[field] !== undefined) sets.push(`${field} = ${param(change[field])}`);
      }
      if (change.expectedVersion !== undefined) {
        conditions.push(`o.version = ${param(change.expectedVersion)}`);
      }

      const sql = `
        WITH prev AS (
          SELECT id, status, payment_status, tracking_number, carrier, internal_notes
          FROM orders WHERE id = $1${owner} FOR UPDATE)
        UPDATE orders o SET ${sets.join(', ')}
        FROM prev WHERE o.id = prev.id${conditions.map((c) => ` AND ${c}`).join('')}
        RETURNING to_jsonb(prev) AS before, to_jsonb(o) AS after`;
      const [rows]: [{ before: Snapshot; after: Snapshot }[], number] = await manager.query(
        sql,
        params,
      );
      if (rows.length === 0) {
        const current = await this.findBy({ id }, actor, manager);
        throw rejectedChange(current, change, actor);
      }
      const { before, after } = rows[0];
      const events = eventsFor(id, before, after, actor, change.reason);
      if (events.length > 0) await manager.insert(OrderEvent, manager.create(OrderEvent, events));
      const order = await this.findBy({ id }, actor, manager);
      const held = order.items.flatMap((item) =>
        item.reservation_id ? [item.reservation_id] : [],
      );
      const entered = before.status !== after.status ? after.status : undefined;
      // Confirmation sells the held stock; if a hold expired, the rollback leaves the order pending.
      if (entered === OrderStatus.CONFIRMED && held.length > 0) {
        await this.inventory.confirmAll(held, actor.token);
      }
      return {
        order: presentOrder(order, actor),
        transition: entered ? [before.status, entered] : undefined,
        // Released after commit: a cancelled order stays cancelled even if the release fails.
        // Only holds can be released; once confirmed, the Inventory Service offers no way back.
        cancelledReservations:
          entered === OrderStatus.CANCELLED && before.status === OrderStatus.PENDING ? held : [],
      };
    });
  }
}

type Snapshot = Pick<
  Order,
  'status' | 'payment_status' | 'tracking_number' | 'carrier' | 'internal_notes'
>;

/** One event per kind of change between two snapshots of the same order. */
function eventsFor(
  orderId: string,
  before: Snapshot,
  after: Snapshot,
  actor: AuthUser,
  reason?: string,
): Partial<OrderEvent>[] {
  // Each event carries the fields of its own kind; the others stay null.
  const base = {
    order_id: orderId,
    actor_id: actor.userId,
    actor_role: actor.role,
    from_status: null,
    to_status: null,
    from_payment_status: null,
    to_payment_status: null,
    reason: null,
    details: null,
  };
  const events: Partial<OrderEvent>[] = [];
  if (before.status !== after.status) {
    events.push({
      ...base,
      type: OrderEventType.STATUS_CHANGED,
      from_status: before.status,
      to_status: after.status,
      reason: reason ?? null,
    });
  }
  if (before.payment_status !== after.payment_status) {
    events.push({
      ...base,
      type: OrderEventType.PAYMENT_STATUS_CHANGED,
      from_payment_status: before.payment_status,
      to_payment_status: after.payment_status,
    });
  }
  if (before.tracking_number !== after.tracking_number || before.carrier !== after.carrier) {
    events.push({
      ...base,
      type: OrderEventType.TRACKING_UPDATED,
      details: { tracking_number: after.tracking_number, carrier: after.carrier },
    });
  }
  if (before.internal_notes !== after.internal_notes) {
    events.push({
      ...base,
      type: OrderEventType.NOTE_ADDED,
      details: { internal_notes: after.internal_notes },
    });
  }
  return events;
}

/** Explains why a compare-and-set matched nothing, from the order as it is now. */
function rejectedChange(current: Order, change: OrderChange, actor: AuthUser): DomainError {
  if (change.expectedVersion !== undefined && current.version !== change.expectedVersion) {
    return new DomainError(
      'PRECONDITION_FAILED',
      `The order is at version ${current.version}, not ${change.expectedVersion}; read it again.`,
      { extensions: { current_version: current.version, current_status: current.status } },
    );
  }
  const allowed = allowedTransitions(current.status, current.payment_status, actor.role);
  const statusOk =
    !change.status ||
    allowed.includes(change.status) ||
    (change.allowSameStatus && change.status === current.status);
  if (!statusOk) {
    return new DomainError(
      'INVALID_TRANSITION',
      `An order that is ${current.status} cannot become ${change.status}` +
        (allowed.length ? `; allowed: ${allowed.join(', ')}.` : '; it allows no further change.'),
      { extensions: { current_status: current.status, allowed_transitions: allowed } },
    );
  }
  const paymentAllowed = PAYMENT_TRANSITIONS[current.payment_status];
  return new DomainError(
    'INVALID_PAYMENT_TRANSITION',
    `Payment status ${current.payment_status} cannot become ${change.payment_status}.`,
    {
      extensions: {
        current_payment_status: current.payment_status,
        allowed_payment_transitions: paymentAllowed,
      },
    },
  );
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
