import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError } from '../src/config/environment';
import { createTestApp } from './utils/app';
import { exitWithin, useServiceSpawner } from './utils/service';

// The pure validation rules are unit-tested in src/config/environment.spec.ts; this file checks
// what an operator sees when the real process is started with a bad setting.

const STACK_FRAME = /^\s+at .+(\(|:\d+:\d+)/m;

describe('a bad setting stops the service at start-up', () => {
  const services = useServiceSpawner();
  /** No database, and no waiting: these starts are meant to fail. */
  const start = (env: Record<string, string>) =>
    services.spawn({ env, database: 'none', readyWithinMs: false });

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['SECRET_KEY', { NODE_ENV: 'production' }],
    ['ALGORITHM', { ALGORITHM: 'none' }],
  ])('%s: exits non-zero within seconds, naming it, without a stack trace', async (name, env) => {
    const started = Date.now();
    const service = await start(env);

    const code = await exitWithin(service, 10_000);

    expect(code).not.toBe(0);
    expect(typeof code).toBe('number');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(service.stderr()).toMatch(new RegExp(`\\b${name}\\b`));
    expect(service.stderr()).not.toMatch(STACK_FRAME);
    expect(service.stdout()).not.toMatch(STACK_FRAME);
    // It failed on the setting, not later: nothing was started.
    expect(service.stdout()).not.toMatch(/listening on port|embedded PostgreSQL/);
  });

  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'order-config-'));
    writeFileSync(join(scratch, 'not-a-directory'), '');
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  // Without DATABASE_URL the data directory is checked before anything starts. Node's recursive
  // mkdir never returned under /proc (Node 20), so this start used to hang.
  it.each([
    ['a path the kernel refuses', () => '/proc/order-service-pg'],
    ['a path under a regular file', () => join(scratch, 'not-a-directory', 'pg')],
    ['a regular file', () => join(scratch, 'not-a-directory')],
  ])('EMBEDDED_DB_DIR at %s: exits within seconds, naming it', async (_case, dir) => {
    const started = Date.now();
    const service = await start({ EMBEDDED_DB_DIR: dir() });

    const code = await exitWithin(service, 10_000);

    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(service.stderr()).toMatch(/\bEMBEDDED_DB_DIR: cannot keep the embedded database in /);
    expect(service.stderr()).not.toMatch(STACK_FRAME);
    expect(service.stdout()).not.toMatch(/listening on port|embedded PostgreSQL/);
  });

  it('names every bad variable in one message', async () => {
    const service = await start({ PORT: 'abc', DATABASE_URL: 'mysql://x' });

    expect(await exitWithin(service, 10_000)).not.toBe(0);
    expect(service.stderr()).toMatch(/\bPORT\b/);
    expect(service.stderr()).toMatch(/\bDATABASE_URL\b/);
  });
});

describe('each application instance validates its own environment', () => {
  it('createTestApp with PORT=abc fails with a ConfigValidationError naming PORT', async () => {
    const attempt = createTestApp({ PORT: 'abc' });

    await expect(attempt).rejects.toBeInstanceOf(ConfigValidationError);
    await expect(attempt).rejects.toThrow(/\bPORT\b/);
  });
});
