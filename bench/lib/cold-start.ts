import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../test/utils/service';
import { memoryOf, startService } from './service';

export interface ColdStart {
  /** A new data directory: the embedded cluster is created, then every migration applied. */
  firstMs: number;
  /** The same directory again: the cluster exists and no migration is pending. */
  restartMs: number;
  /** VmRSS two seconds after the restart was ready, before any request. */
  idleRssMiB: number;
}

/**
 * `npm start` as a newcomer meets it: no DATABASE_URL, so the service starts its embedded
 * PostgreSQL. Timed from spawning node to the first 200 from /health/ready, polled every 10 ms.
 */
export async function measureColdStart(
  secret: string,
  main: string | undefined,
  captureFile: string,
): Promise<ColdStart> {
  const dir = mkdtempSync(join(tmpdir(), 'order-bench-embedded-'));
  // Run as root, the embedded server drops to a user "postgres", who must reach the directory.
  chmodSync(dir, 0o755);
  const settings = {
    NODE_ENV: 'production',
    SECRET_KEY: secret,
    LOG_LEVEL: 'warn',
    EMBEDDED_DB_DIR: join(dir, 'pg'),
  };
  try {
    const times: number[] = [];
    let idleRssMiB = 0;
    for (const run of ['first', 'restart']) {
      const service = await startService(settings, await freePort(), captureFile, {
        main,
        pollMs: 10,
      });
      times.push(service.readyAfterMs);
      if (run === 'restart') {
        await sleep(2000);
        idleRssMiB = memoryOf(service.pid).rss;
      }
      await service.stop();
    }
    return { firstMs: times[0], restartMs: times[1], idleRssMiB };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
