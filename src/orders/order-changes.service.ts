import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuthUser } from '../auth/auth-user';
import { DomainError } from '../common/errors/domain-error';
import { MetricsService } from '../metrics/metrics.service';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import { OrderResult, presentOrder } from './dto/order-response.dto';
import {
  ChangeRefusal,
  ChangeRequest,
  ChangePlan,
  HistoryEntry,
  isRefusal,
  planChange,
} from './order-change-plan';
import { eventRowsFor, stockRow } from './order-outbox';
import { OrderStatus, PAYMENT_TRANSITIONS } from './order-process';
import { orderNotFound, ownerScope } from './order-queries.service';
import type { Order } from './order.entity';
import { Actor, OrdersRepository, OutboxRow } from './orders.repository';

/** A lost compare-and-set is retried on a fresh read this often before giving up. */
const CHANGE_ATTEMPTS = 5;

/** The service itself, acting from a job or on a neighbour's word. */
export const SYSTEM: Actor = { id: 'system', role: 'system' };

/** If-Match: the versions the client accepts; an empty list (weak tags only) matches none. */
export type ExpectedVersions = readonly number[] | undefined;

/** Changes orders through the order process, one compare-and-set at a time. */
@Injectable()
export class OrderChangesService {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly metrics: MetricsService,
    private readonly relay: OutboxRelay,
  ) {}

  cancel(id: string, actor: AuthUser, reason?: string, expected?: ExpectedVersions) {
    return this.change(id, actor, { status: OrderStatus.CANCELLED, reason }, expected);
  }

  /**
   * Applies a change to the order as it is now. Reading, deciding and writing are separate
   * steps, and the write only succeeds on the version that was read: no row lock is held while
   * the process decides, and a change that lost a race decides again on the new state.
   */
  async change(
    id: string,
    actor: AuthUser,
    request: ChangeRequest,
    expected?: ExpectedVersions,
  ): Promise<OrderResult> {
    const { status, payment_status, tracking_number, carrier, internal_notes } = request;
    if (
      [status, payment_status, tracking_number, carrier, internal_notes].every(
        (v) => v === undefined,
      )
    ) {
      throw new DomainError('VALIDATION_FAILED', 'Nothing to change: send at least one field.');
    }
    const who = { id: actor.userId, role: actor.role };
    for (let attempt = 1; attempt <= CHANGE_ATTEMPTS; attempt++) {
      const order = await this.orders.findById(id, ownerScope(actor));
      if (!order) throw orderNotFound();
      if (expected !== undefined && !expected.includes(order.version)) {
        throw preconditionFailed(order, expected);
      }
      const now = new Date();
      const plan = planChange(order, request, actor.role, now);
      if (isRefusal(plan)) throw refusalError(plan, order, actor);
      // A change to the values the order already has changes nothing: same version, no event.
      if (plan.history.length === 0) return { order: presentOrder(order, actor.role) };
      const stock = plan.stock ? [stockRow(plan.stock, actor.token)] : [];
      const next = await this.commit(order, plan.next, plan.history, who, now, stock);
      if (next) {
        if (plan.transition) this.metrics.statusChanged(...plan.transition);
        return { order: presentOrder(next, actor.role) };
      }
    }
    throw new DomainError('CONFLICT', 'The order kept changing while this change was applied.');
  }

  /**
   * A change the service makes on its own (a job), made only while `wanted` holds for the order
   * as it is read on every attempt: a change that lost a race to another (a payment arriving)
   * decides again on the new state instead of overwriting it. The changed order, or undefined
   * when it was not wanted (any more) or the process refuses it.
   */
  async changeAsSystem(
    id: string,
    request: ChangeRequest,
    wanted: (order: Order) => boolean,
  ): Promise<Order | undefined> {
    for (let attempt = 1; attempt <= CHANGE_ATTEMPTS; attempt++) {
      const order = await this.orders.findById(id, null);
      if (!order || !wanted(order)) return undefined;
      const now = new Date();
      const plan = planChange(order, request, 'system', now);
      if (isRefusal(plan) || plan.history.length === 0) return undefined;
      const next = await this.commitPlan(order, plan, now);
      if (next) return next;
    }
    throw new Error(`Order ${id} kept changing while the service changed it`);
  }

  /**
   * Writes a planned change by the service itself (stock effects signed for the owner by the
   * relay). With `manager`, inside that transaction: the caller nudges the relay after commit.
   */
  async commitPlan(
    order: Order,
    plan: ChangePlan,
    now: Date,
    extra: { fields?: Partial<Order>; history?: HistoryEntry[]; effects?: OutboxRow[] } = {},
    manager?: EntityManager,
  ): Promise<Order | undefined> {
    const stock = plan.stock ? [stockRow(plan.stock)] : [];
    const next = await this.commit(
      order,
      { ...plan.next, ...extra.fields },
      [...plan.history, ...(extra.history ?? [])],
      SYSTEM,
      now,
      [...stock, ...(extra.effects ?? [])],
      manager,
    );
    if (next && plan.transition) this.metrics.statusChanged(...plan.transition);
    return next;
  }

  /**
   * Marks lines whose stock could not be had: the order shows the flag, its history says which
   * lines, and an `order.stock_flagged` event goes out.
   */
  async flagStockShortage(orderId: string, itemIds: string[]): Promise<void> {
    for (let attempt = 1; attempt <= CHANGE_ATTEMPTS; attempt++) {
      const order = await this.orders.findById(orderId, null);
      if (!order) return;
      const flags = [
        ...order.flags.filter((f) => f.code !== 'stock_shortage'),
        { code: 'stock_shortage' as const, item_ids: itemIds },
      ];
      const history: HistoryEntry[] = [{ type: 'stock_flagged', details: { item_ids: itemIds } }];
      if (await this.commit(order, { flags }, history, SYSTEM, new Date(), [])) return;
    }
    throw new Error(`Order ${orderId} kept changing while its stock shortage was flagged`);
  }

  /**
   * The next order, or undefined when another change got there first. Its events are numbered
   * after the order's last one and written with it.
   */
  async commit(
    order: Order,
    fields: Partial<Order>,
    history: HistoryEntry[],
    actor: Actor,
    now: Date,
    effects: OutboxRow[],
    manager?: EntityManager,
  ): Promise<Order | undefined> {
    const next: Order = { ...order, ...fields, version: order.version + 1, updated_at: now };
    const events = eventRowsFor(next, history, order.event_sequence, actor, now);
    next.event_sequence = order.event_sequence + events.length;
    const written = await this.orders.update(
      next,
      order.version,
      history,
      [...events, ...effects],
      actor,
      events.length,
      manager,
    );
    if (!written) return undefined;
    // Inside a transaction the rows are not visible yet: the caller nudges after commit.
    if (!manager) this.relay.nudge();
    return next;
  }
}

