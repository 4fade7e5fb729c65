import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  jetstream,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  type JetStreamClient,
  type StreamUpdateConfig,
} from '@nats-io/jetstream';
import { connect, millis, nanos, type NatsConnection } from '@nats-io/transport-node';
import { appConfig, type AppConfig } from '../config/app.config';
import { type OrderEvent, SUBJECT_PREFIX, subjectFor, toCloudEvent } from './cloud-event';

/** Longest a publish waits for JetStream's PubAck; the relay retries after that. */
export const PUBLISH_TIMEOUT_MS = 5000;
/** JetStream drops a repeated Nats-Msg-Id within this window; the relay's retries fall inside. */
export const MIN_DUPLICATE_WINDOW_MS = 2 * 60_000;
const STREAM_SUBJECTS = `${SUBJECT_PREFIX}.>`;
const CONNECT_TIMEOUT_MS = 5000;
const DRAIN_TIMEOUT_MS = 5000;
const FIRST_CONNECT_MAX_WAIT_MS = 10_000;

/** The URL without user and password, for logs. */
const redact = (url: string): string => url.replace(/\/\/[^@/]*@/g, '//***@');

/**
 * Publishes order events to NATS JetStream, one CloudEvent per message. It never blocks or fails
 * start-up: the connection is made, and kept, in the background, because orders must still be
 * taken while the broker is down (their events wait in the outbox). A publish either resolves
 * after JetStream's PubAck or rejects soon, so that the caller can retry it later.
 */
@Injectable()
export class EventPublisher implements OnModuleInit, OnApplicationShutdown {
  readonly enabled: boolean;
  private readonly logger = new Logger('EventPublisher');
  private readonly servers: string[];
  private readonly stream: string;
  private nc?: NatsConnection;
  private js?: JetStreamClient;
  private isConnected = false;
  /** The stream's creation or check; cleared when it fails or may be stale, to run again. */
  private streamReady?: Promise<void>;
  private failing = false;
  private readonly stopping = new AbortController();

  constructor(@Inject(appConfig.KEY) config: AppConfig) {
    this.servers = (config.NATS_URL ?? '').split(',').map((s) => s.trim());
    this.enabled = Boolean(config.NATS_URL);
    this.stream = config.NATS_STREAM;
  }

  onModuleInit(): void {
    if (!this.enabled) {
      this.logger.log('NATS_URL is not set: order events stay in the outbox, none is published');
      return;
    }
    this.logger.log(
      `Publishing order events to ${this.servers.map(redact).join(',')}, stream ${this.stream}`,
    );
    // Not awaited: start-up goes on while the broker is unreachable.
    void this.connectInBackground();
  }

  /**
   * Sends the event's CloudEvent to `orders.<kind>` with `Nats-Msg-Id` = its id, and resolves once
   * JetStream has stored it (a duplicate of an already stored id counts as stored). Rejects when
   * disabled, disconnected, or without a PubAck within PUBLISH_TIMEOUT_MS.
   */
  async publish(event: OrderEvent): Promise<void> {
    if (!this.enabled) throw new Error('event publishing is disabled (NATS_URL is not set)');
    const subject = subjectFor(event.type);
    const payload = JSON.stringify(toCloudEvent(event));
    const js = this.js;
    // Before the first connection the connecting loop reports the broker's state itself.
    if (!js) throw new Error('not connected to NATS (yet)');
    try {
      // While reconnecting the client would buffer the message until its timeout; failing at
      // once lets the relay back off instead.
      if (!this.isConnected) throw new Error('not connected to NATS');
      await this.ensureStream();
      await js.publish(subject, payload, { msgID: event.id, timeout: PUBLISH_TIMEOUT_MS });
    } catch (error) {
      // The stream may have been deleted or the broker replaced: check it again next time.
      this.streamReady = undefined;
      this.markFailing(error);
      throw error;
    }
    this.markWorking();
  }

  /** Whether the connection to NATS is up right now (publishing may still fail). */
  get connected(): boolean {
    return this.isConnected;
  }

