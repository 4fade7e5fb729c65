import { createServer, Server } from 'node:http';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, register } from 'prom-client';
import { DataSource } from 'typeorm';
import { appConfig, type AppConfig } from '../config/app.config';
import type { Next } from '../common/http-layers';
import { routeOf, type PipelineRequest } from '../logging/request-context';
import {
  CIRCUIT_STATE,
  DB_POOL,
  HTTP_DURATION,
  NEIGHBOUR_DURATION,
  NEIGHBOUR_ERRORS,
  ORDERS_CREATED,
  OUTBOX_BACKLOG,
  OUTBOX_OLDEST_AGE,
  STATUS_TRANSITIONS,
} from './metrics';

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

const CIRCUIT_VALUES = { closed: 0, 'half-open': 1, open: 2 } as const;

/** The service's own metrics, and the separate metrics port when METRICS_PORT is set. */
@Injectable()
export class MetricsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;

  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectMetric(HTTP_DURATION) private readonly httpDuration: Histogram<string>,
    @InjectMetric(ORDERS_CREATED) private readonly ordersCreated: Counter<string>,
    @InjectMetric(STATUS_TRANSITIONS) private readonly transitions: Counter<string>,
    @InjectMetric(NEIGHBOUR_DURATION) private readonly neighbourDuration: Histogram<string>,
    @InjectMetric(NEIGHBOUR_ERRORS) private readonly neighbourErrors: Counter<string>,
    @InjectMetric(CIRCUIT_STATE) private readonly circuit: Gauge<string>,
    @InjectMetric(DB_POOL) private readonly pool: Gauge<string>,
    @InjectMetric(OUTBOX_BACKLOG) private readonly outboxBacklog: Gauge<string>,
    @InjectMetric(OUTBOX_OLDEST_AGE) private readonly outboxOldestAge: Gauge<string>,
  ) {}

  orderCreated(): void {
    this.ordersCreated.inc();
  }

  statusChanged(from: string, to: string): void {
    this.transitions.inc({ from, to });
  }

  neighbourCall(service: string, outcome: string, seconds: number): void {
    this.neighbourDuration.observe({ service, outcome }, seconds);
    if (outcome !== 'ok' && outcome !== 'not_found') this.neighbourErrors.inc({ service, outcome });
  }

  /** A layer of the request pipeline: one observation per request, by route template. */
  readonly httpMiddleware = (req: PipelineRequest, res: ServerResponse, next: Next): void => {
    const end = this.httpDuration.startTimer();
    res.once('finish', () =>
      end({ method: req.method, route: routeOf(req), status: String(res.statusCode) }),
    );
    next();
  };

  circuitState(state: keyof typeof CIRCUIT_VALUES): void {
    this.circuit.set(CIRCUIT_VALUES[state]);
  }

  /**
   * The outbox as the relay last measured it: unpublished events, and the age of the oldest one
   * (0 when none waits). Set by whoever counts, since only the relay knows when a count is fresh.
   */
  setOutboxBacklog(count: number, oldestAgeSeconds: number): void {
    this.outboxBacklog.set(count);
    this.outboxOldestAge.set(count > 0 ? Math.max(0, oldestAgeSeconds) : 0);
  }

  /** Pool gauges are read at scrape time, so they are never stale. */
  sample(): void {
    const pg = (this.dataSource.driver as unknown as { master?: PgPool }).master;
    if (pg) {
      this.pool.set({ state: 'in_use' }, pg.totalCount - pg.idleCount);
      this.pool.set({ state: 'idle' }, pg.idleCount);
      this.pool.set({ state: 'waiting' }, pg.waitingCount);
    }
  }

  async scrape(): Promise<string> {
    this.sample();
    return register.metrics();
  }

  onApplicationBootstrap(): void {
    if (!this.config.METRICS_PORT) return;
    this.server = createServer((req, res) => {
      if (req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.scrape().then(
        (body) => res.writeHead(200, { 'Content-Type': register.contentType }).end(body),
        () => res.writeHead(500).end(),
      );
    });
    this.server.listen(this.config.METRICS_PORT);
    new Logger('Metrics').log(`Metrics on port ${this.config.METRICS_PORT} at /metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
