import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { Cron, CronExpression, Interval } from '@nestjs/schedule';
import { appConfig, type AppConfig } from '../config/app.config';
import { MetricsService } from '../metrics/metrics.service';
import { ClaimedEntry, OutboxRepository } from './outbox.repository';
import { EVENT_TOPIC } from './outbox-topics';

/** Carries out the effects of one topic. Throwing means "not done": the entry is retried. */
export interface OutboxHandler {
  /** A handler that cannot run now (no broker configured) leaves its entries waiting. */
  readonly enabled: boolean;
  handle(entry: ClaimedEntry): Promise<void>;
}

const BATCH = 100;
/** How long a nudge waits for more work to join the batch. */
const COALESCE_MS = 50;
const PURGE_BATCH = 1000;
const IDLE_POLL_MS = 500;
const FIRST_RETRY_S = 0.5;
const MAX_RETRY_S = 60;
/** How often the backlog gauges are measured. */
const BACKLOG_INTERVAL_MS = 5000;

/** Capped exponential back-off with jitter, so that replicas retrying together spread out. */
export function retryDelaySeconds(attempts: number, random = Math.random): number {
  const capped = Math.min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** Math.max(0, attempts - 1));
  return capped / 2 + random() * (capped / 2);
}

/**
 * The outbox relay: after commit, it leases due entries, runs their topic's handler and marks
 * them done, or schedules a retry. Every replica runs one; the claim statement keeps them from
 * taking the same entry or overtaking an earlier entry of the same order.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('OutboxRelay');
  private readonly handlers = new Map<string, OutboxHandler>();
  private loop?: Promise<void>;
  private stopped = false;
  private wakeUp?: () => void;
  private pendingNudge = false;
  private failing = new Set<string>();
  private leaseSeconds = 30;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly metrics: MetricsService,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  /** `leaseSeconds` must outlast the slowest handler, or another replica repeats its work. */
  register(topic: string, handler: OutboxHandler, leaseSeconds = 30): void {
    this.handlers.set(topic, handler);
    this.leaseSeconds = Math.max(this.leaseSeconds, leaseSeconds);
  }

  /** Topics whose handler can run now. */
  activeTopics(): string[] {
    return [...this.handlers].filter(([, h]) => h.enabled).map(([topic]) => topic);
  }

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  /** Before the handlers' own clients close (they do so on application shutdown). */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
  }

  /** Something was just written: look now instead of at the next poll. */
  nudge(): void {
    this.pendingNudge = true;
    this.wakeUp?.();
  }

  /**
   * One pass: claims a batch, runs it, and marks what succeeded done in one statement (two
   * round trips a batch rather than one per entry). Returns how many it claimed.
   */
  async drainOnce(): Promise<number> {
    const topics = this.activeTopics();
    if (topics.length === 0) return 0;
    const entries = await this.outbox.claim(topics, BATCH, this.leaseSeconds);
    const done = await Promise.all(entries.map((entry) => this.process(entry)));
    const ids = entries.filter((_, i) => done[i]).map((entry) => entry.id);
    // If this fails the leases run out and the entries run again: effects are idempotent.
    if (ids.length > 0) await this.outbox.complete(ids);
    return entries.length;
  }

  private async run(): Promise<void> {
    let idle = IDLE_POLL_MS;
    while (!this.stopped) {
      this.pendingNudge = false;
      let processed = 0;
      try {
        processed = await this.drainOnce();
        idle = IDLE_POLL_MS;
      } catch (error) {
        // The database is away: wait longer between looks, up to the retry cap.
        idle = Math.min(idle * 2, MAX_RETRY_S * 1000);
        this.logger.warn(`Outbox relay could not claim work: ${(error as Error).message}`);
      }
      // A full batch means more is waiting; a nudge waits a moment so that the changes of many
      // concurrent requests go out in one batch rather than one claim each.
      if (processed === BATCH) continue;
      if (this.pendingNudge || processed > 0) {
        await new Promise((resolve) => setTimeout(resolve, COALESCE_MS));
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, idle);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  /** True when the entry's effect is done. */
  private async process(entry: ClaimedEntry): Promise<boolean> {
    const handler = this.handlers.get(entry.topic)!;
    try {
      await handler.handle(entry);
      if (this.failing.delete(entry.topic)) {
        this.logger.log(`Outbox ${entry.topic} effects go through again`);
      }
      return true;
    } catch (error) {
      const message = (error as Error).message;
      // One warning when a topic starts failing, not one per attempt.
      if (!this.failing.has(entry.topic)) {
        this.failing.add(entry.topic);
        this.logger.warn(`Outbox ${entry.kind} for order ${entry.order_id} failed: ${message}`);
      }
      await this.outbox
        .retry(entry.id, retryDelaySeconds(entry.attempts), message)
        .catch(() => undefined); // the lease runs out and the entry is taken again
      return false;
    }
  }

  /** Unpublished events and the age of the oldest, for alerting on a stuck relay or broker. */
  @Interval(BACKLOG_INTERVAL_MS)
  async measureBacklog(): Promise<void> {
    try {
      const { count, oldest_seconds } = await this.outbox.backlog([EVENT_TOPIC]);
      this.metrics.setOutboxBacklog(count, oldest_seconds);
    } catch {
      // The database is away; the gauges keep their last value until it is back.
    }
  }

  /** Processed rows are kept for inspection, then deleted; every replica may run it at once. */
  @Cron(CronExpression.EVERY_10_MINUTES)
  async purgeProcessed(): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.outbox.purge(this.config.OUTBOX_RETENTION_HOURS, PURGE_BATCH);
      total += deleted;
      if (deleted < PURGE_BATCH) return total;
    }
  }
}
