/**
 * User preferences > Access Tokens and Administration through `app.inject`: the token is shown exactly once
 * (POST-redirect-GET, an encrypted cookie bound to the session, Cache-Control: no-store), what the lists show,
 * the section's absence without the right, and who may see and revoke whose tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { createApiToken, exchange, signIn as apiSignIn } from '../helpers/api.js';
import { PortalClient, csrfFrom, setCookiesOf } from './portal-client.js';
import { expiryFromDate } from '../../src/http/portal/routes/tokens.js';
import { findApiTokens } from '../../src/cli/scan/find-tokens.js';
import { listApiTokensPage, type TokenListItem, type TokenListScope } from '../../src/http/portal/token-queries.js';
import { mintedTokenRow } from '../store/fixtures.js';
import { createUser } from '../security/support.js';
import { isWellFormedApiToken } from '../../src/domain/api-token-format.js';

const ACME = '/tenant/acme';

describe('portal API tokens', () => {
  let server: TesseraHandle;
  let bob: PortalClient;
  let alice: PortalClient;

  before(async () => {
    server = await startTessera({ demo: true });
    bob = new PortalClient(server.server.app);
    alice = new PortalClient(server.server.app);
    await bob.signIn(ACME, 'bob', server.demoPassword);
    await alice.signIn(ACME, 'alice', server.demoPassword);
  });
  after(async () => server?.stop());

  test('CREATE answers 303 to the page that shows the token, carried by an encrypted cookie scoped to that page', async () => {
    const form = await bob.get(`${ACME}/preferences/tokens/new`);
    const res = await bob.post(`${ACME}/preferences/tokens`, { _csrf: csrfFrom(form.body), name: 'deploy', expiresOn: '' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `${ACME}/preferences/tokens/created`);
    assert.deepEqual(findApiTokens(res.body), [], 'the POST answer itself shows nothing');
    const cookie = setCookiesOf(res).find((c) => c.name === 'tessera_new_token');
    assert.ok(cookie);
    assert.match(cookie.raw, /Max-Age=120; Path=\/tenant\/acme\/preferences\/tokens\/created; HttpOnly; SameSite=Strict/);
    assert.deepEqual(findApiTokens(Buffer.from(cookie.value, 'base64url').toString('latin1')), [], 'the cookie is ciphertext');

    const shown = await bob.get(`${ACME}/preferences/tokens/created`);
    assert.equal(shown.statusCode, 200);
    assert.equal(shown.headers['cache-control'], 'no-store');
    const token = /id="api-token"[^>]*>([^<]+)</.exec(shown.body)?.[1];
    assert.ok(token && token.length === 32 && isWellFormedApiToken(token), 'the token is on the page');
    assert.match(shown.body, /It will not be shown again/);
    const cleared = setCookiesOf(shown).find((c) => c.name === 'tessera_new_token');
    assert.ok(
      cleared && /Expires=Thu, 01 Jan 1970/.test(cleared.raw) && /Path=\/tenant\/acme\/preferences\/tokens\/created/.test(cleared.raw),
      'read once, then cleared',
    );

    assert.equal((await exchange(server.baseUrl, 'acme', token)).status, 200, 'the shown token works');

    const again = await bob.get(`${ACME}/preferences/tokens/created`);
    assert.equal(again.headers['cache-control'], 'no-store');
    assert.match(again.body, /Token no longer available/);
    assert.ok(!again.body.includes(token), 'never shown again');
    const list = await bob.get(`${ACME}/preferences`);
    assert.match(list.body, /<th scope="row" class="cell-name" data-label="Name">deploy<\/th>/);
    assert.ok(!list.body.includes(token), 'the list shows names, never tokens');

    // The sealed cookie is bound to bob's session: replayed into alice's session, it opens nothing.
    const replay = await server.server.app.inject({
      url: `${ACME}/preferences/tokens/created`,
      headers: { cookie: `tessera_session=${alice.cookies.get('tessera_session')}; tessera_new_token=${cookie.value}` },
    });
    assert.match(replay.body, /Token no longer available/);
    assert.ok(!replay.body.includes(token));
  });

  test('a copy of the cookie kept by the client shows nothing once the page was served, even to two requests at once', async () => {
    const form = await bob.get(`${ACME}/preferences/tokens/new`);
    const res = await bob.post(`${ACME}/preferences/tokens`, { _csrf: csrfFrom(form.body), name: 'kept-copy', expiresOn: '' });
    const cookie = setCookiesOf(res).find((c) => c.name === 'tessera_new_token')!;
    // A client that ignores the clearing Set-Cookie: the same session, the same sealed value, sent again.
    const withCopy = () =>
      server.server.app.inject({
        url: `${ACME}/preferences/tokens/created`,
        headers: { cookie: `tessera_session=${bob.cookies.get('tessera_session')}; tessera_new_token=${cookie.value}` },
      });
    // A HEAD first (a link checker, a prefetcher): it shows nothing and spends nothing.
    const head = await server.server.app.inject({
      method: 'HEAD',
      url: `${ACME}/preferences/tokens/created`,
      headers: { cookie: `tessera_session=${bob.cookies.get('tessera_session')}; tessera_new_token=${cookie.value}` },
    });
    assert.equal(head.statusCode, 200);
    assert.ok(!setCookiesOf(head).some((c) => c.name === 'tessera_new_token'), 'a HEAD does not clear the cookie');
    const pages = await Promise.all([withCopy(), withCopy(), withCopy()]);
    const shown = pages.filter((p) => /id="api-token"/.test(p.body));
    assert.equal(shown.length, 1, 'exactly one of three racing requests shows the token');
    const token = /id="api-token"[^>]*>([^<]+)</.exec(shown[0]!.body)![1]!;
    for (const page of pages.filter((p) => p !== shown[0])) {
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Token no longer available/);
      assert.ok(!page.body.includes(token));
    }
    const later = await withCopy();
    assert.match(later.body, /Token no longer available/);
    assert.ok(!later.body.includes(token), 'a replay later shows nothing either');
    // The store holds the cookie's one-time id, never the token.
    const rows = await server.store.db.selectFrom('shown_once').selectAll().execute();
    assert.ok(rows.length >= 1);
    assert.ok(rows.every((r) => !JSON.stringify(r).includes(token)));
  });

  test('the new-token form narrows a token (read-only or a role within your rights); the list shows its access', async () => {
    const form = await bob.get(`${ACME}/preferences/tokens/new`);
    assert.match(form.body, /<option value="read-only">Read-only<\/option>/);
    assert.match(form.body, />Role: vApp User</, "a role within bob's rights is offered");
    assert.ok(!form.body.includes('Role: Organization Administrator'), "a role beyond bob's rights is not");
    const res = await bob.post(`${ACME}/preferences/tokens`, {
      _csrf: csrfFrom(form.body),
      name: 'dashboards',
      expiresOn: '',
      scope: 'read-only',
    });
    assert.equal(res.statusCode, 303);
    const list = await bob.get(`${ACME}/preferences`);
    assert.match(list.body, /data-label="Name">dashboards<\/th>[\s\S]*?<td data-label="Access">Read-only<\/td>/);
    // A crafted form naming a role beyond bob's rights is refused on the form.
    const admin = await server.store.getRoleByName((await server.store.getOrgByName('acme'))!.id, 'Organization Administrator');
    const again = await bob.get(`${ACME}/preferences/tokens/new`);
    const refused = await bob.post(`${ACME}/preferences/tokens`, {
      _csrf: csrfFrom(again.body),
      name: 'too-much',
      expiresOn: '',
      scope: `urn:vcloud:role:${admin!.id}`,
    });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /cannot hold rights its owner lacks/);
  });

  test('"how to use this token" is filled with this server\'s URL and org', async () => {
    const form = await bob.get(`${ACME}/preferences/tokens/new`);
    await bob.post(`${ACME}/preferences/tokens`, { _csrf: csrfFrom(form.body), name: 'snippets' });
    const page = await bob.get(`${ACME}/preferences/tokens/created`, { host: 'vcd.example.test:8443' });
    // -sS: quiet, but errors still show. Plain HTTP here, so no certificate flags.
    assert.match(page.body, /curl -sS -X POST &#39;http:\/\/vcd\.example\.test:8443\/oauth\/tenant\/acme\/token&#39;/);
    assert.match(page.body, /--data-urlencode &#39;grant_type=refresh_token&#39;/);
    assert.match(page.body, /curl -sS &#39;http:\/\/vcd\.example\.test:8443\/api\/query\?type=vm&#39;/);
    assert.doesNotMatch(page.body, /curl -sSk|SkipCertificateCheck/, 'no certificate to skip on plain HTTP');
    assert.match(page.body, /Accept: application\/\*\+xml;version=36\.1/);
    assert.match(page.body, /Invoke-RestMethod -Method Post -Uri &#39;http:\/\/vcd\.example\.test:8443\/oauth\/tenant\/acme\/token&#39;/);
    assert.match(page.body, /Authorization = &quot;Bearer \$\(\$token\.access_token\)&quot;/);
  });

  test('the form refuses an empty name, a bad date, a duplicate name, and keeps what was typed', async () => {
    const create = async (name: string, expiresOn = '') => {
      const form = await bob.get(`${ACME}/preferences/tokens/new`);
      return bob.post(`${ACME}/preferences/tokens`, { _csrf: csrfFrom(form.body), name, expiresOn });
    };
    const empty = await create('   ');
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /Enter a name for the token\./);
    const badDate = await create('dated', '2031-02-30');
    assert.equal(badDate.statusCode, 400);
    assert.match(badDate.body, /The expiry date must be a date/);
    assert.match(badDate.body, /value="dated"/);
    const past = await create('old', '2001-01-01');
    assert.equal(past.statusCode, 400);
    const today = new Date().toISOString().slice(0, 10);
    assert.match(past.body, new RegExp(`The expiry date must be today \\(${today}\\) or later\\.`));
    // The error is the date field's: described by it, marked invalid, focused; the name is left alone.
    assert.match(
      past.body,
      /<input id="token-expires"[^>]* aria-describedby="token-expires-help token-error" aria-invalid="true" autofocus>/,
    );
    assert.match(past.body, /<input id="token-name"[^>]* aria-describedby="token-name-help">/);
    const duplicate = await create('deploy');
    assert.equal(duplicate.statusCode, 400);
    assert.match(duplicate.body, /You already have an API token named &quot;deploy&quot;\./, 'a sentence, with its full stop');
    assert.match(
      duplicate.body,
      /<input id="token-name"[^>]* aria-describedby="token-name-help token-error" aria-invalid="true" autofocus>/,
    );

    // The page says the earliest date is today, and today is what the handler accepts (the token stops at its end).
    const form = await bob.get(`${ACME}/preferences/tokens/new`);
    assert.match(form.body, new RegExp(`The earliest is today, ${today}`));
    const endsToday = await create('ends-today', today);
    assert.equal(endsToday.statusCode, 303, endsToday.body.slice(0, 300));
    await bob.get(`${ACME}/preferences/tokens/created`);

    const dated = await create('dated', '2031-03-04');
    assert.equal(dated.statusCode, 303);
    await bob.get(`${ACME}/preferences/tokens/created`);
    const row = await server.store.db.selectFrom('api_tokens').select('expires_at').where('name', '=', 'dated').executeTakeFirstOrThrow();
    assert.equal(new Date(Number(row.expires_at)).toISOString(), '2031-03-04T23:59:59.999Z', 'the end of that day, UTC');
  });

  test('expiryFromDate: end of day UTC, empty means none, impossible dates are refused', () => {
    assert.equal(expiryFromDate(''), undefined);
    assert.equal(expiryFromDate('2030-12-31'), '2030-12-31T23:59:59.999Z');
    for (const bad of ['2030-02-29', '2030-13-01', '31/12/2030', '2030-1-1', 'tomorrow']) assert.equal(expiryFromDate(bad), null, bad);
  });

  test("revoking needs the confirmation page's form; the token then stops working", async () => {
    const token = await bob.createToken(ACME, 'to-revoke');
    const row = await server.store.db.selectFrom('api_tokens').select('id').where('name', '=', 'to-revoke').executeTakeFirstOrThrow();
    const confirm = await bob.get(`${ACME}/tokens/${row.id}/revoke?from=preferences`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /Revoke <span class="token-name">to-revoke<\/span>\?/);
    assert.match(confirm.body, new RegExp(`<a class="btn btn-link" href="${ACME}/preferences#access-tokens" autofocus>Cancel</a>`));
    assert.equal((await exchange(server.baseUrl, 'acme', token)).status, 200, 'showing the confirmation revokes nothing');
    const res = await bob.post(`${ACME}/tokens/${row.id}/revoke`, { _csrf: csrfFrom(confirm.body), from: 'preferences' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `${ACME}/preferences?done=revoked&token=${row.id}#access-tokens`);
    // The banner names the token (looked up by id, in the viewer's reach); the row stays, greyed, with who and when.
    const after = await bob.get(res.headers.location as string);
    assert.match(after.body, /The API token &quot;to-revoke&quot; was revoked/);
    assert.match(after.body, /data-status="revoked" class="row-ended"/);
    assert.match(after.body, /Revoked <time[^>]*>[^<]+<\/time> by bob/);
    const refused = await exchange(server.baseUrl, 'acme', token);
    assert.equal(refused.status, 400);
    assert.equal(refused.json().minorErrorCode, 'invalid_grant');
    // Revoked already (a second tab, an administrator first): back to the list, which says so, never a 403 that
    // says "you need some rights, or the entity does not exist" (until 2026-12-05). The same for its POST.
    const again = await bob.get(`${ACME}/tokens/${row.id}/revoke?from=preferences`);
    assert.equal(again.statusCode, 303);
    assert.equal(again.headers.location, `${ACME}/preferences?done=revoked&token=${row.id}#access-tokens`);
    const secondPost = await bob.post(`${ACME}/tokens/${row.id}/revoke`, { _csrf: csrfFrom(confirm.body), from: 'preferences' });
    assert.equal(secondPost.statusCode, 303);
    assert.equal(secondPost.headers.location, `${ACME}/preferences?done=revoked&token=${row.id}#access-tokens`);
    // Someone who may not see the token still gets the one 403 (no oracle).
    const hank = new PortalClient(server.server.app);
    await hank.signIn('/tenant/globex', 'hank', server.demoPassword);
    assert.equal((await hank.get(`/tenant/globex/tokens/${row.id}/revoke`)).statusCode, 403);
  });

  test('a revoke returns where it started, never to a URL taken from the request', async () => {
    await bob.createToken(ACME, 'origin-test');
    const row = await server.store.db
      .selectFrom('api_tokens')
      .select(['id', 'user_id'])
      .where('name', '=', 'origin-test')
      .executeTakeFirstOrThrow();
    const confirm = await alice.get(`${ACME}/tokens/${row.id}/revoke?from=https://evil.example/`);
    assert.match(confirm.body, /name="from" value="preferences"/);
    const res = await alice.post(`${ACME}/tokens/${row.id}/revoke`, { _csrf: csrfFrom(confirm.body), from: 'user' });
    assert.equal(res.headers.location, `${ACME}/administration/users/${row.user_id}/tokens?done=revoked&token=${row.id}`);
  });

  test('without "Manage user\'s own API token": no Access Tokens section, and its pages refuse', async () => {
    const session = await apiSignIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
    const roles = await server.server.app.inject({
      url: '/cloudapi/1.0.0/roles',
      headers: { authorization: `Bearer ${session}`, accept: 'application/json;version=37.0' },
    });
    const role = (roles.json().values as Array<{ id: string; name: string }>).find((r) => r.name === 'Console Access Only')!;
    const created = await server.server.app.inject({
      method: 'POST',
      url: '/cloudapi/1.0.0/users',
      headers: { authorization: `Bearer ${session}`, accept: 'application/json;version=37.0', 'content-type': 'application/json' },
      payload: { username: 'carol', password: 'carol-Password-1', roleEntityRefs: [{ id: role.id }] },
    });
    assert.equal(created.statusCode, 201, created.body);
    const carol = new PortalClient(server.server.app);
    await carol.signIn(ACME, 'carol', 'carol-Password-1');
    const preferences = await carol.get(`${ACME}/preferences`);
    assert.equal(preferences.statusCode, 200);
    assert.match(preferences.body, /Two-factor authentication/);
    assert.doesNotMatch(preferences.body, /Access Tokens/);
    assert.doesNotMatch((await carol.get(`${ACME}/`)).body, /Access Tokens/, 'nor on the home page');
    assert.equal((await carol.get(`${ACME}/preferences/tokens/new`)).statusCode, 403);
    const page = await carol.get(`${ACME}/preferences`);
    const post = await carol.post(`${ACME}/preferences/tokens`, { _csrf: csrfFrom(page.body), name: 'sneaky' });
    assert.equal(post.statusCode, 403);
    assert.equal(await server.store.db.selectFrom('api_tokens').select('id').where('name', '=', 'sneaky').executeTakeFirst(), undefined);
  });

  describe('Administration', () => {
    let hankTokenId: string;
    let hankToken: string;

    before(async () => {
      const hank = await apiSignIn(server.baseUrl, 'hank', 'globex', server.demoPassword);
      const created = await createApiToken(server.baseUrl, hank, 'globex', 'globex-ci');
      hankTokenId = created.clientId;
      hankToken = created.apiToken;
    });

    test('is absent for a user without "Manage all users\' API tokens"', async () => {
      assert.doesNotMatch((await bob.get(`${ACME}/`)).body, />Administration</);
      for (const url of ['/administration/users', '/administration/tokens']) {
        assert.equal((await bob.get(`${ACME}${url}`)).statusCode, 403, url);
      }
    });

    test("an org administrator sees the org's users and tokens, and nothing of other orgs", async () => {
      const home = await alice.get(`${ACME}/`);
      assert.match(home.body, /class="header-nav-link" href="\/tenant\/acme\/administration">Administration</);
      const users = await alice.get(`${ACME}/administration/users`);
      assert.equal(users.statusCode, 200);
      assert.match(users.body, /API tokens of bob/);
      assert.doesNotMatch(users.body, /hank/);
      const tokens = await alice.get(`${ACME}/administration/tokens`);
      assert.match(tokens.body, /data-label="Owner">bob</);
      assert.doesNotMatch(tokens.body, /globex-ci/);
      const hankId = (await server.store.db.selectFrom('users').select('id').where('name', '=', 'hank').executeTakeFirstOrThrow()).id;
      assert.equal((await alice.get(`${ACME}/administration/users/${hankId}/tokens`)).statusCode, 403);
      assert.equal((await alice.get(`${ACME}/tokens/${hankTokenId}/revoke`)).statusCode, 403);
      const page = await alice.get(`${ACME}/administration/tokens`);
      const attempt = await alice.post(`${ACME}/tokens/${hankTokenId}/revoke`, { _csrf: csrfFrom(page.body), from: 'tokens' });
      assert.equal(attempt.statusCode, 403);
      assert.equal((await exchange(server.baseUrl, 'globex', hankToken)).status, 200, "hank's token still works");
    });

    test('the System administrator sees every org, can narrow to one, and revokes anywhere', async () => {
      const admin = new PortalClient(server.server.app);
      await admin.signIn('/provider', 'administrator', server.adminPassword);
      const all = await admin.get('/provider/administration/tokens');
      assert.match(all.body, /data-label="Organization">acme</);
      assert.match(all.body, /data-label="Organization">globex</);
      const globexOnly = await admin.get('/provider/administration/tokens?org=globex');
      assert.doesNotMatch(globexOnly.body, /data-label="Organization">acme</);
      assert.match(globexOnly.body, /globex-ci/);
      const users = await admin.get('/provider/administration/users');
      assert.match(users.body, /data-label="Organization">globex</);
      const confirm = await admin.get(`/provider/tokens/${hankTokenId}/revoke?from=tokens`);
      assert.match(confirm.body, /<dt>Owner<\/dt><dd>hank \(globex\)<\/dd>/);
      const res = await admin.post(`/provider/tokens/${hankTokenId}/revoke`, { _csrf: csrfFrom(confirm.body), from: 'tokens' });
      assert.equal(res.headers.location, `/provider/administration/tokens?done=revoked&token=${hankTokenId}`);
      assert.equal((await exchange(server.baseUrl, 'globex', hankToken)).status, 400);
    });

    test('the org filter shows the org listed (any case), names it in the subtitle, and says when there is no such org', async () => {
      const admin = new PortalClient(server.server.app);
      await admin.signIn('/provider', 'administrator', server.adminPassword);
      const subtitle = (body: string) => /<p class="page-subtitle">([^<]*)<\/p>/.exec(body)?.[1];
      const all = await admin.get('/provider/administration/tokens');
      assert.equal(subtitle(all.body), 'Every API token of every organization');
      assert.match(all.body, /<option value="" selected>|<option value="">All organizations<\/option>/);
      // Until 2026-12-05 ?org=GLOBEX listed globex's tokens under "All organizations" and "every organization".
      for (const asked of ['globex', 'GLOBEX', 'GloBex']) {
        const res = await admin.get(`/provider/administration/tokens?org=${asked}`);
        assert.equal(res.statusCode, 200);
        assert.match(res.body, /<option value="globex" selected>/, asked);
        assert.equal(subtitle(res.body), 'Every API token of organization globex', asked);
        assert.doesNotMatch(res.body, /data-label="Organization">acme</, asked);
      }
      // An unknown org: said plainly, not "No API tokens." under "All organizations".
      const unknown = await admin.get('/provider/administration/tokens?org=nosuch');
      assert.equal(unknown.statusCode, 200);
      assert.match(unknown.body, /There is no organization named &quot;nosuch&quot;\./);
      assert.doesNotMatch(unknown.body, /No API tokens\.|Every API token of every organization/);
      assert.doesNotMatch(unknown.body, / selected>/, 'no org is shown as chosen');
      assert.doesNotMatch(unknown.body, /data-label="Organization">/, 'nothing listed');
    });

    test('a revoke from the list narrowed to one org comes back to that narrowed list, whatever the form says', async () => {
      const hank = await apiSignIn(server.baseUrl, 'hank', 'globex', server.demoPassword);
      const created = await createApiToken(server.baseUrl, hank, 'globex', 'globex-nightly');
      const admin = new PortalClient(server.server.app);
      await admin.signIn('/provider', 'administrator', server.adminPassword);
      const narrowed = await admin.get('/provider/administration/tokens?org=globex');
      assert.match(narrowed.body, new RegExp(`href="/provider/tokens/${created.clientId}/revoke\\?from=org-tokens"`));
      const confirm = await admin.get(`/provider/tokens/${created.clientId}/revoke?from=org-tokens`);
      assert.match(confirm.body, /class="btn btn-link" href="\/provider\/administration\/tokens\?org=globex"/, 'Cancel keeps the filter');
      const res = await admin.post(`/provider/tokens/${created.clientId}/revoke`, { _csrf: csrfFrom(confirm.body), from: 'org-tokens' });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, `/provider/administration/tokens?org=globex&done=revoked&token=${created.clientId}`);
      const back = await admin.get(res.headers.location as string);
      assert.match(back.body, /The API token &quot;globex-nightly&quot; was revoked|The API token "globex-nightly" was revoked/);
      assert.match(back.body, /<option value="globex" selected>/, 'still narrowed to globex');
      assert.equal((await exchange(server.baseUrl, 'globex', created.apiToken)).status, 400);
      // The org comes from the token, not the request: a second POST (already revoked) goes to the token's own org.
      const again = await admin.post(`/provider/tokens/${created.clientId}/revoke`, { _csrf: csrfFrom(confirm.body), from: 'org-tokens' });
      assert.equal(again.headers.location, `/provider/administration/tokens?org=globex&done=revoked&token=${created.clientId}`);
    });
  });
});

/**
 * Administration's token lists searched and paged in SQL (issue 14 §2): until 2026-12-06 they stopped at 500 rows
 * ("Only the first tokens are shown"), with no search and no pager, and `?search=` and `?page=` were ignored.
 */
