import { Module } from '@nestjs/common';
import { EventPublisher } from './event-publisher.service';

/** Order events to NATS JetStream; the outbox relay publishes through EventPublisher. */
@Module({
  providers: [EventPublisher],
  exports: [EventPublisher],
})
export class EventsModule {}
