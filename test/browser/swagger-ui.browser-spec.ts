import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../support/chromium';
import { registerUser } from '../support/factories';
import { RunningService, startService } from '../support/service';

/** A host name that is not localhost (Chromium trusts localhost more: plain http there is never upgraded). */
const HOST_NAME = 'devbox.test';

/**
 * The Swagger UI as a client developer on a shared dev server uses it, in Debian's Chromium driven by
 * playwright-core, under a host name other than localhost over plain HTTP: log in through "Try it
 * out", authorize with the token, call a protected route; then, as a normal user, call an admin-only
 * route and see the 403 envelope. Nothing the page loads may fail or be blocked.
 */
describe('Swagger UI in a real browser, under a non-localhost host name over http', () => {
  let service: RunningService;
  let context: BrowserContext;
  let page: Page;
  let docsUrl: string;
  const profile = mkdtempSync(join(tmpdir(), 'ums-chromium-'));
  const problems: string[] = [];

  beforeAll(async () => {
    service = await startService();
    docsUrl = `http://${HOST_NAME}:${new URL(service.url).port}/docs`;
    // A fresh profile (--user-data-dir) every run: no cached asset or HSTS entry from an earlier one.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [`--host-resolver-rules=MAP ${HOST_NAME} 127.0.0.1`, ...CHROMIUM_ARGS],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('requestfailed', (request) => problems.push(`${request.url()}: ${request.failure()?.errorText}`));
    page.on('console', (message) => {
      // Chromium notes that it ignores Cross-Origin-Opener-Policy on plain http (it applies over https): not a failure.
      if (message.type() === 'error' && !message.text().includes('Cross-Origin-Opener-Policy header has been ignored')) {
        problems.push(message.text());
      }
    });
  });
  afterAll(async () => {
    await context?.close();
    await service?.dispose();
    rmSync(profile, { recursive: true, force: true });
  });

  const operation = (id: string) => page.locator(`[id$="-${id}"]`).first();

  async function execute(id: string, body?: object): Promise<{ status: number; text: string }> {
    const block = operation(id);
    await block.locator('.opblock-summary').first().click();
    await block.locator('.try-out__btn').click();
    if (body) await block.locator('textarea.body-param__text').fill(JSON.stringify(body, null, 2));
    await block.locator('.execute').click();
    const status = block.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor({ timeout: 15000 });
    const code = Number((await status.innerText()).trim());
    const text = await block.locator('.live-responses-table tbody .response-col_description pre').first().innerText();
    // Collapse it again so the page is as it was for the next call.
    await block.locator('.opblock-summary').first().click();
    return { status: code, text };
  }

  async function authorize(token: string): Promise<void> {
    await page.locator('.auth-wrapper .authorize').first().click();
    const modal = page.locator('.dialog-ux');
    const logout = modal.locator('button:has-text("Logout")');
    if (await logout.count()) await logout.first().click();
    await modal.locator('input[type="text"], input:not([type])').first().fill(token);
    await modal.locator('.auth-btn-wrapper .authorize').first().click();
    await modal.locator('.btn-done, .close-modal').first().click();
  }

  it('logs in with "Try it out", authorizes, and GET /auth/me answers 200 with the user', async () => {
    const user = await registerUser(service.http, { profile: { name: '浏览器测试' } });
    await page.goto(docsUrl);
    expect(new URL(page.url()).protocol).toBe('http:');
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 20000 });

    const login = await execute('AuthController_login', { username: user.username, password: user.password });
    expect(login.status).toBe(200);
    const token = JSON.parse(login.text).data.access_token as string;
    expect(token).toEqual(expect.any(String));

    await authorize(token);
    const me = await execute('AuthController_me');
    expect(me.status).toBe(200);
    const body = JSON.parse(me.text);
    expect(body.data.username).toBe(user.username);
    expect(body.data.profile.name).toBe('浏览器测试');
    // Every asset loaded over http from this host, nothing blocked by the CSP.
    expect(problems).toEqual([]);
  });

  it("authorized with a normal user's token, an admin-only route answers the 403 envelope", async () => {
    const user = await registerUser(service.http);
    await page.goto(docsUrl);
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 20000 });
    await authorize(user.token);
    const list = await execute('UsersController_list');
    expect(list.status).toBe(403);
    expect(JSON.parse(list.text)).toEqual({ data: null, message: 'Your role does not allow this', errorCode: 40301, status: 403 });
  });
});
