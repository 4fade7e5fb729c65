import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BuiltService, startBuiltService } from './utils/built-service';
import { createTestDatabase, dropTestDatabase } from './utils/database';
import { assertServiceBuilt, freePort, SERVICE_MAIN, serviceEnv } from './utils/service';
import { TEST_SECRET } from './utils/tokens';

/*
 * Logs for people and for machines, read from the BUILT service: JSON lines when stdout is not a
 * terminal, readable lines on a terminal (or with LOG_FORMAT=pretty), and start-up ends with a
 * banner saying where the service answers, what it runs on and how to get a token.
 */

const PASSWORD = 'banner-must-not-show-this';

async function waitForOutput(read: () => string, pattern: RegExp, ms = 30_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (!pattern.test(read())) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${read()}`);
    await sleep(100);
  }
  return read();
}

/** The database URL with a password, so that the banner can prove it leaves it out. */
function withPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = PASSWORD;
  return parsed.toString();
}

describe('logs (built service)', () => {
  let s: BuiltService | undefined;

  beforeAll(() => assertServiceBuilt());

  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  it('LOG_FORMAT=pretty: readable lines, ending with the banner', async () => {
    s = await startBuiltService({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'info' });
    const out = await waitForOutput(() => s!.service.stdout(), /Token: /);
    const lines = out.split('\n').filter((line) => line.trim() !== '');

    expect(lines.filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
    expect(out).toMatch(/\d\d:\d\d:\d\d\.\d{3}\] INFO: \[Bootstrap\] Order Service \S+ is ready/);
    const port = new URL(s.url).port;
    const banner = lines.slice(lines.findIndex((line) => / is ready$/.test(line)));
    expect(banner.slice(1).map((line) => line.trim())).toEqual([
      `URL:       http://localhost:${port}`,
      `API docs:  http://localhost:${port}/docs`,
      expect.stringMatching(/^Database: {2}PostgreSQL at 127\.0\.0\.1:5432\/order_test_\w+$/),
      'Catalog:   built-in demo catalog (PRODUCT_SERVICE_URL is unset)',
      'Token:     npm run -s token   (admin: npm run -s token -- --role admin)',
    ]);
    // A request is one readable line too.
    const res = await fetch(`${s.url}/api/orders`);
    expect(res.status).toBe(401);
    await waitForOutput(() => s!.service.stdout(), /WARN.*GET \/api\/orders 401/);
  });

  it('stdout not a terminal: JSON lines as before, the banner as the last message', async () => {
    s = await startBuiltService({ LOG_LEVEL: 'info' });
    await waitForOutput(() => s!.service.stdout(), /Token: /);
    const entries = s.service
      .stdout()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { context?: string; msg: string; level: number });

    const last = entries[entries.length - 1];
    expect(last).toEqual(expect.objectContaining({ context: 'Bootstrap', level: 30 }));
    expect(last.msg).toMatch(/ is ready\n {2}URL: {7}http:\/\/localhost:\d+\n {2}API docs:/);
    expect(last.msg).toContain('Catalog:   built-in demo catalog');
  });

  it('on a terminal (a pty) outside production: readable lines without asking; no password shown', async () => {
    const db = await createTestDatabase();
    const cwd = mkdtempSync(join(tmpdir(), 'order-logs-'));
    const port = await freePort();
    // `script` gives the service a pseudo-terminal as stdout, as a developer's shell does.
    const child = spawn(
      'script',
      ['-qfec', `exec "${process.execPath}" "${SERVICE_MAIN}"`, '/dev/null'],
      {
        cwd,
        detached: true,
        env: serviceEnv({
          PORT: String(port),
          DATABASE_URL: withPassword(db.url),
          SECRET_KEY: TEST_SECRET,
          MIGRATIONS_RUN: 'false',
          LOG_LEVEL: 'info',
        }),
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise((done) => child.once('exit', done));
    try {
      await waitForOutput(() => out, /Token: /, 60_000);

      const text = out.replace(/\r/g, '');
      expect(text).not.toMatch(/^\s*\{"level"/m);
      expect(text).toMatch(/INFO.*\[Bootstrap\] Order Service \S+ is ready/);
      expect(text).toMatch(/Database: {2}PostgreSQL at 127\.0\.0\.1:5432\/order_test_\w+\r?\n/);
      expect(text).not.toContain(PASSWORD);
    } finally {
      // The whole group: `script` and the service under it.
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
      await Promise.race([exited, sleep(20_000, undefined, { ref: false })]);
      child.stdout.destroy();
      child.stderr.destroy();
      await dropTestDatabase(db.name);
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
