import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import {
  NeighbourCallError,
  NeighbourHttp,
  type NeighbourResponse,
} from '../common/neighbour-http';
import { appConfig, type AppConfig } from '../config/app.config';

export interface ReservationRequest {
  productId: string;
  quantity: number;
}

/** True for a failed call that certainly never reached the Inventory Service. */
export function neverSent(error: unknown): boolean {
  return (error as { neverSent?: boolean }).neverSent === true;
}

function unavailable(detail: string): DomainError {
  return new DomainError('INVENTORY_SERVICE_UNAVAILABLE', detail);
}

/**
 * Stock reservations at the Inventory Service, made with the caller's own token. A reservation
 * that is never confirmed expires there by itself, which is what makes a crash between
 * reserving and committing harmless.
 */
@Injectable()
export class InventoryClient {
  private readonly logger = new Logger('InventoryClient');

  constructor(
    private readonly http: NeighbourHttp,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  get enabled(): boolean {
    return !!this.config.INVENTORY_SERVICE_URL;
  }

  private async post(path: string, token: string, body?: unknown): Promise<NeighbourResponse> {
    try {
      return await this.http.post(path, body ?? {}, {
        headers: { authorization: `Bearer ${token}` },
      });
    } catch (error) {
      this.logger.warn(`Inventory Service call ${path} failed: ${(error as Error).message}`);
      const neverSent = error instanceof NeighbourCallError && error.neverSent;
      throw Object.assign(unavailable('The Inventory Service could not be reached.'), {
        neverSent,
      });
    }
  }

  /** Reserves every line at once; if one cannot be had, the others are released again. */
  async reserveAll(
    lines: readonly ReservationRequest[],
    orderId: string,
    token: string,
  ): Promise<Map<string, string>> {
    const results = await Promise.allSettled(
      lines.map((line) => this.reserve(line, orderId, token)),
    );
    const made = new Map<string, string>();
    results.forEach((r, i) => r.status === 'fulfilled' && made.set(lines[i].productId, r.value));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length === 0) return made;
    await this.cancelAll([...made.values()], token);
    // Out of stock says more to the customer than a neighbour's hiccup on another line.
    throw (
      failures.find((f) => f instanceof DomainError && f.code === 'INSUFFICIENT_STOCK') ??
      failures[0]
    );
  }

  async reserve(line: ReservationRequest, orderId: string, token: string): Promise<string> {
    const res = await this.post(`/api/inventory/product/${line.productId}/reserve`, token, {
      quantity: line.quantity,
      orderId,
      expirationMinutes: this.config.RESERVATION_MINUTES,
    });
    if (res.status === 400) {
      throw new DomainError(
        'INSUFFICIENT_STOCK',
        `Product ${line.productId} cannot be reserved: not enough stock for ${line.quantity}.`,
        { extensions: { product_id: line.productId, requested: line.quantity } },
      );
    }
    if (res.status !== 201 && res.status !== 200) {
      throw unavailable(`The Inventory Service answered ${res.status} to a reservation.`);
    }
    const id = (res.data as { reservation?: { reservationId?: unknown } } | null)?.reservation
      ?.reservationId;
    if (typeof id !== 'string' || id === '' || id.length > 100) {
      throw new DomainError(
        'INVENTORY_SERVICE_BAD_RESPONSE',
        `The Inventory Service's reservation for product ${line.productId} has no id.`,
      );
    }
    return id;
  }

  /**
   * Turns a hold into a sale. `not_active` means the service no longer holds it as ACTIVE: it
   * expired, was cancelled, or was already confirmed (the contract offers no way to tell).
   */
  async confirm(reservationId: string, token: string): Promise<'confirmed' | 'not_active'> {
    return this.settle(reservationId, 'confirm', token);
  }

  /** Frees a hold; `not_active` holds have nothing left to free. */
  async release(reservationId: string, token: string): Promise<'released' | 'not_active'> {
    const result = await this.settle(reservationId, 'cancel', token);
    return result === 'not_active' ? result : 'released';
  }

  private async settle(
    id: string,
    action: 'confirm' | 'cancel',
    token: string,
  ): Promise<'confirmed' | 'not_active'> {
    const res = await this.post(
      `/api/inventory/reservation/${encodeURIComponent(id)}/${action}`,
      token,
    );
    if (res.status === 400 || res.status === 404) return 'not_active';
    if (res.status !== 200) {
      throw unavailable(`The Inventory Service answered ${res.status} to a ${action}.`);
    }
    return 'confirmed';
  }

  /** Best effort, for holds of an order that was never written: they expire by themselves. */
  async cancelAll(reservationIds: readonly string[], token: string): Promise<void> {
    await Promise.all(
      reservationIds.map(async (id) => {
        try {
          const res = await this.post(
            `/api/inventory/reservation/${encodeURIComponent(id)}/cancel`,
            token,
          );
          if (res.status !== 200) {
            this.logger.warn(`Reservation ${id} not cancelled (HTTP ${res.status})`);
          }
        } catch (error) {
          this.logger.warn(`Reservation ${id} not cancelled: ${(error as Error).message}`);
        }
      }),
    );
  }
}
