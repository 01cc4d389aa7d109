/**
 * A portal page asked with a method it does not take is a 405 page with `Allow` (RFC 9110 §15.5.6), as the API
 * areas answer, signed in or not; a path that is no page is the 404 page. Until 2026-12-05 PUT, DELETE, TRACE and
 * PATCH on a page got 403 "Not allowed" (the CSRF check, before routing) and OPTIONS a 404 for a page that exists.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { PortalClient } from './portal-client.js';

let server: TesseraHandle;
before(async () => {
  server = await startTessera({ demo: true });
});
after(() => server.stop());

test('other methods on a page: 405 and Allow, nothing changed; no such page: 404', async () => {
  const alice = new PortalClient(server.server.app);
  await alice.signIn('/tenant/acme', 'alice', server.demoPassword);
  for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const) {
    const res = await alice.send(method, '/tenant/acme/preferences');
    assert.equal(res.statusCode, 405, `${method}: ${res.body.slice(0, 200)}`);
    assert.equal(res.headers.allow, 'GET, HEAD');
    assert.match(String(res.headers['content-type']), /^text\/html/);
  }
  const signOut = await alice.send('GET', '/tenant/acme/sign-out');
  assert.equal(signOut.statusCode, 405, 'sign-out is a POST');
  assert.equal(signOut.headers.allow, 'POST');
  assert.equal((await alice.get('/tenant/acme/preferences')).statusCode, 200, 'still signed in');
  const none = await alice.send('DELETE', '/tenant/acme/no-such-page');
  assert.equal(none.statusCode, 404);
  const anonymous = await server.server.app.inject({ method: 'PUT', url: '/tenant/acme/login', headers: { accept: 'text/html' } });
  assert.equal(anonymous.statusCode, 405);
  assert.equal(anonymous.headers.allow, 'GET, HEAD, POST');
});

test("a refused form's address (its POST target) opened again is its form, not an error page", async () => {
  const alice = new PortalClient(server.server.app);
  await alice.signIn('/tenant/acme', 'alice', server.demoPassword);
  const tokens = await alice.get('/tenant/acme/preferences/tokens');
  assert.equal(tokens.statusCode, 303);
  assert.equal(tokens.headers.location, '/tenant/acme/preferences/tokens/new');
  // The set-up code's POST target is left a POST-only address (a page there would become where a signed-out
  // POST returns to, instead of the set-up page): 405, which says what it takes.
  const confirm = await alice.get('/tenant/acme/preferences/totp/confirm');
  assert.equal(confirm.statusCode, 405);
});
