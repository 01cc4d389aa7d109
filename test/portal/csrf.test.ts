/**
 * Every portal form is refused (403, nothing changed) without its CSRF token, with a wrong one, or with one
 * issued to another session; the right token is accepted. Also: a POST route that declares no CSRF binding
 * is refused outright (fail closed).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { PortalClient, csrfFrom } from './portal-client.js';

const ACME = '/tenant/acme';

describe('portal CSRF protection', () => {
  let server: TesseraHandle;
  let bob: PortalClient;
  let alice: PortalClient;
  let bobTokenId: string;

  const liveTokenNames = async () =>
    (await server.store.db.selectFrom('api_tokens').select('name').where('revoked_at', 'is', null).execute()).map((r) => r.name).sort();

  before(async () => {
    server = await startTessera({ demo: true });
    bob = new PortalClient(server.server.app);
    alice = new PortalClient(server.server.app);
    await bob.signIn(ACME, 'bob', server.demoPassword);
    await alice.signIn(ACME, 'alice', server.demoPassword);
    await bob.createToken(ACME, 'existing');
    bobTokenId = (await server.store.db.selectFrom('api_tokens').select('id').where('name', '=', 'existing').executeTakeFirstOrThrow()).id;
  });
  after(async () => server?.stop());

  test("creating a token: no token, a wrong token, or another session's token is a 403 and creates nothing", async () => {
    const before = await liveTokenNames();
    const aliceToken = csrfFrom((await alice.get(`${ACME}/preferences`)).body);
    const bobToken = csrfFrom((await bob.get(`${ACME}/preferences`)).body);
    const attempts = {
      missing: {},
      empty: { _csrf: '' },
      wrong: { _csrf: bobToken.slice(0, -4) + 'AAAA' },
      "alice's": { _csrf: aliceToken },
    };
    for (const [what, extra] of Object.entries(attempts)) {
      const res = await bob.post(`${ACME}/preferences/tokens`, { name: `csrf-${what}`, ...extra });
      assert.equal(res.statusCode, 403, what);
      assert.match(res.body, /did not come from this site/, what);
    }
    assert.deepEqual(await liveTokenNames(), before, 'nothing was created');
    const ok = await bob.post(`${ACME}/preferences/tokens`, { name: 'csrf-ok', _csrf: bobToken });
    assert.equal(ok.statusCode, 303, 'the right token passes');
  });

  test('revoking, signing out and starting TOTP set-up are protected the same way', async () => {
    const revoke = await bob.post(`${ACME}/tokens/${bobTokenId}/revoke`, { _csrf: 'nope', from: 'preferences' });
    assert.equal(revoke.statusCode, 403);
    assert.ok((await liveTokenNames()).includes('existing'), 'the token is still live');

    const signOut = await bob.post(`${ACME}/sign-out`, {});
    assert.equal(signOut.statusCode, 403);
    assert.equal((await bob.get(`${ACME}/preferences`)).statusCode, 200, 'still signed in');

    const totp = await bob.post(`${ACME}/preferences/totp/start`, { _csrf: 'nope' });
    assert.equal(totp.statusCode, 403);
    const user = await server.store.db.selectFrom('users').select('totp_secret').where('name', '=', 'bob').executeTakeFirstOrThrow();
    assert.equal(user.totp_secret, null, 'no set-up was started');

    const confirm = await bob.post(`${ACME}/preferences/totp/confirm`, { code: '123456' });
    assert.equal(confirm.statusCode, 403);
  });

  test('the sign-in form is bound to its own cookie: a token without that cookie is refused', async () => {
    const visitor = new PortalClient(server.server.app);
    const page = await visitor.get(`${ACME}/login`);
    const token = csrfFrom(page.body);
    const stranger = new PortalClient(server.server.app);
    const res = await stranger.post(`${ACME}/login`, { _csrf: token, username: 'alice', password: server.demoPassword });
    assert.equal(res.statusCode, 403, 'a login CSRF (signing a victim in as the attacker) fails');
    assert.equal(stranger.cookies.has('tessera_session'), false);
    const own = await visitor.post(`${ACME}/login`, { _csrf: token, username: 'alice', password: server.demoPassword });
    assert.equal(own.statusCode, 303);
  });

  test('a form posted without a session goes to the sign-in page, not through', async () => {
    const anonymous = new PortalClient(server.server.app);
    const res = await anonymous.post(`${ACME}/preferences/tokens`, { name: 'anon' });
    assert.equal(res.statusCode, 303);
    // Saying the session ended, and coming back to the form's page after signing in (return-path.ts).
    assert.equal(res.headers.location, `${ACME}/login?notice=expired&from=${encodeURIComponent(`${ACME}/preferences/tokens/new`)}`);
    const rows = await server.store.db.selectFrom('api_tokens').select('id').where('name', '=', 'anon').execute();
    assert.equal(rows.length, 0, 'nothing was created');
  });

  test('a form posted by another site (the browser says cross-site): 403, never a sign-in prompt, nothing changed', async () => {
    const before = await liveTokenNames();
    // SameSite=Strict keeps the session cookie off such a post: the request arrives without one. Until 2026-12-05
    // it was sent to the sign-in page saying "Your session has ended", words another site could put in front of a
    // signed-in user.
    const forged = new PortalClient(server.server.app);
    const posts: Array<[string, Record<string, string>]> = [
      [`${ACME}/preferences/tokens`, { name: 'forged' }],
      [`${ACME}/tokens/${bobTokenId}/revoke`, { from: 'preferences' }],
      [`${ACME}/preferences/password`, {}],
      [`${ACME}/sign-out`, {}],
      [`${ACME}/login/code`, { code: '123456' }],
      [`${ACME}/login`, { username: 'alice', password: 'x' }],
    ];
    for (const site of ['cross-site', 'same-site']) {
      for (const [url, form] of posts) {
        const res = await forged.post(url, { _csrf: 'x', ...form }, { 'sec-fetch-site': site });
        assert.equal(res.statusCode, 403, `${site} ${url}`);
        assert.equal(res.headers.location, undefined, `${site} ${url}`);
        assert.match(res.body, /did not come from this site/, `${site} ${url}`);
        assert.doesNotMatch(res.body, /session has ended|name="password"/, `${site} ${url}`);
      }
    }
    // With the session cookie (a browser that ignores SameSite) and a stolen-looking token: refused the same way.
    const bobsToken = csrfFrom((await bob.get(`${ACME}/preferences`)).body);
    const withCookie = await bob.post(
      `${ACME}/preferences/tokens`,
      { _csrf: bobsToken, name: 'forged' },
      { 'sec-fetch-site': 'cross-site' },
    );
    assert.equal(withCookie.statusCode, 403);
    assert.deepEqual(await liveTokenNames(), before, 'nothing was created or revoked');
    assert.equal((await bob.get(`${ACME}/preferences`)).statusCode, 200, 'bob is still signed in');
    // The portal's own forms (same-origin) and clients without Fetch Metadata are unchanged.
    const own = await forged.post(`${ACME}/preferences/tokens`, { name: 'x' }, { 'sec-fetch-site': 'same-origin' });
    assert.equal(own.statusCode, 303);
    assert.match(String(own.headers.location), /notice=expired/);
  });

  test('a portal POST route without a declared CSRF binding is refused (fail closed)', async () => {
    // The portal plugin's hooks applied to a scope that also holds a POST route which forgot `config.csrf`.
    const { portalRoutes } = await import('../../src/http/portal/index.js');
    const app = Fastify();
    app.decorate('tessera', server.server.services);
    app.decorateRequest('principal', null);
    app.decorateRequest('authError', null);
    // The portal plugin registers @fastify/cookie itself.
    await app.register((await import('@fastify/formbody')).default);
    await app.register(async (scoped) => {
      await portalRoutes(scoped, {});
      scoped.post('/tenant/:org/unprotected', async () => 'changed');
    });
    const res = await app.inject({
      method: 'POST',
      url: '/tenant/acme/unprotected',
      payload: 'a=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(res.statusCode, 403);
    assert.notEqual(res.body, 'changed');
    await app.close();
  });
});
