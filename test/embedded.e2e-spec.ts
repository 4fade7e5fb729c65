import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import {
  EMBEDDED_DATABASE,
  EMBEDDED_PASSWORD,
  EMBEDDED_USER,
} from '../src/database/embedded-postgres';
import { exitWithin, SpawnedService, useServiceSpawner } from './utils/service';

// Three real starts of the built service, one of them an initdb: slow on a small machine.
jest.setTimeout(180_000);

const EMBEDDED_LOG = /using an embedded PostgreSQL on 127\.0\.0\.1:(\d+)/;

async function withDatabase<T>(port: number, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({
    host: '127.0.0.1',
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    database: EMBEDDED_DATABASE,
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Alive and not a zombie (an exited process its new parent has not reaped yet). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false; // gone between the two checks
  }
}

describe('the service on its embedded PostgreSQL (no DATABASE_URL)', () => {
  let root: string;
  let dataDir: string;
  // Its afterAll is declared first, so it kills the services before the one below stops their
  // PostgreSQL and removes the data directory.
  const services = useServiceSpawner();
  const marker = randomUUID();

  const postmasterPid = (): number | undefined => {
    const file = join(dataDir, 'postmaster.pid');
    return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined;
  };

  async function start(): Promise<{ service: SpawnedService; port: number; dbPort: number }> {
    const service = await services.spawn({
      env: { EMBEDDED_DB_DIR: dataDir },
      database: 'none',
      readyWithinMs: 120_000,
    });
    const match = EMBEDDED_LOG.exec(service.stdout());
    if (!match) throw new Error(`no embedded-database log line in:\n${service.stdout()}`);
    return { service, port: service.port, dbPort: Number(match[1]) };
  }

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'order-embedded-'));
    // PostgreSQL runs as the OS user "postgres" when the tests run as root; it must reach its dir.
    chmodSync(root, 0o755);
    dataDir = join(root, 'pg');
  });

  afterAll(async () => {
    const pid = root && existsSync(root) ? postmasterPid() : undefined;
    if (pid && isAlive(pid)) {
      process.kill(pid, 'SIGINT');
      for (let waited = 0; waited < 15_000 && isAlive(pid); waited += 100) await sleep(100);
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  let first: { service: SpawnedService; dbPort: number };

  it('starts, migrates its own database and becomes ready', async () => {
    first = await start();

    await withDatabase(first.dbPort, async (db) => {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM migrations');
      expect(Number(rows[0].n)).toBeGreaterThan(0);
      await db.query('CREATE TABLE e2e_marker (value text NOT NULL)');
      await db.query('INSERT INTO e2e_marker (value) VALUES ($1)', [marker]);
    });
  });

  it('stops on SIGTERM with exit code 0, stopping the embedded server too', async () => {
    first.service.child.kill('SIGTERM');

    expect(await exitWithin(first.service, 30_000)).toBe(0);
    await expect(withDatabase(first.dbPort, () => Promise.resolve())).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    // A clean PostgreSQL shutdown removes its pid file; a crash would leave it.
    expect(postmasterPid()).toBeUndefined();
  });

  it('starts again on the same data directory, with the data still there', async () => {
    const second = await start();

    const value = await withDatabase(second.dbPort, async (db) => {
      const { rows } = await db.query<{ value: string }>('SELECT value FROM e2e_marker');
      return rows.map((r) => r.value);
    });
    expect(value).toEqual([marker]);

    // Killed outright: no shutdown code runs, so its PostgreSQL is left running.
    const leftover = postmasterPid();
    second.service.child.kill('SIGKILL');
    expect(await exitWithin(second.service, 10_000)).toBe('SIGKILL');
    expect(leftover).toEqual(expect.any(Number));
    expect(isAlive(leftover!)).toBe(true);
    await withDatabase(second.dbPort, (db) => db.query('SELECT 1'));
  });

  it('after a kill, stops the leftover server and comes up ready', async () => {
    const leftover = postmasterPid()!;

    const third = await start();

    expect(isAlive(leftover)).toBe(false);
    expect(postmasterPid()).not.toBe(leftover);
    const value = await withDatabase(third.dbPort, async (db) => {
      const { rows } = await db.query<{ value: string }>('SELECT value FROM e2e_marker');
      return rows.map((r) => r.value);
    });
    expect(value).toEqual([marker]);

    third.service.child.kill('SIGTERM');
    expect(await exitWithin(third.service, 30_000)).toBe(0);
    expect(postmasterPid()).toBeUndefined();
  });
});
