import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FakeHttpService, json, type FakeReply, type FakeRequest } from './fakes/product-service';
import { listen } from './utils/app';
import { useOrderService } from './utils/fixture';
import { NO_RATE_LIMITS } from './utils/orders';
import { objectId, signToken, TEST_SECRET } from './utils/tokens';

// `npm run demo` with USER_SERVICE_URL logs in as the platform's documented customer and, when
// that user does not exist yet, registers them.

const ROOT = resolve(__dirname, '..');

/** A User Service that knows nobody until they register; `requests` logs what the demo sent. */
class RegisteringUserService extends FakeHttpService {
  private readonly users = new Map<string, { password: string; userId: string }>();

  constructor() {
    super();
  }

  protected route(req: FakeRequest): FakeReply {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const email = String(body.email);
    if (req.pathname === '/api/auth/login') {
      const user = this.users.get(email);
      if (!user || user.password !== body.password) return json(401, { message: 'Invalid' });
      return json(200, {
        message: 'Login successful',
        token: signToken({ userId: user.userId, email }),
      });
    }
    if (req.pathname === '/api/auth/register') {
      const user = { password: String(body.password), userId: objectId() };
      this.users.set(email, user);
      return json(201, { message: 'Registered', token: signToken({ userId: user.userId, email }) });
    }
    return json(404, { message: 'Route not found' });
  }
}

/**
 * `npm run demo` is scripts/demo.ts, not the service: it runs here with this process's
 * environment (which test/setup/env.ts cleared of every neighbour's URL) plus `env`.
 */
function runDemo(
  env: Record<string, string>,
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
      {
        env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
        cwd,
        stdio: 'pipe',
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => ok({ code, out }));
  });
}

describe('npm run demo with USER_SERVICE_URL', () => {
  const t = useOrderService({ env: NO_RATE_LIMITS });
  const users = new RegisteringUserService();
  let cwd: string;
  let demoEnv: Record<string, string>;

  beforeAll(async () => {
    const port = await listen(t);
    await users.up();
    // No .env in the demo's directory: a developer's own settings must not leak into the test.
    cwd = mkdtempSync(join(tmpdir(), 'order-demo-'));
    demoEnv = {
      SECRET_KEY: TEST_SECRET,
      USER_SERVICE_URL: users.url,
      DEMO_BASE_URL: `http://127.0.0.1:${port}`,
    };
  });

  afterAll(async () => {
    await users.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('registers john.doe@example.com / SecurePass123 when missing, then logs in on the next run', async () => {
    const credentials = { email: 'john.doe@example.com', password: 'SecurePass123' };

    const first = await runDemo(demoEnv, cwd);
    expect({ code: first.code, out: first.out }).toEqual({ code: 0, out: expect.any(String) });
    expect(users.requests.map((s) => s.path)).toEqual(['/api/auth/login', '/api/auth/register']);
    expect(users.requests[0].body).toEqual(credentials);
    expect(users.requests[1].body).toMatchObject(credentials);
    expect(first.out).toContain('john.doe@example.com');

    users.reset();
    const second = await runDemo(demoEnv, cwd);
    expect(second.code).toBe(0);
    expect(users.requests.map((s) => s.path)).toEqual(['/api/auth/login']);
  });

  it('DEMO_EMAIL and DEMO_PASSWORD override them', async () => {
    users.reset();
    const env = { ...demoEnv, DEMO_EMAIL: 'ada@example.com', DEMO_PASSWORD: 'Another-Pass-1' };

    expect((await runDemo(env, cwd)).code).toBe(0);
    expect(users.requests[0].body).toEqual({
      email: 'ada@example.com',
      password: 'Another-Pass-1',
    });
  });
});
