import type { ExplainResult } from './database';
import type { LoadResult } from './load';
import type { PgbenchResult } from './pgbench';

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
  /** Create scenarios: rows written versus 201s (warm-up included). */
  dbCheck?: {
    created: number;
    orders: number;
    items: number;
    events: number;
    expectedItems: number;
    ok: boolean;
  };
}

export interface CeilingResult extends PgbenchResult {
  scenario: string;
  lines: number;
  serviceRps?: number;
  ratio?: number;
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
  ceiling: CeilingResult[];
  explain: ExplainResult[];
  serviceVmHwmMiB: number;
  /** The machine's 1-minute load average at the start and after the HTTP scenarios. */
  loadAverage: { before: number; after: number };
}

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function markdown(report: BenchReport): string {
  const m = report.machine;
  const parts = [
    `Order Service benchmark, ${report.date}${report.quick ? ' (quick run: not comparable)' : ''}: ` +
      `${report.durationS} s per scenario after a ${report.warmupS} s warm-up; ` +
      `${m.cpus} × ${m.model}, ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.postgres}. ` +
      'Service, PostgreSQL, the fake Product Service and autocannon share the machine ' +
      `(load average ${fixed(report.loadAverage.before, 2)} before the run, ` +
      `${fixed(report.loadAverage.after, 2)} after the HTTP scenarios). Service peak RSS over the run (VmHWM): ` +
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
        'check',
      ],
      report.scenarios.map((s) => {
        const ceiling = report.ceiling.find(
          (c) => c.scenario === s.scenario && c.clients === s.connections,
        );
        const notes = [
          s.dbCheck ? (s.dbCheck.ok ? 'rows = 201s ✓' : 'ROWS ≠ 201s ✗') : '',
          ceiling?.ratio !== undefined ? `${fixed(ceiling.ratio * 100)} % of pgbench` : '',
        ].filter(Boolean);
        return [
          s.title,
          String(s.connections),
          fixed(s.rps, 0),
          fixed(s.p50, 0),
          fixed(s.p99, 0),
          String(s.non2xx),
          String(s.errors),
          fixed(s.peakRssMiB, 0),
          `${fixed(s.serviceCpuMsPerReq, 2)} + ${fixed(s.dbCpuMsPerReq, 2)}`,
          String(report.statementsPerRequest[s.scenario] ?? ''),
          notes.join(', '),
        ];
      }),
    ),
  ];
  if (report.ceiling.length > 0) {
    parts.push(
      '',
      'Ceiling: pgbench running the SQL of one order creation (same database, same clients, ' +
        '`-j 2 -M extended`):',
      '',
      table(
        ['Order lines', 'Clients', 'pgbench TPS', 'pgbench latency ms', 'service req/s', 'ratio'],
        report.ceiling.map((c) => [
          String(c.lines),
          String(c.clients),
          fixed(c.tps, 0),
          fixed(c.latencyMs, 2),
          c.serviceRps === undefined ? '' : fixed(c.serviceRps, 0),
          c.ratio === undefined ? '' : `${fixed(c.ratio * 100)} %`,
        ]),
      ),
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
