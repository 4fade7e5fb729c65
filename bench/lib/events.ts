import { setTimeout as sleep } from 'node:timers/promises';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Client } from 'pg';
import type { OrderCloudEvent } from '../../src/events/cloud-event';
import { startNatsServer, type NatsServer } from '../../test/utils/nats-server';
import { freePort } from '../../test/utils/service';
import { pidByCommandLine } from './host';
import { backendPids, sumCpu, type MeasureHooks } from './measure';
import type { PublishingCheck } from './report';
import { cpuMsOf } from './host';
import { startService, type BenchService } from './service';

/** The bench's own stream on its own broker, so nothing else's messages are counted. */
export const BENCH_STREAM = 'ORDERS_BENCH';
const DRAIN_TIMEOUT_MS = 120_000;

/** Unpublished order events in the outbox (of any instance). */
const BACKLOG = `SELECT count(*)::int AS n FROM outbox WHERE topic = 'event' AND processed_at IS NULL`;

interface Baseline {
  outboxId: string;
  streamSeq: number;
  orders: number;
}

/** One measured round of the events-on instance: hooks for measure(), then its check. */
export interface PublishingRound {
  hooks: MeasureHooks;
  finish(): Promise<PublishingCheck>;
}

/**
 * Publishing on, beside publishing off: a second instance of the same build on the same
 * database, with NATS_URL set to a nats-server of the bench's own. Only one instance runs at a
 * time (the other is stopped with SIGSTOP), so that the events-on relay does not publish the
 * events-off run's events while that run is measured, and neither instance's idle work lands in
 * the other's numbers. The events the events-off runs write are marked processed unpublished
 * before a round: publishing off never sends them, and each round publishes only its own.
 */
export class PublishingBench {
  private constructor(
    readonly service: BenchService,
    private readonly off: BenchService,
    private readonly nats: NatsServer,
    private readonly client: Client,
    private readonly database: string,
    private readonly natsPid: number | undefined,
  ) {}

  static async start(
    settings: Record<string, string>,
    off: BenchService,
    client: Client,
    database: string,
    captureFile: string,
    options: { main?: string; nodeArgs?: string[]; memoryLimitMiB?: number },
  ): Promise<PublishingBench> {
    const nats = await startNatsServer();
    try {
      const service = await startService(
        // The events-off instance has migrated the database already.
        { ...settings, MIGRATIONS_RUN: 'false', NATS_URL: nats.url, NATS_STREAM: BENCH_STREAM },
        await freePort(),
        captureFile,
        options,
      );
      const bench = new PublishingBench(
        service,
        off,
        nats,
        client,
        database,
        pidByCommandLine(nats.storeDir),
      );
      // The service creates the stream once connected; a round's baseline reads it.
      const jsm = await jetstreamManager(await nats.client());
      for (let i = 0; !(await jsm.streams.info(BENCH_STREAM).catch(() => undefined)); i++) {
        if (i > 200) throw new Error(`the service did not create the stream ${BENCH_STREAM}`);
        await sleep(50);
      }
      bench.only('off');
      return bench;
    } catch (error) {
      await nats.dispose();
      throw error;
    }
  }

  get natsUrl(): string {
    return this.nats.url;
  }

  /** Lets one instance run and stops the other (SIGSTOP keeps its connections open). */
  only(which: 'off' | 'on' | 'both'): void {
    const signal = (service: BenchService, run: boolean) =>
      service.child.exitCode === null && service.child.kill(run ? 'SIGCONT' : 'SIGSTOP');
    signal(this.service, which !== 'off');
    signal(this.off, which !== 'on');
  }

