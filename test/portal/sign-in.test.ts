/**
 * Sign-in, the verification-code step, the cookies, and sign-out, through `app.inject` (HTTP) and over real
 * HTTPS (the Secure flag and the __Host- prefix depend on the scheme).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { signIn as apiSignIn } from '../helpers/api.js';
import { createTransport } from '../../src/client/transport.js';
import { newTotpSecret, totpCode } from '../../src/auth/totp.js';
import { PortalClient, csrfFrom, setCookiesOf, wrongTotpCode } from './portal-client.js';
import { freshTotpWindow } from '../security/support.js';

describe('portal sign-in over HTTP (inject)', () => {
  let server: TesseraHandle;
  let totpSecret: string;

  before(async () => {
    server = await startTessera({ demo: true });
    // bob has TOTP enrolled (as the cloudapi would leave it); alice does not.
    totpSecret = newTotpSecret();
    const acme = (await server.store.getOrgByName('acme'))!;
    const bob = (await server.store.getUserByName(acme.id, 'bob'))!;
    await server.store.updateUser(bob.id, { totp_secret: totpSecret, totp_enabled: 1, totp_last_step: 0 });
  });
  after(async () => server?.stop());

  test('the sign-in page asks for user name and password only, never for a code up front', async () => {
    const res = await new PortalClient(server.server.app).get('/tenant/acme/login');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /name="username"/);
    assert.match(res.body, /name="password"/);
    assert.doesNotMatch(res.body, /name="code"/);
  });

  test('two sign-in pages open in one browser: after signing in on one, the other still signs in (no 403)', async () => {
    const client = new PortalClient(server.server.app);
    const first = await client.get('/tenant/acme/login');
    const second = await client.get('/tenant/acme/login');
    const a = await client.post('/tenant/acme/login', { _csrf: csrfFrom(first.body), username: 'alice', password: server.demoPassword });
    assert.equal(a.statusCode, 303);
    // Until 2026-12-05 signing in cleared the form's binding, and this answered 403 "Not allowed".
    const b = await client.post('/tenant/acme/login', { _csrf: csrfFrom(second.body), username: 'alice', password: server.demoPassword });
    assert.equal(b.statusCode, 303, b.body.slice(0, 300));
    assert.equal(b.headers.location, '/tenant/acme/');
  });

  test('every sign-in page renews the form cookie: the same id, set again for a fresh 12 hours', async () => {
    const client = new PortalClient(server.server.app);
    const first = setCookiesOf(await client.get('/tenant/acme/login')).find((c) => c.name === 'tessera_sign_in');
    assert.ok(first, 'the first page sets the cookie');
    // Until 2026-12-05 a later page reused the cookie without setting it again: a page loaded near the cookie's end
    // failed at submit with 403.
    const again = setCookiesOf(await client.get('/tenant/acme/login')).find((c) => c.name === 'tessera_sign_in');
    assert.ok(again, 'a later page sets it again');
    assert.equal(again.value, first.value, 'the same id: other open sign-in pages stay valid');
    assert.match(again.raw, /Max-Age=43200\b/);
    assert.match(again.raw, /HttpOnly/);
    assert.match(again.raw, /SameSite=Strict/);
  });

  test('a sign-in form whose cookie expired, posted from this site: the form again with the user name, nothing checked', async () => {
    const client = new PortalClient(server.server.app);
    const page = await client.get('/tenant/acme/login?from=%2Ftenant%2Facme%2Fvms');
    client.cookies.delete('tessera_sign_in'); // the 12 hours went by
    const form = { _csrf: csrfFrom(page.body), username: 'alice', password: server.demoPassword, from: '/tenant/acme/vms' };
    const stale = await client.post('/tenant/acme/login', form, { 'sec-fetch-site': 'same-origin' });
    assert.equal(stale.statusCode, 403);
    assert.match(stale.body, /The sign-in form had expired; sign in again\./);
    assert.match(stale.body, /name="username"[^>]* value="alice"/);
    assert.ok(!stale.body.includes(server.demoPassword), 'the password is never written back');
    assert.match(stale.body, /name="from" value="\/tenant\/acme\/vms"/);
    assert.equal(client.cookies.has('tessera_session'), false, 'no credential was checked, no session');
    assert.ok(client.cookies.has('tessera_sign_in'), 'a fresh form cookie');
    const retry = await client.post('/tenant/acme/login', { ...form, _csrf: csrfFrom(stale.body) }, { 'sec-fetch-site': 'same-origin' });
    assert.equal(retry.statusCode, 303);
    assert.equal(retry.headers.location, '/tenant/acme/vms');
    // Not from this site (or not saying so): the 403 page, no form to sign in on.
    const stranger = new PortalClient(server.server.app);
    for (const headers of [{}, { 'sec-fetch-site': 'cross-site' }, { referer: 'https://evil.example/' }] as Array<Record<string, string>>) {
      const res = await stranger.post('/tenant/acme/login', form, headers);
      assert.equal(res.statusCode, 403, JSON.stringify(headers));
      assert.match(res.body, /did not come from this site/);
      assert.doesNotMatch(res.body, /name="password"/);
    }
    assert.equal(stranger.cookies.has('tessera_session'), false);
  });

  test('a correct password without TOTP signs in: the session cookie holds the access token, HttpOnly, SameSite=Strict, Path=/', async () => {
    const client = new PortalClient(server.server.app);
    const page = await client.get('/tenant/acme/login');
    const res = await client.post('/tenant/acme/login', { _csrf: csrfFrom(page.body), username: 'alice', password: server.demoPassword });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/tenant/acme/');
    const session = setCookiesOf(res).find((c) => c.name === 'tessera_session');
    assert.ok(session, 'over HTTP the cookie has no __Host- prefix (browsers refuse it without Secure)');
    assert.match(session.raw, /; HttpOnly/);
    assert.match(session.raw, /; SameSite=Strict/);
    assert.match(session.raw, /; Path=\/(;|$)/);
    assert.doesNotMatch(session.raw, /; Secure/, 'no Secure flag over plain HTTP');
    // A browser-session cookie: no Max-Age nor Expires, so the browser never writes the bearer to its profile on disk
    // (until 2026-12-06 it lived as long as the access token, and Chromium kept it in its Cookies file).
    assert.doesNotMatch(session.raw, /Max-Age|Expires/i, `the session cookie ends with the browser: ${session.raw}`);
    // The value is a real access token of alice's password session.
    const who = await server.server.app.inject({
      url: '/cloudapi/1.0.0/sessions/current',
      headers: { authorization: `Bearer ${session.value}`, accept: 'application/json;version=37.0' },
    });
    assert.equal(who.statusCode, 200);
    assert.equal(who.json().user.name, 'alice');
    const home = await client.get('/tenant/acme/');
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /Welcome, Alice Admin/);
  });

  test('a wrong password gets the same message as an unknown user, and keeps the user name (escaped)', async () => {
    const client = new PortalClient(server.server.app);
    const wrong = await client.submit('/tenant/acme/login', '/tenant/acme/login', { username: 'alice', password: 'not-it-at-all' });
    const unknown = await client.submit('/tenant/acme/login', '/tenant/acme/login', { username: '<nobody>', password: 'not-it-at-all' });
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    for (const res of [wrong, unknown]) assert.match(res.body, /The user name or password is incorrect\./);
    assert.match(unknown.body, /value="&lt;nobody&gt;"/);
    assert.equal(
      setCookiesOf(wrong).some((c) => c.name === 'tessera_session'),
      false,
    );
  });

  test('with TOTP: the password leads to the code step, through a signed short-lived cookie that is not a session', async () => {
    const client = new PortalClient(server.server.app);
    const res = await client.submit('/tenant/acme/login', '/tenant/acme/login', { username: 'bob', password: server.demoPassword });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/tenant/acme/login/code');
    const cookies = setCookiesOf(res);
    assert.equal(
      cookies.some((c) => c.name === 'tessera_session'),
      false,
      'no session yet',
    );
    const pending = cookies.find((c) => c.name === 'tessera_pending');
    assert.ok(pending);
    assert.match(pending.raw, /^tessera_pending=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/, 'a browser-session cookie: no Max-Age');
    assert.doesNotMatch(pending.value, new RegExp(server.demoPassword), 'the password is not kept');

    const preferences = await client.get('/tenant/acme/preferences');
    assert.equal(preferences.statusCode, 303, 'half-signed-in opens no page');
    assert.equal(preferences.headers.location, '/tenant/acme/login?from=%2Ftenant%2Facme%2Fpreferences');
    const codePage = await client.get('/tenant/acme/login/code');
    assert.equal(codePage.statusCode, 200);
    assert.match(codePage.body, /name="code"/);

    const wrongCode = await client.post('/tenant/acme/login/code', { _csrf: csrfFrom(codePage.body), code: wrongTotpCode(totpSecret) });
    assert.equal(wrongCode.statusCode, 401);
    assert.match(wrongCode.body, /The code is wrong or was already used/);

    const tampered = new PortalClient(server.server.app);
    const [body, tag] = pending.value.split('.');
    const forged = JSON.parse(Buffer.from(body!, 'base64url').toString());
    forged.userId = (await server.store.getUserByName((await server.store.getOrgByName('acme'))!.id, 'alice'))!.id;
    tampered.cookies.set('tessera_pending', `${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${tag}`);
    const refused = await tampered.get('/tenant/acme/login/code');
    assert.equal(refused.statusCode, 303, 'a tampered cookie is no half-signed-in state');
    assert.equal(refused.headers.location, '/tenant/acme/login?notice=code-expired');

    const elsewhere = new PortalClient(server.server.app);
    elsewhere.cookies.set('tessera_pending', pending.value);
    assert.equal((await elsewhere.get('/tenant/globex/login/code')).statusCode, 303, 'the pending state belongs to its org');
  });

  test('the code step signs in; a password change in between voids the half-signed-in state', async () => {
    const client = new PortalClient(server.server.app);
    await client.signIn('/tenant/acme', 'bob', server.demoPassword, totpSecret);
    assert.ok(client.cookies.has('tessera_session'));
    assert.equal(client.cookies.has('tessera_pending'), false, 'the pending cookie is cleared');
    assert.equal((await client.get('/tenant/acme/preferences')).statusCode, 200);

    const late = new PortalClient(server.server.app);
    const first = await late.submit('/tenant/acme/login', '/tenant/acme/login', { username: 'bob', password: server.demoPassword });
    assert.equal(first.headers.location, '/tenant/acme/login/code');
    const acme = (await server.store.getOrgByName('acme'))!;
    const bob = (await server.store.getUserByName(acme.id, 'bob'))!;
    await server.store.updateUser(bob.id, { sessions_not_before: Date.now() + 1 });
    await new Promise((r) => setTimeout(r, 5));
    const res = await late.submit('/tenant/acme/login/code', '/tenant/acme/login/code', { code: '123456' });
    assert.equal(res.statusCode, 401);
    assert.match(res.body, /Sign in again/);
    assert.equal(late.cookies.has('tessera_session'), false);
    await server.store.updateUser(bob.id, { sessions_not_before: 0 });
  });

  test('a copy of the pending cookie starts no second session once the code step is done, even with a fresh code', async () => {
    const acme = (await server.store.getOrgByName('acme'))!;
    const bobId = (await server.store.getUserByName(acme.id, 'bob'))!.id;
    await server.store.updateUser(bobId, { totp_last_step: 0 });
    const step = await freshTotpWindow();
    const client = new PortalClient(server.server.app);
    const first = await client.submit('/tenant/acme/login', '/tenant/acme/login', { username: 'bob', password: server.demoPassword });
    assert.equal(first.headers.location, '/tenant/acme/login/code');
    const copied = client.cookies.get('tessera_pending');
    assert.ok(copied, 'the pending cookie');
    // Loading the code page claims nothing (only its POST spends the pending sign-in): twice, and it still signs in.
    assert.equal((await client.get('/tenant/acme/login/code')).statusCode, 200);
    const codePage = await client.get('/tenant/acme/login/code');
    assert.equal(codePage.statusCode, 200);
    const done = await client.post('/tenant/acme/login/code', {
      _csrf: csrfFrom(codePage.body),
      code: totpCode(totpSecret, step - 15_000),
    });
    assert.equal(done.headers.location, '/tenant/acme/');
    assert.ok(client.cookies.has('tessera_session'));

    // The copy (a cookie jar that ignored the clearing, a proxy's log), with the next code of the app: until
    // 2026-12-07 a second session, for as long as the cookie lived. (Its form's token is the first page's: the
    // copy's own GET no longer shows the form, below.)
    const replay = new PortalClient(server.server.app);
    replay.cookies.set('tessera_pending', copied);
    const refused = await replay.post('/tenant/acme/login/code', {
      _csrf: csrfFrom(codePage.body),
      code: totpCode(totpSecret, step + 15_000),
      from: '/tenant/acme/vms',
    });
    assert.equal(refused.statusCode, 303);
    assert.equal(
      refused.headers.location,
      '/tenant/acme/login?notice=code-expired&from=%2Ftenant%2Facme%2Fvms',
      'as a sign-in that took too long',
    );
    assert.equal(replay.cookies.has('tessera_session'), false, 'no session');
    assert.equal(replay.cookies.has('tessera_pending'), false, 'the spent pending cookie is cleared');
    // The first session is untouched.
    assert.equal((await client.get('/tenant/acme/preferences')).statusCode, 200);

    // The copy's code page answers what its POST answers, without the form: until 2026-12-07 it showed the form,
    // whose every code then failed with "the sign-in took too long".
    const reader = new PortalClient(server.server.app);
    reader.cookies.set('tessera_pending', copied);
    for (let load = 0; load < 2; load++) {
      const page = await reader.get('/tenant/acme/login/code?from=%2Ftenant%2Facme%2Fvms');
      assert.equal(page.statusCode, 303, page.body.slice(0, 300));
      assert.equal(page.headers.location, '/tenant/acme/login?notice=code-expired&from=%2Ftenant%2Facme%2Fvms');
      assert.doesNotMatch(page.body, /name="code"/);
      assert.equal(reader.cookies.has('tessera_pending'), false, 'the spent pending cookie is cleared');
      reader.cookies.set('tessera_pending', copied);
    }
    const notice = await reader.get('/tenant/acme/login?notice=code-expired');
    assert.match(notice.body, /The sign-in took too long/);
  });

  test('a session of one org opens nothing in another org or in the provider portal', async () => {
    const client = new PortalClient(server.server.app);
    await client.signIn('/tenant/acme', 'alice', server.demoPassword);
    for (const url of ['/tenant/globex/preferences', '/provider/preferences']) {
      const res = await client.get(url);
      assert.equal(res.statusCode, 303, url);
      assert.match(String(res.headers.location), /\/login(\?|$)/, url);
    }
    assert.equal((await client.post('/tenant/acme/login', { username: 'x', password: 'y' })).statusCode, 403, 'no CSRF cookie, no sign-in');
  });

  test('System users sign in at /provider only; /tenant/System goes there', async () => {
    const client = new PortalClient(server.server.app);
    const atTenant = await client.get('/tenant/System/login');
    assert.equal(atTenant.statusCode, 303);
    assert.equal(atTenant.headers.location, '/provider/');
    const wrongDoor = await client.submit('/tenant/acme/login', '/tenant/acme/login', {
      username: 'administrator',
      password: server.adminPassword,
    });
    assert.equal(wrongDoor.statusCode, 401);
    await client.signIn('/provider', 'administrator', server.adminPassword);
    assert.equal((await client.get('/provider/administration/tokens')).statusCode, 200);
  });

  test('a bearer header does not sign anyone in to the portal', async () => {
    const token = await apiSignIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
    const res = await server.server.app.inject({ url: '/tenant/acme/preferences', headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/tenant/acme/login?from=%2Ftenant%2Facme%2Fpreferences');
  });

  test('no session cookie (it expired with the session, or another tab signed out): a form or a page opened from the portal says the session ended, with the way back', async () => {
    const anonymous = new PortalClient(server.server.app);
    const login = (query: string) => `/tenant/acme/login?${query}`;
    const from = (path: string) => `from=${encodeURIComponent(path)}`;
    const id = '0b6f0d0e-8f5e-4a52-9d1a-1f1e2d3c4b5a';
    // A form POST: the notice, and the way back is the form's page, never the POST target.
    const posted: Array<[string, Record<string, string>, string]> = [
      ['/tenant/acme/preferences/password', {}, login(`notice=expired&${from('/tenant/acme/preferences/password')}`)],
      ['/tenant/acme/preferences/tokens', { name: 'x' }, login(`notice=expired&${from('/tenant/acme/preferences/tokens/new')}`)],
      [`/tenant/acme/tokens/${id}/revoke`, { from: 'user' }, login(`notice=expired&${from(`/tenant/acme/tokens/${id}/revoke?from=user`)}`)],
      [
        `/tenant/acme/tokens/${id}/revoke`,
        { from: 'https://evil.example/' },
        login(`notice=expired&${from(`/tenant/acme/tokens/${id}/revoke?from=preferences`)}`),
      ],
      [`/tenant/acme/administration/users/${id}/enable`, {}, login(`notice=expired&${from(`/tenant/acme/administration/users/${id}`)}`)],
      // Disable has its confirmation page (until 2026-12-05 a one-click form on the user's page): back there.
      [
        `/tenant/acme/administration/users/${id}/disable`,
        {},
        login(`notice=expired&${from(`/tenant/acme/administration/users/${id}/disable`)}`),
      ],
      ['/tenant/acme/preferences/totp/confirm', { code: '123456' }, login(`notice=expired&${from('/tenant/acme/preferences/totp')}`)],
      ['/tenant/acme/sign-out', {}, login('notice=expired')],
    ];
    for (const [url, form, expected] of posted) {
      const res = await anonymous.post(url, { _csrf: 'whatever', ...form });
      assert.equal(res.statusCode, 303, url);
      assert.equal(res.headers.location, expected, url);
    }
    // A page: the notice when it was opened from the portal (Fetch Metadata, or a same-origin Referer: the portal
    // sends no-referrer, so browsers send the former); a typed address or a bookmark gets the plain sign-in page.
    // Either way sign-in comes back to the page.
    const page = '/tenant/acme/preferences?ended=all';
    const back = login(`notice=expired&${from(page)}`);
    assert.equal((await anonymous.get(page, { 'sec-fetch-site': 'same-origin' })).headers.location, back);
    assert.equal((await anonymous.get(page, { referer: 'http://localhost:80/tenant/acme/' })).headers.location, back);
    assert.equal((await anonymous.get(page, { referer: 'https://elsewhere.example/' })).headers.location, login(from(page)));
    assert.equal((await anonymous.get(page, { 'sec-fetch-site': 'none' })).headers.location, login(from(page)));
    assert.equal((await anonymous.get(page, { 'sec-fetch-site': 'cross-site' })).headers.location, login(from(page)));
    // The portal's root (the org chooser, the brand link and "Back to the portal" lead there while signed out): no
    // "ended" notice for someone who never signed in, and nothing to come back to.
    assert.equal((await anonymous.get('/tenant/acme/', { 'sec-fetch-site': 'same-origin' })).headers.location, '/tenant/acme/login');
    // The code step's form without its pending record: the sign-in took too long, not "your session has ended".
    const code = await anonymous.post('/tenant/acme/login/code', { _csrf: 'x', code: '123456' });
    assert.equal(code.headers.location, login('notice=code-expired'));
    // ... and where the user was going is kept (until 2026-12-05 it was dropped there).
    const codeFrom = await anonymous.post('/tenant/acme/login/code', { _csrf: 'x', code: '123456', from: '/tenant/acme/vms' });
    assert.equal(codeFrom.headers.location, login(`notice=code-expired&${from('/tenant/acme/vms')}`));
    const foreign = await anonymous.post('/tenant/acme/login/code', { _csrf: 'x', code: '123456', from: 'https://evil.example/' });
    assert.equal(foreign.headers.location, login('notice=code-expired'), 'only a path of this org is kept');
  });

  test('signing in again lands where the session ended, through the code step too; any other "from" lands on Home', async () => {
    const back = '/tenant/acme/preferences/password';
    const alice = new PortalClient(server.server.app);
    const form = await alice.get(`/tenant/acme/login?notice=expired&from=${encodeURIComponent(back)}`);
    assert.match(form.body, /Your session has ended\. Sign in again to continue\./);
    assert.match(form.body, new RegExp(`<input type="hidden" name="from" value="${back}">`));
    // A wrong password keeps the way back (and puts the focus on the password: the user name is kept).
    const wrong = await alice.post('/tenant/acme/login', { _csrf: csrfFrom(form.body), username: 'alice', password: 'not-it', from: back });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, new RegExp(`<input type="hidden" name="from" value="${back}">`));
    assert.match(wrong.body, /<input id="password"[^>]* aria-describedby="sign-in-error" aria-invalid="true" autofocus>/);
    assert.doesNotMatch(wrong.body, /<input id="username"[^>]*autofocus/);
    const right = await alice.post('/tenant/acme/login', {
      _csrf: csrfFrom(wrong.body),
      username: 'alice',
      password: server.demoPassword,
      from: back,
    });
    assert.equal(right.statusCode, 303);
    assert.equal(right.headers.location, back);
    assert.equal((await alice.get(back)).statusCode, 200);

    // bob has TOTP: the way back goes through the code step (a code of a step not used by the earlier tests).
    const acme = (await server.store.getOrgByName('acme'))!;
    await server.store.updateUser((await server.store.getUserByName(acme.id, 'bob'))!.id, { totp_last_step: 0 });
    const bob = new PortalClient(server.server.app);
    const bobForm = await bob.get(`/tenant/acme/login?from=${encodeURIComponent('/tenant/acme/preferences?ended=all')}`);
    const step = await bob.post('/tenant/acme/login', {
      _csrf: csrfFrom(bobForm.body),
      username: 'bob',
      password: server.demoPassword,
      from: '/tenant/acme/preferences?ended=all',
    });
    assert.equal(step.headers.location, `/tenant/acme/login/code?from=${encodeURIComponent('/tenant/acme/preferences?ended=all')}`);
    const codePage = await bob.get(String(step.headers.location));
    assert.match(codePage.body, /<input type="hidden" name="from" value="\/tenant\/acme\/preferences\?ended=all">/);
    const done = await bob.post('/tenant/acme/login/code', {
      _csrf: csrfFrom(codePage.body),
      code: totpCode(totpSecret, Date.now() + 30_000),
      from: '/tenant/acme/preferences?ended=all',
    });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/tenant/acme/preferences?ended=all');

    // Never an open redirect, nor another org's portal, nor a loop to the sign-in page.
    for (const evil of [
      'https://evil.example/',
      '//evil.example/',
      '/\\evil.example/',
      '/tenant/globex/preferences',
      '/tenant/acme/../globex/preferences',
      '/tenant/acme/%2e%2e/globex/',
      '/tenant/acme/login',
      'javascript:alert(1)',
      '/tenant/acme/preferences#x',
    ]) {
      const client = new PortalClient(server.server.app);
      const page = await client.get(`/tenant/acme/login?from=${encodeURIComponent(evil)}`);
      assert.doesNotMatch(page.body, /name="from"/, evil);
      const res = await client.post('/tenant/acme/login', {
        _csrf: csrfFrom(page.body),
        username: 'alice',
        password: server.demoPassword,
        from: evil,
      });
      assert.equal(res.headers.location, '/tenant/acme/', evil);
    }
  });

  test('sign-out ends the session itself, not only the cookie', async () => {
    const client = new PortalClient(server.server.app);
    await client.signIn('/tenant/acme', 'alice', server.demoPassword);
    const accessToken = client.cookies.get('tessera_session')!;
    const res = await client.submit('/tenant/acme/', '/tenant/acme/sign-out', {});
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/tenant/acme/login?notice=signed-out');
    assert.equal(client.cookies.has('tessera_session'), false, 'the cookie is cleared');
    const replay = new PortalClient(server.server.app);
    replay.cookies.set('tessera_session', accessToken);
    const after = await replay.get('/tenant/acme/preferences');
    assert.equal(after.statusCode, 303);
    assert.equal(after.headers.location, '/tenant/acme/login?notice=expired&from=%2Ftenant%2Facme%2Fpreferences');
    const api = await server.server.app.inject({
      url: '/cloudapi/1.0.0/sessions/current',
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json;version=37.0' },
    });
    assert.equal(api.statusCode, 401, 'the access token is revoked');
  });

  test('sign-out from a page of an earlier session (a stale token): ends the session when the browser says same-origin', async () => {
    const client = new PortalClient(server.server.app);
    await client.signIn('/tenant/acme', 'alice', server.demoPassword);
    const oldPage = await client.get('/tenant/acme/');
    // Signed out and in again in another tab: the old page's token is bound to the ended session.
    await client.submit('/tenant/acme/', '/tenant/acme/sign-out', {});
    await client.signIn('/tenant/acme', 'alice', server.demoPassword);
    const stale = { _csrf: csrfFrom(oldPage.body) };
    // Not from this origin as far as the browser says (a sibling subdomain is same-site, not same-origin), or no
    // Fetch Metadata at all: the token decides, 403, still signed in.
    for (const headers of [{ 'sec-fetch-site': 'same-site' }, {}] as Record<string, string>[]) {
      assert.equal((await client.post('/tenant/acme/sign-out', stale, headers)).statusCode, 403);
      assert.equal((await client.get('/tenant/acme/preferences')).statusCode, 200);
    }
    // From this very origin: signed out (until 2026-12-05 a 403, and the user stayed signed in).
    const res = await client.post('/tenant/acme/sign-out', stale, { 'sec-fetch-site': 'same-origin' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/tenant/acme/login?notice=signed-out');
    assert.equal((await client.get('/tenant/acme/preferences')).statusCode, 303, 'signed out');
    // Any other form with a stale token stays refused, same-origin or not.
    await client.signIn('/tenant/acme', 'alice', server.demoPassword);
    const revoke = await client.post('/tenant/acme/preferences/totp/start', stale, { 'sec-fetch-site': 'same-origin' });
    assert.equal(revoke.statusCode, 403);
  });
});

describe('portal cookies over HTTPS', () => {
  let server: TesseraHandle;
  const https = createTransport({ insecure: true });

  before(async () => {
    server = await startTessera({ demo: true, https: true });
  });
  after(async () => server?.stop());

  test('the session cookie is __Host- prefixed and Secure, HttpOnly, SameSite=Strict, Path=/', async () => {
    const page = await https({ method: 'GET', url: `${server.baseUrl}/tenant/acme/login`, headers: { accept: 'text/html' } });
    const formCookie = page.headers.getSetCookie().find((c) => c.startsWith('__Host-tessera_sign_in='))!;
    assert.ok(formCookie, page.headers.getSetCookie().join(' | '));
    assert.match(formCookie, /; Secure/);
    const res = await https({
      method: 'POST',
      url: `${server.baseUrl}/tenant/acme/login`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: formCookie.split(';')[0]! },
      body: new URLSearchParams({ _csrf: csrfFrom(page.body), username: 'alice', password: server.demoPassword }).toString(),
    });
    assert.equal(res.status, 303);
    const session = res.headers.getSetCookie().find((c) => c.startsWith('__Host-tessera_session='));
    assert.ok(session, res.headers.getSetCookie().join(' | '));
    for (const flag of ['; Path=/', '; HttpOnly', '; Secure', '; SameSite=Strict'])
      assert.ok(session.includes(flag), `${flag} in ${session.replace(/=[^;]+/, '=...')}`);
    assert.doesNotMatch(session, /Domain=/i, 'host-only');
  });
});
