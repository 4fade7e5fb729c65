import { setTimeout as sleep } from 'node:timers/promises';
import { SpawnedService, SpawnOptions, useServiceSpawner } from './utils/service';
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
  const services = useServiceSpawner();
  let s: SpawnedService | undefined;

  const start = (env: Record<string, string>, options: SpawnOptions = {}) =>
    services.spawn({ ...options, env: { SECRET_KEY: TEST_SECRET, ...env } });

  afterEach(async () => {
    // One service at a time; should one not stop in time, the spawner kills it after the file.
    await s?.stop().catch(() => undefined);
    s = undefined;
  });

  it('LOG_FORMAT=pretty: readable lines, ending with the banner', async () => {
    s = await start({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'info' });
    const out = await waitForOutput(() => s!.stdout(), /Token: /);
    const lines = out.split('\n').filter((line) => line.trim() !== '');

    expect(lines.filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
    expect(out).toMatch(/\d\d:\d\d:\d\d\.\d{3}\] INFO: \[Bootstrap\] Order Service \S+ is ready/);
    const port = s.port;
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
    await waitForOutput(() => s!.stdout(), /WARN.*GET \/api\/orders 401/);
  });

  it('stdout not a terminal: JSON lines as before, the banner as the last message', async () => {
    s = await start({ LOG_LEVEL: 'info' });
    await waitForOutput(() => s!.stdout(), /Token: /);
    const entries = s
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
    s = await start({ LOG_LEVEL: 'info' }, { terminal: true, mapDatabaseUrl: withPassword });
    const out = await waitForOutput(() => s!.stdout() + s!.stderr(), /Token: /, 60_000);

    const text = out.replace(/\r/g, '');
    expect(text).not.toMatch(/^\s*\{"level"/m);
    expect(text).toMatch(/INFO.*\[Bootstrap\] Order Service \S+ is ready/);
    expect(text).toMatch(/Database: {2}PostgreSQL at 127\.0\.0\.1:5432\/order_test_\w+\r?\n/);
    expect(text).not.toContain(PASSWORD);
  });
});