  /** After the relay has stopped (it stops in onModuleDestroy), so nothing publishes mid-drain. */
  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    const nc = this.nc;
    if (!nc || nc.isClosed()) return;
    // Drain flushes what was sent; bounded, because a broker that is down would never confirm.
    const drained = await Promise.race([
      nc.drain().then(
        () => true,
        () => false,
      ),
      sleep(DRAIN_TIMEOUT_MS, false, { ref: false }),
    ]);
    if (!drained) await nc.close();
  }

  /** Dials until the first connection; after that the client reconnects by itself, forever. */
  private async connectInBackground(): Promise<void> {
    for (let attempt = 0; !this.stopping.signal.aborted; attempt++) {
      try {
        const nc = await connect({
          servers: this.servers,
          name: 'order-service',
          timeout: CONNECT_TIMEOUT_MS,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 1000,
          // Notices a connection that died without being closed in about a minute, not six.
          pingInterval: 20_000,
        });
        if (this.stopping.signal.aborted) {
          await nc.close();
          return;
        }
        this.attach(nc);
        return;
      } catch (error) {
        if (attempt === 0) {
          this.logger.warn(
            `NATS is unreachable (${message(error)}); order events wait in the outbox, retrying`,
          );
        }
        const wait = Math.min(FIRST_CONNECT_MAX_WAIT_MS, 250 * 2 ** attempt);
        await sleep(wait / 2 + Math.random() * (wait / 2), undefined, {
          signal: this.stopping.signal,
        }).catch(() => undefined);
      }
    }
  }

  private attach(nc: NatsConnection): void {
    this.nc = nc;
    this.js = jetstream(nc, { timeout: PUBLISH_TIMEOUT_MS });
    this.isConnected = true;
    this.logger.log(`Connected to NATS at ${redact(nc.getServer())}`);
    this.ensureStream().catch(() => undefined);
    this.watch(nc).catch(() => undefined);
    // The client gives up only on fatal errors (credentials refused, say): start over.
    void nc.closed().then((error) => {
      if (this.stopping.signal.aborted) return;
      this.isConnected = false;
      this.logger.error(
        `The NATS connection closed (${message(error ?? 'no error')}); connecting again`,
      );
      void this.connectInBackground();
    });
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        this.isConnected = false;
        this.logger.warn('Disconnected from NATS; reconnecting in the background');
      } else if (status.type === 'reconnect') {
        this.isConnected = true;
        this.logger.log(`Reconnected to NATS at ${redact(nc.getServer())}`);
        // A broker that lost its store (or a new one) needs the stream again.
        this.streamReady = undefined;
        this.ensureStream().catch(() => undefined);
      }
    }
  }

  private ensureStream(): Promise<void> {
    this.streamReady ??= this.createOrCheckStream().catch((error: unknown) => {
      this.streamReady = undefined;
      this.markFailing(error);
      throw error;
    });
    return this.streamReady;
  }

  /**
   * Creates the stream, or checks that it captures orders.> and dedupes for at least
   * MIN_DUPLICATE_WINDOW_MS. A stream that falls short is updated (the window is only ever
   * raised); if that is refused, publishing goes on with a warning, since consumers dedupe on
   * the event id anyway.
   */
  private async createOrCheckStream(): Promise<void> {
    const nc = this.nc;
    if (!nc) throw new Error('not connected to NATS');
    const jsm = await jetstreamManager(nc, { timeout: PUBLISH_TIMEOUT_MS });
    const info = await jsm.streams.info(this.stream).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) {
        return undefined;
      }
      throw error;
    });
    if (!info) {
      try {
        await jsm.streams.add({
          name: this.stream,
          subjects: [STREAM_SUBJECTS],
          duplicate_window: nanos(MIN_DUPLICATE_WINDOW_MS),
        });
        this.logger.log(`Created the JetStream stream ${this.stream} for ${STREAM_SUBJECTS}`);
        return;
      } catch (error) {
        // Another replica may have created it meanwhile: check what is there.
        if (!(await jsm.streams.info(this.stream).catch(() => undefined))) throw error;
        return this.createOrCheckStream();
      }
    }
    const subjects = info.config.subjects ?? [];
    const changes: Partial<StreamUpdateConfig> = {};
    const problems: string[] = [];
    if (!subjects.includes(STREAM_SUBJECTS)) {
      // A stream refuses overlapping subjects: orders.> replaces the narrower orders.* ones.
      changes.subjects = [...subjects.filter((s) => !s.startsWith('orders.')), STREAM_SUBJECTS];
      problems.push(`subjects ${JSON.stringify(subjects)} do not cover ${STREAM_SUBJECTS}`);
    }
    const windowMs = millis(info.config.duplicate_window ?? 0);
    if (windowMs < MIN_DUPLICATE_WINDOW_MS) {
      changes.duplicate_window = nanos(MIN_DUPLICATE_WINDOW_MS);
      problems.push(
        `duplicate window ${windowMs / 1000} s is below ${MIN_DUPLICATE_WINDOW_MS / 1000} s`,
      );
    }
    if (problems.length === 0) return;
    try {
      await jsm.streams.update(this.stream, changes);
      this.logger.warn(`Updated the JetStream stream ${this.stream}: ${problems.join('; ')}`);
    } catch (error) {
      this.logger.warn(
        `The JetStream stream ${this.stream} is not as order events need (${problems.join('; ')}) ` +
          `and could not be updated: ${message(error)}`,
      );
    }
  }

  /** One warning when publishing starts failing, not one per attempt. */
  private markFailing(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.warn(
      `Publishing order events fails (${message(error)}); they wait in the outbox and are retried`,
    );
  }

  private markWorking(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.log('Publishing order events works again');
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
