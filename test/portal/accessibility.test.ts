/**
 * The portal as a keyboard or screen-reader user meets it (WCAG 2.2 AA), in one Chromium and one pass: the pages a
 * user goes through (sign-in, the code step, the token list, New token, the token shown once, the revoke and bulk
 * revoke confirmations, the administration lists, the inventory, error pages) are each checked by axe-core, injected
 * through the DevTools protocol (the CSP stays as it is), and any violation of impact serious or critical fails,
 * printed with its rule, target and help. Then what axe does not check: the autocomplete of the password and code
 * fields, the copy result said in a live region, the focus after a refused form. test/e2e/accessibility.test.ts
 * covers more pages (every visitor's) with the same rules (test/e2e/axe.ts); this file adds the sign-in's
 * code step and the bulk revoke, which that list cannot reach.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seriousViolations } from '../e2e/axe.js';
import { totpCode } from '../../src/auth/totp.js';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { launchChromium, newPortalContext, submitCode, submitPassword } from '../e2e/browser.js';

const ACME = '/tenant/acme';

/** What has the focus: its id, name, tag and ARIA state. Waits (bounded) for a page's autofocus, applied after load. */
async function focusedField(page: Page): Promise<{ id: string; tag: string; invalid: string | null; describedBy: string | null } | null> {
  const read = () =>
    page.evaluate(`(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      return { id: el.id, tag: el.tagName, invalid: el.getAttribute('aria-invalid'), describedBy: el.getAttribute('aria-describedby') };
    })()`) as Promise<{ id: string; tag: string; invalid: string | null; describedBy: string | null } | null>;
  const until = Date.now() + 5_000;
  for (;;) {
    const f = await read();
    if (f !== null || Date.now() > until) return f;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The text of the element `id` names, for a field's description. */
const textOf = (page: Page, ids: string) =>
  page.evaluate(
    `${JSON.stringify(ids)}.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ')`,
  ) as Promise<string>;

describe('portal accessibility, WCAG 2.2 AA (axe-core in Chromium, and what axe cannot see)', () => {
  let server: TesseraHandle;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const failures: string[] = [];
  let page: Page;
  let admin: Page;
  let totpSecret = '';

  /** Runs axe on the page and keeps what it finds under `name`. */
  const check = async (on: Page, name: string) => {
    await on.waitForLoadState('domcontentloaded');
    for (const v of await seriousViolations(on)) {
      failures.push(`${name} (${new URL(on.url()).pathname}): [${v.impact}] ${v.id}: ${v.help}\n    ${v.nodes.join('\n    ')}`);
    }
  };

  /** Fails the test with every violation found since the last call. */
  const assertNoViolations = () => {
    const found = failures.splice(0);
    assert.equal(found.length, 0, `axe found serious or critical violations:\n${found.join('\n')}`);
  };

  before(async () => {
    browser = await launchChromium();
    server = await startTessera({ https: true, demo: true });
    const context = await newPortalContext(browser, server.baseUrl);
    contexts.push(context);
    page = await context.newPage();
    const adminContext = await newPortalContext(browser, server.baseUrl);
    contexts.push(adminContext);
    admin = await adminContext.newPage();
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.stop();
  });

  // The tests below run in order and share `page` (alice, org administrator of acme) and `admin` (System).

  test('sign-in: the fields say what they hold; a refused password is tied to its field, which has the focus', async () => {
    await page.goto(`${ACME}/login`);
    await check(page, 'sign-in');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.match(await page.title(), /^Sign in · Tessera$/);
    assert.equal(await page.locator('#username').getAttribute('autocomplete'), 'username');
    assert.equal(await page.locator('#password').getAttribute('autocomplete'), 'current-password');

    await page.locator('#username').fill('alice');
    await page.locator('#password').fill('not-the-password');
    // Enter in a field submits the form.
    await Promise.all([page.waitForEvent('framenavigated'), page.keyboard.press('Enter')]);
    await page.waitForLoadState('domcontentloaded');
    await check(page, 'sign-in refused');
    const focus = await focusedField(page);
    assert.equal(focus?.id, 'password', 'the field to fix has the focus');
    assert.equal(focus?.invalid, 'true');
    assert.match(await textOf(page, focus!.describedBy ?? ''), /wrong|incorrect|invalid/i, 'its description is the error');
    assert.equal(await page.locator(`#${focus!.describedBy!.split(' ')[0]}`).getAttribute('role'), 'alert');
    assertNoViolations();
  });

  test('two-factor set-up: the key is copied from the keyboard and the result is said in a live region', async () => {
    await submitPassword(page, ACME, 'alice', server.demoPassword);
    assert.match(page.url(), /\/tenant\/acme\/$/);
    await page.goto(`${ACME}/preferences`);
    await check(page, 'user preferences (token list)');
    await page
      .locator('#two-factor')
      .getByRole('button', { name: /Set up/ })
      .click();
    await page.waitForURL(/\/preferences\/totp$/);
    await check(page, 'two-factor set-up');
    // The trail's last step is this page (aria-current), as on the token pages; until 2026-12-06 it was a bare span.
    assert.equal(await page.locator('nav.breadcrumb [aria-current="page"]').textContent(), 'Two-factor authentication');
    totpSecret = (await page.locator('#totp-secret').textContent())!.trim();
    const code = page.locator('#totp-code');
    assert.equal(await code.getAttribute('autocomplete'), 'one-time-code');
    assert.equal(await code.getAttribute('inputmode'), 'numeric');

    // The Copy button, pressed from the keyboard: a status region (polite) says the outcome, not only the button's
    // label (a changed label is not read out). Until 2026-12-06 this page had no such region.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.locator('button[data-copy="totp-secret"]').focus();
    await page.keyboard.press('Enter');
    const status = page.locator('[data-copy-status]');
    assert.equal(await status.count(), 1, 'the page has a copy status region');
    assert.equal(await status.getAttribute('role'), 'status');
    assert.equal(await status.getAttribute('aria-live'), 'polite');
    await status.filter({ hasText: 'Copied to the clipboard.' }).waitFor({ timeout: 5_000 });

    await code.fill(totpCode(totpSecret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(/\/preferences\/totp\/recovery-codes$/);
    await check(page, 'recovery codes (shown once)');
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await page.waitForURL(/\/preferences#two-factor$/);

    await page.goto(`${ACME}/preferences/password`);
    await check(page, 'change password');
    assert.equal(await page.locator('#current-password').getAttribute('autocomplete'), 'current-password');
    assert.equal(await page.locator('#new-password').getAttribute('autocomplete'), 'new-password');
    assert.equal(await page.locator('#confirm-password').getAttribute('autocomplete'), 'new-password');
    assert.equal(await page.locator('nav.breadcrumb [aria-current="page"]').textContent(), 'Change password');
    assertNoViolations();
  });

  test('the code step: a one-time-code field that takes recovery codes too; a wrong code is tied to it', async () => {
    await page.locator('summary.user-menu-toggle').click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
    await submitPassword(page, ACME, 'alice', server.demoPassword);
    assert.match(page.url(), /\/login\/code$/);
    await check(page, 'verification code');
    assert.match(await page.title(), /Verification code/);
    const field = page.locator('#code');
    assert.equal(await field.getAttribute('autocomplete'), 'one-time-code');
    // Recovery codes have letters (xxxxx-xxxxx): a numeric keypad would hide them, so this field is plain text.
    assert.notEqual(await field.getAttribute('inputmode'), 'numeric');
    assert.equal((await focusedField(page))?.id, 'code');

    await submitCode(page, '000000');
    await check(page, 'verification code refused');
    const focus = await focusedField(page);
    assert.equal(focus?.id, 'code');
    assert.equal(focus?.invalid, 'true');
    assert.match(await textOf(page, focus!.describedBy ?? ''), /wrong/i);

    await submitCode(page, totpCode(totpSecret, Date.now() + 30_000));
    assert.match(page.url(), /\/tenant\/acme\/$/);
    await check(page, 'home');
    assertNoViolations();
  });

  test('the skip link is the first Tab stop, shows its focus, and moves the focus to the main content', async () => {
    await page.goto(`${ACME}/preferences`);
    await page.keyboard.press('Tab');
    const skip = (await page.evaluate(`(() => {
      const el = document.activeElement;
      const s = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      return { text: el.textContent.trim(), href: el.getAttribute('href'), outline: s.outlineStyle !== 'none' || s.boxShadow !== 'none', onScreen: r.width > 1 && r.height > 1 && r.top >= 0 };
    })()`)) as { text: string; href: string; outline: boolean; onScreen: boolean };
    assert.deepEqual(skip, { text: 'Skip to main content', href: '#main', outline: true, onScreen: true });
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('document.activeElement.id'), 'main');
  });

  test('tokens: New (and its error), shown once (copy announced), revoke confirmation', async () => {
    await page.goto(`${ACME}/preferences/tokens/new`);
    await check(page, 'new API token');
    await page.getByRole('button', { name: 'Create' }).click(); // no name
    await page.waitForLoadState('domcontentloaded');
    await check(page, 'new API token refused');
    const focus = await focusedField(page);
    assert.equal(focus?.id, 'token-name', 'the field in error has the focus');
    assert.equal(focus?.invalid, 'true');
    assert.match(await textOf(page, focus!.describedBy ?? ''), /name/i);

    for (const name of ['a11y-one', 'a11y-two', 'a11y-three']) {
      await page.goto(`${ACME}/preferences/tokens/new`);
      await page.locator('#token-name').fill(name);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/preferences\/tokens\/created$/);
    }
    await check(page, 'API token created (shown once)');
    const token = page.locator('#api-token');
    assert.equal(await token.getAttribute('tabindex'), '0', 'the token is reached with Tab');
    assert.equal(await token.getAttribute('aria-label'), 'API token');
    await page.locator('button[data-copy="api-token"]').focus();
    await page.keyboard.press('Space');
    const status = page.locator('[data-copy-status]');
    assert.equal(await status.getAttribute('aria-live'), 'polite');
    await status.filter({ hasText: 'Copied to the clipboard.' }).waitFor({ timeout: 5_000 });
    // A second copy empties the line before saying it again: the same text set again is not a change to read out.
    await page.evaluate(`(() => {
      const line = document.querySelector('[data-copy-status]');
      window.__statusTexts = [];
      new MutationObserver(() => window.__statusTexts.push(line.textContent)).observe(line, { childList: true, characterData: true, subtree: true });
    })()`);
    await page.keyboard.press('Space');
    const until = Date.now() + 5_000;
    let texts: string[] = [];
    while (
      Date.now() < until &&
      !(texts = (await page.evaluate('window.__statusTexts')) as string[]).includes('Copied to the clipboard.')
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(texts, ['', 'Copied to the clipboard.']);

    await page.goto(`${ACME}/preferences`);
    await page.getByRole('link', { name: 'Revoke a11y-three' }).click();
    await page.waitForURL(/\/revoke/);
    await check(page, 'revoke confirmation');
    assert.equal((await page.evaluate('document.activeElement.textContent.trim()')) as string, 'Cancel', 'Cancel has the focus');
    assertNoViolations();
  });

  test('administration: users, token list filtered, bulk revoke confirmation; inventory; error pages', async () => {
    await page.goto(`${ACME}/administration/users`);
    await check(page, 'administration: users');
    await page.goto(`${ACME}/administration/tokens?owner=alice&state=never-used`);
    await check(page, 'administration: API tokens, filtered');
    await page.getByRole('checkbox', { name: 'Select a11y-one' }).check();
    await page.getByRole('checkbox', { name: 'Select a11y-two' }).check();
    await page.getByRole('button', { name: 'Revoke selected…' }).click();
    await page.waitForURL(/\/administration\/tokens\/revoke\?/);
    await check(page, 'bulk revoke confirmation');
    await page.goto(`${ACME}/administration/new-user-form-that-does-not-exist`);
    await check(page, 'portal 404');
    await page.goto(`${ACME}/datacenters`);
    await check(page, 'data centers');
    await page.goto(`${ACME}/vms`);
    await check(page, 'virtual machines');

    await submitPassword(admin, '/provider', 'administrator', server.adminPassword);
    for (const [name, path] of [
      ['provider: organizations', '/provider/administration/orgs'],
      ['provider: users', '/provider/administration/users'],
      ['provider: API tokens', '/provider/administration/tokens?state=active'],
      ['provider: data centers', '/provider/datacenters'],
      ['provider: virtual machines', '/provider/vms'],
    ] as const) {
      await admin.goto(path);
      await check(admin, name);
    }
    await admin.goto('/tenant?org=%2F');
    await check(admin, 'organization chooser with an error');

    assertNoViolations();
  });
});
