/**
 * bench/run.ts's report as Markdown, printed at the end of a run: the results, where the CPU
 * went, how the ceiling was made, publishing, the cold start and the query plans. The report's
 * data types are in report.ts.
 */
import { LOAD_STALL_MS } from './load';
import { overran, type BenchReport } from './report';

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Where the machine's CPU went in each run and in its ceiling. The ratio follows from it, up to
 * the ceiling's connecting (in its CPU, not in its TPS): req/s ÷ ceiling TPS = (the ceiling's
 * machine ms per transaction ÷ the run's machine ms per request) × (the run's busy CPUs ÷ the
 * ceiling's busy CPUs).
 */
function accounting(report: BenchReport): string {
  const rows = report.scenarios.filter((s) => s.machineCpuMsPerReq !== undefined);
  const ms = (n: number | undefined) => (n === undefined ? '' : fixed(n, 3));
  return [
    `Where the CPU went, in ms per request (per transaction for the ceiling) summed over the ` +
      `${report.machine.cpus} CPUs; “machine” is every process and the kernel, “rest” what the ` +
      'service, its database backends and the bench process (autocannon, the fake Product ' +
      'Service) leave of it. Busy CPUs: on average over the run, of the machine’s (less what the ' +
      'hypervisor took). Ratio ≈ (ceiling’s machine ms per transaction ÷ the run’s machine ms ' +
      'per request) × (the run’s busy CPUs ÷ the ceiling’s).',
    '',
    table(
      [
        'Scenario',
        'Conc.',
        'service',
        'database',
        'bench process',
        'rest',
        'machine',
        'busy CPUs',
        'ceiling: machine',
        'of it pgbench',
        'ceiling: busy CPUs',
      ],
      rows.map((s) => {
        const machine = s.machineCpuMsPerReq!;
        const known = s.serviceCpuMsPerReq + s.dbCpuMsPerReq + (s.benchCpuMsPerReq ?? 0);
        return [
          s.title,
          String(s.connections),
          ms(s.serviceCpuMsPerReq),
          ms(s.dbCpuMsPerReq),
          ms(s.benchCpuMsPerReq),
          ms(machine - known),
          ms(machine),
          fixed(s.busyCpus ?? NaN, 2),
          ms(s.ceiling?.machineCpuMsPerTxn),
          ms(s.ceiling?.pgbenchCpuMsPerTxn),
          s.ceiling ? fixed(s.ceiling.busyCpus, 2) : '',
        ];
      }),
    ),
  ].join('\n');
}

/**
 * The service's event loop in each run. Never asleep means it had work all the time: it was the
 * stage that limited req/s, and its wait for a CPU is what sharing the two cores cost it.
 */
function eventLoop(report: BenchReport): string {
  const rows = report.scenarios.filter((s) => s.eventLoop !== undefined);
  if (rows.length === 0) return 'The kernel keeps no scheduler figures per thread here.';
  const share = (n: number) => `${fixed(100 * n, 0)} %`;
  return [
    'The service’s event loop (its main thread) over each run, as shares of the run’s time: ' +
      'running, waiting for a CPU while it had work (runnable, queued behind other threads), ' +
      'and asleep (nothing to do until the network answers); how often the kernel switched it ' +
      'out while it still had work, per request; and how many of the database’s backends were ' +
      'waiting for a CPU, on average (/proc/<pid>/task/<tid>/schedstat). An event loop that is ' +
      'seldom asleep limits req/s: it runs only the share of a CPU the scheduler gives it.',
    '',
    table(
      [
        'Scenario',
        'Conc.',
        'running',
        'waiting for a CPU',
        'asleep',
        'preempted per request',
        'backends waiting for a CPU',
      ],
      rows.map((s) => {
        const loop = s.eventLoop!;
        return [
          s.title,
          String(s.connections),
          share(loop.running),
          share(loop.waiting),
          share(loop.asleep),
          fixed(loop.preemptedPerReq, 2),
          fixed(loop.backendsWaiting, 2),
        ];
      }),
    ),
  ].join('\n');
}

