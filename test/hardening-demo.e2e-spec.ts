import { spawn } from 'node:child_process';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestApp, TestApp } from './utils/app';
import { NO_RATE_LIMITS } from './utils/orders';
import { serviceEnv } from './utils/service';
import { objectId, signToken, TEST_SECRET } from './utils/tokens';

// `npm run demo` with USER_SERVICE_URL logs in as the platform's documented customer and, when
// that user does not exist yet, registers them.

const ROOT = resolve(__dirname, '..');

interface Seen {
  path: string;
  body: Record<string, unknown>;
}

/** A User Service that knows nobody until they register. */
function userService(seen: Seen[]): Promise<Server> {
  const users = new Map<string, { password: string; userId: string }>();
  const read = (req: IncomingMessage) =>
    new Promise<Record<string, unknown>>((ok) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => ok(text ? (JSON.parse(text) as Record<string, unknown>) : {}));
    });
  const server = createServer((req, res) => {
    void read(req).then((body) => {
      seen.push({ path: req.url ?? '', body });
      const email = String(body.email);
      const reply = (status: number, data: unknown) =>
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(data));
      if (req.url === '/api/auth/login') {
        const user = users.get(email);
        if (!user || user.password !== body.password) return reply(401, { message: 'Invalid' });
        return reply(200, {
          message: 'Login successful',
          token: signToken({ userId: user.userId, email }),
        });
      }
      if (req.url === '/api/auth/register') {
        const user = { password: String(body.password), userId: objectId() };
        users.set(email, user);
        return reply(201, {
          message: 'Registered',
          token: signToken({ userId: user.userId, email }),
        });
      }
      reply(404, { message: 'Route not found' });
    });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

function runDemo(
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ code: number | null; out: string }> {
  return new Promise((ok) => {
    const child = spawn(
      process.execPath,
      [
        require.resolve('ts-node/dist/bin.js'),
        '--transpile-only',
        join(ROOT, 'scripts', 'demo.ts'),
      ],
      { env, cwd, stdio: 'pipe' },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => ok({ code, out }));
  });
}

describe('npm run demo with USER_SERVICE_URL', () => {
  let t: TestApp;
  let users: Server;
  let cwd: string;
  const seen: Seen[] = [];
  let base: string;

  beforeAll(async () => {
    t = await createTestApp(NO_RATE_LIMITS);
    await new Promise<void>((ok) => t.app.getHttpServer().listen(0, '127.0.0.1', () => ok()));
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    users = await userService(seen);
    cwd = mkdtempSync(join(tmpdir(), 'order-demo-'));
  });

  afterAll(async () => {
    await new Promise((ok) => users?.close(ok));
    await t?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('registers john.doe@example.com / SecurePass123 when missing, then logs in on the next run', async () => {
    const env = serviceEnv({
      SECRET_KEY: TEST_SECRET,
      USER_SERVICE_URL: `http://127.0.0.1:${(users.address() as AddressInfo).port}`,
      DEMO_BASE_URL: base,
      TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
    });
    const credentials = { email: 'john.doe@example.com', password: 'SecurePass123' };

    const first = await runDemo(env, cwd);
    expect({ code: first.code, out: first.out }).toEqual({ code: 0, out: expect.any(String) });
    expect(seen.map((s) => s.path)).toEqual(['/api/auth/login', '/api/auth/register']);
    expect(seen[0].body).toEqual(credentials);
    expect(seen[1].body).toMatchObject(credentials);
    expect(first.out).toContain('john.doe@example.com');

    seen.length = 0;
    const second = await runDemo(env, cwd);
    expect(second.code).toBe(0);
    expect(seen.map((s) => s.path)).toEqual(['/api/auth/login']);
  });

  it('DEMO_EMAIL and DEMO_PASSWORD override them', async () => {
    seen.length = 0;
    const env = serviceEnv({
      SECRET_KEY: TEST_SECRET,
      USER_SERVICE_URL: `http://127.0.0.1:${(users.address() as AddressInfo).port}`,
      DEMO_BASE_URL: base,
      DEMO_EMAIL: 'ada@example.com',
      DEMO_PASSWORD: 'Another-Pass-1',
      TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
    });

    expect((await runDemo(env, cwd)).code).toBe(0);
    expect(seen[0].body).toEqual({ email: 'ada@example.com', password: 'Another-Pass-1' });
  });
});
