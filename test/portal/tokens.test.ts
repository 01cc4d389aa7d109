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