describe('portal token lists: search and paging', () => {
  let server: TesseraHandle;
  let alice: PortalClient; // Organization Administrator of acme
  let admin: PortalClient; // System administrator
  let bobId: string;
  const PAGE_TOKENS = 30; // bob's `page-NN` tokens: more than a page of 25
  const pageNames = Array.from({ length: PAGE_TOKENS }, (_, i) => `page-${String(i).padStart(2, '0')}`);

  const rowNames = (body: string) =>
    [...body.matchAll(/<th scope="row" class="cell-name" data-label="Name">([^<]*)/g)].map((m) => m[1]!.trim());
  const rowIds = (body: string) => [...body.matchAll(/data-token-id="([^"]+)"/g)].map((m) => m[1]!);
  const pager = (body: string) => /<nav class="pagination" aria-label="Pages of API tokens">[^]*?<\/nav>/.exec(body)?.[0] ?? '';
  const status = (body: string) => /<p class="muted" role="status">([^<]*)<\/p>/.exec(pager(body))?.[1] ?? '';
  const unescape = (href: string) => href.replace(/&amp;/g, '&');

  before(async () => {
    server = await startTessera({ demo: true, config: { signInRateLimit: 1000 } });
    const bob = await apiSignIn(server.baseUrl, 'bob', 'acme', server.demoPassword);
    for (const name of pageNames) await createApiToken(server.baseUrl, bob, 'acme', name);
    // LIKE's wildcards in names: a search for "%" or "_" must find them literally, not everything.
    const aliceApi = await apiSignIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
    for (const name of ['cost 100% off', 'cost 1000 off', 'build_main', 'buildXmain'])
      await createApiToken(server.baseUrl, aliceApi, 'acme', name);
    const hank = await apiSignIn(server.baseUrl, 'hank', 'globex', server.demoPassword);
    await createApiToken(server.baseUrl, hank, 'globex', 'globex-ci');
    bobId = (await server.store.db.selectFrom('users').select('id').where('name', '=', 'bob').executeTakeFirstOrThrow()).id;
    // Some of bob's tokens revoked: they stay listed after his live ones.
    const revoked = await server.store.db
      .selectFrom('api_tokens')
      .select('id')
      .where('name', 'in', ['page-03', 'page-17', 'page-28'])
      .execute();
    await server.store.db
      .updateTable('api_tokens')
      .set({ revoked_at: Date.now() })
      .where(
        'id',
        'in',
        revoked.map((r) => r.id),
      )
      .execute();
    alice = new PortalClient(server.server.app);
    await alice.signIn(ACME, 'alice', server.demoPassword);
    admin = new PortalClient(server.server.app);
    await admin.signIn('/provider', 'administrator', server.adminPassword);
  });
  after(async () => server?.stop());

  test('pages in SQL are a total order: every page of every scope, concatenated, is the whole list once', async () => {
    const services = server.server.services;
    const acme = await server.store.getOrgByName('acme');
    const scopes: TokenListScope[] = [{ kind: 'all' }, { kind: 'org', orgId: acme!.id }, { kind: 'user', userId: bobId }];
    for (const scope of scopes) {
      for (const search of ['', 'PAGE-1', 'bob']) {
        const whole = await listApiTokensPage(services, scope, { search, page: 1, pageSize: 1000 });
        const paged: TokenListItem[] = [];
        for (let page = 1; page <= Math.ceil(whole.total / 4) + 1; page++) {
          const one = await listApiTokensPage(services, scope, { search, page, pageSize: 4 });
          assert.equal(one.total, whole.total, `${scope.kind} "${search}" page ${page}: the same total`);
          paged.push(...one.items);
        }
        const label = `${scope.kind} "${search}"`;
        assert.equal(whole.items.length, whole.total, label);
        assert.deepEqual(
          paged.map((t) => t.id),
          whole.items.map((t) => t.id),
          label,
        );
        assert.equal(new Set(paged.map((t) => t.id)).size, paged.length, `${label}: no row twice`);
        // The order: org, owner, live before revoked, newest first (then id).
        for (let i = 1; i < paged.length; i++) {
          const [a, b] = [paged[i - 1]!, paged[i]!];
          const key = (t: TokenListItem) => `${t.orgName}\u0000${t.ownerName}`;
          assert.ok(key(a) <= key(b), `${label}: ${key(a)} before ${key(b)}`);
          if (key(a) !== key(b)) continue;
          assert.ok(a.revokedAt === null || b.revokedAt !== null, `${label}: live first (${a.name}, ${b.name})`);
          if ((a.revokedAt === null) === (b.revokedAt === null)) assert.ok(a.createdAt >= b.createdAt, `${label}: newest first`);
        }
      }
    }
    const bobs = await listApiTokensPage(services, { kind: 'user', userId: bobId }, { search: '', page: 1, pageSize: 1000 });
    assert.equal(bobs.total, PAGE_TOKENS);
    assert.deepEqual(
      bobs.items.slice(-3).map((t) => t.revokedAt !== null),
      [true, true, true],
      'the revoked ones last',
    );
  });

  test("an org's list: 25 a page, the count, page N of M, pager links; page 2 holds the rest", async () => {
    const first = await alice.get(`${ACME}/administration/tokens`);
    assert.equal(first.statusCode, 200);
    const total = PAGE_TOKENS + 4;
    assert.equal(rowIds(first.body).length, 25);
    assert.equal(status(first.body), `Showing 1-25 of ${total} API tokens · page 1 of 2`);
    assert.match(pager(first.body), /href="\/tenant\/acme\/administration\/tokens\?page=2" rel="next">Next</);
    assert.doesNotMatch(pager(first.body), />(First|Previous)</);
    assert.doesNotMatch(first.body, /Only the first tokens are shown/);
    const second = await alice.get(`${ACME}/administration/tokens?page=2`);
    assert.equal(status(second.body), `Showing 26-${total} of ${total} API tokens · page 2 of 2`);
    assert.match(pager(second.body), /href="\/tenant\/acme\/administration\/tokens" rel="prev">Previous</);
    const ids = [...rowIds(first.body), ...rowIds(second.body)];
    assert.equal(new Set(ids).size, total, 'the two pages together: every token once');
    // The search form: labelled, as the Users list's.
    assert.match(
      first.body,
      /<form method="get" action="\/tenant\/acme\/administration\/tokens" class="filter-bar" role="search" aria-label="API tokens">/,
    );
    assert.match(
      first.body,
      /<label for="token-search">Token name or owner<\/label>\s*<input id="token-search" name="search" type="search" value=""/,
    );
  });

  test('search: the token name or the owner, any case; the provider also by org; the pager keeps the search', async () => {
    const byName = await alice.get(`${ACME}/administration/tokens?search=PAGE-1`);
    assert.deepEqual(rowNames(byName.body).sort(), pageNames.filter((n) => n.startsWith('page-1')).sort());
    assert.equal(status(byName.body), 'Showing 1-10 of 10 API tokens · page 1 of 1');
    assert.match(byName.body, /<input id="token-search" name="search" type="search" value="PAGE-1"/);
    assert.match(byName.body, /<a class="btn btn-sm btn-link" href="\/tenant\/acme\/administration\/tokens">Clear<\/a>/);
    const byOwner = await alice.get(`${ACME}/administration/tokens?search=ALIC`);
    assert.deepEqual(rowNames(byOwner.body).sort(), ['build_main', 'buildXmain', 'cost 1000 off', 'cost 100% off'].sort());
    // More than a page of matches: Next and Last keep the search; the second page is the rest of the matches.
    const many = await alice.get(`${ACME}/administration/tokens?search=page-`);
    assert.equal(status(many.body), `Showing 1-25 of ${PAGE_TOKENS} API tokens · page 1 of 2`);
    const next = /href="([^"]+)" rel="next">Next</.exec(pager(many.body))?.[1];
    assert.equal(next, '/tenant/acme/administration/tokens?search=page-&amp;page=2');
    const rest = await alice.get(unescape(next!));
    assert.equal(rowIds(rest.body).length, PAGE_TOKENS - 25);
    assert.ok(
      rowNames(rest.body).every((n) => n.startsWith('page-')),
      'page 2 holds matches only',
    );
    assert.match(pager(rest.body), /href="\/tenant\/acme\/administration\/tokens\?search=page-" rel="prev">Previous</);
    // The provider: every org's list matches the org's name too; narrowed to an org, the pager keeps both.
    const byOrg = await admin.get('/provider/administration/tokens?search=GLOB');
    assert.deepEqual(rowNames(byOrg.body), ['globex-ci']);
    assert.match(byOrg.body, /<label for="token-search">Token name or owner<\/label>/, '"Organization" labels the select alone');
    assert.match(
      byOrg.body,
      /aria-describedby="token-search-help">[^]*<span class="field-help" id="token-search-help">Also matches the organization&#39;s name\.<\/span>/,
    );
    const narrowed = await admin.get('/provider/administration/tokens?org=ACME&search=page-');
    assert.match(narrowed.body, /<option value="acme" selected>/);
    assert.equal(
      /href="([^"]+)" rel="next">Next</.exec(pager(narrowed.body))?.[1],
      '/provider/administration/tokens?org=acme&amp;search=page-&amp;page=2',
    );
    assert.deepEqual(rowNames((await admin.get('/provider/administration/tokens?org=globex&search=page-')).body), []);
    // One user's tokens: searched by token name, paged the same way.
    const bobs = await alice.get(`${ACME}/administration/users/${bobId}/tokens`);
    assert.equal(status(bobs.body), `Showing 1-25 of ${PAGE_TOKENS} API tokens · page 1 of 2`);
    const bobs2 = await alice.get(`${ACME}/administration/users/${bobId}/tokens?search=page-2&page=1`);
    assert.deepEqual(rowNames(bobs2.body).sort(), pageNames.filter((n) => n.startsWith('page-2')).sort());
  });

  test('LIKE wildcards in the search are literal: "%" and "_" match only themselves', async () => {
    const percent = await alice.get(`${ACME}/administration/tokens?search=${encodeURIComponent('100%')}`);
    assert.deepEqual(rowNames(percent.body), ['cost 100% off']);
    const underscore = await alice.get(`${ACME}/administration/tokens?search=${encodeURIComponent('build_')}`);
    assert.deepEqual(rowNames(underscore.body), ['build_main']);
    const backslash = await alice.get(`${ACME}/administration/tokens?search=${encodeURIComponent('\\')}`);
    assert.equal(backslash.statusCode, 200);
    assert.deepEqual(rowNames(backslash.body), []);
  });

  test('nothing matches: said so, with the way to clear the search (the org kept)', async () => {
    const none = await alice.get(`${ACME}/administration/tokens?search=zzzz-none`);
    assert.equal(none.statusCode, 200);
    assert.match(
      none.body,
      /<p class="empty-state">No API tokens match\. <a href="\/tenant\/acme\/administration\/tokens">Clear the search<\/a> to list them all\.<\/p>/,
    );
    assert.equal(status(none.body), 'No API tokens · page 1 of 1');
    const narrowed = await admin.get('/provider/administration/tokens?org=globex&search=zzzz-none');
    assert.match(
      narrowed.body,
      /No API tokens in organization globex match\. <a href="\/provider\/administration\/tokens\?org=globex">Clear the search<\/a>/,
    );
  });

  test('bad pages: 0, -1, abc are the 400 page; past the last says so with the way to the last page', async () => {
    for (const list of [`${ACME}/administration/tokens`, `${ACME}/administration/users/${bobId}/tokens`]) {
      for (const q of ['page=0', 'page=-1', 'page=abc', 'page=1.5', `search=${'x'.repeat(200)}`]) {
        const res = await alice.get(`${list}?${q}`);
        assert.equal(res.statusCode, 400, `${list}?${q}`);
        assert.match(String(res.headers['content-type']), /text\/html/);
      }
      const past = await alice.get(`${list}?search=page-&page=99`);
      assert.equal(past.statusCode, 200);
      assert.equal(status(past.body), `No API tokens on page 99: the ${PAGE_TOKENS} API tokens fit on 2 pages.`);
      assert.ok(past.body.includes(`href="${list}?search=page-&amp;page=2">Last page (2)<`), 'a link to the last page');
      assert.doesNotMatch(past.body, /class="empty-state"/, 'the list is not empty, this page is');
    }
  });

  test('a revoke from page 2 of a search returns to page 2 of that search; Cancel too', async () => {
    // One user's tokens (bob's 27 live ones: 2 on page 2, before his revoked ones).
    const users = await alice.get(`${ACME}/administration/users/${bobId}/tokens?page=2`);
    const third = rowIds(users.body).find((tokenId) => users.body.includes(`/tokens/${tokenId}/revoke?from=user&amp;page=2"`));
    assert.ok(third, "a Revoke on page 2 of bob's tokens carries the page");
    const confirm3 = await alice.get(`${ACME}/tokens/${third}/revoke?from=user&page=2`);
    const res3 = await alice.post(`${ACME}/tokens/${third}/revoke`, { _csrf: csrfFrom(confirm3.body), from: 'user', page: '2' });
    assert.equal(res3.headers.location, `${ACME}/administration/users/${bobId}/tokens?page=2&done=revoked&token=${third}`);
    const list = `${ACME}/administration/tokens?search=page-&page=2`;
    const page = await alice.get(list);
    const id = rowIds(page.body).find((tokenId) =>
      page.body.includes(`href="${ACME}/tokens/${tokenId}/revoke?from=tokens&amp;search=page-&amp;page=2"`),
    );
    assert.ok(id, "each Revoke carries the list's page and search");
    const confirm = await alice.get(`${ACME}/tokens/${id}/revoke?from=tokens&search=page-&page=2`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /<input type="hidden" name="search" value="page-"><input type="hidden" name="page" value="2">/);
    assert.ok(
      confirm.body.includes(`href="${ACME}/administration/tokens?search=page-&amp;page=2" autofocus>Cancel</a>`),
      'Cancel goes back there',
    );
    const res = await alice.post(`${ACME}/tokens/${id}/revoke`, {
      _csrf: csrfFrom(confirm.body),
      from: 'tokens',
      search: 'page-',
      page: '2',
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `${ACME}/administration/tokens?search=page-&page=2&done=revoked&token=${id}`);
    const back = await alice.get(res.headers.location as string);
    assert.match(back.body, /The API token &quot;page-\d\d&quot; was revoked/);
    assert.match(status(back.body), /page 2 of 2$/);
    // The provider's list narrowed to an org: the same ("o" matches bob, the owner, and two of alice's names).
    const narrowed = await admin.get('/provider/administration/tokens?org=acme&search=o&page=2');
    const other = rowIds(narrowed.body).find((tokenId) =>
      narrowed.body.includes(`/provider/tokens/${tokenId}/revoke?from=org-tokens&amp;search=o&amp;page=2"`),
    );
    assert.ok(other, 'a Revoke on page 2 of the narrowed list carries the org, the search and the page');
    const confirm2 = await admin.get(`/provider/tokens/${other}/revoke?from=org-tokens&search=o&page=2`);
    const res2 = await admin.post(`/provider/tokens/${other}/revoke`, {
      _csrf: csrfFrom(confirm2.body),
      from: 'org-tokens',
      search: 'o',
      page: '2',
    });
    assert.equal(res2.headers.location, `/provider/administration/tokens?org=acme&search=o&page=2&done=revoked&token=${other}`);
    // Revoked already (a second tab): back to the same place too.
    const again = await alice.get(`${ACME}/tokens/${id}/revoke?from=tokens&search=page-&page=2`);
    assert.equal(again.headers.location, `${ACME}/administration/tokens?search=page-&page=2&done=revoked&token=${id}`);
  });

  test('the place a revoke returns to is a page number and a search, checked; never a URL from the request', async () => {
    const row = await server.store.db.selectFrom('api_tokens').select('id').where('name', '=', 'page-05').executeTakeFirstOrThrow();
    const confirm = await alice.get(`${ACME}/tokens/${row.id}/revoke?from=tokens&page=https://evil.example/&search=${'y'.repeat(200)}`);
    assert.doesNotMatch(confirm.body, /name="page"|name="search"|evil\.example/);
    assert.ok(confirm.body.includes(`href="${ACME}/administration/tokens" autofocus>Cancel</a>`), 'Cancel: the first page, unsearched');
    const odd = await alice.get(`${ACME}/tokens/${row.id}/revoke?from=tokens&search=${encodeURIComponent('a&done=x#"<b>')}&page=0`);
    assert.ok(
      odd.body.includes(`href="${ACME}/administration/tokens?search=a%26done%3Dx%23%22%3Cb%3E" autofocus>Cancel</a>`),
      'the search is a value, encoded',
    );
    assert.match(odd.body, /<input type="hidden" name="search" value="a&amp;done=x#&quot;&lt;b&gt;">/);
    assert.doesNotMatch(odd.body, /name="page"/);
    const res = await alice.post(`${ACME}/tokens/${row.id}/revoke`, {
      _csrf: csrfFrom(confirm.body),
      from: 'tokens',
      page: '//evil.example',
      search: 'a&done=x',
    });
    assert.equal(res.headers.location, `${ACME}/administration/tokens?search=a%26done%3Dx&done=revoked&token=${row.id}`);
  });

  test("one's own Access Tokens are searched by name and paged, as Administration's lists (they stopped at 500)", async () => {
    const hank = await server.store.db.selectFrom('users').select(['id', 'org_id']).where('name', '=', 'hank').executeTakeFirstOrThrow();
    const now = Date.now();
    const before = (
      await server.store.db.selectFrom('api_tokens').select('id').where('user_id', '=', hank.id).where('revoked_at', 'is', null).execute()
    ).length;
    await server.store.db
      .insertInto('api_tokens')
      .values(
        Array.from({ length: 501 }, (_, i) => mintedTokenRow(hank.org_id, hank.id, { name: `bulk-${i}`, created_at: now + 60_000 - i })),
      )
      .execute();
    const total = before + 501;
    const lastPage = Math.ceil(total / 25);
    const client = new PortalClient(server.server.app);
    await client.signIn('/tenant/globex', 'hank', server.demoPassword);
    const prefs = '/tenant/globex/preferences';
    const first = await client.get(prefs);
    assert.equal(rowIds(first.body).length, 25);
    assert.deepEqual(rowNames(first.body).slice(0, 2), ['bulk-0', 'bulk-1'], 'newest first');
    assert.match(
      first.body,
      /<form method="get" action="\/tenant\/globex\/preferences#access-tokens" class="filter-bar" role="search" aria-label="Your API tokens">/,
    );
    assert.match(first.body, new RegExp(`Showing 1-25 of ${total} live API tokens · page 1 of ${lastPage}<`));
    assert.match(first.body, /href="\/tenant\/globex\/preferences\?page=2#access-tokens" rel="next">Next</);
    assert.doesNotMatch(first.body, /id="live-tokens-cut"/);
    // The last page holds the oldest, which the list used to leave out.
    // Newer than hank's other tokens (created a minute ahead): the 501st, the oldest of them, is on page 21.
    const last = await client.get(`${prefs}?page=21`);
    assert.ok(rowNames(last.body).includes('bulk-500'), rowNames(last.body).join());
    // The search: the names that contain it, paged in the same way; a revoke comes back to the search and page.
    const found = await client.get(`${prefs}?search=BULK-50`);
    assert.deepEqual(rowNames(found.body), ['bulk-50', 'bulk-500']);
    assert.match(found.body, /Showing 1-2 of 2 live API tokens/);
    assert.match(found.body, /<a class="btn btn-sm btn-link" href="\/tenant\/globex\/preferences#access-tokens">Clear<\/a>/);
    const revoke = /href="(\/tenant\/globex\/tokens\/[0-9a-f-]+\/revoke\?[^"]*)"/.exec(found.body)![1]!.replace(/&amp;/g, '&');
    assert.match(revoke, /from=preferences&search=BULK-50$/);
    const none = await client.get(`${prefs}?search=nothing-like-it`);
    assert.match(
      none.body,
      /None of your API tokens has a name that contains this\. <a href="\/tenant\/globex\/preferences#access-tokens">Clear the search<\/a>/,
    );
    assert.equal((await client.get(`${prefs}?page=0`)).statusCode, 400);
  });

  test('the Access Tokens pager line says what the card lists: none, live only, revoked only, both, several pages', async () => {
    // Until 2026-12-07, with no token live, the line under the revoked tokens' rows read "No live API tokens · page 1 of 1".
    const user = await createUser(server.baseUrl, await apiSignIn(server.baseUrl, 'alice', 'acme', server.demoPassword), {
      role: 'vApp Author',
    });
    const userId = user.id.replace('urn:vcloud:user:', '');
    const orgId = (await server.store.getUser(userId))!.org_id;
    const client = new PortalClient(server.server.app);
    await client.signIn(ACME, user.name, user.password);
    const line = async (url = `${ACME}/preferences`) => {
      const body = (await client.get(url)).body;
      return /<nav class="pagination" aria-label="Pages of live API tokens">\s*<p class="muted" role="status">([^<]*)<\/p>/.exec(body)?.[1];
    };
    const add = (count: number, prefix: string, revoked: boolean, at: number) =>
      server.store.db
        .insertInto('api_tokens')
        .values(
          Array.from({ length: count }, (_, i) =>
            mintedTokenRow(orgId, userId, { name: `${prefix}-${i}`, created_at: at - i, revoked_at: revoked ? at - i : null }),
          ),
        )
        .execute();
    const now = Date.now();
    assert.equal(await line(), 'No live API tokens · page 1 of 1', 'none at all');
    await add(3, 'gone', true, now);
    assert.equal(await line(), 'No live API tokens; 3 revoked shown · page 1 of 1', 'revoked only');
    assert.equal(await line(`${ACME}/preferences?search=nothing-like-it`), 'No live API tokens · page 1 of 1', 'a search matching none');
    await add(2, 'live', false, now + 1000);
    assert.equal(await line(), 'Showing 1-2 of 2 live API tokens; 3 revoked shown · page 1 of 1', 'both');
    assert.equal(await line(`${ACME}/preferences?search=live`), 'Showing 1-2 of 2 live API tokens · page 1 of 1', 'live only');
    await add(26, 'many', false, now + 2000);
    assert.equal(await line(), 'Showing 1-25 of 28 live API tokens · page 1 of 2', 'several pages: the revoked come on the last');
    assert.equal(await line(`${ACME}/preferences?page=2`), 'Showing 26-28 of 28 live API tokens; 3 revoked shown · page 2 of 2');
  });

  test('User preferences counts and names every token that expires soon, not only those of one page', async () => {
    const hank = await server.store.db.selectFrom('users').select(['id', 'org_id']).where('name', '=', 'hank').executeTakeFirstOrThrow();
    const now = Date.now();
    await server.store.db
      .insertInto('api_tokens')
      .values(
        Array.from({ length: 30 }, (_, i) =>
          mintedTokenRow(hank.org_id, hank.id, { name: `soon-${i}`, expires_at: now + 3 * 86_400_000 + i }),
        ),
      )
      .execute();
    const expiring = await server.store.db
      .selectFrom('api_tokens')
      .select('id')
      .where('user_id', '=', hank.id)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where('expires_at', '<=', now + 7 * 86_400_000)
      .execute();
    assert.ok(expiring.length >= 30);
    const client = new PortalClient(server.server.app);
    await client.signIn('/tenant/globex', 'hank', server.demoPassword);
    const prefs = await client.get('/tenant/globex/preferences');
    // Until 2026-12-07 (the day the list was paged) the notice read one page: "25 API tokens expire soon".
    assert.match(prefs.body, new RegExp(`id="expiring-soon"[^]*<strong>${expiring.length} API tokens expire soon:</strong>`));
    assert.match(prefs.body, /id="expiring-soon"[^]*soon-29[^]*<\/div>/);
  });

  test('search folds every letter on both backends: "äpfel" and "ÄPFEL" find "Äpfel-Token"', async () => {
    // Until 2026-12-06 SQLite's lower() folded A-Z only: a name with a capital Ä was not found by its own name there.
    const aliceApi = await apiSignIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
    await createApiToken(server.baseUrl, aliceApi, 'acme', 'Äpfel-Token');
    for (const search of ['äpfel', 'ÄPFEL', 'Äpfel']) {
      const found = await alice.get(`${ACME}/administration/tokens?search=${encodeURIComponent(search)}`);
      assert.deepEqual(rowNames(found.body), ['Äpfel-Token'], search);
    }
  });
});