  async backlog(): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(BACKLOG);
    return rows[0].n;
  }

  /** Waits until the outbox holds no unpublished event; false after DRAIN_TIMEOUT_MS. */
  async drained(): Promise<boolean> {
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while ((await this.backlog()) > 0) {
      if (Date.now() > deadline) return false;
      await sleep(20);
    }
    return true;
  }

  /** Starts a round: the events-off runs' events settled, then only the events-on instance runs. */
  async begin(): Promise<PublishingRound> {
    await this.client.query(
      `UPDATE outbox SET processed_at = now() WHERE topic = 'event' AND processed_at IS NULL`,
    );
    // Their dead rows would otherwise be vacuumed during the events-on run.
    await this.client.query('VACUUM (ANALYZE) outbox');
    this.only('on');
    const jsm = await jetstreamManager(await this.nats.client());
    const { rows } = await this.client.query<{ id: string; orders: number }>(
      `SELECT (SELECT coalesce(max(id), 0) FROM outbox)::text AS id,
              (SELECT count(*) FROM orders)::int AS orders`,
    );
    const baseline: Baseline = {
      outboxId: rows[0].id,
      orders: rows[0].orders,
      streamSeq: (await jsm.streams.info(BENCH_STREAM)).state.last_seq,
    };
    // The broker's CPU during the run; and everyone's while the relay catches up afterwards,
    // since work left in the outbox at the last response is still owed by that run.
    const broker = () => (this.natsPid ? cpuMsOf(this.natsPid) : 0);
    let brokerCpu = 0;
    let loadEnd = 0;
    let backlogAtEnd = 0;
    let requests = 1;
    let drainCpu = 0;
    let backends: number[] = [];
    const hooks: MeasureHooks = {
      beforeLoad: async () => {
        backends = await backendPids(this.client, this.database);
        brokerCpu = broker();
      },
      afterLoad: async (answered) => {
        loadEnd = Date.now();
        requests = Math.max(answered, 1);
        const now = broker();
        drainCpu = cpuMsOf(this.service.pid) + sumCpu(backends) + now;
        brokerCpu = now - brokerCpu;
        backlogAtEnd = await this.backlog();
      },
    };
    const finish = async (): Promise<PublishingCheck> => {
      try {
        const drained = await this.drained();
        const drainMs = backlogAtEnd === 0 ? 0 : Date.now() - loadEnd;
        drainCpu = cpuMsOf(this.service.pid) + sumCpu(backends) + broker() - drainCpu;
        return {
          ...(await this.check(baseline, drained)),
          backlogAtEnd,
          drainMs,
          brokerCpuMsPerReq: this.natsPid ? brokerCpu / requests : undefined,
          drainCpuMsPerReq: drainCpu / requests,
        };
      } finally {
        this.only('off');
      }
    };
    return { hooks, finish };
  }

  /** The stream since the baseline holds exactly one order.created per order created since. */
  private async check(
    baseline: Baseline,
    drained: boolean,
  ): Promise<
    Omit<PublishingCheck, 'backlogAtEnd' | 'drainMs' | 'brokerCpuMsPerReq' | 'drainCpuMsPerReq'>
  > {
    const { rows } = await this.client.query<{ order_id: string }>(
      `SELECT order_id FROM outbox WHERE id > $1 AND topic = 'event' AND kind = 'order.created'`,
      [baseline.outboxId],
    );
    const expected = new Set(rows.map((r) => r.order_id));
    const { rows: count } = await this.client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM orders',
    );
    const ordersCreated = count[0].n - baseline.orders;
    const seenIds = new Set<string>();
    const seenOrders = new Set<string>();
    let duplicates = 0;
    let unexpected = 0;
    const messages = await this.readFrom(baseline.streamSeq + 1);
    for (const { subject, msgId, event } of messages) {
      if (subject !== 'orders.created' || event.type !== 'order.created' || msgId !== event.id) {
        unexpected++;
      } else if (seenIds.has(event.id) || seenOrders.has(event.subject)) {
        duplicates++;
      } else if (!expected.has(event.subject)) {
        unexpected++;
      }
      seenIds.add(event.id);
      seenOrders.add(event.subject);
    }
    const missing = [...expected].filter((id) => !seenOrders.has(id)).length;
    return {
      ordersCreated,
      published: messages.length,
      missing,
      duplicates,
      unexpected,
      ok:
        drained &&
        expected.size === ordersCreated &&
        missing === 0 &&
        duplicates === 0 &&
        unexpected === 0,
    };
  }

  /** The stream's messages from `seq` on, read once with an ordered consumer. */
  private async readFrom(
    seq: number,
  ): Promise<{ subject: string; msgId: string; event: OrderCloudEvent }[]> {
    const nc = await this.nats.client();
    const { state } = await (await jetstreamManager(nc)).streams.info(BENCH_STREAM);
    if (state.last_seq < seq) return [];
    const consumer = await jetstream(nc).consumers.get(BENCH_STREAM, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: seq,
    });
    const messages: { subject: string; msgId: string; event: OrderCloudEvent }[] = [];
    const iterator = await consumer.consume();
    for await (const m of iterator) {
      messages.push({
        subject: m.subject,
        msgId: m.headers?.get('Nats-Msg-Id') ?? '',
        event: m.json<OrderCloudEvent>(),
      });
      if (m.info.streamSequence >= state.last_seq || m.info.pending === 0) break;
    }
    await iterator.close();
    return messages;
  }

  /** Both instances running again (a stopped process would not see SIGTERM), then stopped. */
  async close(): Promise<void> {
    this.only('both');
    try {
      await this.service.stop();
    } finally {
      await this.nats.dispose();
    }
  }
}
