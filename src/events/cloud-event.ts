/**
 * Order events as the outbox holds them, and the CloudEvents 1.0 envelope they are published in
 * (structured JSON mode). Pure: no Nest, no broker, so the outbox writer, the relay and the tests
 * all build exactly the same bytes.
 */

export const EVENT_SOURCE = 'order-service';
export const SUBJECT_PREFIX = 'orders';

export type OrderEventType =
  | 'order.created'
  | 'order.status_changed'
  | 'order.payment_status_changed'
  | 'order.tracking_updated'
  // Later kinds (refunds, stock flags) need no change here: the subject is derived from the type.
  | (string & {});

/** One event as written to the outbox, in the transaction of the change it describes. */
export interface OrderEvent {
  /** A UUID: the CloudEvent's id and the `Nats-Msg-Id` header, so redeliveries dedupe. */
  id: string;
  type: OrderEventType;
  orderId: string;
  /** Per order: 1 for order.created, +1 for each later event, without gaps. */
  sequence: number;
  /** ISO 8601, when the change was committed. */
  time: string;
  data: OrderEventData;
}

export interface OrderEventData {
  /** The order as an admin's GET shows it, without internal_notes. */
  order: unknown;
  /** The kind-specific fields, plus the actor's id and role. */
  change: unknown;
}

/** The CloudEvents 1.0 structured-mode JSON envelope, with the `sequence` extension attribute. */
export interface OrderCloudEvent {
  specversion: '1.0';
  id: string;
  source: typeof EVENT_SOURCE;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  sequence: number;
  data: OrderEventData;
}

export function toCloudEvent(event: OrderEvent): OrderCloudEvent {
  return {
    specversion: '1.0',
    id: event.id,
    source: EVENT_SOURCE,
    type: event.type,
    subject: event.orderId,
    time: event.time,
    datacontenttype: 'application/json',
    sequence: event.sequence,
    data: event.data,
  };
}

/** `order.status_changed` → `orders.status_changed`. */
export function subjectFor(type: string): string {
  const match = /^order\.([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)$/.exec(type);
  // A type outside the order namespace would land on a subject nobody subscribes to, or in no
  // stream at all: better to fail loudly where the event is built.
  if (!match) throw new Error(`not an order event type: "${type}"`);
  return `${SUBJECT_PREFIX}.${match[1]}`;
}
