/** Outbox topics: events for the platform, and stock holds at the Inventory Service. */
export const EVENT_TOPIC = 'event';
export const STOCK_TOPIC = 'stock';
