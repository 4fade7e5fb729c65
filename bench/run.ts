/**
 * The Order Service benchmark ("Prove it"): `npm run bench` (or `npm run bench -- --quick`).
 *
 * Starts everything on this machine by itself: a fresh database on the local PostgreSQL, the
 * fake Product Service, the built service in production mode; seeds 100,000 orders; drives it
 * with autocannon; runs pgbench on the SQL of one order creation as the ceiling; EXPLAINs the
 * list queries the service sends; prints a Markdown table and writes bench/results/<date>.json.
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
 *   --only <list>           scenarios to run: create-1,create-3,list-mine,list-all,get-one,
 *                           create-1-events (publishing on; brings create-1, its baseline,
 *                           along: `--only create-1-events` runs both, interleaved)
 *   --no-pgbench            skip the pgbench ceiling
 *   --env KEY=VALUE         extra service setting (repeatable), e.g. --env DB_POOL_SIZE=20
 *   --service <main.js>     run another build of the service (e.g. a copy of dist/ from
 *                           before a change, for an A/B comparison); default dist/main.js
 *   --node-arg <arg>        extra node option for the service (repeatable), e.g. --cpu-prof
 *   --keep-db               keep the database at the end (to look into it), instead of dropping it
 *   --out <file>            where to write the JSON (default bench/results/<date>.json;
 *                           quick runs: bench/results/<date>.quick.tmp, not kept in git)
 *
 * Environment: BENCH_DATABASE_URL (admin connection, default
 * postgres://postgres@127.0.0.1:5432/postgres), PGBENCH (default /usr/bin/pgbench),
 * NATS_SERVER_BIN (default: nats-server on PATH, else /usr/sbin/nats-server).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { FakeProductService } from '../test/fakes/product-service';
import { DEMO_PRODUCTS } from '../src/product-client/demo-catalog';
import {
  connect,
  createDatabase,
  explain,
  seed,
  type BenchDatabase,
  type ExplainResult,
} from './lib/database';
import { PublishingBench } from './lib/events';
import { freePort, machine, newest } from './lib/host';
import { captureSql, measure, type MeasureContext } from './lib/measure';
import { options } from './lib/options';
import { allScenarios, SELLABLE } from './lib/scenarios';
import { signToken } from '../test/utils/tokens';
import { creationScript, runPgbench } from './lib/pgbench';
import {
  comparePublishing,
  markdown,
  type BenchReport,
  type CeilingResult,
  type ScenarioResult,
} from './lib/report';
import { memoryOf, SERVICE_MAIN, startService } from './lib/service';

const ROOT = resolve(__dirname, '..');
const SECRET = 'order-bench-secret-not-used-anywhere-else';
const TOTAL_ORDERS = 100_000;
const CUSTOMER_ORDERS = 1_000;
const CUSTOMERS = 1_000;

async function main(): Promise<void> {
  const opts = options();
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

    const huge = '1000000000';
    const settings: Record<string, string> = {
      NODE_ENV: 'production',
      SECRET_KEY: SECRET,
      LOG_LEVEL: 'warn',
      DEBUG: 'false',
      MIGRATIONS_RUN: 'true',
      DATABASE_URL: db.url,
      PRODUCT_SERVICE_URL: fake.url,
      RATE_LIMIT_PER_USER: huge,
      RATE_LIMIT_PER_IP: huge,
      RATE_LIMIT_ORDER_CREATION: huge,
      ...opts.settings,
    };
    const captureFile = join(tmpdir(), `order-bench-sql-${process.pid}.json`);
    const service = await startService(settings, await freePort(), captureFile, {
      main: opts.main,
      nodeArgs: opts.nodeArgs,
    });
    cleanups.push(() => service.stop());
    log(`service started (pid ${service.pid}) on ${service.url}`);

    const client = await connect(db.url);
    cleanups.push(() => client.end());
    const postgres = (await client.query<{ version: string }>('SELECT version()')).rows[0].version;

    const wantEvents = opts.only?.includes('create-1-events') ?? true;
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
          nodeArgs: opts.nodeArgs,
        },
      );
      const running = events;
      cleanups.push(() => running.close());
      log(`events-on service started (pid ${events.service.pid}), NATS at ${events.natsUrl}`);
    }

    const customerId = 'c0ffee' + '0'.repeat(12) + '000001';
    const started = Date.now();
    const customerOrders = await seed(
      client,
      {
        totalOrders: TOTAL_ORDERS,
        customerId,
        customerOrders: CUSTOMER_ORDERS,
        otherCustomers: 20_000,
      },
      DEMO_PRODUCTS,
    );
    log(`seeded ${TOTAL_ORDERS} orders in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const all = allScenarios(SECRET, customerId, customerOrders, CUSTOMERS);
    const scenarios = all.filter((s) => !opts.only || opts.only.includes(s.name));
    // Reads first, so that they see exactly the seeded table.
    scenarios.sort((a, b) => Number(a.lines !== undefined) - Number(b.lines !== undefined));

    // One request of each scenario with the SQL capture on: statements per request, and the
    // list and look-up queries to EXPLAIN.
    const statementsPerRequest: Record<string, number> = {};
    const sqlPerRequest: Record<string, string[]> = {};
    const explained: ExplainResult[] = [];
    for (const scenario of scenarios) {
      const spec = scenario.next();
      // The events-on instance's capture runs until its relay has published the event, so its
      // statements include the relay's claim and completion.
      const target = scenario.events ? events!.service : service;
      const round = scenario.events ? await events!.begin() : undefined;
      const statements = await captureSql(
        target,
        scenario.events ? `${captureFile}.events` : captureFile,
        async () => {
          const res = await fetch(`${target.url}${spec.path}`, {
            method: spec.method,
            headers: spec.headers,
            body: spec.body,
          });
          if (res.status >= 300)
            throw new Error(`${scenario.name}: HTTP ${res.status} ${await res.text()}`);
          await res.arrayBuffer();
          if (round && !(await events!.drained())) throw new Error('the event was not published');
        },
      );
      if (round) {
        const check = await round.finish();
        if (!check.ok) throw new Error(`${scenario.name}: ${JSON.stringify(check)}`);
      }
      statementsPerRequest[scenario.name] = statements.length;
      sqlPerRequest[scenario.name] = statements.map(({ text }) => text.replace(/\s+/g, ' ').trim());
      if (scenario.lines === undefined) {
        for (const { text, values } of statements) {
          if (/^\s*(WITH|SELECT)/i.test(text))
            explained.push(await explain(client, scenario.name, text, values));
        }
      }
    }

    // The admin search: each filter and sort, and some combinations, planned as the service sends
    // them (EXPLAIN only, no load), so that the plan table shows which index serves each.
    const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const admin = {
      Authorization: `Bearer ${signToken({ role: 'admin', email: 'admin@example.com' }, { secret: SECRET })}`,
    };
    const searches: [string, string][] = [
      ['status list', 'status=pending,shipped'],
      ['payment_status', 'payment_status=failed'],
      ['created range', `created_from=${monthAgo}&created_to=${new Date().toISOString()}`],
      ['email', 'email=BIG.SPENDER@example.com'],
      ['user_id', `user_id=${customerId}`],
      ['order_number prefix', `order_number=ORD-${monthAgo.slice(0, 10).replace(/-/g, '')}`],
      ['total range', 'total_min=100&total_max=150.50'],
      ['product_id', `product_id=${SELLABLE[0]._id}`],
      ['flagged', 'flagged=true'],
      ['q', 'q=spender'],
      ['sort -total, page 50', 'sort=-total&page=50'],
      ['status + dates + q', `status=pending&created_from=${monthAgo}&q=buyer.1`],
    ];
    for (const [label, query] of searches) {
      const statements = await captureSql(service, captureFile, async () => {
        const res = await fetch(`${service.url}/api/orders/all?${encodeURI(query)}`, {
          headers: admin,
        });
        if (res.status >= 300) throw new Error(`search ${label}: HTTP ${res.status}`);
        await res.arrayBuffer();
      });
      for (const { text, values } of statements) {
        if (/^\s*(WITH|SELECT)/i.test(text))
          explained.push(await explain(client, `search: ${label}`, text, values));
      }
    }

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
      for (const connections of opts.connections) {
        results.push(await measure(ctx, scenario, service, connections));
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
    // Before pgbench, whose 64 clients alone push the load average up.
    const loadAfter = loadavg()[0];

    // The ceiling: the same SQL straight from pgbench, with the service idle.
    const ceiling: CeilingResult[] = [];
    if (opts.pgbench) {
      for (const scenario of scenarios.filter((s) => s.lines !== undefined && !s.events)) {
        const products = SELLABLE.slice(0, scenario.lines);
        for (const clients of opts.connections) {
          const bench = await runPgbench(db.url, creationScript(products), clients, opts.durationS);
          const service = results.find(
            (r) => r.scenario === scenario.name && r.connections === clients,
          );
          ceiling.push({
            scenario: scenario.name,
            lines: scenario.lines!,
            ...bench,
            serviceRps: service?.rps,
            ratio: service ? service.rps / bench.tps : undefined,
          });
          log(
            `pgbench ${scenario.name} -c ${clients}: ${bench.tps.toFixed(0)} TPS, ${bench.failed} failed`,
          );
        }
      }
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
      statementsPerRequest,
      sqlPerRequest,
      scenarios: results,
      ceiling,
      publishing: comparePublishing(results, 'create-1', 'create-1-events'),
      explain: explained,
      serviceVmHwmMiB,
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
