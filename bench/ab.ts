/**
 * Interleaved A/B of two builds: `npm run bench:ab -- --service <the other build's main.js>`.
 *
 * These two cores are shared with other machines' work, which moves a build's figures by 10–30 %
 * between one run and the next: more than most changes. Here both builds run at once, each in
 * its own memory cgroup (as lib/service.ts starts them), on one seeded database, and short runs
 * alternate between them, A B, B A, A B …, so that whatever the machine does meanwhile falls on
 * both alike; half the pairs run with A started first, half (after a restart) with B first.
 * Per scenario it reports each build's CPU ms per request over all its runs, the service's and
 * its database backends', their sum's change, req/s, and in how many pairs B's sum was lower.
 * The sum is the figure to read: on loopback the kernel charges part of each side's network
 * work to whichever process sends, so the split between service and database moves by several
 * per cent from run to run while the sum does not.
 *
 * Options (as bench/run.ts's where they share a name):
 *   --service <main.js>     build A (required), e.g. a copy of dist/ from before a change
 *   --against <main.js>     build B (default dist/main.js)
 *   --only <list>           scenarios (default get-one,list-mine,list-all,search,cursor-walk,
 *                           health,create-1,create-3); export and events are not measured here
 *   --connections <n>       one concurrency (default 16)
 *   --duration <s>          seconds per run (default 5); --warmup <s> before each (default 1)
 *   --rounds <n>            pairs per scenario (default 6, half in each start order)
 *   --env, --node-arg, --memory-limit, --out   as in bench/run.ts (the JSON goes to
 *                           bench/results/<date>.ab.tmp by default, which git ignores)
 *   --a-node-options <list> build A's node options instead of the image's (comma-separated),
 *                           for a build from before the Dockerfile's CMD changed, e.g.
 *                           `--a-node-options=--max-semi-space-size=16`
 *   --a-env KEY=VALUE       a setting of build A's only (repeatable; over --env): one build
 *                           against itself with a setting changed, e.g.
 *                           `--service dist/main.js --a-env DB_POOL_SIZE=10`
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FakeProductService } from '../test/fakes/product-service';
import { freePort } from '../test/utils/service';
import { connect, createDatabase } from './lib/database';
import { measure, type MeasureContext, type Scenario } from './lib/measure';
import { imageNodeOptions } from './lib/memory-limit';
import { memoryLimit, settingsOf } from './lib/options';
import { planScenarios, seedOrders, serviceSettings } from './lib/plan';
import type { ScenarioResult } from './lib/report';
import { SERVICE_MAIN, startService, type BenchService } from './lib/service';

type Build = 'A' | 'B';

const READS_AND_CREATES = 'get-one,list-mine,list-all,search,cursor-walk,health,create-1,create-3';

function abOptions() {
  const { values } = parseArgs({
    options: {
      service: { type: 'string' },
      against: { type: 'string' },
      only: { type: 'string', default: READS_AND_CREATES },
      connections: { type: 'string', default: '16' },
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      rounds: { type: 'string', default: '6' },
      env: { type: 'string', multiple: true, default: [] },
      'node-arg': { type: 'string', multiple: true, default: [] },
      'a-node-options': { type: 'string' },
      'a-env': { type: 'string', multiple: true, default: [] },
      'memory-limit': { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  if (!values.service) throw new Error('--service <main.js> names build A');
  return { ...values, a: values.service, b: values.against ?? SERVICE_MAIN };
}

/** One build's totals over its runs of one scenario. */
function total(runs: ScenarioResult[]) {
  const requests = runs.reduce((sum, r) => sum + r.requests, 0);
  const cpu = (field: 'serviceCpuMsPerReq' | 'dbCpuMsPerReq') =>
    runs.reduce((sum, r) => sum + r[field] * r.requests, 0) / requests;
  const rps = runs.reduce((sum, r) => sum + r.rps, 0) / runs.length;
  return {
    requests,
    rps,
    serviceCpuMsPerReq: cpu('serviceCpuMsPerReq'),
    dbCpuMsPerReq: cpu('dbCpuMsPerReq'),
  };
}

