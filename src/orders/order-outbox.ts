import { randomUUID } from 'node:crypto';
import { presentOrder } from './dto/order-response.dto';
import type { HistoryEntry } from './order-change-plan';
import type { StockEffect } from './order-process';
import type { Order } from './order.entity';
import { EVENT_TOPIC, STOCK_TOPIC } from '../outbox/outbox-topics';
import type { Actor, OutboxRow } from './orders.repository';

export type OrderEventType =
  | 'order.created'
  | 'order.status_changed'
  | 'order.payment_status_changed'
  | 'order.tracking_updated'
  | 'order.stock_flagged'
  | 'order.payment_flagged'
  | 'order.refund_requested'
  | 'order.refund_succeeded'
  | 'order.refund_failed';

/** The fields of an event's `change`, by history entry; internal notes are not published. */
function changeOf(entry: HistoryEntry): [OrderEventType, Record<string, unknown>] | undefined {
  switch (entry.type) {
    case 'status_changed':
      return [
        'order.status_changed',
        { from: entry.from_status, to: entry.to_status, reason: entry.reason },
      ];
    case 'payment_status_changed':
      return [
        'order.payment_status_changed',
        { from: entry.from_payment_status, to: entry.to_payment_status },
      ];
    case 'tracking_updated':
      return ['order.tracking_updated', { ...entry.details }];
    case 'stock_flagged':
      return ['order.stock_flagged', { ...entry.details }];
    case 'payment_flagged':
      return ['order.payment_flagged', { ...entry.details }];
    case 'refund_requested':
    case 'refund_succeeded':
    case 'refund_failed':
      return [`order.${entry.type}`, { refund: entry.details }];
    // Nothing changed that a consumer could act on.
    case 'payment_event_ignored':
    case 'note_added':
      return undefined;
  }
}

/**
 * One outbox row per event. `order` is the order after the change as an admin reads it, without
 * the internal notes; `sequence` numbers the order's events from 1 without gaps, so that a
 * consumer can tell a repeat or a gap from a new event.
 */
export function eventRow(
  order: Order,
  type: OrderEventType,
  sequence: number,
  change: Record<string, unknown>,
  actor: Actor,
  time: Date,
): OutboxRow {
  const published = presentOrder(order, 'admin');
  delete published.internal_notes;
  return {
    topic: EVENT_TOPIC,
    kind: type,
    payload: {
      id: randomUUID(),
      type,
      sequence,
      time: time.toISOString(),
      data: { order: published, change: { ...change, actor_id: actor.id, actor_role: actor.role } },
    },
  };
}

/** The events of a change, numbered after the order's last one. */
export function eventRowsFor(
  next: Order,
  history: HistoryEntry[],
  lastSequence: number,
  actor: Actor,
  time: Date,
): OutboxRow[] {
  const changes = history
    .map(changeOf)
    .filter((c): c is [OrderEventType, Record<string, unknown>] => c !== undefined);
  return changes.map(([type, change], i) =>
    eventRow(next, type, lastSequence + i + 1, change, actor, time),
  );
}

/**
 * A stock effect. A person's own token is kept for the call so the Inventory Service sees who
 * acted, as it did when the call was made during the request; it is dropped once the effect is
 * done. Without one (the service acting), the relay signs a short-lived token for the owner.
 */
export function stockRow(effect: StockEffect, token?: string): OutboxRow {
  return { topic: STOCK_TOPIC, kind: effect, payload: token ? { token } : {} };
}
