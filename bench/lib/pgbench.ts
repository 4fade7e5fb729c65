import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CeilingWorkload } from './ceiling';
import { exitedChildrenCpuMs, machineBusyCpuMs } from './host';

const run = promisify(execFile);

export const PGBENCH = process.env.PGBENCH ?? '/usr/bin/pgbench';

export interface PgbenchResult {
  clients: number;
  tps: number;
  latencyMs: number;
  transactions: number;
  failed: number;
  /**
   * The whole machine's busy CPU per transaction (PostgreSQL, pgbench, the kernel and anything
   * else running), connecting included; and pgbench's own share of it.
   */
  machineCpuMsPerTxn: number;
  pgbenchCpuMsPerTxn: number;
  /** CPUs busy on average while it ran (of the machine's, less what the hypervisor took). */
  busyCpus: number;
}

/**
 * pgbench with `clients` connections for `durationS` seconds on a workload's scripts (picked at
 * random per transaction), extended protocol like pg, its variables bound as parameters.
 */
export async function runPgbench(
  url: string,
  workload: CeilingWorkload,
  clients: number,
  durationS: number,
): Promise<PgbenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'order-bench-pgbench-'));
  try {
    const files = workload.scripts.map((script, i) => {
      const file = join(dir, `script-${i}.sql`);
      writeFileSync(file, script);
      return file;
    });
    const args = [
      '-n',
      '-M',
      'extended',
      '-c',
      String(clients),
      '-j',
      String(Math.min(2, clients)),
    ];
    args.push('-T', String(durationS));
    for (const [name, value] of Object.entries(workload.variables))
      args.push('-D', `${name}=${value}`);
    for (const file of files) args.push('-f', file);
    args.push(url);
    const machine = machineBusyCpuMs();
    const children = exitedChildrenCpuMs();
    const started = performance.now();
    const { stdout } = await run(PGBENCH, args, { maxBuffer: 16 * 1024 * 1024 }).catch(
      (error: Error & { stderr?: string }) => {
        throw new Error(`pgbench failed: ${error.stderr?.slice(-2000) ?? error.message}`);
      },
    );
    const elapsedMs = performance.now() - started;
    const after = machineBusyCpuMs();
    const pgbenchCpuMs = exitedChildrenCpuMs() - children;
    const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? NaN);
    const transactions = number(/number of transactions actually processed: (\d+)/);
    return {
      clients,
      tps: number(/tps = ([\d.]+) \(without initial connection time\)/),
      latencyMs: number(/latency average = ([\d.]+) ms/),
      transactions,
      failed: number(/number of failed transactions: (\d+)/) || 0,
      machineCpuMsPerTxn: (after - machine) / transactions,
      pgbenchCpuMsPerTxn: pgbenchCpuMs / transactions,
      busyCpus: (after - machine) / elapsedMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
