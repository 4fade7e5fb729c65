import { Injectable, OnModuleInit } from '@nestjs/common';
import type { ClaimedEntry } from '../outbox/outbox.repository';
import { EVENT_TOPIC } from '../outbox/outbox-topics';
import { OutboxHandler, OutboxRelay } from '../outbox/outbox-relay.service';
import type { OrderEventData } from './cloud-event';
import { EventPublisher, PUBLISH_TIMEOUT_MS } from './event-publisher.service';

interface StoredEvent {
  id: string;
  type: string;
  sequence: number;
  time: string;
  data: OrderEventData;
}

/**
 * Publishes the order events the outbox holds. The relay runs an order's events one at a time in
 * the order they were written and marks one done only after JetStream's PubAck, so event n+1 of
 * an order never leaves before event n is stored; with no broker configured they wait.
 */
@Injectable()
export class EventRelayHandler implements OutboxHandler, OnModuleInit {
  constructor(
    private readonly relay: OutboxRelay,
    private readonly publisher: EventPublisher,
  ) {}

  get enabled(): boolean {
    return this.publisher.enabled;
  }

  onModuleInit(): void {
    // Longer than a publish can take: its PubAck timeout plus one check of the stream.
    this.relay.register(EVENT_TOPIC, this, Math.ceil((2 * PUBLISH_TIMEOUT_MS) / 1000) + 5);
  }

  async handle(entry: ClaimedEntry): Promise<void> {
    const event = entry.payload as unknown as StoredEvent;
    await this.publisher.publish({
      id: event.id,
      type: event.type,
      orderId: entry.order_id,
      sequence: event.sequence,
      time: event.time,
      data: event.data,
    });
  }
}
