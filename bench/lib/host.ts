import { readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Machine } from './report';

export function machine(postgres: string): Machine {
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
export function newest(dir: string): number {
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

/** The process whose command line contains `needle` (a child's child we hold no handle on). */
export function pidByCommandLine(needle: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(needle)) return Number(entry);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return undefined;
}

/**
 * The machine's busy CPU time so far, in ms summed over its CPUs (/proc/stat): user, system and
 * interrupts, of every process and the kernel. Time the hypervisor gave to other machines
 * (steal) is not in it.
 */
export function machineBusyCpuMs(): number {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
  const [user, nice, system, , , irq, softirq] = ticks.map(Number);
  return (user + nice + system + irq + softirq) * MS_PER_TICK;
}

/** CPU time a process has used so far (user + system), in ms, from /proc/<pid>/stat. */
export function cpuMsOf(pid: number): number {
  try {
    const fields = statFields(pid);
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return 0; // gone
  }
}

/**
 * What the scheduler says of one thread so far (/proc/<pid>/task/<tid>/schedstat and status): ms
 * it ran, ms it waited on a run queue while it could have run, and how often it was switched out
 * while still runnable (preempted). Undefined once the thread is gone, or where the kernel keeps
 * no such figures. A process's main thread has the process's id. An event loop that is never
 * asleep is the stage that limits its process's throughput; then its wait is what sharing the
 * CPUs cost it.
 */
export function threadSched(pid: number, tid = pid): ThreadSched | undefined {
  const task = `/proc/${pid}/task/${tid}`;
  try {
    const [runNs, waitNs] = readFileSync(`${task}/schedstat`, 'utf8').trim().split(/\s+/);
    const status = readFileSync(`${task}/status`, 'utf8');
    const preempted = /^nonvoluntary_ctxt_switches:\s*(\d+)$/m.exec(status)?.[1];
    if (preempted === undefined) return undefined;
    return {
      runMs: Number(runNs) / 1e6,
      waitMs: Number(waitNs) / 1e6,
      preempted: Number(preempted),
    };
  } catch {
    return undefined;
  }
}

export interface ThreadSched {
  runMs: number;
  waitMs: number;
  preempted: number;
}

/** CPU ms of this process's children that have exited and been waited for (/proc/self/stat). */
export function exitedChildrenCpuMs(): number {
  const fields = statFields('self');
  return (Number(fields[13]) + Number(fields[14])) * MS_PER_TICK;
}

/** The fields of /proc/<pid>/stat after the command name, from the state on (index 0). */
function statFields(pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces and parentheses; the fields after it are space-separated.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** USER_HZ is 100 on every Linux this runs on (`getconf CLK_TCK`). */
const MS_PER_TICK = 10;
