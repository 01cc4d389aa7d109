/**
 * The portal in a real browser (Chromium through playwright-core) against a real HTTPS Tessera with the demo
 * data: what the seed's user does (sign in with TOTP, User preferences > Access Tokens > New > CREATE > copy >
 * OK), what their script then does (exchange the token, list VMs), revocation from the page and from
 * Administration, a user without the right, CSRF, escaping, and a password change. The steps run in order and
 * share one server.
 */
import { isWellFormedApiToken } from '../../src/domain/api-token-format.js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { APIRequestContext, Browser, BrowserContext, Page } from 'playwright-core';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { totpCode } from '../../src/auth/totp.js';
import { wrongTotpCode } from '../portal/portal-client.js';
import {
  apiCreateToken,
  apiCreateUser,
  apiSignIn,
  assertChromiumInstalled,
  createTokenInPage,
  exchangeToken,
  launchChromium,
  newApiClient,
  newPortalContext,
  openUserMenu,
  openUserPreferences,
  queryVms,
  revokeTokenInPage,
  signOut,
  submitCode,
  submitPassword,
} from './browser.js';

const ACME = '/tenant/acme';

/** The little of the browser's globals these tests touch (the project compiles without the DOM lib). */
interface BrowserGlobals {
  navigator: { clipboard: { readText(): Promise<string> } };
}

// A test of its own, so that a machine without Chromium counts a failure, not only cancelled steps.
test('Chromium is installed for the browser tests', () => {
  assertChromiumInstalled();
});

