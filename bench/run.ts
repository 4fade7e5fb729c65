/**
 * The Order Service benchmark ("Prove it"): `npm run bench` (or `npm run bench -- --quick`).
 *
 * Starts everything on this machine by itself: a fresh database on the local PostgreSQL, the
 * fake Product Service, the built service in production mode; seeds 100,000 orders; drives it
 * with autocannon; runs pgbench on the SQL of one order creation as the ceiling; EXPLAINs the
 * list queries the service sends; prints a Markdown table and writes bench/results/<date>.json.
 *
 * Options:
 *   --quick                 3 s per scenario after a 1 s warm-up (a smoke run, not a result)
 *   --duration <s>          seconds per scenario (default 20)
 *   --warmup <s>            warm-up seconds before each scenario (default 5)
 *   --connections <list>    concurrencies, comma-separated (default 16,64)
 *   --only <list>           scenarios to run: create-1,create-3,list-mine,list-all,get-one
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
 * postgres://postgres@127.0.0.1:5432/postgres), PGBENCH (default /usr/bin/pgbench).
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Client } from 'pg';
import { FakeProductService } from '../test/fakes/product-service';
import { signToken } from '../test/utils/tokens';
import { DEMO_PRODUCTS } from '../src/product-client/demo-catalog';
import {
  connect,
  countRows,
  createDatabase,
  explain,
  seed,
  type BenchDatabase,
  type ExplainResult,
  type RowCounts,
} from './lib/database';
import { runLoad, type RequestSpec } from './lib/load';
import { creationScript, runPgbench } from './lib/pgbench';
import {
  markdown,
  type BenchReport,
  type CeilingResult,
  type Machine,
  type ScenarioResult,
} from './lib/report';
import {
  cpuMsOf,
  memoryOf,
  sampleRss,
  SERVICE_MAIN,
  startService,
  type BenchService,
} from './lib/service';

const ROOT = resolve(__dirname, '..');
const SECRET = 'order-bench-secret-not-used-anywhere-else';
const TOTAL_ORDERS = 100_000;
const CUSTOMER_ORDERS = 1_000;
const CUSTOMERS = 1_000;

interface Scenario {
  name: string;
  title: string;
  /** Order lines per created order; absent for reads. */
  lines?: number;
  next: () => RequestSpec;
}

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string', default: '16,64' },
      only: { type: 'string' },
      'no-pgbench': { type: 'boolean', default: false },
      env: { type: 'string', multiple: true, default: [] },
      service: { type: 'string' },
      'node-arg': { type: 'string', multiple: true, default: [] },
      out: { type: 'string' },
      'keep-db': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const quick = values.quick;
  const settings: Record<string, string> = {};
  for (const pair of values.env) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`--env takes KEY=VALUE, got ${pair}`);
    settings[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return {
    quick,
    durationS: Number(values.duration ?? (quick ? 3 : 20)),
    warmupS: Number(values.warmup ?? (quick ? 1 : 5)),
    connections: values.connections.split(',').map(Number),
    only: values.only?.split(',').map((s) => s.trim()),
    pgbench: !values['no-pgbench'],
    settings,
    main: values.service,
    nodeArgs: values['node-arg'],
    out: values.out,
    keepDb: values['keep-db'],
  };
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => ok(port));
    });
  });
}

function machine(postgres: string): Machine {
  const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
  return {
    cpus: cpus().length,
    model: model?.trim() ?? cpus()[0]?.model ?? 'unknown',
    ramGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.versions.node,
    postgres: /^(PostgreSQL [\d.]+)/.exec(postgres)?.[1] ?? postgres,
  };
}

/** The newest modification time under a directory (to tell whether dist/ is stale). */
function newest(dir: string): number {
  let latest = 0;
  const walk = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) walk(join(path, entry));
    } else {
      latest = Math.max(latest, stat.mtimeMs);
    }
  };
  walk(dir);
  return latest;
}

/** Row counts once they stop moving (requests abandoned by a timed run may still land). */
async function settledCounts(client: Client): Promise<RowCounts> {
  let last = await countRows(client);
  for (;;) {
    await sleep(250);
    const now = await countRows(client);
    if (now.orders === last.orders && now.items === last.items) return now;
    last = now;
  }
}

