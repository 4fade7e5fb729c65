import { Module } from '@nestjs/common';
import { OutboxModule } from '../outbox/outbox.module';
import { EventPublisher } from './event-publisher.service';
import { EventRelayHandler } from './event-relay.handler';

/** Order events to NATS JetStream: the outbox relay publishes them through EventPublisher. */
@Module({
  imports: [OutboxModule],
  providers: [EventPublisher, EventRelayHandler],
  exports: [EventPublisher],
})
export class EventsModule {}
