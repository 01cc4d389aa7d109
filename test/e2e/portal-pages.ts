/**
 * Every portal page the accessibility test visits, in one list: who looks at it and how to get there. To cover
 * a new page, add an entry (a path, or steps for pages reached through a form). The visits run in order per
 * caller, in one browser profile each, so a step may rely on an earlier one (the created-token page after New).
 */
import type { Page } from 'playwright-core';

export type Visitor = 'anonymous' | 'tenant' | 'orgAdmin' | 'system' | 'limited';

export interface PortalPageVisit {
  readonly who: Visitor;
  readonly name: string;
  /** A path to open, or the steps that end on the page. */
  readonly path?: string;
  readonly steps?: (page: Page) => Promise<void>;
}

const ACME = '/tenant/acme';

/** Opens `list` and follows its first link whose href matches `href` (a detail page reached from a list). */
const firstLinkFrom = (list: string, href: RegExp) => async (page: Page) => {
  await page.goto(list);
  const links = page.locator('main a[href]');
  const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  const index = hrefs.findIndex((h) => href.test(h));
  if (index < 0) throw new Error(`no link matching ${href} on ${list}`);
  await links.nth(index).click();
  await page.waitForURL(href);
};

const clickAndWait = async (page: Page, name: string | RegExp, url: RegExp) => {
  await page.getByRole('link', { name }).first().click();
  await page.waitForURL(url);
};

