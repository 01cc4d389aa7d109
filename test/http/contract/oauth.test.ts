/**
 * The declared contract of /oauth and /.well-known (src/http/oauth/schemas.ts): malformed input is refused with
 * 400 `invalid_request` in VCD's envelope before any handler code runs (so nothing changes and no rate limit is
 * counted), every way real clients send parameters still works, and real answers match the response schemas.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { createApiToken, http, signIn } from '../../helpers/api.js';
import {
  AuthorizationServerMetadata,
  IntrospectionResponse,
  OAuthErrorEnvelope,
  RegisterResponse,
  TokenResponse,
} from '../../../src/http/oauth/schemas.js';
import { assertConforms } from './support.js';

let t: TesseraHandle;
let alice: string;
before(async () => {
  t = await startTessera({ demo: true, config: { signInRateLimit: 1000, tokenRateLimitPerIp: 100_000 } });
  alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
});
after(() => t.stop());

const form = (path: string, body: string, headers: Record<string, string> = {}) =>
  http(`${t.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

function assertInvalidRequest(res: { status: number; text: string; json(): any; headers: Headers }, label: string) {
  assert.equal(res.status, 400, `${label}: ${res.text}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assertConforms(OAuthErrorEnvelope, res.json(), label);
  assert.equal(res.json().minorErrorCode, 'invalid_request', label);
  // RFC 6749 §5.2's own fields, which standard OAuth libraries read, beside VCD's.
  assert.equal(res.json().error, 'invalid_request', label);
  assert.equal(res.json().error_description, res.json().message.replace(/"/g, "'"), label);
}

test('a known parameter given twice is invalid_request (RFC 6749 §3.1), in a form and in a raw body', async () => {
  const twice = 'grant_type=refresh_token&refresh_token=a&refresh_token=b';
  assertInvalidRequest(await form('/oauth/tenant/acme/token', twice), 'form');
  assertInvalidRequest(await form('/oauth/tenant/acme/token', twice, { 'content-type': 'text/plain' }), 'text/plain');
  assertInvalidRequest(await form('/oauth/tenant/acme/revoke', 'token=a&token=b'), 'revoke');
});

test('over-long and mistyped parameters are invalid_request, before the grant runs', async () => {
  assertInvalidRequest(await form('/oauth/tenant/acme/token', `grant_type=refresh_token&refresh_token=${'x'.repeat(9000)}`), 'long token');
  assertInvalidRequest(await form('/oauth/tenant/acme/token', `grant_type=${'g'.repeat(300)}`), 'long grant_type');
  const json = await http(`${t.baseUrl}/oauth/tenant/acme/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: { $ne: null } }),
  });
  assertInvalidRequest(json, 'object as a token');
  const array = await http(`${t.baseUrl}/oauth/tenant/acme/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '["grant_type", "refresh_token"]',
  });
  assertInvalidRequest(array, 'JSON array body');
});

test('unknown parameters are ignored (RFC 6749 §3.2), and parameters in the query string still work (KB 429004)', async () => {
  const { apiToken } = await createApiToken(t.baseUrl, alice, 'acme', 'contract-query');
  const extra = await form(
    '/oauth/tenant/acme/token',
    `grant_type=refresh_token&refresh_token=${apiToken}&resource=x&client_secret=y&__proto__=z`,
  );
  assert.equal(extra.status, 200, extra.text);
  assertConforms(TokenResponse, extra.json(), 'token answer');
  const query = await http(`${t.baseUrl}/oauth/tenant/acme/token?grant_type=refresh_token&refresh_token=${apiToken}`, { method: 'POST' });
  assert.equal(query.status, 200, query.text);
  assertConforms(TokenResponse, query.json(), 'token answer from query parameters');
  // The same parameter in both with the same value means one thing: accepted. With two values (RFC 6749 §3.2:
  // never more than once) it is refused, rather than one copy silently chosen.
  const same = await form(`/oauth/tenant/acme/token?refresh_token=${apiToken}`, `grant_type=refresh_token&refresh_token=${apiToken}`);
  assert.equal(same.status, 200, same.text);
  const both = await form(`/oauth/tenant/acme/token?refresh_token=nonsense`, `grant_type=refresh_token&refresh_token=${apiToken}`);
  assertInvalidRequest(both, 'two values of refresh_token');
});

test('register: a mistyped body is invalid_request and registers nothing', async () => {
  const before = (await t.store.db.selectFrom('api_tokens').select('id').execute()).length;
  for (const [label, body] of [
    ['client_name as a number array', '{"client_name": [1, 2]}'],
    ['client_name missing', '{"scope": "read-only"}'],
    ['not JSON', 'client_name=x'],
    ['scope as an object', '{"client_name": "x", "scope": {"a": 1}}'],
  ] as const) {
    const res = await http(`${t.baseUrl}/oauth/tenant/acme/register`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${alice}`, 'content-type': label === 'not JSON' ? 'text/plain' : 'application/json' },
      body,
    });
    assertInvalidRequest(res, label);
  }
  assert.equal((await t.store.db.selectFrom('api_tokens').select('id').execute()).length, before);
});

test('real answers match the declared response schemas: register, jwt-bearer, introspect, metadata', async () => {
  const reg = await http(`${t.baseUrl}/oauth/tenant/acme/register`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'contract-schema', expirationTimeUtc: '2099-01-01T00:00:00Z', unknownField: true }),
  });
  assert.equal(reg.status, 200, reg.text);
  assertConforms(RegisterResponse, reg.json(), 'register');
  const grant = await form(
    '/oauth/tenant/acme/token',
    new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      client_id: reg.json().client_id,
      assertion: alice,
    }).toString(),
  );
  assert.equal(grant.status, 200, grant.text);
  assertConforms(TokenResponse, grant.json(), 'jwt-bearer');
  const active = await form('/oauth/tenant/acme/introspect', `token=${grant.json().refresh_token}`, { Authorization: `Bearer ${alice}` });
  assert.equal(active.status, 200, active.text);
  assert.equal(active.json().active, true);
  assertConforms(IntrospectionResponse, active.json(), 'introspect (API token)');
  const session = await form('/oauth/tenant/acme/introspect', `token=${alice}`, { Authorization: `Bearer ${alice}` });
  assertConforms(IntrospectionResponse, session.json(), 'introspect (access token)');
  for (const path of ['/oauth/provider', '/oauth/tenant/acme']) {
    const meta = await http(`${t.baseUrl}/.well-known/oauth-authorization-server${path}`);
    assert.equal(meta.status, 200);
    assertConforms(AuthorizationServerMetadata, meta.json(), `metadata ${path}`);
  }
});

test('the schemas can fail: a wrong answer is caught', () => {
  assert.throws(() =>
    assertConforms(TokenResponse, { access_token: 'short', token_type: 'Bearer', expires_in: 1, refresh_token: null }, 'x'),
  );
  assert.throws(() => assertConforms(IntrospectionResponse, { active: true, surprise: 1 }, 'x'));
});
