/**
 * Administration > API Tokens in Chromium (playwright-core, /usr/bin/chromium) against a real HTTPS Tessera: an org
 * administrator filters by state and owner, ticks two tokens and revokes them (confirmation, then the list with its
 * notice), then revokes every live token a filter matches; the revoked tokens stop at once, the others still work.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { APIRequestContext, Browser, BrowserContext } from 'playwright-core';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { apiCreateToken, apiSignIn, exchangeToken, launchChromium, newApiClient, newPortalContext, submitPassword } from './browser.js';

const ACME = '/tenant/acme';

describe('portal in Chromium: filtering and bulk-revoking API tokens', () => {
  let server: TesseraHandle;
  let browser: Browser;
  let context: BrowserContext;
  let api: APIRequestContext;
  const tokens = new Map<string, string>();

  before(async () => {
    browser = await launchChromium();
    server = await startTessera({ https: true, demo: true });
    api = await newApiClient(server.baseUrl);
    const bob = await apiSignIn(api, 'bob', 'acme', server.demoPassword);
    const alice = await apiSignIn(api, 'alice', 'acme', server.demoPassword);
    for (const [session, name] of [
      [bob, 'laptop-terraform'],
      [bob, 'laptop-ansible'],
      [bob, 'ci-used'],
      [bob, 'spare-1'],
      [alice, 'spare-2'],
    ] as const) {
      tokens.set(name, await apiCreateToken(api, session, 'acme', name));
    }
    // laptop-terraform, laptop-ansible and ci-used were used: the spares never were.
    for (const name of ['laptop-terraform', 'laptop-ansible', 'ci-used']) {
      assert.equal((await exchangeToken(api, 'acme', tokens.get(name)!)).status, 200);
    }
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await api?.dispose();
    await server?.stop();
  });

  test('filter, tick two tokens, revoke them; then revoke every never-used token', async () => {
    context = await newPortalContext(browser, server.baseUrl);
    const page = await context.newPage();
    await submitPassword(page, ACME, 'alice', server.demoPassword);
    await page.goto(`${server.baseUrl}${ACME}/administration/tokens`);

    // The owner filter and a search, in one submit.
    await page.getByLabel('Owner', { exact: true }).fill('bob');
    await page.getByLabel('Token name or owner').fill('laptop');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/owner=bob/);
    assert.match(await page.locator('.pagination [role=status]').innerText(), /Showing 1-2 of 2 API tokens/);

    await page.getByRole('checkbox', { name: 'Select laptop-terraform' }).check();
    await page.getByRole('checkbox', { name: 'Select laptop-ansible' }).check();
    await page.getByRole('button', { name: 'Revoke selected…' }).click();
    await page.waitForURL(/\/administration\/tokens\/revoke\?/);
    assert.equal(await page.getByTestId('bulk-revoke-count').innerText(), 'Revoke the 2 selected API tokens?');
    await page.getByRole('button', { name: 'Revoke 2 API tokens' }).click();
    await page.waitForURL(/done=bulk-revoked/);
    assert.match(await page.getByRole('status').first().innerText(), /2 API tokens revoked/);
    // Back on the same filter: both are listed as revoked now.
    assert.match(page.url(), /search=laptop&owner=bob/);
    assert.equal(await page.locator('tr[data-status="revoked"]').count(), 2);

    assert.equal((await exchangeToken(api, 'acme', tokens.get('laptop-terraform')!)).status, 400);
    assert.equal((await exchangeToken(api, 'acme', tokens.get('laptop-ansible')!)).status, 400);
    assert.equal((await exchangeToken(api, 'acme', tokens.get('ci-used')!)).status, 200);

    // Every never-used token of the org: chosen in the State select, counted, confirmed with the filter named.
    await page.goto(`${server.baseUrl}${ACME}/administration/tokens`);
    assert.match(await page.getByTestId('token-state-counts').innerText(), /Never used: 2/);
    await page.getByLabel('State').selectOption('never-used');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/state=never-used/);
    await page.getByTestId('revoke-all-matching').click();
    await page.waitForURL(/all=1/);
    assert.equal(await page.getByTestId('bulk-revoke-count').innerText(), 'Revoke all 2 live API tokens matching this filter?');
    assert.equal(await page.getByTestId('bulk-revoke-filter').innerText(), 'Filter: state: never used.');
    await page.getByRole('button', { name: 'Revoke 2 API tokens' }).click();
    await page.waitForURL(/done=bulk-revoked&count=2/);
    assert.match(await page.locator('.empty-state').innerText(), /No API tokens match/);
    assert.equal((await exchangeToken(api, 'acme', tokens.get('spare-1')!)).status, 400);
    assert.equal((await exchangeToken(api, 'acme', tokens.get('spare-2')!)).status, 400);
    assert.equal((await exchangeToken(api, 'acme', tokens.get('ci-used')!)).status, 200, 'a used token stays');
  });
});
