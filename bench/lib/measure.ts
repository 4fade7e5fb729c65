import { existsSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'pg';
import type { CapturedRequest } from './ceiling';
import { checkpoint, countRows, type RowCounts } from './database';
import { cpuMsOf, machineBusyCpuMs, threadSched, type ThreadSched } from './host';
import { LOAD_STALL_MS, runLoad, type RequestSpec } from './load';
import { overran, type ScenarioResult } from './report';
import { sampleRss, type BenchService } from './service';

export interface Scenario {
  name: string;
  title: string;
  /** Order lines per created order; absent for reads. */
  lines?: number;
  /** Sent to the instance that publishes order events (run beside its events-off twin). */
  events?: boolean;
  /** Requests captured for the pgbench ceiling (each its own parameter set); none: no ceiling. */
  ceilingSets?: number;
  /** A download measured by rows/s, one request at a time (lib/export.ts). */
  export?: boolean;
  next: () => RequestSpec;
}

export interface MeasureContext {
  client: Client;
  database: string;
  warmupS: number;
  durationS: number;
  log: (message: string) => void;
}

/** Called around the measured run (not the warm-up), with what the run answered after it. */
export interface MeasureHooks {
  beforeLoad?: () => Promise<void>;
  afterLoad?: (requests: number) => Promise<void>;
}

/**
 * Row counts once they stop moving (requests abandoned by a timed run may still land): the same
 * twice, 250 ms apart, with no statement of the service's running or left open in a transaction.
 * Counts alone were not enough: in one profiled run, all 16 of a warm-up's last creates landed
 * after two equal counts, held up together for over 250 ms, and the run's check then failed.
 */
export async function settledCounts(client: Client, database: string): Promise<RowCounts> {
  const busy = async () =>
    (
      await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = $1 AND application_name = 'order-service' AND state <> 'idle'`,
        [database],
      )
    ).rows[0].n;
  let last = await countRows(client);
  for (;;) {
    await sleep(250);
    const now = await countRows(client);
    if (now.orders === last.orders && now.items === last.items && (await busy()) === 0) return now;
    last = now;
  }
}

/** The server processes of the services' pools (their connections name themselves order-service). */
export async function backendPids(client: Client, database: string): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'order-service'`,
    [database],
  );
  return rows.map((r) => r.pid);
}

export const sumCpu = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0);

/**
 * Starts counting, for the database's backends, what `read` says of each (CPU ms, or ms spent
 * waiting for a CPU); the function returned gives the sum since. Backends are listed at both
 * ends: one opened meanwhile counts from zero, and one closed meanwhile (the pool lets idle
 * connections go) counts nothing, where reading only the first list lost its whole past and made
 * the figure negative.
 */
export async function acrossBackends(
  client: Client,
  database: string,
  read: (pid: number) => number,
): Promise<() => Promise<number>> {
  const before = new Map((await backendPids(client, database)).map((pid) => [pid, read(pid)]));
  return async () => {
    const after = await backendPids(client, database);
    return after.reduce((sum, pid) => sum + read(pid) - (before.get(pid) ?? 0), 0);
  };
}

const waitMsOf = (pid: number) => threadSched(pid)?.waitMs ?? 0;

/**
 * The service's event loop over a run, as shares of the run's time: running, waiting for a CPU
 * while it had work, and asleep (no work: waiting for the network); preemptions per request.
 */
export function eventLoopShares(
  before: ThreadSched | undefined,
  after: ThreadSched | undefined,
  elapsedMs: number,
  requests: number,
  dbWaitMs: number,
): ScenarioResult['eventLoop'] {
  if (!before || !after) return undefined;
  const running = (after.runMs - before.runMs) / elapsedMs;
  const waiting = (after.waitMs - before.waitMs) / elapsedMs;
  return {
    running,
    waiting,
    asleep: Math.max(0, 1 - running - waiting),
    preemptedPerReq: (after.preempted - before.preempted) / Math.max(requests, 1),
    backendsWaiting: dbWaitMs / elapsedMs,
  };
}

