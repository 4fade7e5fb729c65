import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Environment } from '../../src/config/environment';
import { createMemoryCgroup, inCgroup, type MemoryCgroup } from './memory-limit';

const ROOT = resolve(__dirname, '..', '..');
export const SERVICE_MAIN = resolve(ROOT, 'dist', 'main.js');
const CAPTURE_HOOK = resolve(ROOT, 'bench', 'capture-sql.js');

export interface BenchService {
  child: ChildProcess;
  pid: number;
  port: number;
  url: string;
  /** From spawning the process to its first 200 from /health/ready. */
  readyAfterMs: number;
  /** The memory cgroup it runs in, or why it runs without one (see memory-limit.ts). */
  memory?: MemoryCgroup | string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * The built service in production mode on `port`: its settings are exactly `settings` on top
 * of the documented defaults (this process's own service settings and .env are not inherited).
 */
export async function startService(
  settings: Record<string, string>,
  port: number,
  captureFile: string,
  options: { main?: string; nodeArgs?: string[]; pollMs?: number; memoryLimitMiB?: number } = {},
): Promise<BenchService> {
  // Its own cgroup, as each pod is its own container.
  const memory =
    options.memoryLimitMiB === undefined
      ? undefined
      : createMemoryCgroup(`order-bench-${process.pid}-${port}`, options.memoryLimitMiB);
  const cgroup = typeof memory === 'object' ? memory : undefined;
  const spawned = performance.now();
  const known = new Set(Object.keys(new Environment()));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!known.has(key) && !key.startsWith('npm_')) env[key] = value;
  }
  Object.assign(env, settings, {
    PORT: String(port),
    NO_COLOR: '1',
    BENCH_SQL_CAPTURE_FILE: captureFile,
  });
  // cwd: the project root, whose .env (if any) would leak in, so the bench sets every setting
  // it relies on explicitly; dotenv never overrides a variable that is already set.
  // Another build (say, a copy of dist/ from before a change) resolves packages from here.
  if (options.main) env.NODE_PATH = resolve(ROOT, 'node_modules');
  const main = options.main ? resolve(options.main) : SERVICE_MAIN;
  const args = [...(options.nodeArgs ?? []), '-r', CAPTURE_HOOK, main];
  // `exec` keeps the shell's pid: child.pid is the service's.
  const [command, argv] = cgroup
    ? ['/bin/sh', [...inCgroup(cgroup.procs), process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(command, argv, {
    env,
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  // Removable once its last process has gone.
  const removeCgroup = () => {
    try {
      cgroup?.remove();
    } catch {
      // A process of it still runs (an embedded database's); an empty cgroup costs nothing.
    }
  };
  let dead = false;
  void exited.then(() => (dead = true));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (dead) {
      removeCgroup();
      throw new Error(`the service exited during start-up:\n${out}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      void exited.then(removeCgroup);
      throw new Error(`the service was not ready after 60 s:\n${out}`);
    }
    try {
      const res = await fetch(`${url}/health/ready`);
      if (res.status === 200) break;
    } catch {
      // Not listening yet.
    }
    await sleep(options.pollMs ?? 200);
  }
  return {
    child,
    pid: child.pid!,
    port,
    url,
    readyAfterMs: performance.now() - spawned,
    memory,
    output: () => out,
    async stop() {
      if (dead) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      removeCgroup();
    },
  };
}

/** Resident memory of a process from /proc, in MiB: now (VmRSS) and its peak so far (VmHWM). */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** Polls VmRSS while a scenario runs; `stop()` returns the highest value seen, in MiB. */
export function sampleRss(pid: number, everyMs = 50): { stop(): number } {
  let peak = memoryOf(pid).rss;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, memoryOf(pid).rss);
    } catch {
      // The process is gone; keep the last peak.
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        peak = Math.max(peak, memoryOf(pid).rss);
      } catch {
        // As above.
      }
      return peak;
    },
  };
}