export function markdown(report: BenchReport): string {
  const m = report.machine;
  const parts = [
    `Order Service benchmark, ${report.date}${report.quick ? ' (quick run: not comparable)' : ''}: ` +
      `${report.durationS} s per scenario after a ${report.warmupS} s warm-up; ` +
      `${m.cpus} × ${m.model}, ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.postgres}. ` +
      'Service, PostgreSQL, the fake Product Service and autocannon share the machine ' +
      `(load average ${fixed(report.loadAverage.before, 2)} before the run, ` +
      `${fixed(report.loadAverage.after, 2)} after the HTTP scenarios). ` +
      ('limitMiB' in report.memoryLimit
        ? `The service ran in a memory cgroup of ${report.memoryLimit.limitMiB} MiB, the Deployment's limit ` +
          `(V8 heap limit ${fixed(report.memoryLimit.heapLimitMiB, 0)} MiB). `
        : `The service ran without a memory limit: ${report.memoryLimit.none}. `) +
      `Node options: ${report.nodeArgs.join(' ') || 'none'}. ` +
      `Its RSS idle after start: ${fixed(report.idleRssMiB, 0)} MiB 2 s after ready, ` +
      `${fixed(report.idleSettledRssMiB, 0)} MiB 30 s after; peak over the run (VmHWM): ` +
      `${fixed(report.serviceVmHwmMiB, 0)} MiB.`,
    '',
    table(
      [
        'Scenario',
        'Conc.',
        'req/s',
        'p50 ms',
        'p99 ms',
        'non-2xx',
        'errors',
        'peak RSS MiB',
        'CPU ms/req svc + db',
        'SQL stmts/req',
        'ceiling TPS',
        'ratio',
        'check',
      ],
      report.scenarios.map((s) => {
        const notes = [
          s.dbCheck ? (s.dbCheck.ok ? 'rows = 201s ✓' : 'ROWS ≠ 201s ✗') : '',
          s.publishing ? (s.publishing.ok ? 'stream = orders ✓' : 'STREAM ≠ ORDERS ✗') : '',
          s.ceiling?.failed ? `pgbench: ${s.ceiling.failed} failed` : '',
          s.loadStallMs > LOAD_STALL_MS
            ? `load paused ${fixed(s.loadStallMs / 1000, 1)} s: req/s understated`
            : '',
          overran(s) ? `ran ${fixed(s.durationS, 1)} s of ${s.plannedS} s` : '',
          s.export
            ? `${fixed(s.export.rowsPerS, 0)} rows/s, ${s.export.rowsPerDownload} rows, ` +
              `RSS +${fixed(s.export.rssGrowthMiB, 0)} MiB` +
              (s.ceiling
                ? `; ceiling ${fixed(s.ceiling.tps * s.export.rowsPerDownload, 0)} rows/s`
                : '')
            : '',
        ].filter(Boolean);
        return [
          s.title,
          String(s.connections),
          fixed(s.rps, s.export ? 2 : 0),
          fixed(s.p50, 0),
          fixed(s.p99, 0),
          String(s.non2xx),
          String(s.errors),
          fixed(s.peakRssMiB, 0),
          `${fixed(s.serviceCpuMsPerReq, 2)} + ${fixed(s.dbCpuMsPerReq, 2)}`,
          String(report.statementsPerRequest[s.scenario] ?? ''),
          s.ceiling ? fixed(s.ceiling.tps, s.export ? 2 : 0) : '',
          s.ceiling ? fixed(s.ceiling.ratio, 2) : '',
          notes.join(', '),
        ];
      }),
    ),
    '',
    accounting(report),
    '',
    eventLoop(report),
    '',
    'Ceiling: right after each scenario at each concurrency, pgbench (`-M extended`, as many ' +
      'clients as connections, same duration) runs the statements the service sent for a request ' +
      'of that scenario, captured from the service with their parameter values and bound as ' +
      'parameters, typed as PostgreSQL typed the service’s own; a request with several ' +
      'statements (a page and its count, which the service sends concurrently) is one pgbench ' +
      'transaction running them in turn. Reads replay several captured requests (one script ' +
      'each, chosen at random); creates make their ids and order number new per transaction from ' +
      'a `\\set` random number. The export’s ceiling is its SELECT run by pgbench with one ' +
      'client (whole result fetched, no cursor). Each run and each ceiling starts right after a ' +
      'CHECKPOINT. Ratio = req/s ÷ ceiling TPS. ' +
      Object.entries(report.ceilingWorkloads)
        .map(([name, what]) => `${name}: ${what}.`)
        .join(' '),
  ];
  if (report.publishing.length > 0) {
    parts.push(
      '',
      'Publishing order events: creation (1 item) with publishing off (no NATS_URL) and on ' +
        '(a second instance, same build and database, publishing to a local nats-server), run ' +
        'back to back at each concurrency. Backlog: unpublished events at the last response; ' +
        'drain: until none was left; "incl. drain": requests over run + drain time. CPU on = ' +
        'service + database + nats-server, the drain included. Check: one order.created on the ' +
        'stream per order created in the round, warm-up included.',
      '',
      table(
        [
          'Conc.',
          'req/s off',
          'req/s on',
          'on/off',
          'req/s on incl. drain',
          'on/off incl. drain',
          'p99 ms off → on',
          'CPU ms/req off → on',
          'backlog at end',
          'drain ms',
          'stream check',
        ],
        report.publishing.map((p) => [
          String(p.connections),
          fixed(p.rpsOff, 0),
          fixed(p.rpsOn, 0),
          `${fixed(p.ratio * 100)} %`,
          fixed(p.rpsOnDrained, 0),
          `${fixed(p.ratioDrained * 100)} %`,
          `${fixed(p.p99Off, 0)} → ${fixed(p.p99On, 0)}`,
          `${fixed(p.cpuMsPerReqOff, 2)} → ${fixed(p.cpuMsPerReqOn, 2)}`,
          String(p.check.backlogAtEnd),
          fixed(p.check.drainMs, 0),
          p.check.ok
            ? `${p.check.published} = ${p.check.ordersCreated} ✓`
            : `✗ ${p.check.published} published, ${p.check.ordersCreated} created, ` +
              `${p.check.missing} missing, ${p.check.duplicates} dup., ${p.check.unexpected} other`,
        ]),
      ),
    );
  }
  if (report.coldStart) {
    const c = report.coldStart;
    parts.push(
      '',
      `Cold start on the embedded database (\`npm start\` with no DATABASE_URL), spawn to ready: ` +
        `${fixed(c.firstMs, 0)} ms with a new data directory (cluster created, migrations ` +
        `applied), ${fixed(c.restartMs, 0)} ms again; idle RSS then ${fixed(c.idleRssMiB, 0)} MiB.`,
    );
  }
  if (report.explain.length > 0) {
    parts.push(
      '',
      'Query plans (EXPLAIN ANALYZE of the statements the service sent):',
      '',
      table(
        ['Request', 'Statement', 'Scans', 'Index', 'Seq Scan on orders', 'ms'],
        report.explain.map((e) => [
          e.label,
          `\`${e.sql.length > 60 ? `${e.sql.slice(0, 57)}...` : e.sql}\``,
          e.scans.join('; ') || '(none)',
          e.usesIndex ? 'yes' : 'no',
          e.seqScanOnOrders ? 'YES' : 'no',
          fixed(e.executionMs, 2),
        ]),
      ),
    );
  }
  return parts.join('\n');
}