/** Turns the SQL capture on, runs `action`, turns it off and returns the statements sent. */
export async function captureSql(
  service: BenchService,
  file: string,
  action: () => Promise<void>,
): Promise<CapturedRequest> {
  rmSync(file, { force: true });
  service.child.kill('SIGUSR2');
  await sleep(50);
  await action();
  service.child.kill('SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(20);
  const statements = JSON.parse(readFileSync(file, 'utf8')) as CapturedRequest;
  rmSync(file, { force: true });
  return statements;
}

/** A warm-up, then the measured run of one scenario at one concurrency against `service`. */
export async function measure(
  ctx: MeasureContext,
  scenario: Scenario,
  service: BenchService,
  connections: number,
  hooks: MeasureHooks = {},
): Promise<ScenarioResult> {
  const { client } = ctx;
  const warm = await runLoad(service.url, scenario.next, connections, {
    durationS: ctx.warmupS,
  });
  // Creates are measured by count, not time, so that every request sent is answered and
  // the rows written can be compared with the 201s: as many requests as the warm-up's
  // rate fills the duration with, once the warm-up's last requests have landed.
  const before = scenario.lines ? await settledCounts(client, ctx.database) : undefined;
  const run = scenario.lines
    ? { amount: Math.max(connections, Math.round(warm.rps * ctx.durationS)) }
    : { durationS: ctx.durationS };
  await checkpoint(client, ctx.log);
  await hooks.beforeLoad?.();
  const dbCpu = await acrossBackends(client, ctx.database, cpuMsOf);
  const dbWait = await acrossBackends(client, ctx.database, waitMsOf);
  const serviceCpu = cpuMsOf(service.pid);
  const loop = threadSched(service.pid);
  const rss = sampleRss(service.pid);
  const machine = machineBusyCpuMs();
  const bench = process.cpuUsage();
  const started = performance.now();
  const load = await runLoad(service.url, scenario.next, connections, run);
  const elapsedMs = performance.now() - started;
  const benchCpu = process.cpuUsage(bench);
  const machineAfter = machineBusyCpuMs();
  const loopAfter = threadSched(service.pid);
  const peakRssMiB = rss.stop();
  const cpu = [cpuMsOf(service.pid) - serviceCpu, await dbCpu()];
  const eventLoop = eventLoopShares(loop, loopAfter, elapsedMs, load.requests, await dbWait());
  await hooks.afterLoad?.(load.requests);
  const result: ScenarioResult = {
    scenario: scenario.name,
    title: scenario.title,
    connections,
    peakRssMiB,
    serviceCpuMsPerReq: cpu[0] / Math.max(load.requests, 1),
    dbCpuMsPerReq: cpu[1] / Math.max(load.requests, 1),
    benchCpuMsPerReq: (benchCpu.user + benchCpu.system) / 1000 / Math.max(load.requests, 1),
    machineCpuMsPerReq: (machineAfter - machine) / Math.max(load.requests, 1),
    busyCpus: (machineAfter - machine) / elapsedMs,
    eventLoop,
    ...load,
    ...('durationS' in run && { plannedS: run.durationS }),
  };
  if (before && scenario.lines) {
    const after = await countRows(client);
    const created = load.statusCodes['201'] ?? 0;
    const check = {
      created,
      orders: after.orders - before.orders,
      items: after.items - before.items,
      events: after.events - before.events,
      expectedItems: created * scenario.lines,
    };
    result.dbCheck = {
      ...check,
      ok:
        check.orders === created && check.items === check.expectedItems && check.events === created,
    };
  }
  ctx.log(
    `${scenario.name} c=${connections}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, ` +
      `p99 ${result.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}, ` +
      `RSS ${peakRssMiB.toFixed(0)} MiB, CPU/req ${result.serviceCpuMsPerReq.toFixed(2)} + ` +
      `${result.dbCpuMsPerReq.toFixed(2)} ms` +
      (result.dbCheck
        ? `, rows ${result.dbCheck.ok ? 'ok' : `MISMATCH ${JSON.stringify(result.dbCheck)}`}`
        : '') +
      (result.loadStallMs > LOAD_STALL_MS
        ? `; the load paused ${(result.loadStallMs / 1000).toFixed(1)} s (req/s understated)`
        : '') +
      (overran(result)
        ? `; it ran ${result.durationS.toFixed(1)} s, not ${result.plannedS} s`
        : ''),
  );
  return result;
}
