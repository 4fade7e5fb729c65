import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './service';

/*
 * A PostgreSQL primary and a streaming standby of it, started by a test from the local server's
 * binaries in temporary folders on free ports, so that nothing of the shared server (its
 * wal_level, pg_hba.conf) has to change. PostgreSQL refuses to run as root: as root, the
 * commands run as the OS user `postgres` that the server's package created.
 */

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

function run(command: string, args: string[]): string {
  const [file, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', join(BIN, command), ...args]]
    : [join(BIN, command), args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function postgresUid(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
  return { uid: id('-u'), gid: id('-g') };
}

export interface PgServer {
  port: number;
  dir: string;
  url(database: string): string;
  start(): void;
  /** `immediate`: as if the machine died. */
  stop(mode?: 'fast' | 'immediate'): void;
}

function server(dir: string, port: number): PgServer {
  const data = join(dir, 'data');
  const pgCtl = (args: string[]) => run('pg_ctl', ['-D', data, '-w', '-t', '60', ...args]);
  return {
    port,
    dir,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: () => {
      pgCtl([
        '-l',
        join(dir, 'log'),
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        'start',
      ]);
    },
    stop: (mode = 'fast') => {
      if (existsSync(join(data, 'postmaster.pid'))) pgCtl(['-m', mode, 'stop']);
    },
  };
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (asRoot) {
    const { uid, gid } = postgresUid();
    chownSync(dir, uid, gid);
  }
  return dir;
}

/** A fresh cluster with trust authentication (replication too), listening on 127.0.0.1 only. */
export async function startPrimary(): Promise<PgServer> {
  const dir = tempDir('order-primary-');
  run('initdb', [
    '-D',
    join(dir, 'data'),
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    '--no-sync',
  ]);
  const primary = server(dir, await freePort());
  primary.start();
  return primary;
}

/** `pg_basebackup -R` of the primary into a new folder, started as a hot standby. */
export async function startStandby(primary: PgServer): Promise<PgServer> {
  const dir = tempDir('order-standby-');
  run('pg_basebackup', [
    '-h',
    '127.0.0.1',
    '-p',
    String(primary.port),
    '-U',
    'postgres',
    '-D',
    join(dir, 'data'),
    '-R',
    '-X',
    'stream',
    // Start at once rather than after a spread checkpoint; a test's data needs no fsync.
    '--checkpoint=fast',
    '--no-sync',
  ]);
  const standby = server(dir, await freePort());
  standby.start();
  return standby;
}

export function removeServer(pg: PgServer | undefined): void {
  if (!pg) return;
  try {
    pg.stop('immediate');
  } catch {
    // already stopped
  }
  rmSync(pg.dir, { recursive: true, force: true });
}
