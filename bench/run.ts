/**
 * The Order Service benchmark ("Prove it"): `npm run bench` (or `npm run bench -- --quick`).
 *
 * Starts everything on this machine by itself: a fresh database on the local PostgreSQL, the
 * fake Product Service, the built service in production mode; seeds 100,000 orders; drives it
 * with autocannon; right after each scenario at each concurrency, runs pgbench on the statements
 * the service sent for that scenario's requests (captured from it, lib/capture.ts and
 * lib/ceiling.ts) as its ceiling; EXPLAINs the reads; prints a Markdown table and writes
 * bench/results/<date>.json.
 *
 * Publishing order events (create-1-events): a second instance of the same build on the same
 * database, with NATS_URL pointing to a nats-server the bench starts (stream ORDERS_BENCH), takes
 * the same creates right after create-1 at each concurrency, so that the machine's other work
 * hits both alike; only the instance being measured runs (lib/events.ts). Afterwards it checks
 * that the stream holds one order.created per order created and that the outbox drained, and
 * reports req/s off, on and their ratio.
 *
 * Options:
 *   --quick                 3 s per scenario after a 1 s warm-up (a smoke run, not a result)
 *   --duration <s>          seconds per scenario (default 20)
 *   --warmup <s>            warm-up seconds before each scenario (default 5)
 *   --connections <list>    concurrencies, comma-separated (default 16,64)
 *   --only <list>           scenarios to run: get-one,list-mine,list-all,search,cursor-walk,
 *                           export,health,create-1,create-3,
 *                           create-1-events (publishing on; brings create-1, its baseline,
 *                           along: `--only create-1-events` runs both, interleaved),
 *                           cold-start (`npm start` on the embedded database: time to ready
 *                           with a new data directory and again with it, idle RSS after)
 *   --no-pgbench            skip the pgbench ceilings
 *   --env KEY=VALUE         extra service setting (repeatable), e.g. --env DB_POOL_SIZE=20
 *   --service <main.js>     run another build of the service (e.g. a copy of dist/ from
 *                           before a change, for an A/B comparison); default dist/main.js
 *   --node-arg <arg>        extra node option for the service (repeatable), e.g. --cpu-prof
 *   --keep-db               keep the database at the end (to look into it), instead of dropping it
 *   --memory-limit <MiB>    the service's memory cgroup (each instance its own); default the
 *                           Deployment's limit (deploy/k8s/deployment.yaml), as in its container;
 *                           `none` for the host's memory (lib/memory-limit.ts). The service always
 *                           gets the node options of the Dockerfile's CMD, then --node-arg's.
 *   --out <file>            where to write the JSON (default bench/results/<date>.json;
 *                           quick runs: bench/results/<date>.quick.tmp, not kept in git)
 *
 * Environment: BENCH_DATABASE_URL (admin connection, default
 * postgres://postgres@127.0.0.1:5432/postgres), PGBENCH (default /usr/bin/pgbench),
 * NATS_SERVER_BIN (default: nats-server on PATH, else /usr/sbin/nats-server).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { FakeProductService } from '../test/fakes/product-service';
import { captureScenarios, explainSearches, type Captures } from './lib/capture';
import { createWorkload, readWorkload, type CeilingWorkload } from './lib/ceiling';
import { checkpoint, connect, createDatabase, type BenchDatabase } from './lib/database';
import { PublishingBench } from './lib/events';
import { measureColdStart, type ColdStart } from './lib/cold-start';
import { measureExport } from './lib/export';
import { freePort } from '../test/utils/service';
import { machine, newest } from './lib/host';
import { measure, type MeasureContext, type Scenario } from './lib/measure';
import { options } from './lib/options';
import { runPgbench } from './lib/pgbench';
import { comparePublishing, type BenchReport, type ScenarioResult } from './lib/report';
import { markdown } from './lib/report-markdown';
import { imageNodeOptions } from './lib/memory-limit';
import { memoryOf, SERVICE_MAIN, startService } from './lib/service';
import {
  ADMIN,
  CUSTOMER_ID,
  planScenarios,
  SECRET,
  seedOrders,
  serviceSettings,
  TOTAL_ORDERS,
} from './lib/plan';

const ROOT = resolve(__dirname, '..');
/** When the service's idle RSS is read a second time (see the measurement). */
const IDLE_SETTLED_MS = 30_000;

