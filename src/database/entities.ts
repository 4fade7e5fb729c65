import { IdempotencyKey } from '../idempotency/idempotency-key.entity';
import { OrderEvent } from '../orders/order-event.entity';
import { OrderItem } from '../orders/order-item.entity';
import { Order } from '../orders/order.entity';
import { OutboxEntry } from '../outbox/outbox-entry.entity';
import { PaymentEvent } from '../payments/payment-event.entity';
import { Refund } from '../payments/refund.entity';

// Listed explicitly (not globbed) so that the app, the CLI and the tests load the same classes.
export const ENTITIES = [
  Order,
  OrderItem,
  OrderEvent,
  IdempotencyKey,
  OutboxEntry,
  PaymentEvent,
  Refund,
];
