/**
 * RFC 7662 introspection: authenticated, answers only about tokens the caller may see, and `{"active": false}`
 * for everything else (unknown, revoked, other org, not visible), so it is no oracle.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { accessTokenFrom, basic, bearer, createApiToken, exchange, http, signIn } from '../../helpers/api.js';
import { generateApiToken } from '../../../src/domain/api-token-format.js';

let t: TesseraHandle;
let alice: string;
let bob: string;
let hank: string;
let admin: string;
let bobToken: { apiToken: string; tokenId: string; clientId: string };

const introspect = (session: string | null, token: string, path = '/oauth/tenant/acme/introspect') =>
  http(`${t.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(session ? { Authorization: `Bearer ${session}` } : {}) },
    body: new URLSearchParams({ token }),
  });

before(async () => {
  t = await startTessera({ config: { signInRateLimit: 1000 } });
  [alice, bob, hank, admin] = await Promise.all([
    signIn(t.baseUrl, 'alice', 'acme', t.demoPassword),
    signIn(t.baseUrl, 'bob', 'acme', t.demoPassword),
    signIn(t.baseUrl, 'hank', 'globex', t.demoPassword),
    signIn(t.baseUrl, 'administrator', 'System', t.adminPassword),
  ]);
  bobToken = await createApiToken(t.baseUrl, bob, 'acme', 'introspected');
});
after(() => t.stop());

test('the owner and the org administrator see an API token as active, with its owner and id', async () => {
  for (const session of [bob, alice]) {
    const res = await introspect(session, bobToken.apiToken);
    assert.equal(res.status, 200);
    const body = res.json();
    assert.equal(body.active, true);
    assert.equal(body.token_type, 'refresh_token');
    assert.equal(body.token_use, 'refresh_token');
    assert.equal(body.client_id, bobToken.clientId);
    assert.equal(body.username, 'bob');
    assert.equal(body.org, 'acme');
    assert.equal(body.iss, `${t.baseUrl}/oauth/tenant/acme`, 'the issuer its org\u2019s metadata names');
    assert.equal(typeof body.iat, 'number');
    assert.equal('scope' in body, false, 'an unnarrowed token has no scope');
    assert.equal(JSON.stringify(body).includes(bobToken.apiToken), false, 'the secret is never echoed');
  }
  const provider = await introspect(admin, bobToken.apiToken, '/oauth/provider/introspect');
  assert.equal(provider.json().active, true, 'the System administrator sees every org');
});

test('an access token made from it is active, a Bearer token, and names its session and API token', async () => {
  const access = await accessTokenFrom(t.baseUrl, 'acme', bobToken.apiToken);
  const body = (await introspect(bob, access)).json();
  assert.equal(body.active, true);
  // RFC 7662 §2.2: token_type as in RFC 6749 §5.1. Until 2026-12-05 it was "access_token".
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.token_use, 'access_token');
  assert.equal(body.session_kind, 'api_token');
  assert.equal(body.client_id, bobToken.clientId);
  assert.equal(body.iss, `${t.baseUrl}/oauth/tenant/acme`);
  const password = (await introspect(bob, bob)).json();
  assert.equal(password.token_type, 'Bearer', 'a password session is a Bearer token too');
  assert.equal(password.client_id, undefined, 'a password session has no client: the member is left out (RFC 7662: a string)');
});

test('a narrowed token says its scope, and so do the sessions made from it; the System org\u2019s issuer is /oauth/provider', async () => {
  const readOnly = await createApiToken(t.baseUrl, bob, 'acme', 'read-only-introspected', { scope: 'read-only' });
  const access = await accessTokenFrom(t.baseUrl, 'acme', readOnly.apiToken);
  for (const token of [readOnly.apiToken, access]) {
    const body = (await introspect(bob, token)).json();
    assert.equal(body.active, true);
    assert.equal(body.scope, 'read-only');
  }
  const adminToken = await createApiToken(t.baseUrl, admin, 'System', 'provider-introspected');
  const provider = (await introspect(admin, adminToken.apiToken, '/oauth/provider/introspect')).json();
  assert.equal(provider.iss, `${t.baseUrl}/oauth/provider`);
  assert.equal((await introspect(admin, admin, '/oauth/provider/introspect')).json().iss, `${t.baseUrl}/oauth/provider`);
});

test('another org, unknown, malformed and well-formed-but-unknown tokens are all just inactive', async () => {
  assert.deepEqual((await introspect(hank, bobToken.apiToken, '/oauth/tenant/globex/introspect')).json(), { active: false });
  assert.deepEqual((await introspect(bob, generateApiToken())).json(), { active: false });
  assert.deepEqual((await introspect(bob, 'garbage')).json(), { active: false });
  assert.deepEqual((await introspect(bob, 'eyJ.fake.jwt-but-long-enough-to-look-like-one')).json(), { active: false });
});

test('the caller must be signed in, at their own org\u2019s endpoint, and name a token', async () => {
  assert.equal((await introspect(null, bobToken.apiToken)).status, 401);
  assert.equal((await introspect(hank, bobToken.apiToken)).status, 403, 'hank at acme\u2019s endpoint');
  const missing = await http(`${t.baseUrl}/oauth/tenant/acme/introspect`, {
    method: 'POST',
    headers: { ...bearer(bob), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: '',
  });
  assert.equal(missing.status, 400);
  assert.equal(missing.json().minorErrorCode, 'invalid_request');
});

test('after revocation the token and its sessions are inactive at once', async () => {
  const token = await createApiToken(t.baseUrl, bob, 'acme', 'to-revoke');
  const access = await accessTokenFrom(t.baseUrl, 'acme', token.apiToken);
  assert.equal((await http(`${t.baseUrl}/cloudapi/1.0.0/tokens/${token.tokenId}`, { method: 'DELETE', headers: bearer(bob) })).status, 204);
  assert.deepEqual((await introspect(alice, token.apiToken)).json(), { active: false });
  assert.deepEqual((await introspect(alice, access)).json(), { active: false });
});

test('a legacy session id (x-vcloud-authorization) is introspected as the session it stands for, as revocation ends it', async () => {
  const signInLegacy = async (user: string, org: string) => {
    const res = await http(`${t.baseUrl}/api/sessions`, {
      method: 'POST',
      headers: { Authorization: basic(user, org, t.demoPassword), Accept: 'application/*+xml;version=37.0' },
    });
    assert.equal(res.status, 200);
    return { id: res.headers.get('x-vcloud-authorization')!, access: res.headers.get('x-vmware-vcloud-access-token')! };
  };
  const bobLegacy = await signInLegacy('bob', 'acme');
  assert.match(bobLegacy.id, /^[0-9a-f]{32}$/);
  const byId = (await introspect(bob, bobLegacy.id)).json();
  const byAccess = (await introspect(bob, bobLegacy.access)).json();
  assert.equal(byId.active, true, 'the caller\u2019s own live session, by its legacy id');
  assert.deepEqual(byId, byAccess, 'the same answer as for the access token it stands for');
  assert.equal(JSON.stringify(byId).includes(bobLegacy.id), false, 'the id is never echoed');
  // Another org's session is not the caller's to see.
  assert.deepEqual((await introspect(alice, (await signInLegacy('hank', 'globex')).id)).json(), { active: false });
  const revoked = await http(`${t.baseUrl}/oauth/tenant/acme/revoke`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: bobLegacy.id }),
  });
  assert.equal(revoked.status, 200);
  assert.deepEqual((await introspect(bob, bobLegacy.id)).json(), { active: false }, 'ended by RFC 7009 revocation');
  assert.deepEqual((await introspect(bob, 'f'.repeat(32))).json(), { active: false }, 'an unknown id');
});

test('RFC 8414 metadata names the token, registration, revocation and introspection endpoints per org', async () => {
  const tenant = await http(`${t.baseUrl}/.well-known/oauth-authorization-server/oauth/tenant/acme`);
  assert.equal(tenant.status, 200);
  const meta = tenant.json();
  assert.equal(meta.issuer, `${t.baseUrl}/oauth/tenant/acme`);
  assert.equal(meta.token_endpoint, `${t.baseUrl}/oauth/tenant/acme/token`);
  assert.equal(meta.introspection_endpoint, `${t.baseUrl}/oauth/tenant/acme/introspect`);
  assert.deepEqual(meta.grant_types_supported, [
    'refresh_token',
    'urn:ietf:params:oauth:grant-type:jwt-bearer',
    'urn:ietf:params:oauth:grant-type:device_code',
  ]);
  assert.equal(meta.device_authorization_endpoint, `${t.baseUrl}/oauth/tenant/acme/device_authorization`);
  const provider = (await http(`${t.baseUrl}/.well-known/oauth-authorization-server/oauth/provider`)).json();
  assert.equal(provider.revocation_endpoint, `${t.baseUrl}/oauth/provider/revoke`);
  // No org-name oracle: an org that does not exist gets the same document, shaped from the name asked for.
  const unknown = await http(`${t.baseUrl}/.well-known/oauth-authorization-server/oauth/tenant/no-such-org`);
  assert.equal(unknown.status, 200);
  assert.deepEqual(Object.keys(unknown.json()), Object.keys(meta));
  assert.equal(unknown.json().issuer, `${t.baseUrl}/oauth/tenant/no-such-org`);
  assert.deepEqual(meta.revocation_token_types_supported, ['refresh_token', 'access_token']);
  // RFC 8414 §2: a value of the Access Token Types registry, where RFC 6750 registered "Bearer" (was "bearer").
  assert.deepEqual(meta.introspection_endpoint_auth_methods_supported, ['Bearer']);
  // Made from the Host header (no public URL is configured here): no cache may hand it to a client of another name.
  assert.equal(tenant.headers.get('cache-control'), 'no-store');
});

test('with a public URL the metadata names it whatever the Host, and may be cached', async () => {
  const fixed = await startTessera({ config: { publicUrl: 'https://vcd.example.com' } });
  try {
    const res = await http(`${fixed.baseUrl}/.well-known/oauth-authorization-server/oauth/provider`);
    assert.equal(res.status, 200);
    assert.equal(res.json().issuer, 'https://vcd.example.com/oauth/provider');
    assert.equal(res.json().token_endpoint, 'https://vcd.example.com/oauth/provider/token');
    assert.equal(res.headers.get('cache-control'), null);
  } finally {
    await fixed.stop();
  }
});

test('a token session sees its own token\u2019s sessions only, not those of its owner\u2019s other tokens', async () => {
  const first = await createApiToken(t.baseUrl, bob, 'acme', 'sibling-one');
  const second = await createApiToken(t.baseUrl, bob, 'acme', 'sibling-two');
  const [fromFirst, fromFirstAgain, fromSecond] = await Promise.all([
    accessTokenFrom(t.baseUrl, 'acme', first.apiToken),
    accessTokenFrom(t.baseUrl, 'acme', first.apiToken),
    accessTokenFrom(t.baseUrl, 'acme', second.apiToken),
  ]);
  assert.equal((await introspect(fromFirst, fromFirstAgain)).json().active, true, 'a session of the same token');
  // Until 2026-12-05: active, with the other token's client_id and session id.
  assert.deepEqual((await introspect(fromFirst, fromSecond)).json(), { active: false });
  assert.deepEqual((await introspect(fromFirst, bob)).json(), { active: false }, 'nor the owner\u2019s password session');
  assert.equal((await introspect(bob, fromSecond)).json().active, true, 'the owner\u2019s password session sees them all');
});

test('the System org introspects at /oauth/provider only, as at every other OAuth endpoint', async () => {
  // Until 2026-12-05 /oauth/tenant/System/introspect answered the System administrator.
  for (const name of ['System', 'system']) {
    const res = await introspect(admin, bobToken.apiToken, `/oauth/tenant/${name}/introspect`);
    assert.equal(res.status, 403, `${name}: ${res.text}`);
  }
});

test('the token is read from the body only: one in the URL is refused, and neither checked nor revoked', async () => {
  const token = await createApiToken(t.baseUrl, bob, 'acme', 'in-the-url');
  for (const endpoint of ['introspect', 'revoke']) {
    const res = await http(`${t.baseUrl}/oauth/tenant/acme/${endpoint}?token=${token.apiToken}`, {
      method: 'POST',
      headers: { ...bearer(bob), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: endpoint === 'revoke' ? '' : new URLSearchParams({ token: token.apiToken }),
    });
    assert.equal(res.status, 400, `${endpoint}: ${res.text}`);
    assert.equal(res.json().minorErrorCode, 'invalid_request');
    assert.match(res.json().message, /request body/);
  }
  assert.equal((await exchange(t.baseUrl, 'acme', token.apiToken)).status, 200, 'still live: the revoke was refused');
});

test('a 401 under /oauth names its scheme (RFC 7235 §3.1), as under /api and /cloudapi', async () => {
  const bodies: Array<[string, string, string]> = [
    ['introspect', 'application/x-www-form-urlencoded', 'token=x'],
    ['register', 'application/json', '{"client_name":"x"}'],
    ['device_authorization', 'application/x-www-form-urlencoded', 'client_id=x'],
  ];
  for (const [endpoint, type, body] of bodies) {
    const res = await http(`${t.baseUrl}/oauth/tenant/acme/${endpoint}`, {
      method: 'POST',
      headers: { Authorization: 'Bearer not-a-token', 'Content-Type': type },
      body,
    });
    assert.equal(res.status, 401, `${endpoint}: ${res.text}`);
    // A token was sent and refused: RFC 6750 §3.1's invalid_token, so a client knows to get a new one.
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="tessera", error="invalid_token"', endpoint);
    assert.equal(res.json().error, 'invalid_token', endpoint);
    const none = await http(`${t.baseUrl}/oauth/tenant/acme/${endpoint}`, { method: 'POST', headers: { 'Content-Type': type }, body });
    assert.equal(none.status, 401, `${endpoint}: ${none.text}`);
    // No credentials at all: no error code (RFC 6750 §3.1), and the body does not claim a token was refused (until
    // 2026-12-05 it said invalid_token).
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="tessera"', endpoint);
    assert.equal(none.json().error, 'invalid_request', endpoint);
  }
});

test('a 403 to a bearer token names insufficient_scope (RFC 6750 §3.1), under /cloudapi and /api', async () => {
  // A session made from an API token may not create tokens; nor may a read-only token's.
  const token = await createApiToken(t.baseUrl, alice, 'acme', 'insufficient-scope');
  const tokenSession = await accessTokenFrom(t.baseUrl, 'acme', token.apiToken);
  const refused = await http(`${t.baseUrl}/cloudapi/1.0.0/roles`, {
    method: 'POST',
    headers: { ...bearer(tokenSession), 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'scope-test' }),
  });
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="tessera", error="insufficient_scope"');
  const asXml = await http(`${t.baseUrl}/api/admin/user/00000000-0000-4000-8000-000000000000`, {
    method: 'DELETE',
    headers: { ...bearer(tokenSession), Accept: 'application/*+xml;version=36.1' },
  });
  assert.equal(asXml.status, 403, asXml.text);
  assert.equal(asXml.headers.get('www-authenticate'), 'Bearer realm="tessera", error="insufficient_scope"');
  // Under /oauth the body says the same as the header (it said access_denied).
  const register = await http(`${t.baseUrl}/oauth/tenant/acme/register`, {
    method: 'POST',
    headers: { ...bearer(tokenSession), 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_name: 'from-a-token' }),
  });
  assert.equal(register.status, 403, register.text);
  assert.equal(register.headers.get('www-authenticate'), 'Bearer realm="tessera", error="insufficient_scope"');
  assert.equal(register.json().error, 'insufficient_scope');
});

test('a disabled org\u2019s tokens are inactive, as the token endpoint refuses them; enabled again, active again', async () => {
  const token = await createApiToken(t.baseUrl, hank, 'globex', 'org-disabled');
  const globex = (await t.store.getOrgByName('globex'))!;
  const action = (what: 'disable' | 'enable') =>
    http(`${t.baseUrl}/api/admin/org/${globex.id}/action/${what}`, {
      method: 'POST',
      headers: bearer(admin, 'application/*+xml;version=37.0'),
    });
  assert.equal((await action('disable')).status, 204);
  try {
    assert.equal((await exchange(t.baseUrl, 'globex', token.apiToken)).status, 400);
    // Until 2026-12-05: active (the owner was checked, not the org).
    assert.deepEqual((await introspect(admin, token.apiToken, '/oauth/provider/introspect')).json(), { active: false });
  } finally {
    assert.equal((await action('enable')).status, 204);
  }
  assert.equal((await introspect(admin, token.apiToken, '/oauth/provider/introspect')).json().active, true);
});

test('a session made from a read-only token looks up the token it came from, and no other', async () => {
  const readOnly = await createApiToken(t.baseUrl, bob, 'acme', 'read-only-self', { scope: 'read-only' });
  const sibling = await createApiToken(t.baseUrl, bob, 'acme', 'read-only-sibling', { scope: 'read-only' });
  const session = await accessTokenFrom(t.baseUrl, 'acme', readOnly.apiToken);
  // Until 2026-12-06: {"active": false}, its own live token read as dead (the scope lacks "API Tokens: Manage").
  const self = (await introspect(session, readOnly.apiToken)).json();
  assert.equal(self.active, true);
  assert.equal(self.client_id, readOnly.clientId);
  assert.equal(self.scope, 'read-only');
  assert.deepEqual((await introspect(session, sibling.apiToken)).json(), { active: false }, 'not a sibling of the same owner');
  assert.deepEqual((await introspect(session, bobToken.apiToken)).json(), { active: false });
});
