import type { ColdStart } from './cold-start';
import type { ExplainResult } from './database';
import type { LoadResult } from './load';
import type { PgbenchResult } from './pgbench';

/** A timed run that lasted over a tenth longer than planned: its req/s is not to be trusted. */
export function overran(s: ScenarioResult): boolean {
  return s.plannedS !== undefined && s.durationS > s.plannedS * 1.1;
}

export interface ScenarioResult extends LoadResult {
  scenario: string;
  title: string;
  connections: number;
  peakRssMiB: number;
  /**
   * CPU used per request (ms): by the service process, and by the database backends serving it.
   * Unlike req/s, these hardly move when other work shares the machine's two cores.
   */
  serviceCpuMsPerReq: number;
  dbCpuMsPerReq: number;
  /**
   * Where the rest of the two cores went, for the accounting beside the ceiling's: this process
   * (autocannon and the fake Product Service), the whole machine's busy CPU per request, and the
   * CPUs busy on average. Not measured for the export.
   */
  benchCpuMsPerReq?: number;
  machineCpuMsPerReq?: number;
  busyCpus?: number;
  /**
   * The service's event loop (its main thread) over the run, as shares of the run's time:
   * running, waiting for a CPU while it had work, asleep; how often it was preempted per request;
   * and how many of the database's backends waited for a CPU, on average. Where the kernel keeps
   * no such figures, absent.
   */
  eventLoop?: {
    running: number;
    waiting: number;
    asleep: number;
    preemptedPerReq: number;
    backendsWaiting: number;
  };
  /** Create scenarios: rows written versus 201s (warm-up included). */
  dbCheck?: {
    created: number;
    orders: number;
    items: number;
    events: number;
    expectedItems: number;
    ok: boolean;
  };
  /** The events-on scenario: what reached the stream, and how far the relay was behind. */
  publishing?: PublishingCheck;
  /** The export: rows per second over the downloads, and RSS above what the service held before. */
  export?: { rowsPerDownload: number; rowsPerS: number; rssGrowthMiB: number };
  /** pgbench on the statements this scenario's requests sent, right after it, same clients. */
  ceiling?: CeilingResult;
  /** A timed run: the seconds it was meant to last (autocannon's own `durationS` may be more). */
  plannedS?: number;
}

/**
 * After an events-on run (warm-up included): the stream holds exactly one order.created per
 * order created since the round began, and the outbox has none left unpublished.
 */
export interface PublishingCheck {
  ordersCreated: number;
  /** Messages on the stream since the round began. */
  published: number;
  missing: number;
  duplicates: number;
  /** Other subjects or types, a Nats-Msg-Id other than the event id, orders not created. */
  unexpected: number;
  /** Unpublished events right after the last response. */
  backlogAtEnd: number;
  /** From the last response until the outbox held no unpublished event. */
  drainMs: number;
  /** nats-server's CPU per request during the measured run. */
  brokerCpuMsPerReq?: number;
  /** CPU of the service, its database backends and nats-server during the drain, per request. */
  drainCpuMsPerReq: number;
  ok: boolean;
}

/** Order creation with publishing off and on at one concurrency, measured back to back. */
export interface PublishingComparison {
  connections: number;
  rpsOff: number;
  rpsOn: number;
  /** rpsOn / rpsOff */
  ratio: number;
  /**
   * Requests over the run's duration plus the drain: the rate at which orders were both taken
   * and published (a relay that falls behind during the run does not flatter it).
   */
  rpsOnDrained: number;
  ratioDrained: number;
  /** Service + database (+ broker and drain, when on) CPU per request. */
  cpuMsPerReqOff: number;
  cpuMsPerReqOn: number;
  p99Off: number;
  p99On: number;
  check: PublishingCheck;
}

/** Pairs each events-on result with the events-off run of the same concurrency. */
export function comparePublishing(
  scenarios: ScenarioResult[],
  off: string,
  on: string,
): PublishingComparison[] {
  return scenarios
    .filter((s) => s.scenario === on && s.publishing)
    .flatMap((s) => {
      const base = scenarios.find((b) => b.scenario === off && b.connections === s.connections);
      if (!base) return [];
      const rpsOnDrained = s.requests / (s.durationS + s.publishing!.drainMs / 1000);
      return [
        {
          connections: s.connections,
          rpsOff: base.rps,
          rpsOn: s.rps,
          ratio: s.rps / base.rps,
          rpsOnDrained,
          ratioDrained: rpsOnDrained / base.rps,
          cpuMsPerReqOff: base.serviceCpuMsPerReq + base.dbCpuMsPerReq,
          cpuMsPerReqOn:
            s.serviceCpuMsPerReq +
            s.dbCpuMsPerReq +
            (s.publishing!.brokerCpuMsPerReq ?? 0) +
            s.publishing!.drainCpuMsPerReq,
          p99Off: base.p99,
          p99On: s.p99,
          check: s.publishing!,
        },
      ];
    });
}

export interface CeilingResult extends PgbenchResult {
  /** What pgbench ran (statements per transaction, parameter sets). */
  workload: string;
  /** req/s ÷ ceiling TPS */
  ratio: number;
}

export interface Machine {
  cpus: number;
  model: string;
  ramGiB: number;
  node: string;
  postgres: string;
}

export interface BenchReport {
  date: string;
  quick: boolean;
  durationS: number;
  warmupS: number;
  machine: Machine;
  settings: Record<string, string>;
  /** Statements the service sent to PostgreSQL for one request of each scenario. */
  statementsPerRequest: Record<string, number>;
  /** Those statements' text (parameters left out). */
  sqlPerRequest: Record<string, string[]>;
  scenarios: ScenarioResult[];
  /** Creation with publishing off and on, interleaved per concurrency (when both ran). */
  publishing: PublishingComparison[];
  /** Per scenario, what its pgbench ceiling ran. */
  ceilingWorkloads: Record<string, string>;
  explain: ExplainResult[];
  serviceVmHwmMiB: number;
  /** VmRSS of the service two seconds after it was ready, before seeding or any request. */
  idleRssMiB: number;
  /** The same 30 s after ready, still before any request. */
  idleSettledRssMiB: number;
  /** The memory cgroup the service ran in (memory-limit.ts), or why it ran without one. */
  memoryLimit: { limitMiB: number; heapLimitMiB: number } | { none: string };
  /** The service's node options: the Dockerfile CMD's, then --node-arg's. */
  nodeArgs: string[];
  /** `npm start` on the embedded database (run unless --only leaves `cold-start` out). */
  coldStart?: ColdStart;
  /** The machine's 1-minute load average at the start and after the HTTP scenarios. */
  loadAverage: { before: number; after: number };
}