async function main(): Promise<void> {
  const opts = abOptions();
  const log = (message: string) => console.error(`[ab] ${message}`);
  const only = opts.only.split(',').map((s) => s.trim());
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) {
      await step().catch((e: Error) => log(`cleanup: ${e.message}`));
    }
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    const adminUrl =
      process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const db = await createDatabase(adminUrl, `order_bench_ab_${process.pid}`);
    cleanups.push(() => db.drop());
    const fake = await FakeProductService.start();
    fake.recordRequests = false;
    cleanups.push(() => fake.close());
    const settings = serviceSettings(db.url, fake.url, settingsOf(opts.env));
    const settingsOfBuild = (name: Build) =>
      name === 'A' ? { ...settings, ...settingsOf(opts['a-env']) } : settings;
    const imageOptions = imageNodeOptions();
    const nodeOptionsOf = (name: Build): string[] =>
      name === 'A' && opts['a-node-options'] !== undefined
        ? opts['a-node-options'].split(',').filter(Boolean)
        : imageOptions;
    const start = async (name: Build): Promise<BenchService> => {
      const service = await startService(
        settingsOfBuild(name),
        await freePort(),
        join(tmpdir(), `order-ab-${process.pid}-${name}.json`),
        {
          main: resolve(opts[name === 'A' ? 'a' : 'b']),
          nodeArgs: [...nodeOptionsOf(name), ...opts['node-arg']],
          memoryLimitMiB: memoryLimit(opts['memory-limit']),
        },
      );
      log(`${name} started (pid ${service.pid})`);
      return service;
    };
    const client = await connect(db.url);
    cleanups.push(() => client.end());
    const ctx: MeasureContext = {
      client,
      database: db.name,
      warmupS: Number(opts.warmup),
      durationS: Number(opts.duration),
      log,
    };
    const connections = Number(opts.connections);
    const rounds = Number(opts.rounds);
    let scenarios: Scenario[] = [];
    const runs = new Map<string, Record<Build, ScenarioResult[]>>();
    // The instance started second came out a few per cent dearer than its twin, even when both
    // ran the same build: half the pairs run with A started first, half with B first.
    for (const first of ['A', 'B'] as const) {
      const builds = {} as Record<Build, BenchService>;
      // One after the other: the second finds the migrations applied.
      for (const name of first === 'A' ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
        builds[name] = await start(name);
      }
      try {
        if (scenarios.length === 0) {
          const customerOrders = await seedOrders(client);
          scenarios = (
            await planScenarios(builds.A.url, customerOrders, (n) => only.includes(n))
          ).filter((s) => !s.export && !s.events);
        }
        for (const scenario of scenarios) {
          const byBuild = runs.get(scenario.name) ?? { A: [], B: [] };
          runs.set(scenario.name, byBuild);
          for (let round = 0; round < Math.ceil(rounds / 2); round++) {
            const order = round % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const);
            for (const name of order) {
              byBuild[name].push(await measure(ctx, scenario, builds[name], connections));
            }
          }
        }
      } finally {
        await Promise.all([builds.A?.stop(), builds.B?.stop()]);
      }
    }
    const report = scenarios.map((scenario) => {
      const { A, B } = runs.get(scenario.name)!;
      const cost = (r: ScenarioResult) => r.serviceCpuMsPerReq + r.dbCpuMsPerReq;
      const bCheaper = A.filter((a, i) => cost(B[i]) < cost(a)).length;
      return {
        scenario: scenario.name,
        title: scenario.title,
        A: total(A),
        B: total(B),
        bCheaper,
        pairs: A.length,
        runs: { A, B },
      };
    });
    const described = (name: Build) =>
      `${opts[name === 'A' ? 'a' : 'b']} (node ${[...nodeOptionsOf(name), ...opts['node-arg']].join(' ')})` +
      (name === 'A' && opts['a-env'].length ? `, settings ${opts['a-env'].join(' ')}` : '');
    console.log(
      `A: ${described('A')}\nB: ${described('B')}\nc = ${connections}, ${report[0]?.pairs} pairs of ${opts.duration} s runs per scenario\n`,
    );
    console.log(
      '| Scenario | req/s A → B | CPU ms/req svc + db, A → B | change, svc + db | B cheaper in |',
    );
    console.log('| --- | --- | --- | --- | --- |');
    for (const { title, A, B, bCheaper, pairs } of report) {
      const both = (t: ReturnType<typeof total>) => t.serviceCpuMsPerReq + t.dbCpuMsPerReq;
      const change = ((both(B) / both(A) - 1) * 100).toFixed(1);
      console.log(
        `| ${title} | ${A.rps.toFixed(0)} → ${B.rps.toFixed(0)} | ` +
          `${A.serviceCpuMsPerReq.toFixed(3)} + ${A.dbCpuMsPerReq.toFixed(3)} → ` +
          `${B.serviceCpuMsPerReq.toFixed(3)} + ${B.dbCpuMsPerReq.toFixed(3)} | ` +
          `${Number(change) > 0 ? '+' : ''}${change} % | ${bCheaper} of ${pairs} |`,
      );
    }
    const date = new Date().toISOString().slice(0, 10);
    const out = opts.out ?? join(__dirname, 'results', `${date}.ab.tmp`);
    writeFileSync(
      out,
      JSON.stringify({ date, a: described('A'), b: described('B'), connections, report }, null, 2),
    );
    log(`results written to ${out}`);
  } finally {
    await cleanup();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
