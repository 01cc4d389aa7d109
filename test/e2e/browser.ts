/**
 * Browser helpers for the portal tests and the screenshot script: Debian's Chromium driven by playwright-core
 * (no browser download here; node-stack.md §1.8 and pitfall 10), and the steps a person takes in the portal.
 * A missing Chromium is an error with instructions, never a skip (CONVENTIONS.md).
 */
import { existsSync } from 'node:fs';
import { chromium, request, type APIRequestContext, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a closed network and a root user in CI (no sandbox); without them Chromium phones home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Throws, with what to do about it, when there is no Chromium to drive. */
export function assertChromiumInstalled(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The portal browser tests need Chromium at ${CHROMIUM_PATH}, and it is not there. ` +
        'Install it with `apt-get install -y chromium` (as .ci/run does), or point TESSERA_CHROMIUM at a Chromium binary.',
    );
  }
}

export async function launchChromium(): Promise<Browser> {
  assertChromiumInstalled();
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** A fresh browser profile (cookies, storage) trusting the test server's self-signed certificate. */
export async function newPortalContext(
  browser: Browser,
  baseUrl: string,
  viewport = { width: 1280, height: 860 },
  options: { javaScriptEnabled?: boolean } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: baseUrl, ignoreHTTPSErrors: true, viewport, locale: 'en-US', ...options });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
  context.setDefaultTimeout(10_000); // a missing element fails in seconds, not after Playwright's 30 s
  return context;
}

/** An HTTP client for what a script would do (exchange the token, query VMs): no browser cookies. */
export function newApiClient(baseUrl: string): Promise<APIRequestContext> {
  return request.newContext({ baseURL: baseUrl, ignoreHTTPSErrors: true });
}

// ---------------------------------------------------------------- portal steps

/** Password step only; the caller checks where it landed (home, or the code step). */
export async function submitPassword(page: Page, portalPath: string, user: string, password: string): Promise<void> {
  await page.goto(`${portalPath}/login`);
  await page.getByLabel('User name', { exact: true }).fill(user);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('domcontentloaded');
}

export async function submitCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Code', { exact: true }).fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.waitForLoadState('domcontentloaded');
}

export async function openUserMenu(page: Page): Promise<void> {
  await page.locator('summary.user-menu-toggle').click();
}

/** User menu (top right) > User preferences. */
export async function openUserPreferences(page: Page): Promise<void> {
  await openUserMenu(page);
  await page.locator('.user-menu-panel').getByRole('link', { name: 'User preferences' }).click();
  await page.waitForURL(/\/preferences/);
}

export async function signOut(page: Page): Promise<void> {
  await openUserMenu(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/login/);
}

/** User preferences > Access Tokens > New > name > CREATE; returns the token as the page shows it. */
export async function createTokenInPage(page: Page, name: string, expiresOn?: string): Promise<string> {
  await openUserPreferences(page);
  await page.locator('#access-tokens').getByRole('link', { name: 'New' }).click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  if (expiresOn) await page.getByLabel(/Expiry date/).fill(expiresOn);
  await page.getByRole('button', { name: 'Create' }).click();
  await page.waitForURL(/\/preferences\/tokens\/created$/);
  return (await page.locator('#api-token').textContent())!.trim();
}

/** Row > Revoke > confirmation > Revoke. */
export async function revokeTokenInPage(page: Page, name: string): Promise<void> {
  const row = page.locator('tbody tr').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
  await row.getByRole('link', { name: /^Revoke/ }).click();
  await page.waitForURL(/\/revoke/);
  await page.getByRole('button', { name: 'Revoke' }).click();
  await page.waitForURL(/done=revoked/);
}

// ---------------------------------------------------------------- API steps (what a script does)

export const oauthPathOf = (org: string) => (org.toLowerCase() === 'system' ? '/oauth/provider' : `/oauth/tenant/${org}`);

export async function exchangeToken(api: APIRequestContext, org: string, apiToken: string) {
  const res = await api.post(`${oauthPathOf(org)}/token`, {
    headers: { Accept: 'application/json' },
    form: { grant_type: 'refresh_token', refresh_token: apiToken },
  });
  return { status: res.status(), body: (await res.json()) as Record<string, unknown> };
}

export async function queryVms(api: APIRequestContext, accessToken: string) {
  const res = await api.get('/api/query?type=vm', {
    headers: { Accept: 'application/*+xml;version=36.1', Authorization: `Bearer ${accessToken}` },
  });
  return { status: res.status(), body: await res.text() };
}

/** Password sign-in on the cloudapi; returns the session's access token. */
export async function apiSignIn(api: APIRequestContext, user: string, org: string, password: string): Promise<string> {
  const provider = org.toLowerCase() === 'system';
  const res = await api.post(`/cloudapi/1.0.0/sessions${provider ? '/provider' : ''}`, {
    headers: {
      Authorization: 'Basic ' + Buffer.from(`${user}@${org}:${password}`).toString('base64'),
      Accept: 'application/json;version=37.0',
    },
  });
  if (res.status() !== 200) throw new Error(`API sign-in of ${user}@${org} failed: ${res.status()} ${await res.text()}`);
  return res.headers()['x-vmware-vcloud-access-token']!;
}

/** VCD's two API steps (register, then the jwt-bearer grant), as govcd does; returns the token. */
export async function apiCreateToken(api: APIRequestContext, session: string, org: string, name: string): Promise<string> {
  const reg = await api.post(`${oauthPathOf(org)}/register`, {
    headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    data: { client_name: name },
  });
  if (reg.status() !== 200) throw new Error(`register failed: ${reg.status()} ${await reg.text()}`);
  const clientId = ((await reg.json()) as { client_id: string }).client_id;
  const grant = await api.post(`${oauthPathOf(org)}/token`, {
    headers: { Accept: 'application/json' },
    form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: session, client_id: clientId },
  });
  if (grant.status() !== 200) throw new Error(`jwt-bearer grant failed: ${grant.status()} ${await grant.text()}`);
  return ((await grant.json()) as { refresh_token: string }).refresh_token;
}

/** Creates a user with a predefined role of the org, as an admin would through the cloudapi. */
export async function apiCreateUser(
  api: APIRequestContext,
  adminSession: string,
  input: { userName: string; password: string; roleName: string; fullName?: string },
): Promise<string> {
  const headers = { Authorization: `Bearer ${adminSession}`, Accept: 'application/json;version=37.0' };
  const roles = await api.get('/cloudapi/1.0.0/roles?pageSize=128', { headers });
  const role = ((await roles.json()) as { values: Array<{ id: string; name: string }> }).values.find((r) => r.name === input.roleName);
  if (!role) throw new Error(`no role named ${input.roleName}`);
  const res = await api.post('/cloudapi/1.0.0/users', {
    headers: { ...headers, 'Content-Type': 'application/json' },
    data: {
      username: input.userName,
      password: input.password,
      fullName: input.fullName ?? '',
      roleEntityRefs: [{ id: role.id, name: role.name }],
      enabled: true,
    },
  });
  if (res.status() !== 201) throw new Error(`user creation failed: ${res.status()} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}