async function main(): Promise<void> {
  const opts = options();
  const selected = (name: string) => !opts.only || opts.only.includes(name);
  if (!opts.main && !existsSync(SERVICE_MAIN)) {
    throw new Error(`${SERVICE_MAIN} is missing: run \`npm run build\` (npm run bench does).`);
  }
  if (!opts.main && newest(join(ROOT, 'src')) > newest(join(ROOT, 'dist'))) {
    console.warn('warning: src/ is newer than dist/; `npm run bench` rebuilds before running.');
  }
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const date = new Date().toISOString().slice(0, 10);
  // Other work on the machine moves req/s and latency (not so much CPU per request): recorded.
  const loadBefore = loadavg()[0];
  const log = (message: string) => console.error(`[bench] ${message}`);

  const cleanups: (() => Promise<void>)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const step of cleanups.reverse()) {
        try {
          await step();
        } catch (error) {
          console.error(`[bench] cleanup: ${(error as Error).message}`);
        }
      }
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      void cleanup().then(() => process.exit(130));
    });
  }

  try {
    const db: BenchDatabase = await createDatabase(adminUrl, `order_bench_${process.pid}`);
    cleanups.push(() =>
      opts.keepDb ? Promise.resolve(log(`database ${db.url} kept`)) : db.drop(),
    );
    log(`database ${db.name} created`);

    const fake = await FakeProductService.start();
    fake.recordRequests = false;
    cleanups.push(() => fake.close());

    const settings = serviceSettings(db.url, fake.url, opts.settings);
    const captureFile = join(tmpdir(), `order-bench-sql-${process.pid}.json`);
    // As the image runs it (its CMD's node options), in its Deployment's memory limit.
    const nodeArgs = [...imageNodeOptions(), ...opts.nodeArgs];
    const service = await startService(settings, await freePort(), captureFile, {
      main: opts.main,
      nodeArgs,
      memoryLimitMiB: opts.memoryLimitMiB,
    });
    cleanups.push(() => service.stop());
    const memoryLimit: BenchReport['memoryLimit'] =
      typeof service.memory === 'object'
        ? { limitMiB: service.memory.limitMiB, heapLimitMiB: service.memory.heapLimitMiB }
        : { none: service.memory ?? '--memory-limit none' };
    log(
      `service started (pid ${service.pid}) on ${service.url}, ` +
        ('limitMiB' in memoryLimit
          ? `memory limit ${memoryLimit.limitMiB} MiB (V8 heap limit ${memoryLimit.heapLimitMiB.toFixed(0)} MiB)`
          : `no memory limit: ${memoryLimit.none}`),
    );
    // Idle: ready, nothing asked of it yet (the start-up's garbage counts, as after a deploy);
    // then once V8's memory reducer, which runs after some seconds without allocation, has
    // given that garbage back.
    await sleep(2000);
    const idleRssMiB = memoryOf(service.pid).rss;
    await sleep(IDLE_SETTLED_MS - 2000);
    const idleSettledRssMiB = memoryOf(service.pid).rss;
    log(
      `idle RSS ${idleRssMiB.toFixed(0)} MiB, ${IDLE_SETTLED_MS / 1000} s after ready ${idleSettledRssMiB.toFixed(0)} MiB`,
    );

    const client = await connect(db.url);
    cleanups.push(() => client.end());
    const postgres = (await client.query<{ version: string }>('SELECT version()')).rows[0].version;

    const wantEvents = selected('create-1-events');
    let events: PublishingBench | undefined;
    if (wantEvents) {
      if (settings.NATS_URL) {
        throw new Error('--env NATS_URL would turn publishing on for create-1 (the "off" side)');
      }
      events = await PublishingBench.start(
        settings,
        service,
        client,
        db.name,
        `${captureFile}.events`,
        {
          main: opts.main,
          nodeArgs,
          memoryLimitMiB: opts.memoryLimitMiB,
        },
      );
      const running = events;
      cleanups.push(() => running.close());
      log(`events-on service started (pid ${events.service.pid}), NATS at ${events.natsUrl}`);
    }

    const started = Date.now();
    const customerOrders = await seedOrders(client);
    log(`seeded ${TOTAL_ORDERS} orders in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const scenarios = await planScenarios(service.url, customerOrders, selected);

    const captures: Captures = await captureScenarios(
      client,
      scenarios,
      service,
      captureFile,
      events,
    );
    const explained = [
      ...captures.explained,
      ...(selected('search')
        ? await explainSearches(client, service, captureFile, ADMIN, CUSTOMER_ID)
        : []),
    ];

    // Each scenario's ceiling: pgbench on what its captured requests sent (lib/ceiling.ts).
    const workloads = new Map<string, CeilingWorkload>();
    const ceilingOf = async (scenario: Scenario, result: ScenarioResult) => {
      if (!opts.pgbench || !scenario.ceilingSets) return;
      const requests = captures.requests[scenario.name];
      let workload = workloads.get(scenario.name);
      if (!workload) {
        workload = scenario.lines
          ? await createWorkload(client, requests[0])
          : await readWorkload(client, requests);
        workloads.set(scenario.name, workload);
      }
      await checkpoint(client, log);
      const bench = await runPgbench(db.url, workload, result.connections, opts.durationS);
      result.ceiling = { ...bench, workload: workload.describe, ratio: result.rps / bench.tps };
      log(
        `pgbench ${scenario.name} -c ${result.connections}: ${bench.tps.toFixed(1)} TPS, ` +
          `${bench.failed} failed; ratio ${result.ceiling.ratio.toFixed(2)}`,
      );
    };

    const ctx: MeasureContext = {
      client,
      database: db.name,
      warmupS: opts.warmupS,
      durationS: opts.durationS,
      log,
    };
    const eventsOn = scenarios.find((s) => s.events);
    const results: ScenarioResult[] = [];
    for (const scenario of scenarios.filter((s) => !s.events)) {
      if (scenario.export) {
        results.push(await measureExport(ctx, scenario, service));
        await ceilingOf(scenario, results[results.length - 1]);
        continue;
      }
      for (const connections of opts.connections) {
        const measured = await measure(ctx, scenario, service, connections);
        results.push(measured);
        // The ceiling right after, at the same concurrency, before the next run.
        await ceilingOf(scenario, measured);
        // Publishing on right after publishing off, at the same concurrency.
        if (scenario.name !== 'create-1' || !eventsOn || !events) continue;
        const round = await events.begin();
        const result = await measure(ctx, eventsOn, events.service, connections, round.hooks);
        result.publishing = await round.finish();
        results.push(result);
        const p = result.publishing;
        const off = results.find((r) => r.scenario === 'create-1' && r.connections === connections);
        log(
          `${eventsOn.name} c=${connections}: on/off ${((result.rps / off!.rps) * 100).toFixed(1)} %, ` +
            `backlog at end ${p.backlogAtEnd}, drained in ${p.drainMs} ms ` +
            `(${p.drainCpuMsPerReq.toFixed(2)} ms CPU/req), ` +
            `stream ${p.published} for ${p.ordersCreated} orders ${p.ok ? 'ok' : `MISMATCH ${JSON.stringify(p)}`}`,
        );
      }
    }
    const serviceVmHwmMiB = memoryOf(service.pid).hwm;
    const loadAfter = loadavg()[0];
    let coldStart: ColdStart | undefined;
    if (selected('cold-start')) {
      coldStart = await measureColdStart(SECRET, opts.main, captureFile);
      log(
        `cold start on the embedded database: ${coldStart.firstMs.toFixed(0)} ms with a new ` +
          `data directory, ${coldStart.restartMs.toFixed(0)} ms again; idle RSS ` +
          `${coldStart.idleRssMiB.toFixed(0)} MiB`,
      );
    }

    const report: BenchReport = {
      date,
      quick: opts.quick,
      durationS: opts.durationS,
      warmupS: opts.warmupS,
      machine: machine(postgres),
      settings: Object.fromEntries(
        Object.entries(settings).filter(
          ([key]) => !['SECRET_KEY', 'DATABASE_URL', 'PRODUCT_SERVICE_URL'].includes(key),
        ),
      ),
      statementsPerRequest: captures.statementsPerRequest,
      sqlPerRequest: captures.sqlPerRequest,
      scenarios: results,
      ceilingWorkloads: Object.fromEntries([...workloads].map(([name, w]) => [name, w.describe])),
      publishing: comparePublishing(results, 'create-1', 'create-1-events'),
      explain: explained,
      serviceVmHwmMiB,
      idleRssMiB,
      idleSettledRssMiB,
      memoryLimit,
      nodeArgs,
      coldStart,
      loadAverage: { before: loadBefore, after: loadAfter },
    };
    const out = resolve(
      opts.out ?? join(ROOT, 'bench', 'results', opts.quick ? `${date}.quick.tmp` : `${date}.json`),
    );
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(markdown(report));
    log(`results written to ${out}`);
    const failed = results.filter(
      (r) => (r.dbCheck && !r.dbCheck.ok) || (r.publishing && !r.publishing.ok),
    );
    if (failed.length > 0) {
      process.exitCode = 1;
      log(
        `row or stream check failed for ${failed.map((r) => `${r.scenario} c=${r.connections}`).join(', ')}`,
      );
    }
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
