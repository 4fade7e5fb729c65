import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SpawnedService, useServiceSpawner } from './utils/service';
import { TEST_SECRET } from './utils/tokens';

/*
 * Swagger UI as an admin meets it: a real headless Chromium (Debian's `chromium` package) on
 * the BUILT service, under the service's Content-Security-Policy. Authorize with a token from
 * `npm run token`, "Try it out" on POST /api/orders with the example as it is, then list the
 * orders. A screenshot of the last step is left in test-output/ (not committed).
 */

const ROOT = resolve(__dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = join(ROOT, 'test-output');
const ORDER_NUMBER = /ORD-\d{8}-[A-Z0-9]{6}/;

/** `npm run -s token` (a script, not the service), signed with the spawned service's secret. */
function tokenFromScript(): Promise<string> {
  return new Promise((done, fail) => {
    execFile(
      'npm',
      ['run', '-s', 'token'],
      { cwd: ROOT, env: { ...process.env, SECRET_KEY: TEST_SECRET }, timeout: 60_000 },
      (error, stdout, stderr) =>
        error ? fail(new Error(stderr || error.message)) : done(stdout.trim()),
    );
  });
}

/** Opens an operation's panel, presses "Try it out" then "Execute"; returns its response area. */
async function tryItOut(page: Page, operationId: string) {
  const block = page.locator(`#operations-orders-${operationId}`);
  await block.locator('.opblock-summary').first().click();
  await block.locator('button.try-out__btn').click();
  await block.locator('button.execute').click();
  return block.locator('.live-responses-table');
}

describe('Swagger UI in a real browser (built service)', () => {
  const services = useServiceSpawner();
  let s: SpawnedService;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    s = await services.spawn({ env: { SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'warn' } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
    // A Content-Security-Policy violation shows up as a console error.
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('authorizes with `npm run token`, places the example order, then lists it', async () => {
    const token = await tokenFromScript();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const docs = await page.goto(`${s.url}/docs`);
    expect(docs?.status()).toBe(200);
    expect(docs?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    await page.locator('#operations-orders-OrdersController_create').waitFor();

    await page.locator('.auth-wrapper button.authorize').click();
    const dialog = page.locator('.modal-ux');
    await dialog.locator('input').first().fill(token);
    await dialog.locator('button.authorize').click();
    await dialog.locator('button.btn-done').click();

    const created = await tryItOut(page, 'OrdersController_create');
    await created.locator('tr.response .response-col_status').first().waitFor({ timeout: 30_000 });
    expect(
      (await created.locator('tr.response .response-col_status').first().innerText()).trim(),
    ).toBe('201');
    const createdBody = await created
      .locator('tr.response .response-col_description pre')
      .first()
      .innerText();
    const orderNumber = ORDER_NUMBER.exec(createdBody)?.[0];
    expect(orderNumber).toBeDefined();

    const rows = await s.query<{ order_number: string; status: string }>(
      'SELECT order_number, status FROM orders',
    );
    expect(rows).toEqual([{ order_number: orderNumber, status: 'pending' }]);

    const listed = await tryItOut(page, 'OrdersController_listMine');
    await listed.locator('tr.response .response-col_status').first().waitFor({ timeout: 30_000 });
    expect(
      (await listed.locator('tr.response .response-col_status').first().innerText()).trim(),
    ).toBe('200');
    expect(
      await listed.locator('tr.response .response-col_description pre').first().innerText(),
    ).toContain(orderNumber!);

    await page.screenshot({ path: join(OUTPUT, 'swagger-ui.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  }, 120_000);
});
