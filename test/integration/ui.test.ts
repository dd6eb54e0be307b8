import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, ROOT, runCli, tempHome } from '../support/cli.js';
import { CHROMIUM, CHROMIUM_ARGS, rawRequest, startUi, type UiProcess } from '../support/ui-process.js';

/**
 * The web console end to end: a real native instance, `resource-postgres ui` as a subprocess,
 * and Debian's Chromium driving the page headless. In CI a missing Chromium fails the suite.
 */
const SHOTS = join(ROOT, 'test-results', 'ui');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI) throw new Error(`CI requires Chromium for the web console suite, but ${CHROMIUM} is missing`);
  console.warn(`skipping the web console suite: ${CHROMIUM} is missing (apt-get install chromium)`);
}

describe.skipIf(!haveChromium)('web console (native instance, headless Chromium)', () => {
  let home: string;
  let ui: UiProcess;
  let browser: Browser;
  let page: Page;
  const cli = (args: string[]) => runCli(args, { home });
  const state = async () => JSON.parse((await cli(['status', '--json', '--instance', 'web'])).stdout).instances[0];
  const row = (s: string) => `#instances tr[data-instance="web"][data-state="${s}"]`;

  beforeAll(async () => {
    home = await tempHome('rp-ui-');
    await mkdir(SHOTS, { recursive: true });
    const start = await cli(['manage', 'start', '--instance', 'web', '--engine', 'native']);
    expect(start.code, start.stderr).toBe(0);
    ui = await startUi(home);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    ui?.child.kill('SIGKILL');
    if (home) await destroyHome(home);
  }, 120_000);

  it('lists the instance with its live state, port, version and template, and its log tail', async () => {
    await page.goto(ui.url);
    await page.waitForSelector(row('running'));
    // The token leaves the address bar once the cookie holds it.
    expect(page.url()).toBe(`http://127.0.0.1:${ui.port}/`);
    const s = await state();
    const cells = await page.locator('#instances tr[data-instance="web"] td').allTextContents();
    expect(cells.slice(0, 7)).toEqual(['web', 'running', 'healthy', 'native', String(s.port), s.version, s.template]);
    await page.waitForFunction(() => (document.getElementById('log')?.textContent ?? '').length > 0);
    expect(await page.textContent('#databases')).toContain(s.database);
    await page.screenshot({ path: join(SHOTS, 'instances.png'), fullPage: true });
  });

  it('shows the password only after an explicit click', async () => {
    const creds = JSON.parse((await cli(['credentials', '--instance', 'web', '--json', '--show-secrets'])).stdout);
    const password: string = creds.connections[0].auth.password;
    expect(password.length).toBeGreaterThan(10);
    await page.waitForFunction(() => (document.getElementById('conn-url')?.textContent ?? '').includes('*'));
    expect(await page.content()).not.toContain(password);
    await page.screenshot({ path: join(SHOTS, 'connection-masked.png') });
    await page.click('#show-password');
    await page.waitForFunction((pw) => document.getElementById('conn-url')?.textContent?.includes(pw), password);
    expect(await page.textContent('#conn-url')).toBe(creds.connections[0].metadata.url.replace('*****', password));
    // A second click masks it again (and keeps it out of the screenshots that follow).
    await page.click('#show-password');
    await page.waitForFunction(() => (document.getElementById('conn-url')?.textContent ?? '').includes('*****'));
    expect(await page.content()).not.toContain(password);
  });

  it('runs a query and shows its rows as a table, data as text, never as markup', async () => {
    await page.fill('#sql', "SELECT g AS n, 'row ' || g AS label, NULL AS nothing FROM generate_series(1, 3) g");
    await page.click('#run-sql');
    await page.waitForSelector('#sql-results tbody tr:nth-child(3)');
    expect(await page.locator('#sql-results th').allTextContents()).toEqual(['n', 'label', 'nothing']);
    expect(await page.locator('#sql-results tbody tr:nth-child(2) td').allTextContents()).toEqual([
      '2',
      'row 2',
      'null',
    ]);
    await page.screenshot({ path: join(SHOTS, 'query.png'), fullPage: true });

    const markup = '<img src=x onerror="window.pwned=1">';
    await page.fill('#sql', `SELECT '${markup}' AS "<b>x</b>"`);
    await page.click('#run-sql');
    await page.waitForSelector('#sql-results tbody tr');
    expect(await page.textContent('#sql-results tbody td')).toBe(markup);
    expect(await page.textContent('#sql-results th')).toBe('<b>x</b>');
    expect(await page.locator('#sql-results img, #sql-results b').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  });

  it('refuses a write in read-only mode and runs it once writes are allowed', async () => {
    const exists = async () =>
      (await cli(['content', 'execute', "SELECT to_regclass('ui_made') IS NOT NULL AS made", '--instance', 'web']))
        .stdout;
    await page.fill('#sql', 'CREATE TABLE ui_made (x int)');
    await page.click('#run-sql');
    await page.waitForFunction(() => (document.getElementById('sql-error')?.textContent ?? '').length > 0);
    expect(await page.textContent('#sql-error')).toMatch(/cannot execute CREATE TABLE in a read-only transaction/);
    expect(await page.textContent('#sql-error')).toContain('allow writes');
    await page.screenshot({ path: join(SHOTS, 'read-only-refused.png'), fullPage: true });
    expect(await exists()).toMatch(/\bf\b/);
    // A second statement cannot end the read-only transaction and write after it.
    await page.fill('#sql', 'COMMIT; CREATE TABLE ui_made (x int)');
    await page.click('#run-sql');
    await page.waitForFunction(() => /one statement/.test(document.getElementById('sql-error')?.textContent ?? ''));
    expect(await exists()).toMatch(/\bf\b/);

    await page.check('#allow-writes');
    await page.fill('#sql', 'CREATE TABLE ui_made (x int)');
    await page.click('#run-sql');
    await page.waitForFunction(() => /^CREATE/.test(document.getElementById('sql-info')?.textContent ?? ''));
    expect(await exists()).toMatch(/\bt\b/);
    await page.uncheck('#allow-writes');
  });

  it('stops and starts the instance from the page, as status --json sees it', async () => {
    await page.click('button[data-action="stop"][data-instance="web"]');
    await page.waitForSelector(row('stopped'), { timeout: 60_000 });
    expect(await state()).toMatchObject({ state: 'stopped', desired_state: 'stopped', healthy: false });
    await page.screenshot({ path: join(SHOTS, 'stopped.png'), fullPage: true });
    await page.click('button[data-action="start"][data-instance="web"]');
    await page.waitForSelector(row('running'), { timeout: 60_000 });
    expect(await state()).toMatchObject({ state: 'running', desired_state: 'running', healthy: true });
  }, 120_000);

  it('refuses requests without the token, with a wrong Host, or a POST from another origin (403)', async () => {
    const host = `127.0.0.1:${ui.port}`;
    const cookie = `rp_console_${ui.port}=${ui.token}`;
    expect((await rawRequest(ui.port, '/api/status', { Host: host })).status).toBe(403);
    expect((await rawRequest(ui.port, '/', { Host: host })).status).toBe(403);
    expect((await rawRequest(ui.port, '/?token=wrong', { Host: host })).status).toBe(403);
    const rebound = await rawRequest(ui.port, `/?token=${ui.token}`, { Host: `rebound.example:${ui.port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain('wrong Host header');
    const noOrigin = await rawRequest(ui.port, '/api/instances/web/stop', { Host: host, Cookie: cookie }, '{}');
    expect(noOrigin.status).toBe(403);
    expect(noOrigin.body).toContain('cross-origin request');
    const origin = { Host: host, Cookie: cookie, Origin: 'http://evil.example' };
    expect((await rawRequest(ui.port, '/api/instances/web/password', origin, '{}')).status).toBe(403);
    expect((await rawRequest(ui.port, '/api/status', { Host: host, Cookie: cookie })).status).toBe(200);
    expect((await state()).state).toBe('running');
  });

  it('shuts down on SIGTERM: exit 143, the port closed', async () => {
    ui.child.kill('SIGTERM');
    const code = await ui.exited;
    expect(code).toBe(143);
    expect(ui.stderr()).toContain('terminated');
    await expect(rawRequest(ui.port, '/', { Host: `127.0.0.1:${ui.port}` })).rejects.toThrow(/ECONNREFUSED/);
    // The instance outlives the console.
    expect((await state()).state).toBe('running');
  }, 30_000);
});
