import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { DEMO_PRODUCTS } from '../../src/product-client/demo-catalog';
import { FakeHttpService, json, type FakeReply, type FakeRequest } from './product-service';

export type ReservationStatus = 'ACTIVE' | 'CONFIRMED' | 'CANCELLED' | 'EXPIRED';

export interface FakeReservation {
  reservationId: string;
  productId: string;
  quantity: number;
  orderId: string;
  status: ReservationStatus;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
  /** The `userId` claim of the token that reserved it. */
  userId?: string;
}

const DEFAULT_EXPIRATION_MINUTES = 15;

/**
 * The Inventory Service's availability check and reservation lifecycle. Available stock is
 * `stock - (quantities of ACTIVE reservations)`; confirming turns a reservation into a sale, so
 * it also takes its quantity off `stock`.
 */
export interface InventoryServiceOptions {
  stock?: Map<string, number> | Record<string, number>;
}

export class FakeInventoryService extends FakeHttpService {
  /** On-hand quantity by productId; a product without an entry has none. */
  stock: Map<string, number>;
  reservations = new Map<string, FakeReservation>();

  private constructor(stock: Map<string, number>) {
    super();
    this.stock = stock;
  }

  /**
   * The fake, not listening yet: `up()` starts it (see FakeHttpService.start). Stock defaults to
   * the demo catalog's, so it agrees with a default FakeProductService.
   */
  static create(options: InventoryServiceOptions = {}): FakeInventoryService {
    const stock =
      options.stock === undefined
        ? new Map(DEMO_PRODUCTS.map((p) => [p._id, p.stock]))
        : new Map(options.stock instanceof Map ? options.stock : Object.entries(options.stock));
    return new FakeInventoryService(stock);
  }

  setStock(productId: string, quantity: number): void {
    this.stock.set(productId, quantity);
  }

  reservedQuantity(productId: string): number {
    let reserved = 0;
    for (const r of this.reservations.values()) {
      if (r.productId === productId && this.isActive(r)) reserved += r.quantity;
    }
    return reserved;
  }

  availableQuantity(productId: string): number {
    return Math.max(0, (this.stock.get(productId) ?? 0) - this.reservedQuantity(productId));
  }

  /** Makes a reservation lapse now, as if its 15 minutes had passed. */
  expire(reservationId: string): FakeReservation {
    const reservation = this.reservations.get(reservationId);
    if (!reservation) throw new Error(`unknown reservation ${reservationId}`);
    reservation.status = 'EXPIRED';
    reservation.updatedAt = new Date().toISOString();
    return reservation;
  }

  protected route(req: FakeRequest): FakeReply {
    const [api, inventory, kind, id, action, ...rest] = req.segments;
    if (req.method !== 'POST' || api !== 'api' || inventory !== 'inventory' || rest.length > 0) {
      return notFoundRoute;
    }
    if (kind === 'check-availability' && id === undefined) return this.check(req.body);
    if (id === undefined) return notFoundRoute;
    if (kind === 'product' && action === 'reserve') {
      return this.authorised(req, (userId) => this.reserve(id, req.body, userId));
    }
    if (kind === 'reservation' && (action === 'confirm' || action === 'cancel')) {
      return this.authorised(req, () => this.settle(id, action));
    }
    return notFoundRoute;
  }

  private check(body: unknown): FakeReply {
    const items = (body as { items?: unknown } | undefined)?.items;
    if (!Array.isArray(items) || items.length === 0) {
      return json(400, { message: 'Items array is required' });
    }
    const availability = (items as { productId?: unknown; quantity?: unknown }[]).map((item) => {
      const productId = String(item.productId);
      const requestedQuantity = Number(item.quantity);
      const availableQuantity = this.availableQuantity(productId);
      return {
        productId,
        available: availableQuantity >= requestedQuantity,
        availableQuantity,
        requestedQuantity,
      };
    });
    return json(200, { availability });
  }

  private reserve(productId: string, body: unknown, userId: string | undefined): FakeReply {
    const { quantity, orderId, expirationMinutes } = (body ?? {}) as Record<string, unknown>;
    if (
      typeof quantity !== 'number' ||
      !Number.isInteger(quantity) ||
      quantity < 1 ||
      typeof orderId !== 'string' ||
      orderId === ''
    ) {
      return json(400, { message: 'Valid quantity and orderId are required' });
    }
    if (this.availableQuantity(productId) < quantity) {
      return json(400, { message: 'Insufficient stock available' });
    }
    const minutes =
      typeof expirationMinutes === 'number' && expirationMinutes > 0
        ? expirationMinutes
        : DEFAULT_EXPIRATION_MINUTES;
    const now = new Date();
    const reservation: FakeReservation = {
      reservationId: `res_${randomBytes(8).toString('hex')}`,
      productId,
      quantity,
      orderId,
      status: 'ACTIVE',
      expiresAt: new Date(now.getTime() + minutes * 60_000).toISOString(),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      ...(userId === undefined ? {} : { userId }),
    };
    this.reservations.set(reservation.reservationId, reservation);
    return json(201, {
      message: 'Stock reserved successfully',
      reservation: {
        reservationId: reservation.reservationId,
        productId,
        quantity,
        orderId,
        status: reservation.status,
        expiresAt: reservation.expiresAt,
      },
    });
  }

  private settle(reservationId: string, action: 'confirm' | 'cancel'): FakeReply {
    const reservation = this.reservations.get(reservationId);
    if (!reservation) return json(404, { message: 'Reservation not found' });
    if (!this.isActive(reservation)) return json(400, { message: 'Reservation is not active' });
    if (action === 'confirm') {
      const onHand = this.stock.get(reservation.productId) ?? 0;
      this.stock.set(reservation.productId, onHand - reservation.quantity);
    }
    reservation.status = action === 'confirm' ? 'CONFIRMED' : 'CANCELLED';
    reservation.updatedAt = new Date().toISOString();
    return json(200, {
      message:
        action === 'confirm'
          ? 'Reservation confirmed successfully'
          : 'Reservation cancelled successfully',
      reservation,
    });
  }

  /** An ACTIVE reservation past its expiresAt lapses when next looked at, like the real TTL. */
  private isActive(reservation: FakeReservation): boolean {
    if (reservation.status === 'ACTIVE' && Date.parse(reservation.expiresAt) <= Date.now()) {
      reservation.status = 'EXPIRED';
      reservation.updatedAt = new Date().toISOString();
    }
    return reservation.status === 'ACTIVE';
  }

  private authorised(req: FakeRequest, next: (userId: string | undefined) => FakeReply): FakeReply {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (!match) return json(401, { message: 'Access denied. No token provided.' });
    const claims = jwt.decode(match[1], { json: true });
    if (!claims) return json(401, { message: 'Invalid token' });
    return next(typeof claims.userId === 'string' ? claims.userId : undefined);
  }
}

const notFoundRoute = json(404, { message: 'Route not found' });
