/**
 * Takes the portal screenshots in docs/screenshots/ (referenced from docs/portal.md and the README): starts a
 * throwaway HTTPS Tessera with the demo data, walks the portal in Chromium as the demo users, and saves one
 * PNG per page. Run: `node --import tsx scripts/screenshots.ts [outDir]`. Needs /usr/bin/chromium (or
 * TESSERA_CHROMIUM). Tokens in the pictures belong to the throwaway server and die with it.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startTessera } from '../test/helpers/tessera.js';
import { totpCode } from '../src/auth/totp.js';
import {
  apiCreateToken,
  apiCreateUser,
  apiSignIn,
  createTokenInPage,
  exchangeToken,
  launchChromium,
  newApiClient,
  newPortalContext,
  openUserMenu,
  openUserPreferences,
  signOut,
  submitCode,
  submitPassword,
} from '../test/e2e/browser.js';

const outDir = resolve(process.argv[2] ?? 'docs/screenshots');
mkdirSync(outDir, { recursive: true });

const ACME = '/tenant/acme';
const NARROW = { width: 390, height: 844 };

async function shot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: join(outDir, `${name}.png`), fullPage: options.fullPage ?? true });
  process.stdout.write(`  ${name}.png\n`);
}

const server = await startTessera({ https: true, demo: true });
const browser = await launchChromium();
const api = await newApiClient(server.baseUrl);
const contexts: BrowserContext[] = [];
const context = async (viewport?: { width: number; height: number }) => {
  const c = await newPortalContext(browser, server.baseUrl, viewport);
  contexts.push(c);
  return c;
};

try {
  process.stdout.write(`Screenshots of ${server.baseUrl} into ${outDir}\n`);
  const alice = await apiSignIn(api, 'alice', 'acme', server.demoPassword);
  await apiCreateUser(api, alice, {
    userName: 'carol',
    password: 'carol-Password-1',
    roleName: 'Console Access Only',
    fullName: 'Carol Console',
  });
  const aliceToken = await apiCreateToken(api, alice, 'acme', 'nightly-backup');
  await exchangeToken(api, 'acme', aliceToken);
  const hank = await apiSignIn(api, 'hank', 'globex', server.demoPassword);
  await exchangeToken(api, 'globex', await apiCreateToken(api, hank, 'globex', 'globex-monitoring'));
  await apiCreateToken(api, hank, 'globex', 'capvcd-cluster-1');

  // bob: two-factor set-up, then the two sign-in steps.
  const bob = await (await context()).newPage();
  await submitPassword(bob, ACME, 'bob', server.demoPassword);
  await openUserPreferences(bob);
  await bob.locator('#two-factor').getByRole('button', { name: 'Set up' }).click();
  await bob.waitForURL(/\/preferences\/totp$/);
  await shot(bob, '06-totp-enrolment');
  const secret = (await bob.locator('#totp-secret').textContent())!.trim();
  await bob.getByLabel('Code', { exact: true }).fill(totpCode(secret));
  await bob.getByRole('button', { name: 'Confirm' }).click();
  await bob.waitForURL(/\/preferences\/totp\/recovery-codes$/);
  await shot(bob, '20-recovery-codes');
  await bob.getByRole('link', { name: 'I have saved them' }).click();
  await bob.waitForURL(/\/preferences#two-factor$/);
  await signOut(bob);
  await bob.getByLabel('User name', { exact: true }).fill('bob');
  await shot(bob, '01-sign-in');
  await submitPassword(bob, ACME, 'bob', server.demoPassword);
  await shot(bob, '02-verification-code');
  await submitCode(bob, totpCode(secret, Date.now() + 30_000));
  await shot(bob, '03-home');
  await openUserMenu(bob);
  await shot(bob, '04-user-menu', { fullPage: false });
  await bob.keyboard.press('Escape');

  // bob: tokens.
  await exchangeToken(api, 'acme', await createTokenInPage(bob, 'ci-pipeline'));
  await createTokenInPage(bob, 'laptop-scripts');
  await openUserPreferences(bob);
  await bob.locator('#access-tokens').getByRole('link', { name: 'New' }).click();
  await bob.getByLabel('Name', { exact: true }).fill('terraform-prod');
  await bob.getByLabel(/Expiry date/).fill(new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10));
  await shot(bob, '07-new-token');
  // "Never expires" chosen: the warning shows (CSS only).
  await bob.getByLabel('Never expires').check();
  await shot(bob, '21-new-token-never-warning');
  await bob.getByLabel(/Expires at the end of/).check();
  await bob.getByRole('button', { name: 'Create' }).click();
  await bob.waitForURL(/\/preferences\/tokens\/created$/);
  await bob.locator('button[data-copy="api-token"]').click();
  await bob.getByText('Copied to the clipboard.').waitFor();
  await shot(bob, '08-token-created');
  await bob.getByRole('link', { name: 'OK', exact: true }).click();
  await bob.waitForURL(/\/preferences#access-tokens$/);
  await shot(bob, '05-preferences');
  await bob
    .locator('tbody tr')
    .filter({ has: bob.getByRole('rowheader', { name: 'laptop-scripts', exact: true }) })
    .getByRole('link', { name: /^Revoke/ })
    .click();
  await shot(bob, '09-revoke-confirm');
  await bob.getByRole('button', { name: 'Revoke' }).click();
  await bob.waitForURL(/done=revoked/);
  // A token expiring in three days, then the list: expiring soon, the revoked one greyed with who and when.
  await createTokenInPage(bob, 'demo-expiring', new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10));
  await openUserPreferences(bob);
  await bob.goto(`${ACME}/preferences?done=revoked`);
  await shot(bob, '22-token-list-expiring-revoked');
  await bob.goto(`${ACME}/`);
  await shot(bob, '23-home-expiring-soon');
  await openUserPreferences(bob);
  await bob.getByRole('link', { name: 'Regenerate ci-pipeline' }).click();
  await bob.waitForURL(/\/regenerate$/);
  await bob.getByLabel('1 day').check();
  await shot(bob, '24-regenerate-confirm');
  await bob.getByRole('button', { name: 'Regenerate' }).click();
  await bob.waitForURL(/\/preferences\/tokens\/created$/);
  await shot(bob, '25-token-regenerated');
  await openUserPreferences(bob);
  await bob.locator('#two-factor').getByRole('link', { name: 'New recovery codes' }).click();
  await bob.waitForURL(/\/recovery-codes\/new$/);
  await shot(bob, '26-new-recovery-codes');

  // bob on a phone-sized window.
  const narrowContext = await browser.newContext({
    baseURL: server.baseUrl,
    ignoreHTTPSErrors: true,
    viewport: NARROW,
    storageState: await bob.context().storageState(),
  });
  contexts.push(narrowContext);
  const narrow = await narrowContext.newPage();
  await narrow.goto(`${ACME}/preferences`);
  await shot(narrow, '13-narrow-preferences');
  await openUserMenu(narrow);
  await shot(narrow, '14-narrow-user-menu', { fullPage: false });

  // alice: Administration.
  const admin = await (await context()).newPage();
  await submitPassword(admin, ACME, 'alice', server.demoPassword);
  await admin.getByRole('link', { name: 'Administration', exact: true }).click();
  await admin.waitForURL(/\/administration\/users$/);
  await shot(admin, '10-administration-users');
  await admin.getByRole('link', { name: 'API tokens of bob' }).click();
  await admin.waitForURL(/\/tokens$/);
  await shot(admin, '11-administration-user-tokens');

  // The org chooser takes the display name in any case; a page of another org says who is signed in where.
  const chooser = await (await context()).newPage();
  await chooser.goto('/');
  await chooser.getByLabel('Organization').fill('acme corporation');
  await shot(chooser, '27-org-chooser');
  await chooser.goto('/tenant?org=ACME');
  await chooser.waitForURL(/\/tenant\/acme\/login$/);
  await submitPassword(chooser, ACME, 'alice', server.demoPassword);
  await chooser.goto('/tenant/globex/preferences');
  await chooser.waitForURL(/\/tenant\/globex\/login/);
  await shot(chooser, '28-signed-in-to-another-org');

  // The System administrator: every org.
  const provider = await (await context()).newPage();
  await submitPassword(provider, '/provider', 'administrator', server.adminPassword);
  await provider.goto('/provider/administration/tokens');
  await shot(provider, '12-provider-api-tokens');

  // carol (Console Access Only): no Access Tokens section; its pages refuse.
  const carol = await (await context()).newPage();
  await submitPassword(carol, ACME, 'carol', 'carol-Password-1');
  await openUserPreferences(carol);
  await shot(carol, '15-preferences-without-token-right');
  await carol.goto(`${ACME}/preferences/tokens/new`);
  await shot(carol, '16-error-not-allowed');

  // bob again: the form that turns two-factor off, then a password change that also revokes his API tokens.
  await openUserPreferences(bob);
  await bob.locator('#two-factor').getByRole('link', { name: 'Turn off' }).click();
  await bob.waitForURL(/\/preferences\/totp\/disable$/);
  await bob.getByLabel('Password', { exact: true }).fill(server.demoPassword);
  await shot(bob, '17-turn-off-two-factor');
  await openUserPreferences(bob);
  await bob.locator('#password').getByRole('link', { name: 'Change password' }).click();
  await bob.waitForURL(/\/preferences\/password$/);
  await bob.getByLabel('Current password').fill(server.demoPassword);
  await bob.getByLabel('New password', { exact: true }).fill('bob-New-Password-2');
  await bob.getByLabel('New password again').fill('bob-New-Password-2');
  await bob.getByLabel('Also revoke all my API tokens').check();
  await shot(bob, '18-change-password');
  await bob.getByRole('button', { name: 'Change password' }).click();
  await bob.waitForURL(/done=password-changed/);
  await shot(bob, '19-password-changed');

  // Issue 14: Data Centers, Virtual Machines, a VM, the administration pages (alice, an org administrator).
  await admin.goto(`${ACME}/datacenters`);
  await shot(admin, '29-datacenters');
  await admin.goto(`${ACME}/vms?sort=memory&direction=desc`);
  await shot(admin, '30-vm-list');
  await admin.locator('table a.cell-name').first().click();
  await admin.waitForURL(/\/vms\/[0-9a-f-]{36}$/);
  await shot(admin, '31-vm-detail');
  await admin.goto(`${ACME}/administration/users`);
  await admin.locator('table').getByRole('link', { name: 'bob', exact: true }).click();
  await admin.waitForURL(/\/administration\/users\/[0-9a-f-]{36}$/);
  await shot(admin, '32-administration-user');
  await admin.goto(`${ACME}/administration/audit?what=apiToken`);
  await shot(admin, '33-audit-trail');
  await admin.goto(`${ACME}/administration/tokenPolicy`);
  await shot(admin, '34-token-policy');
  await provider.goto('/provider/administration/orgs');
  await shot(provider, '35-provider-organizations');
  await provider.goto('/provider/vms');
  await shot(provider, '36-provider-vm-list');

  // alice chooses a time zone; her token list then shows Paris time, labelled.
  await openUserPreferences(admin);
  await admin.locator('#time-zone').getByRole('link', { name: 'Change time zone' }).click();
  await admin.waitForURL(/\/preferences\/time-zone$/);
  await admin.getByLabel('Time zone').selectOption('Europe/Paris');
  await shot(admin, '37-time-zone');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.waitForURL(/done=time-zone/);
  await shot(admin, '38-preferences-in-time-zone');
} finally {
  for (const c of contexts) await c.close();
  await api.dispose();
  await browser.close();
  await server.stop();
}