/** The server processes of the service's pool (its connections name themselves order-service). */
async function backendPids(client: Client, database: string): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'order-service'`,
    [database],
  );
  return rows.map((r) => r.pid);
}

const sumCpu = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0);

/** Turns the SQL capture on, runs `action`, turns it off and returns the statements sent. */
async function captureSql(
  service: BenchService,
  file: string,
  action: () => Promise<void>,
): Promise<{ text: string; values: unknown[] }[]> {
  rmSync(file, { force: true });
  service.child.kill('SIGUSR2');
  await sleep(50);
  await action();
  service.child.kill('SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(20);
  const statements = JSON.parse(readFileSync(file, 'utf8')) as {
    text: string;
    values: unknown[];
  }[];
  rmSync(file, { force: true });
  return statements;
}

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

    // Requests. Creates rotate over many customers (so no per-user effect) and over products
    // that are on sale and in stock; reads use the customer with 1,000 orders, or an admin.
    const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
    const customer = auth(
      signToken({ userId: customerId, email: 'big.spender@example.com' }, { secret: SECRET }),
    );
    const admin = auth(
      signToken({ role: 'admin', email: 'admin@example.com' }, { secret: SECRET }),
    );
    const buyers = Array.from({ length: CUSTOMERS }, (_, i) =>
      auth(signToken({ email: `buyer.${i}@example.com` }, { secret: SECRET })),
    );
    const sellable = DEMO_PRODUCTS.filter((p) => p.isActive && p.stock >= 1);
    let sent = 0;
    const createRequest = (lines: number) => (): RequestSpec => {
      const n = sent++;
      const items = Array.from({ length: lines }, (_, i) => ({
        product_id: sellable[(n + i) % sellable.length]._id,
        quantity: 1,
      }));
      return {
        method: 'POST',
        path: '/api/orders',
        headers: { ...buyers[n % buyers.length], 'Content-Type': 'application/json' },
        body: JSON.stringify({
          items,
          shipping_address: {
            street: `${(n % 9000) + 1} Main St`,
            city: 'Springfield',
            state: 'IL',
            zipCode: '62701',
            country: 'US',
          },
        }),
      };
    };
    let read = 0;
    const all: Scenario[] = [
      { name: 'create-1', title: 'POST /api/orders (1 item)', lines: 1, next: createRequest(1) },
      { name: 'create-3', title: 'POST /api/orders (3 items)', lines: 3, next: createRequest(3) },
      {
        name: 'list-mine',
        title: 'GET /api/orders (customer with 1,000 orders)',
        next: () => ({ method: 'GET', path: '/api/orders', headers: customer }),
      },
      {
        name: 'list-all',
        title: 'GET /api/orders/all?status=pending&page=50 (100,000 orders)',
        next: () => ({
          method: 'GET',
          path: '/api/orders/all?status=pending&page=50',
          headers: admin,
        }),
      },
      {
        name: 'get-one',
        title: 'GET /api/orders/:id',
        next: () => ({
          method: 'GET',
          path: `/api/orders/${customerOrders[read++ % customerOrders.length]}`,
          headers: customer,
        }),
      },
    ];
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
      const statements = await captureSql(service, captureFile, async () => {
        const res = await fetch(`${service.url}${spec.path}`, {
          method: spec.method,
          headers: spec.headers,
          body: spec.body,
        });
        if (res.status >= 300)
          throw new Error(`${scenario.name}: HTTP ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      });
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
    const searches: [string, string][] = [
      ['status list', 'status=pending,shipped'],
      ['payment_status', 'payment_status=failed'],
      ['created range', `created_from=${monthAgo}&created_to=${new Date().toISOString()}`],
      ['email', 'email=BIG.SPENDER@example.com'],
      ['user_id', `user_id=${customerId}`],
      ['order_number prefix', `order_number=ORD-${monthAgo.slice(0, 10).replace(/-/g, '')}`],
      ['total range', 'total_min=100&total_max=150.50'],
      ['product_id', `product_id=${sellable[0]._id}`],
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

    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      for (const connections of opts.connections) {
        const warm = await runLoad(service.url, scenario.next, connections, {
          durationS: opts.warmupS,
        });
        // Creates are measured by count, not time, so that every request sent is answered and
        // the rows written can be compared with the 201s: as many requests as the warm-up's
        // rate fills the duration with, once the warm-up's last requests have landed.
        const before = scenario.lines ? await settledCounts(client) : undefined;
        const run = scenario.lines
          ? { amount: Math.max(connections, Math.round(warm.rps * opts.durationS)) }
          : { durationS: opts.durationS };
        const backends = await backendPids(client, db.name);
        const cpuBefore = [cpuMsOf(service.pid), sumCpu(backends)];
        const rss = sampleRss(service.pid);
        const load = await runLoad(service.url, scenario.next, connections, run);
        const peakRssMiB = rss.stop();
        const cpuAfter = [cpuMsOf(service.pid), sumCpu(backends)];
        const result: ScenarioResult = {
          scenario: scenario.name,
          title: scenario.title,
          connections,
          peakRssMiB,
          serviceCpuMsPerReq: (cpuAfter[0] - cpuBefore[0]) / Math.max(load.requests, 1),
          dbCpuMsPerReq: (cpuAfter[1] - cpuBefore[1]) / Math.max(load.requests, 1),
          ...load,
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
              check.orders === created &&
              check.items === check.expectedItems &&
              check.events === created,
          };
        }
        results.push(result);
        log(
          `${scenario.name} c=${connections}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, ` +
            `p99 ${result.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}, ` +
            `RSS ${peakRssMiB.toFixed(0)} MiB, CPU/req ${result.serviceCpuMsPerReq.toFixed(2)} + ` +
            `${result.dbCpuMsPerReq.toFixed(2)} ms` +
            (result.dbCheck
              ? `, rows ${result.dbCheck.ok ? 'ok' : `MISMATCH ${JSON.stringify(result.dbCheck)}`}`
              : ''),
        );
      }
    }
    const serviceVmHwmMiB = memoryOf(service.pid).hwm;
    // Before pgbench, whose 64 clients alone push the load average up.
    const loadAfter = loadavg()[0];

    // The ceiling: the same SQL straight from pgbench, with the service idle.
    const ceiling: CeilingResult[] = [];
    if (opts.pgbench) {
      for (const scenario of scenarios.filter((s) => s.lines !== undefined)) {
        const products = sellable.slice(0, scenario.lines);
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
    const failed = results.filter((r) => r.dbCheck && !r.dbCheck.ok);
    if (failed.length > 0) {
      process.exitCode = 1;
      log(
        `row check failed for ${failed.map((r) => `${r.scenario} c=${r.connections}`).join(', ')}`,
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