describe('tenant portal in Chromium', () => {
  let server: TesseraHandle;
  let browser: Browser;
  let api: APIRequestContext;
  let bob: { context: BrowserContext; page: Page };
  let bobTotpSecret = '';
  let bobToken = '';

  before(async () => {
    browser = await launchChromium(); // throws with instructions when Chromium is missing
    server = await startTessera({ https: true, demo: true });
    api = await newApiClient(server.baseUrl);
    const context = await newPortalContext(browser, server.baseUrl);
    bob = { context, page: await context.newPage() };
  });

  after(async () => {
    await bob?.context.close();
    await api?.dispose();
    await browser?.close();
    await server?.stop();
  });

  test('bob enrols TOTP in the portal; from then on sign-in asks for a code after the password', async () => {
    const { page } = bob;
    await page.goto(`${ACME}/`);
    assert.match(page.url(), /\/tenant\/acme\/login$/, 'an anonymous visit lands on the sign-in page');
    assert.equal(await page.locator('input[name="code"]').count(), 0, 'no code field up front');

    await submitPassword(page, ACME, 'bob', server.demoPassword);
    assert.match(page.url(), /\/tenant\/acme\/$/, 'without TOTP the password alone signs in');
    await assert.doesNotReject(page.getByRole('heading', { name: /Welcome/ }).waitFor());

    await openUserPreferences(page);
    await page.locator('#two-factor').getByRole('button', { name: 'Set up' }).click();
    await page.waitForURL(/\/preferences\/totp$/);
    const qrSrc = await page.locator('img.qr-code').getAttribute('src');
    assert.match(qrSrc ?? '', /^data:image\/svg\+xml;base64,/, 'the QR code is an SVG data URI');
    assert.ok(
      await page.locator('img.qr-code').evaluate((img) => {
        const image = img as unknown as { complete: boolean; naturalWidth: number };
        return image.complete && image.naturalWidth > 0;
      }),
      'the QR code renders under the CSP',
    );
    bobTotpSecret = (await page.locator('#totp-secret').textContent())!.trim();
    assert.match(bobTotpSecret, /^[A-Z2-7]{32}$/);

    await page.getByLabel('Code', { exact: true }).fill(wrongTotpCode(bobTotpSecret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await assert.doesNotReject(page.getByText('The code is wrong').waitFor(), 'a wrong first code is refused');
    await page.getByLabel('Code', { exact: true }).fill(totpCode(bobTotpSecret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    // The first recovery codes, shown once, then back to User preferences.
    await page.waitForURL(/\/preferences\/totp\/recovery-codes$/);
    assert.equal(await page.locator('[data-testid="recovery-codes"] li').count(), 10);
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await page.waitForURL(/\/preferences#two-factor$/);
    assert.equal(await page.locator('#two-factor .badge').textContent(), 'Enabled');

    await signOut(page);
    await assert.doesNotReject(page.getByText('You have signed out.').waitFor());

    await submitPassword(page, ACME, 'bob', server.demoPassword);
    assert.match(page.url(), /\/tenant\/acme\/login\/code$/, 'the code step follows a correct password');
    const pending = (await bob.context.cookies()).find((c) => c.name.endsWith('tessera_pending'));
    assert.ok(pending, 'the half-signed-in state is its own cookie');
    assert.ok(!(await bob.context.cookies()).some((c) => c.name.endsWith('tessera_session')), 'and not a session');
    const blocked = await page.request.get(`${ACME}/preferences`, { maxRedirects: 0 });
    assert.equal(blocked.status(), 303, 'half-signed-in opens no page');

    await submitCode(page, wrongTotpCode(bobTotpSecret));
    await assert.doesNotReject(page.getByText('The code is wrong or was already used').waitFor());
    // The enrolment used the current time step: the next step's code is fresh (the server allows ±1 step).
    await submitCode(page, totpCode(bobTotpSecret, Date.now() + 30_000));
    assert.match(page.url(), /\/tenant\/acme\/$/);
    const session = (await bob.context.cookies()).find((c) => c.name === '__Host-tessera_session');
    assert.ok(session, 'the session cookie, __Host- prefixed over HTTPS');
    assert.equal(session.httpOnly, true);
    assert.equal(session.secure, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(session.path, '/');
  });

  test('bob creates a token, sees it once with a warning, and a script exchanges it and lists VMs', async () => {
    const { page } = bob;
    const createdResponse = page.waitForResponse((r) => r.url().endsWith('/preferences/tokens/created'));
    bobToken = await createTokenInPage(page, 'ci-pipeline');
    assert.equal((await createdResponse).headers()['cache-control'], 'no-store');
    assert.ok(isWellFormedApiToken(bobToken), `a well-formed API token is shown: ${bobToken.slice(0, 4)}...`);
    await assert.doesNotReject(page.getByText('It will not be shown again').waitFor());

    await page.locator('#api-token').locator('..').getByRole('button', { name: 'Copy' }).click();
    await assert.doesNotReject(page.getByText('Copied to the clipboard.').waitFor());
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as BrowserGlobals).navigator.clipboard.readText()),
      bobToken,
      'the copy button copies the token',
    );

    const usage = await page.locator('#token-usage').textContent();
    assert.ok(usage?.includes(`${server.baseUrl}/oauth/tenant/acme/token`), 'the snippets name this server and org');
    assert.ok(usage?.includes(`${server.baseUrl}/api/query?type=vm`));
    assert.ok(usage?.includes('application/*+xml;version=36.1'));
    assert.ok(usage?.includes('Invoke-RestMethod'));

    const exchanged = await exchangeToken(api, 'acme', bobToken);
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    const vms = await queryVms(api, String(exchanged.body.access_token));
    assert.equal(vms.status, 200);
    assert.match(vms.body, /<VMRecord /, 'the token lists VMs');

    await page.getByRole('link', { name: 'OK', exact: true }).click();
    await page.waitForURL(/\/preferences#access-tokens$/);
    assert.equal(await page.getByRole('rowheader', { name: 'ci-pipeline', exact: true }).count(), 1, 'listed by name');
    assert.ok(!(await page.content()).includes(bobToken), 'the list never shows the token');

    await page.goBack();
    await page.goto(`${ACME}/preferences/tokens/created`);
    await assert.doesNotReject(page.getByRole('heading', { name: 'Token no longer available' }).waitFor());
    assert.ok(!(await page.content()).includes(bobToken), 'asking again does not show it');
  });

  test('revoking in the page stops the token: the exchange fails with invalid_grant', async () => {
    const { page } = bob;
    await openUserPreferences(page);
    await revokeTokenInPage(page, 'ci-pipeline');
    await assert.doesNotReject(page.getByText('The API token "ci-pipeline" was revoked.').waitFor(), 'the notice names the token');
    // It stays listed, greyed, with who revoked it and when, and without actions.
    const revokedRow = page.locator('tr[data-status="revoked"]').filter({ hasText: 'ci-pipeline' });
    assert.equal(await revokedRow.count(), 1);
    assert.match((await revokedRow.textContent())!, /Revoked \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC by bob/);
    assert.equal(await revokedRow.getByRole('link').count(), 0);
    const exchanged = await exchangeToken(api, 'acme', bobToken);
    assert.equal(exchanged.status, 400);
    assert.equal(exchanged.body.minorErrorCode, 'invalid_grant');
  });

  test('CSRF: a form post without or with a wrong token gets 403 and creates nothing', async () => {
    const { page } = bob;
    await page.goto(`${ACME}/preferences/tokens/new`);
    await page.getByLabel('Name', { exact: true }).fill('csrf-wrong-token');
    await page.locator('main form input[name="_csrf"]').evaluate((input) => {
      const field = input as unknown as { value: string };
      field.value = 'forged-' + field.value.slice(7);
    });
    const refused = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Create' }).click();
    assert.equal((await refused).status(), 403);
    await assert.doesNotReject(page.getByText('did not come from this site').waitFor());

    // Same browser, its cookies, no _csrf field at all.
    const missing = await page.request.post(`${ACME}/preferences/tokens`, { form: { name: 'csrf-no-token' }, maxRedirects: 0 });
    assert.equal(missing.status(), 403);

    const rows = await server.store.db
      .selectFrom('api_tokens')
      .select('id')
      .where('name', 'in', ['csrf-wrong-token', 'csrf-no-token'])
      .execute();
    assert.equal(rows.length, 0, 'no token was created');
  });

  test('names are text: a token named <script>alert(1)</script> renders as text, never runs', async () => {
    const { page } = bob;
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const name = '<script>alert(1)</script>';
    await createTokenInPage(page, name);
    assert.equal(await page.locator('.page-subtitle .token-name').textContent(), name);
    await page.getByRole('link', { name: 'OK', exact: true }).click();
    await page.waitForURL(/\/preferences/);
    assert.equal(await page.getByRole('rowheader', { name, exact: true }).count(), 1, 'the list shows the name as text');
    assert.deepEqual(dialogs, [], 'no script ran');
  });

  test('without "Manage user\'s own API token" the Access Tokens section is absent', async () => {
    const alice = await apiSignIn(api, 'alice', 'acme', server.demoPassword);
    await apiCreateUser(api, alice, {
      userName: 'carol',
      password: 'carol-Password-1',
      roleName: 'Console Access Only',
      fullName: 'Carol Console',
    });
    const context = await newPortalContext(browser, server.baseUrl);
    try {
      const page = await context.newPage();
      await submitPassword(page, ACME, 'carol', 'carol-Password-1');
      assert.match(page.url(), /\/tenant\/acme\/$/);
      await openUserPreferences(page);
      await assert.doesNotReject(page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor(), 'the page itself is there');
      assert.equal(await page.getByRole('heading', { name: 'Access Tokens' }).count(), 0, 'the section is absent');
      assert.equal(await page.locator('#access-tokens').count(), 0);
      assert.equal(await page.getByRole('link', { name: 'Administration', exact: true }).count(), 0);
      const direct = await page.goto(`${ACME}/preferences/tokens/new`);
      assert.equal(direct?.status(), 403, 'and its pages refuse');
    } finally {
      await context.close();
    }
  });

  test("Administration: alice revokes one of bob's tokens from Users; the System administrator sees every org", async () => {
    const target = await createTokenInPage(bob.page, 'bob-build-server');
    await createTokenInPage(bob.page, 'bob-laptop');
    const hank = await apiSignIn(api, 'hank', 'globex', server.demoPassword);
    await apiCreateToken(api, hank, 'globex', 'globex-backup');

    const aliceContext = await newPortalContext(browser, server.baseUrl);
    try {
      const page = await aliceContext.newPage();
      await submitPassword(page, ACME, 'alice', server.demoPassword);
      await page.getByRole('link', { name: 'Administration', exact: true }).click();
      await page.waitForURL(/\/administration\/users$/);
      assert.equal(await page.getByRole('rowheader', { name: 'hank' }).count(), 0, 'a tenant admin sees their own org only');
      await page.getByRole('link', { name: 'API tokens of bob' }).click();
      await page.waitForURL(/\/administration\/users\/[0-9a-f-]{36}\/tokens$/);
      await revokeTokenInPage(page, 'bob-build-server');
      assert.match(
        page.url(),
        /\/administration\/users\/[0-9a-f-]{36}\/tokens\?done=revoked&token=[0-9a-f-]{36}$/,
        'back where the revoke started',
      );
      assert.equal(await page.getByRole('rowheader', { name: 'bob-build-server', exact: true }).count(), 0);
      const exchanged = await exchangeToken(api, 'acme', target);
      assert.equal(exchanged.body.minorErrorCode, 'invalid_grant');

      await page.getByRole('link', { name: 'API Tokens', exact: true }).click();
      await page.waitForURL(/\/administration\/tokens$/);
      assert.equal(await page.getByRole('rowheader', { name: 'globex-backup' }).count(), 0, 'no other org in a tenant list');
    } finally {
      await aliceContext.close();
    }

    const providerContext = await newPortalContext(browser, server.baseUrl);
    try {
      const page = await providerContext.newPage();
      await submitPassword(page, '/provider', 'administrator', server.adminPassword);
      assert.match(page.url(), /\/provider\/$/);
      await page.getByRole('link', { name: 'Administration', exact: true }).click();
      await page.getByRole('link', { name: 'API Tokens', exact: true }).click();
      await page.waitForURL(/\/provider\/administration\/tokens$/);
      const orgs = await page.locator('td[data-label="Organization"]').allTextContents();
      assert.ok(orgs.includes('acme') && orgs.includes('globex'), `every org's tokens: ${orgs.join(', ')}`);
      await page.getByLabel('Organization').selectOption('globex');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/org=globex/);
      assert.deepEqual([...new Set(await page.locator('td[data-label="Organization"]').allTextContents())], ['globex']);
      await revokeTokenInPage(page, 'globex-backup');
      // Revoked tokens stay listed until their retention ends: greyed, as revoked, with nothing left to do.
      const row = page.locator('tr[data-token-id]').filter({ hasText: 'globex-backup' });
      assert.equal(await row.count(), 1);
      assert.equal(await row.getAttribute('data-status'), 'revoked');
      assert.equal(await row.getByRole('link').count(), 0);
    } finally {
      await providerContext.close();
    }
  });

  test('a user changes the password in the page, from the keyboard: other sessions end, the ticked box revokes the tokens, this session stays', async () => {
    const alice = await apiSignIn(api, 'alice', 'acme', server.demoPassword);
    await apiCreateUser(api, alice, { userName: 'dave', password: 'dave-Password-1', roleName: 'vApp Author', fullName: 'Dave Developer' });
    const daveApi = await apiSignIn(api, 'dave', 'acme', 'dave-Password-1');
    const daveToken = await apiCreateToken(api, daveApi, 'acme', 'dave-script');
    assert.equal((await exchangeToken(api, 'acme', daveToken)).status, 200);
    const newPassword = 'dave-New-Password-2';
    const context = await newPortalContext(browser, server.baseUrl);
    try {
      const page = await context.newPage();
      await submitPassword(page, ACME, 'dave', 'dave-Password-1');
      await openUserPreferences(page);
      await page.locator('#password').getByRole('link', { name: 'Change password' }).click();
      await page.waitForURL(/\/preferences\/password$/);
      assert.equal(await page.getByLabel('Also revoke all my API tokens').isChecked(), false, 'unticked by default');

      await page.getByLabel('Current password').fill('not-my-Password-1');
      await page.getByLabel('New password', { exact: true }).fill(newPassword);
      await page.getByLabel('New password again').fill(newPassword);
      await page.getByRole('button', { name: 'Change password' }).click();
      await assert.doesNotReject(page.getByText('Your current password is wrong. Your password was not changed.').waitFor());
      assert.equal(await page.locator('#current-password').inputValue(), '', 'typed passwords are not sent back');
      assert.equal((await exchangeToken(api, 'acme', daveToken)).status, 200, 'a refused change revokes nothing');

      // The same form from the keyboard only: the field in error has the focus, Tab walks the form in order.
      assert.equal(await page.locator(':focus').getAttribute('id'), 'current-password');
      await page.keyboard.type('dave-Password-1');
      await page.keyboard.press('Tab');
      await page.keyboard.type(newPassword);
      await page.keyboard.press('Tab');
      await page.keyboard.type(newPassword);
      await page.keyboard.press('Tab');
      assert.equal(await page.locator(':focus').getAttribute('id'), 'revoke-tokens');
      await page.keyboard.press('Space');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.waitForURL(/done=password-changed/);
      await assert.doesNotReject(
        page
          .getByText('Your password was changed. Your other sessions were signed out; this one stays signed in. 1 API token was revoked.')
          .waitFor(),
      );

      await page.reload();
      await assert.doesNotReject(page.getByRole('heading', { name: 'User preferences' }).waitFor(), 'this session stays signed in');
      const other = await api.get('/cloudapi/1.0.0/sessions/current', {
        headers: { Authorization: `Bearer ${daveApi}`, Accept: 'application/json;version=37.0' },
      });
      assert.equal(other.status(), 401, 'the other session ended');
      const exchanged = await exchangeToken(api, 'acme', daveToken);
      assert.equal(exchanged.status, 400);
      assert.equal(exchanged.body.minorErrorCode, 'invalid_grant', 'the token was revoked');

      await signOut(page);
      await submitPassword(page, ACME, 'dave', 'dave-Password-1');
      await assert.doesNotReject(page.getByText('The user name or password is incorrect.').waitFor(), 'the old password is gone');
      await submitPassword(page, ACME, 'dave', newPassword);
      assert.match(page.url(), /\/tenant\/acme\/$/, 'the new password signs in');
    } finally {
      await context.close();
    }
  });

  // Found in a browser walk on 2026-12-07: the sign-in page for "signed in to another org" dropped the way back.
  test('a link to the provider portal opened while signed in to acme leads there once signed in as the administrator', async () => {
    const context = await newPortalContext(browser, server.baseUrl);
    try {
      const page = await context.newPage();
      await submitPassword(page, ACME, 'alice', server.demoPassword);
      const deepLink = '/provider/administration/tokens?org=acme&state=active';
      await page.goto(deepLink);
      assert.match(page.url(), /\/provider\/login\?notice=other-org/);
      assert.match(await page.locator('main').innerText(), /You are signed in to organization acme as alice/);
      await page.getByLabel('User name', { exact: true }).fill('administrator');
      await page.getByLabel('Password', { exact: true }).fill(server.adminPassword);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForLoadState('domcontentloaded');
      assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, deepLink, 'back at the link, not on Home');
    } finally {
      await context.close();
    }
  });

  test('the user menu works from the keyboard, and Escape closes it', async () => {
    const { page } = bob;
    await page.goto(`${ACME}/`);
    await page.locator('summary.user-menu-toggle').focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('details.user-menu').getAttribute('open'), '');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('details.user-menu').getAttribute('open'), null);
    // Focus leaving the open menu closes it (Shift+Tab from the toggle): in a narrow window the menu would cover
    // the focused link.
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('details.user-menu').getAttribute('open'), '');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.locator('details.user-menu').getAttribute('open'), null, 'closed once focus left it');
    await openUserMenu(page);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/preferences$/);
  });
});
