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