export const PORTAL_PAGES: readonly PortalPageVisit[] = [
  // Signed out
  { who: 'anonymous', name: 'organization chooser', path: '/' },
  { who: 'anonymous', name: 'organization chooser with an error', path: '/tenant?org=%2F' },
  { who: 'anonymous', name: 'tenant sign-in', path: `${ACME}/login` },
  { who: 'anonymous', name: 'sign-in after the session ended', path: `${ACME}/login?notice=expired` },
  { who: 'anonymous', name: 'provider sign-in', path: '/provider/login' },
  { who: 'anonymous', name: 'portal 404 page', path: `${ACME}/no-such-page` },

  // A tenant user (bob, vApp Author): home, preferences, the token pages and dialogs, password, two-factor.
  { who: 'tenant', name: 'home', path: `${ACME}/` },
  { who: 'tenant', name: 'user preferences', path: `${ACME}/preferences` },
  { who: 'tenant', name: 'new API token', path: `${ACME}/preferences/tokens/new` },
  {
    who: 'tenant',
    name: 'new API token with an error',
    steps: async (page) => {
      await page.goto(`${ACME}/preferences/tokens/new`);
      await page.getByRole('button', { name: 'Create' }).click();
      await page.waitForLoadState('domcontentloaded');
    },
  },
  {
    who: 'tenant',
    name: 'API token created (shown once)',
    steps: async (page) => {
      await page.goto(`${ACME}/preferences/tokens/new`);
      await page.getByLabel('Name', { exact: true }).fill('a11y-token');
      await page.getByRole('button', { name: 'Create' }).click();
      await page.waitForURL(/\/preferences\/tokens\/created$/);
    },
  },
  { who: 'tenant', name: 'API token no longer available', path: `${ACME}/preferences/tokens/created` },
  {
    who: 'tenant',
    name: 'revoke confirmation',
    steps: async (page) => {
      await page.goto(`${ACME}/preferences`);
      await clickAndWait(page, 'Revoke a11y-token', /\/revoke/);
    },
  },
  {
    who: 'tenant',
    name: 'regenerate confirmation',
    steps: async (page) => {
      await page.goto(`${ACME}/preferences`);
      await clickAndWait(page, 'Regenerate a11y-token', /\/regenerate$/);
    },
  },
  {
    who: 'tenant',
    name: 'preferences with a revoked token and the revocation notice',
    steps: async (page) => {
      await page.goto(`${ACME}/preferences`);
      await clickAndWait(page, 'Revoke a11y-token', /\/revoke/);
      await page.getByRole('button', { name: 'Revoke' }).click();
      await page.waitForURL(/done=revoked/);
    },
  },
  { who: 'tenant', name: 'change password', path: `${ACME}/preferences/password` },
  { who: 'tenant', name: 'time zone', path: `${ACME}/preferences/time-zone` },
  {
    who: 'tenant',
    name: 'time zone refused (error state)',
    steps: async (page) => {
      await page.goto(`${ACME}/preferences/time-zone`);
      // A value outside the list, as a crafted form would send it: the page again, with its error announced.
      await page.evaluate(
        "(() => { const s = document.getElementById('time-zone'); const o = document.createElement('option'); o.value = o.textContent = 'Mars/Olympus'; s.appendChild(o); s.value = 'Mars/Olympus'; })()",
      );
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForSelector('#time-zone-error');
    },
  },
  {
    who: 'tenant',
    name: 'two-factor set-up',
    steps: async (page) => {
      await page.goto(`${ACME}/preferences`);
      await page
        .locator('#two-factor')
        .getByRole('button', { name: /Set up|Start again/ })
        .click();
      await page.waitForURL(/\/preferences\/totp$/);
    },
  },
  { who: 'tenant', name: 'recovery codes no longer available', path: `${ACME}/preferences/totp/recovery-codes` },
  { who: 'tenant', name: 'not allowed (403 page)', path: `${ACME}/administration/users` },
  { who: 'tenant', name: 'virtual machines', path: `${ACME}/vms` },
  {
    who: 'tenant',
    name: 'virtual machines, searched and filtered',
    path: `${ACME}/vms?search=a&status=POWERED_ON&sort=name&direction=desc`,
  },
  { who: 'tenant', name: 'a virtual machine', steps: firstLinkFrom(`${ACME}/vms`, /\/vms\/[0-9a-f-]{36}$/) },

  // An org administrator (alice): Administration.
  { who: 'orgAdmin', name: 'administration: users', path: `${ACME}/administration/users` },
  {
    who: 'orgAdmin',
    name: "administration: a user's tokens",
    steps: async (page) => {
      await page.goto(`${ACME}/administration/users`);
      await clickAndWait(page, 'API tokens of bob', /\/tokens$/);
    },
  },
  { who: 'orgAdmin', name: 'administration: API tokens', path: `${ACME}/administration/tokens` },
  { who: 'orgAdmin', name: 'administration: API tokens, a search that matches nothing', path: `${ACME}/administration/tokens?search=zzzz` },
  { who: 'orgAdmin', name: 'administration: service accounts', path: `${ACME}/administration/serviceAccounts` },
  { who: 'orgAdmin', name: 'data centers', path: `${ACME}/datacenters` },
  { who: 'orgAdmin', name: 'administration: new user', path: `${ACME}/administration/users/new` },
  {
    who: 'orgAdmin',
    name: 'administration: a user',
    steps: firstLinkFrom(`${ACME}/administration/users`, /\/administration\/users\/[0-9a-f-]{36}$/),
  },
  { who: 'orgAdmin', name: 'administration: audit trail', path: `${ACME}/administration/audit` },
  { who: 'orgAdmin', name: 'administration: API-token policy', path: `${ACME}/administration/tokenPolicy` },

  // The System administrator.
  { who: 'system', name: 'provider home', path: '/provider/' },
  { who: 'system', name: 'provider: every API token', path: '/provider/administration/tokens' },
  { who: 'system', name: 'provider: every API token, searched', path: '/provider/administration/tokens?search=a' },
  { who: 'system', name: 'provider: users', path: '/provider/administration/users' },
  { who: 'system', name: 'provider: organizations', path: '/provider/administration/orgs' },
  { who: 'system', name: 'provider: new organization', path: '/provider/administration/orgs/new' },
  {
    who: 'system',
    name: 'provider: an organization',
    steps: firstLinkFrom('/provider/administration/orgs', /\/administration\/orgs\/[0-9a-f-]{36}$/),
  },
  { who: 'system', name: 'provider: data centers', path: '/provider/datacenters' },
  { who: 'system', name: 'provider: virtual machines', path: '/provider/vms' },
  { who: 'system', name: 'provider: audit trail', path: '/provider/administration/audit' },
  { who: 'system', name: 'provider: a tenant org page while signed in to System', path: `${ACME}/preferences` },

  // Without the token right (carol, Console Access Only).
  { who: 'limited', name: 'preferences without Access Tokens', path: `${ACME}/preferences` },
];