function preconditionFailed(order: Order, expected: readonly number[]): DomainError {
  const named = expected.length
    ? `version ${expected.join(' or ')}`
    : 'only weak tags, which never match';
  return new DomainError(
    'PRECONDITION_FAILED',
    `The order is at version ${order.version}, but If-Match named ${named}; read it again.`,
    { extensions: { current_version: order.version, current_status: order.status } },
  );
}

function refusalError(refusal: ChangeRefusal, order: Order, actor: AuthUser): DomainError {
  switch (refusal.code) {
    case 'REASON_REQUIRED':
      return new DomainError('VALIDATION_FAILED', refusal.detail, {
        errors: [{ field: 'reason', detail: 'reason is required for this status' }],
      });
    case 'INVALID_TRANSITION':
      return new DomainError('INVALID_TRANSITION', refusal.detail, {
        extensions: {
          current_status: order.status,
          allowed_transitions: presentOrder(order, actor.role).allowed_transitions,
        },
      });
    case 'INVALID_PAYMENT_TRANSITION':
      return new DomainError('INVALID_PAYMENT_TRANSITION', refusal.detail, {
        extensions: {
          current_payment_status: order.payment_status,
          allowed_payment_transitions: PAYMENT_TRANSITIONS[order.payment_status],
        },
      });
  }
}
