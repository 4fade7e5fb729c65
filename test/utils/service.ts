import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { Environment } from '../../src/config/environment';
import { createTestDatabase, dropTestDatabase } from './database';

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
function serviceEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
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
 * With `terminal`, `script` runs it with a pseudo-terminal as stdout, as a developer's shell does
 * (stdout and stderr then both arrive on stdout); `script` passes SIGTERM on to the service and
 * exits with its code.
 */
function startService(env: NodeJS.ProcessEnv, cwd: string, terminal = false): RunningService {
  assertServiceBuilt();
  const [command, args] = terminal
    ? ['script', ['-qfec', `exec "${process.execPath}" "${SERVICE_MAIN}"`, '/dev/null']]
    : [process.execPath, [SERVICE_MAIN]];
  const child = spawn(command, args, { env, cwd, stdio: 'pipe' });
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

export interface SpawnOptions {
  /** Settings over the documented defaults (see serviceEnv); PORT and DATABASE_URL are set here. */
  env?: Record<string, string>;
  /**
   * 'clone' (the default): a fresh clone of the migrated template, dropped afterwards, with
   * MIGRATIONS_RUN=false unless `env` says otherwise. 'none': no DATABASE_URL (the embedded
   * PostgreSQL, or a start meant to fail). `{ url }`: a database the test owns, e.g. shared by
   * two replicas or kept across a restart.
   */
  database?: 'clone' | 'none' | { url: string };
  /** Rewrites the database URL the service is given (e.g. to add a password it must not log). */
  mapDatabaseUrl?: (url: string) => string;
  /** The API port; a free one by default. A restart passes the port its clients know. */
  port?: number;
  /** How long to wait for GET /health/ready (default 60 s); `false` for a start meant to fail. */
  readyWithinMs?: number | false;
  /** Runs it on a pseudo-terminal (see startService), for what it prints to a developer. */
  terminal?: boolean;
}

export interface SpawnedService extends RunningService {
  port: number;
  /** http://127.0.0.1:port */
  url: string;
  /** The DATABASE_URL it was given (undefined with database 'none'). */
  databaseUrl?: string;
  /** A supertest agent on `url`. */
  http(): TestAgent;
  /** Runs one statement on its database (the URL before mapDatabaseUrl); the rows. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  isRunning(): boolean;
  /** SIGTERM, then a failure (and SIGKILL) if it has not exited within `ms`: the exit code. */
  stop(ms?: number): Promise<number | string>;
}

export interface ServiceSpawner {
  /** Every service this spawner started, in order. */
  readonly spawned: readonly SpawnedService[];
  spawn(options?: SpawnOptions): Promise<SpawnedService>;
}

/**
 * Starts the built service (`node dist/main.js`) as a child process, as production runs it, for
 * the enclosing describe block (or file). Registers an afterAll that kills whatever still runs
 * and drops the databases it cloned. Every service runs in one empty directory of its own: the
 * service loads ./.env, and a developer's settings there must not leak into a test.
 */
export function useServiceSpawner(): ServiceSpawner {
  const spawned: SpawnedService[] = [];
  const clones: string[] = [];
  let cwd: string | undefined;

  afterAll(async () => {
    for (const service of spawned) if (service.isRunning()) service.child.kill('SIGKILL');
    await Promise.all(spawned.map((service) => service.exited));
    for (const name of clones) await dropTestDatabase(name);
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  async function spawnService(options: SpawnOptions = {}): Promise<SpawnedService> {
    if (!cwd) {
      cwd = mkdtempSync(join(tmpdir(), 'order-service-'));
      // An embedded PostgreSQL runs as the OS user "postgres" when tests run as root.
      chmodSync(cwd, 0o755);
    }
    const database = options.database ?? 'clone';
    let databaseUrl: string | undefined;
    const env: Record<string, string> = {};
    if (database === 'clone') {
      const clone = await createTestDatabase();
      clones.push(clone.name);
      databaseUrl = clone.url;
      env.MIGRATIONS_RUN = 'false'; // the template is migrated already
    } else if (database !== 'none') {
      databaseUrl = database.url;
    }
    const ownUrl = databaseUrl;
    if (databaseUrl) databaseUrl = options.mapDatabaseUrl?.(databaseUrl) ?? databaseUrl;
    const port = options.port ?? (await freePort());
    const running = startService(
      serviceEnv({
        PORT: String(port),
        ...(databaseUrl && { DATABASE_URL: databaseUrl }),
        ...env,
        ...options.env,
      }),
      cwd,
      options.terminal,
    );
    const url = `http://127.0.0.1:${port}`;
    const isRunning = () => running.child.exitCode === null && running.child.signalCode === null;
    const service: SpawnedService = {
      ...running,
      port,
      url,
      databaseUrl,
      http: () => request(url),
      query: async <T>(sql: string, params: unknown[] = []) => {
        if (!ownUrl) throw new Error('this service was started without a database');
        const client = new Client({ connectionString: ownUrl });
        await client.connect();
        try {
          return (await client.query(sql, params)).rows as T[];
        } finally {
          await client.end();
        }
      },
      isRunning,
      stop: async (ms = 20_000) => {
        if (isRunning()) running.child.kill('SIGTERM');
        return await exitWithin(running, ms);
      },
    };
    spawned.push(service);
    const readyWithinMs = options.readyWithinMs ?? 60_000;
    if (readyWithinMs !== false) await waitUntilReady(service, port, readyWithinMs);
    return service;
  }

  return { spawned, spawn: spawnService };
}
