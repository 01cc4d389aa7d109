/**
 * Every navigation of every page says where the user is (WAI-ARIA aria-current): in the main navigation, the
 * Administration side navigation and the user menu, the link to the page shown, or to the section it is in, carries
 * aria-current="page", and no other link does. Until 2026-12-07 the user menu's "User preferences" link did not, so a
 * screen reader on User preferences heard no "current page" anywhere in the header.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { PortalClient, signedInDemoUsers } from './portal-client.js';

const ACME = '/tenant/acme';

interface NavLink {
  readonly nav: string;
  readonly href: string;
  readonly label: string;
  readonly current: string | null;
}

/** The links of the page's navigations: the main one, the side one, and the user menu's panel. */
function navLinks(page: string): NavLink[] {
  const blocks = [
    ...[...page.matchAll(/<nav class="(header-nav|side-nav)"[^>]*>([^]*?)<\/nav>/g)].map((m) => [m[1]!, m[2]!] as const),
    ...[...page.matchAll(/<div class="user-menu-panel">([^]*?)<\/div>\s*<\/details>/g)].map((m) => ['user-menu', m[1]!] as const),
  ];
  return blocks.flatMap(([nav, body]) =>
    [...body.matchAll(/<a ([^>]*)>([^<]*)<\/a>/g)].map((m) => ({
      nav,
      href: /href="([^"]*)"/.exec(m[1]!)![1]!,
      label: m[2]!,
      current: /aria-current="([^"]*)"/.exec(m[1]!)?.[1] ?? null,
    })),
  );
}

describe('aria-current on every navigation link', () => {
  let server: TesseraHandle;
  let alice: PortalClient; // Organization Administrator of acme
  let bob: PortalClient; // vApp Author of acme: no Administration
  const admin = () => {
    const client = new PortalClient(server.server.app);
    return client.signIn('/provider', 'administrator', ADMIN_PASSWORD).then(() => client);
  };

  before(async () => {
    server = await startTessera({ demo: true, config: { signInRateLimit: 1000 } });
    ({ alice, bob } = await signedInDemoUsers(server.server.app, server.demoPassword));
  });
  after(async () => server?.stop());

  /** Each page, and the link of each navigation that must be its current one (by label). */
  const pages: ReadonlyArray<readonly [string, Record<string, string>]> = [
    [`${ACME}/`, { 'header-nav': 'Home' }],
    [`${ACME}/preferences`, { 'user-menu': 'User preferences' }],
    [`${ACME}/preferences/password`, { 'user-menu': 'User preferences' }],
    [`${ACME}/preferences/time-zone`, { 'user-menu': 'User preferences' }],
    [`${ACME}/preferences/tokens/new`, { 'user-menu': 'User preferences' }],
    [`${ACME}/datacenters`, { 'header-nav': 'Data Centers' }],
    [`${ACME}/vms`, { 'header-nav': 'Virtual Machines' }],
    [`${ACME}/administration/users`, { 'header-nav': 'Administration', 'side-nav': 'Users' }],
    [`${ACME}/administration/users/new`, { 'header-nav': 'Administration', 'side-nav': 'Users' }],
    [`${ACME}/administration/tokens`, { 'header-nav': 'Administration', 'side-nav': 'API Tokens' }],
    [`${ACME}/administration/serviceAccounts`, { 'header-nav': 'Administration', 'side-nav': 'Service Accounts' }],
    [`${ACME}/administration/serviceAccounts/new`, { 'header-nav': 'Administration', 'side-nav': 'Service Accounts' }],
    [`${ACME}/administration/accessRequests`, { 'header-nav': 'Administration', 'side-nav': 'Access Requests' }],
    [`${ACME}/administration/audit`, { 'header-nav': 'Administration', 'side-nav': 'Audit Trail' }],
    [`${ACME}/administration/tokenPolicy`, { 'header-nav': 'Administration', 'side-nav': 'API Token Policy' }],
  ];

  const check = (url: string, body: string, expected: Record<string, string>) => {
    const links = navLinks(body);
    assert.ok(links.some((l) => l.nav === 'header-nav') && links.some((l) => l.nav === 'user-menu'), `${url}: the navigations`);
    const current = links.filter((l) => l.current !== null).map((l) => `${l.nav}: ${l.label} (${l.current})`);
    const wanted = Object.entries(expected).map(([nav, label]) => `${nav}: ${label} (page)`);
    assert.deepEqual(current.sort(), wanted.sort(), url);
    // The link to the very page shown is always its navigation's current one.
    const path = url.split('?')[0];
    for (const link of links) if (link.href === path) assert.equal(link.current, 'page', `${url}: ${link.nav} ${link.label}`);
  };

  for (const [url, expected] of pages) {
    test(`alice: ${url}`, async () => {
      const res = await alice.get(url);
      assert.equal(res.statusCode, 200, `${url}: ${res.statusCode}`);
      check(url, res.body, expected);
    });
  }

  test('bob (no Administration): Home and User preferences', async () => {
    for (const [url, expected] of pages.slice(0, 2)) {
      const res = await bob.get(url);
      assert.equal(res.statusCode, 200);
      check(url, res.body, expected);
    }
  });

  test('the System administrator: Organizations and User preferences of /provider', async () => {
    const client = await admin();
    for (const [url, expected] of [
      ['/provider/administration/orgs', { 'header-nav': 'Administration', 'side-nav': 'Organizations' }],
      ['/provider/preferences', { 'user-menu': 'User preferences' }],
    ] as const) {
      const res = await client.get(url);
      assert.equal(res.statusCode, 200, `${url}: ${res.statusCode}`);
      check(url, res.body, expected);
    }
  });
});
