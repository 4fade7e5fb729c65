import {
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';

export const HTTP_DURATION = 'http_request_duration_seconds';
export const ORDERS_CREATED = 'orders_created_total';
export const STATUS_TRANSITIONS = 'order_status_transitions_total';
export const NEIGHBOUR_DURATION = 'neighbour_request_duration_seconds';
export const NEIGHBOUR_ERRORS = 'neighbour_request_errors_total';
export const CIRCUIT_STATE = 'product_service_circuit_state';
export const DB_POOL = 'db_pool_connections';
export const OUTBOX_BACKLOG = 'outbox_backlog_events';
export const OUTBOX_OLDEST_AGE = 'outbox_oldest_unpublished_age_seconds';

export const METRIC_PROVIDERS = [
  makeHistogramProvider({
    name: HTTP_DURATION,
    help: 'HTTP request duration by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  }),
  makeCounterProvider({ name: ORDERS_CREATED, help: 'Orders created (replays not counted)' }),
  makeCounterProvider({
    name: STATUS_TRANSITIONS,
    help: 'Order status transitions',
    labelNames: ['from', 'to'],
  }),
  makeHistogramProvider({
    name: NEIGHBOUR_DURATION,
    help: 'Calls to neighbouring services by service and outcome',
    labelNames: ['service', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  }),
  makeCounterProvider({
    name: NEIGHBOUR_ERRORS,
    help: 'Failed calls to neighbouring services by service and outcome',
    labelNames: ['service', 'outcome'],
  }),
  makeGaugeProvider({
    name: CIRCUIT_STATE,
    help: 'Product Service circuit breaker: 0 closed, 1 half-open, 2 open',
  }),
  makeGaugeProvider({
    name: DB_POOL,
    help: 'Database pool connections by state (in_use, idle, waiting)',
    labelNames: ['state'],
  }),
  makeGaugeProvider({
    name: OUTBOX_BACKLOG,
    help: 'Order events written to the outbox and not yet published',
  }),
  makeGaugeProvider({
    name: OUTBOX_OLDEST_AGE,
    help: 'Age in seconds of the oldest unpublished order event (0 when none is waiting)',
  }),
];
