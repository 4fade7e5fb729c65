import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Environment } from '../../src/config/environment';

/** The built service, as production runs it (`npm test` builds it first: see "pretest"). */
export const SERVICE_MAIN = resolve(__dirname, '..', '..', 'dist', 'main.js');

export function assertServiceBuilt(): void {
  if (!existsSync(SERVICE_MAIN)) {
    throw new Error(`${SERVICE_MAIN} is missing: run \`npm run build\` (npm test does it for you)`);
  }
}

/**
 * The environment for a spawned service: this process's (PATH, HOME...) minus the test harness's
 * own variables (TEST_*, JEST_*) and minus every setting of the service (DATABASE_URL, the e2e
 * SECRET_KEY, LOG_LEVEL=silent...), so the child starts from the documented defaults plus `extra`.
 */
export function serviceEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const settings = new Set(Object.keys(new Environment()));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (settings.has(key) || key.startsWith('TEST_') || key.startsWith('JEST_')) continue;
    env[key] = value;
  }
  return { ...env, NODE_ENV: 'development', LOG_LEVEL: 'info', NO_COLOR: '1', ...extra };
}

export interface RunningService {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

/**
 * Starts `node dist/main.js`. `cwd` should be a directory without a .env file: the service loads
 * ./.env, and a developer's own settings there (a DATABASE_URL, say) must not leak into a test.
 */
export function startService(env: NodeJS.ProcessEnv, cwd: string): RunningService {
  assertServiceBuilt();
  const child = spawn(process.execPath, [SERVICE_MAIN], { env, cwd, stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | string>((ok) =>
    child.once('exit', (code, signal) => ok(code ?? signal ?? 'unknown')),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** The exit code, or a failure naming what the process printed if it is still running. */
export async function exitWithin(service: RunningService, ms: number): Promise<number | string> {
  const timer = new AbortController();
  const timeout = sleep(ms, 'timeout' as const, { signal: timer.signal }).catch(() => 'aborted');
  const result = await Promise.race([service.exited, timeout]);
  timer.abort();
  if (result === 'timeout') {
    service.child.kill('SIGKILL');
    throw new Error(
      `still running after ${ms} ms\n--- stdout\n${service.stdout()}\n--- stderr\n${service.stderr()}`,
    );
  }
  return result;
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => ok(port));
    });
  });
}

/** Polls GET /health/ready until it answers 200; fails early if the process dies. */
export async function waitUntilReady(
  service: RunningService,
  port: number,
  ms: number,
): Promise<void> {
  const deadline = Date.now() + ms;
  let died = false;
  void service.exited.then(() => (died = true));
  while (Date.now() < deadline && !died) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  throw new Error(
    `${died ? 'the service exited' : `not ready after ${ms} ms`}\n` +
      `--- stdout\n${service.stdout()}\n--- stderr\n${service.stderr()}`,
  );
}
