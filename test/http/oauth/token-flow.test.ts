/**
 * API tokens on VCD's wire (issue 3 items 1-4; vcd-wire §4-5): register + the one-shot jwt-bearer grant, the
 * refresh_token exchange in every shape real clients send it, the one identical invalid_grant answer for every
 * bad token, and use of the access token on /api and /cloudapi. Runs on both backends (TESSERA_TEST_BACKEND
 * picks one; unset runs both, PostgreSQL failing loudly without TESSERA_TEST_DATABASE_URL).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodeCrypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { accessTokenFrom, bearer, createApiToken, exchange, http, oauthPath, signIn } from '../../helpers/api.js';
import { generateApiToken } from '../../../src/domain/api-token-format.js';
import { JSON_37, XML_37, raw } from '../../security/support.js';
import { reportUnavailable, selectedBackends } from '../../store/backends.js';

const INVALID_GRANT = '{"minorErrorCode":"invalid_grant","message":"Invalid refresh token","stackTrace":null}';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

for (const plan of selectedBackends()) {
  if (reportUnavailable(plan, 'API token flow')) continue;

  describe(`API token flow on ${plan.backend}`, () => {
    let t: TesseraHandle;
    let base: string;
    let alice: string;
    let admin: string;
    let hank: string;

    before(async () => {
      t = await startTessera({ backend: plan.backend, config: { signInRateLimit: 1000 } });
      base = t.baseUrl;
      [alice, admin, hank] = await Promise.all([
        signIn(base, 'alice', 'acme', t.demoPassword),
        signIn(base, 'administrator', 'System', t.adminPassword),
        signIn(base, 'hank', 'globex', t.demoPassword),
      ]);
    });
    after(async () => {
      await t?.stop();
    });

    const register = (session: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
      http(`${base}${path}/register`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${session}`,
          'Content-Type': 'application/json',
          Accept: 'application/json;version=',
          ...headers,
        },
        body: JSON.stringify(body),
      });
    const jwtGrant = (path: string, assertion: string, clientId: string) =>
      http(`${base}${path}/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json;version=37.0' },
        body: new URLSearchParams({ assertion, client_id: clientId, grant_type: JWT_BEARER }).toString(),
      });

    test('two registrations of one name arriving together leave one live token of that name (until 2026-12-05 both were minted)', async () => {
      const path = oauthPath('globex');
      // Rounds of two: the race needs both checks to pass before either insert (PostgreSQL showed it at once; SQLite
      // runs each request to its end). hank registers once more in this file: within his budget of 30 a minute.
      for (let round = 0; round < 8; round++) {
        const name = `together-${round}`;
        const registered = await Promise.all([register(hank, path, { client_name: name }), register(hank, path, { client_name: name })]);
        for (const r of registered) assert.ok(r.status === 200 || r.status === 400, `${r.status} ${r.text}`);
        const ids = registered.filter((r) => r.status === 200).map((r) => r.json().client_id as string);
        const minted = await Promise.all(ids.map((id) => jwtGrant(path, hank, id)));
        for (const m of minted) assert.ok(m.status === 200 || m.status === 400, `${m.status} ${m.text}`);
        const live = await t.store.db
          .selectFrom('api_tokens')
          .select('id')
          .where('name', '=', name)
          .where('secret_hash', 'is not', null)
          .where('revoked_at', 'is', null)
          .execute();
        assert.equal(live.length, 1, `round ${round}: one live token named ${name}`);
      }
      const again = await register(hank, path, { client_name: 'together-0' });
      assert.equal(again.status, 400);
      assert.match(again.text, /You already have an API token named/);
    });

    describe('create: register + jwt-bearer', () => {
      test('register answers a lowercase UUID client_id; the grant returns the token once, in refresh_token', async () => {
        const reg = await register(alice, '/oauth/tenant/acme', { client_name: 'ci-script' });
        assert.equal(reg.status, 200, reg.text);
        assert.match(reg.headers.get('content-type') ?? '', /^application\/json/);
        const body = reg.json();
        assert.match(body.client_id, UUID);
        assert.equal(body.client_name, 'ci-script');
        assert.ok(body.grant_types.includes(JWT_BEARER));
        // The entity exists before the grant, as govcd reads it (GetTokenById) between the two steps.
        const entity = await http(`${base}/cloudapi/1.0.0/tokens/urn:vcloud:token:${body.client_id}`, { headers: bearer(alice) });
        assert.equal(entity.status, 200, entity.text);
        assert.equal(entity.json().type, 'REFRESH');
        assert.equal(entity.json().org.name, 'acme');
        assert.equal(entity.json().owner.name, 'alice');
        const grant = await jwtGrant('/oauth/tenant/acme', alice, body.client_id);
        assert.equal(grant.status, 200, grant.text);
        assert.equal(grant.headers.get('cache-control'), 'no-store');
        const g = grant.json();
        assert.deepEqual(Object.keys(g).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type']);
        assert.equal(g.token_type, 'Bearer');
        assert.ok(Number.isInteger(g.expires_in) && g.expires_in > 0);
        assert.ok(g.access_token.length > 32);
        assert.match(g.refresh_token, /^[0-9A-Za-z]{32}$/, 'a 32-character base62 token, as VCD 10.3.1 issues');
        // The access token of the grant is an API-token session of alice.
        const me = await http(`${base}/cloudapi/1.0.0/sessions/current`, { headers: bearer(g.access_token) });
        assert.equal(me.json().user.name, 'alice');
        // One-shot: a second grant for the same client fails, with the OAuth envelope.
        const second = await jwtGrant('/oauth/tenant/acme', alice, body.client_id);
        assert.equal(second.status, 400);
        assert.equal(second.json().minorErrorCode, 'invalid_grant');
        assert.ok(!second.text.includes(g.refresh_token));
        // The token itself is never shown again.
        const after = await http(`${base}/cloudapi/1.0.0/tokens/urn:vcloud:token:${body.client_id}`, { headers: bearer(alice) });
        assert.equal(after.json().token, null);
        assert.ok(!after.text.includes(g.refresh_token));
        assert.equal(after.json().tokenStart, g.refresh_token.slice(0, 4));
      });

      test('two concurrent jwt-bearer grants for one client: exactly one gets the token', async () => {
        const reg = await register(alice, '/oauth/tenant/acme', { client_name: 'race' });
        const clientId = reg.json().client_id;
        const [a, b] = await Promise.all([
          jwtGrant('/oauth/tenant/acme', alice, clientId),
          jwtGrant('/oauth/tenant/acme', alice, clientId),
        ]);
        assert.deepEqual([a.status, b.status].sort(), [200, 400]);
      });

      test('the org path: a tenant admin cannot register at another org or at /provider; System only at /provider', async () => {
        for (const path of ['/oauth/tenant/globex', '/oauth/provider', '/oauth/tenant/System', '/oauth/tenant/nosuchorg']) {
          const r = await register(alice, path, { client_name: 'elsewhere' });
          assert.equal(r.status, 403, `alice at ${path}: ${r.text}`);
          assert.equal(r.json().minorErrorCode, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
        }
        for (const path of ['/oauth/tenant/acme', '/oauth/tenant/globex']) {
          const r = await register(admin, path, { client_name: 'sys-in-tenant' });
          assert.equal(r.status, 403, `administrator at ${path}`);
        }
        const ok = await register(admin, '/oauth/provider', { client_name: 'sys-token' });
        assert.equal(ok.status, 200, ok.text);
        const grant = await jwtGrant('/oauth/provider', admin, ok.json().client_id);
        assert.equal(grant.status, 200, grant.text);
        const entity = await http(`${base}/cloudapi/1.0.0/tokens/urn:vcloud:token:${ok.json().client_id}`, { headers: bearer(admin) });
        assert.equal(entity.json().org.name, 'System', 'govcd picks /oauth/provider from org.name');
        // The org name in the path is matched case-insensitively.
        const upper = await register(alice, '/oauth/tenant/ACME', { client_name: 'upper' });
        assert.equal(upper.status, 200);
      });

      test('the grant must come from the owner, at the owner\u2019s org path, for a registered client', async () => {
        const clientId = (await register(alice, '/oauth/tenant/acme', { client_name: 'owner-only' })).json().client_id;
        const bob = await signIn(base, 'bob', 'acme', t.demoPassword);
        const cases: Array<[string, () => Promise<import('../../helpers/api.js').Reply>]> = [
          ['another user of the org', () => jwtGrant('/oauth/tenant/acme', bob, clientId)],
          ['another org', () => jwtGrant('/oauth/tenant/globex', hank, clientId)],
          ['the wrong org path', () => jwtGrant('/oauth/tenant/globex', alice, clientId)],
          ['a garbage assertion', () => jwtGrant('/oauth/tenant/acme', 'not-a-session', clientId)],
          ['an unknown client', () => jwtGrant('/oauth/tenant/acme', alice, '00000000-0000-4000-8000-000000000000')],
        ];
        for (const [name, attempt] of cases) {
          const r = await attempt();
          assert.equal(r.status, 400, `${name}: ${r.text}`);
          assert.equal(r.json().minorErrorCode, 'invalid_grant', name);
        }
        const upperCase = await jwtGrant('/oauth/tenant/acme', alice, clientId.toUpperCase());
        assert.equal(upperCase.status, 400);
        assert.equal(upperCase.json().minorErrorCode, 'invalid_request');
        // Still mintable by its owner afterwards: the refused attempts did not consume it.
        assert.equal((await jwtGrant('/oauth/tenant/acme', alice, clientId)).status, 200);
      });

      test('a token session can neither register (403) nor mint (invalid_grant)', async () => {
        const { apiToken } = await createApiToken(base, alice, 'acme', 'parent');
        const tokenSession = await accessTokenFrom(base, 'acme', apiToken);
        const r = await register(tokenSession, '/oauth/tenant/acme', { client_name: 'child' });
        assert.equal(r.status, 403);
        assert.equal(r.json().minorErrorCode, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
        const clientId = (await register(alice, '/oauth/tenant/acme', { client_name: 'minted-by-token' })).json().client_id;
        const m = await jwtGrant('/oauth/tenant/acme', tokenSession, clientId);
        assert.equal(m.status, 400);
        assert.equal(m.json().minorErrorCode, 'invalid_grant');
      });

      test('register validates its body', async () => {
        const bad: Array<[unknown, string]> = [
          [{}, 'no client_name'],
          [{ client_name: '   ' }, 'blank'],
          [{ client_name: 'x'.repeat(129) }, 'too long'],
          [{ client_name: 'a\u0000b' }, 'control character'],
          [{ client_name: 'sa', software_id: '12345678-1234-1234-1234-1234567890ab' }, 'service account without a scope (role)'],
          [{ client_name: 'past', expirationTimeUtc: '2001-01-01T00:00:00Z' }, 'expiry in the past'],
          [{ client_name: 'nonsense', expirationTimeUtc: 'tomorrow' }, 'expiry not a date'],
          [[], 'an array'],
        ];
        for (const [body, name] of bad) {
          const r = await register(alice, '/oauth/tenant/acme', body);
          assert.equal(r.status, 400, `${name}: ${r.text}`);
          assert.equal(r.json().minorErrorCode, 'invalid_request', name);
        }
        // A registration never minted does not hold its name (the client died between the two steps)...
        assert.equal((await register(alice, '/oauth/tenant/acme', { client_name: 'dup' })).status, 200);
        const second = await register(alice, '/oauth/tenant/acme', { client_name: 'dup' });
        assert.equal(second.status, 200, 'an unminted registration is replaced');
        // ...a minted, live token does.
        assert.equal((await jwtGrant('/oauth/tenant/acme', alice, second.json().client_id)).status, 200);
        assert.equal((await register(alice, '/oauth/tenant/acme', { client_name: 'dup' })).status, 400, 'a live token of that name exists');
        assert.equal((await register('not-a-session', '/oauth/tenant/acme', { client_name: 'dup' })).status, 401, 'a bad session: 401');
        const none = await http(`${base}/oauth/tenant/acme/register`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{"client_name":"anon"}',
        });
        assert.equal(none.status, 401);
      });

      test('a registration whose expiry came before its grant gets no secret and no access token', async () => {
        const reg = await register(alice, '/oauth/tenant/acme', {
          client_name: 'expired-before-grant',
          expirationTimeUtc: new Date(Date.now() + 1_500).toISOString(),
        });
        assert.equal(reg.status, 200, reg.text);
        await new Promise((r) => setTimeout(r, 1_600));
        // Until 2026-12-06: 200 with expires_in 0 (x/oauth2's "never expires") and a token that could never be used.
        const grant = await jwtGrant('/oauth/tenant/acme', alice, reg.json().client_id as string);
        assert.equal(grant.status, 400, grant.text);
        assert.equal(grant.json().error, 'invalid_grant');
      });

      test('optional expiry at creation is kept and shown', async () => {
        const expires = new Date(Date.now() + 7 * 86_400_000).toISOString();
        const reg = await register(alice, '/oauth/tenant/acme', { client_name: 'expiring', expirationTimeUtc: expires });
        assert.equal(reg.status, 200, reg.text);
        assert.equal(reg.json().expirationTimeUtc, expires);
        const entity = await http(`${base}/cloudapi/1.0.0/tokens/urn:vcloud:token:${reg.json().client_id}`, { headers: bearer(alice) });
        assert.equal(entity.json().expirationTimeUtc, expires);
      });
    });

    describe('exchange: the refresh_token grant', () => {
      let apiToken: string;
      before(async () => {
        apiToken = (await createApiToken(base, alice, 'acme', 'exchange-shapes')).apiToken;
      });

      function assertSuccess(res: import('../../helpers/api.js').Reply, what: string) {
        assert.equal(res.status, 200, `${what}: ${res.text}`);
        assert.match(res.headers.get('content-type') ?? '', /^application\/json/, what);
        const body = res.json();
        assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type'], what);
        assert.equal(typeof body.access_token, 'string');
        assert.ok(body.access_token.length > 32, what);
        assert.equal(body.token_type, 'Bearer', what);
        assert.ok(Number.isInteger(body.expires_in) && body.expires_in > 0, what);
        assert.equal(body.refresh_token, null, `${what}: user tokens are not rotated`);
        return body.access_token as string;
      }

      test('every shape real clients send succeeds, with exactly {access_token, token_type, expires_in, refresh_token: null}', async () => {
        const url = `${base}/oauth/tenant/acme/token`;
        const form = `grant_type=refresh_token&refresh_token=${apiToken}`;
        const shapes: Record<string, Parameters<typeof raw>[1]> = {
          'form with Content-Type': {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
            body: form,
          },
          'form without Content-Type (govcd <= v2.20), old Accept': {
            method: 'POST',
            headers: { Accept: 'application/*;version=36.1' },
            body: form,
          },
          'no Accept at all (govcd >= v2.21 first login)': {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: form,
          },
          'no Accept and no Content-Type': { method: 'POST', headers: {}, body: form },
          'text/plain body': { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: form },
          'a form labelled application/json (a hand-written curl -H)': {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: form,
          },
          'keys sorted and percent-encoded (url.Values.Encode)': {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams([
              ['grant_type', 'refresh_token'],
              ['refresh_token', apiToken],
            ]).toString(),
          },
          'stale bearer triple sent along (CPI re-login)': {
            method: 'POST',
            headers: {
              'Content-Type': 'application/x-www-form-urlencoded',
              Authorization: 'bearer eyJhbGciOiJIUzI1NiJ9.expired.signature',
              'X-Vmware-Vcloud-Access-Token': 'eyJhbGciOiJIUzI1NiJ9.expired.signature',
              'X-Vmware-Vcloud-Token-Type': 'Bearer',
              Accept: 'application/json;version=37.0',
            },
            body: form,
          },
          'a current bearer sent along (CSE)': {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Bearer ${alice}` },
            body: form,
          },
          'a stale legacy id sent along': { method: 'POST', headers: { 'x-vcloud-authorization': '0'.repeat(32) }, body: form },
        };
        for (const [name, options] of Object.entries(shapes)) assertSuccess(await raw(url, options), name);
        // The query string (Broadcom KB 429004), with no body at all.
        assertSuccess(await raw(`${url}?${form}`, { method: 'POST', headers: {} }), 'query string');
        // Split between the two, each parameter once: accepted.
        assertSuccess(await raw(`${url}?grant_type=refresh_token`, { method: 'POST', body: `refresh_token=${apiToken}` }), 'split');
        // The same parameter in both with two values (RFC 6749 §3.2: never more than once): refused, whichever copy
        // a proxy or a log would have read. With one value twice: the same request, accepted.
        for (const query of ['refresh_token=someone-elses', 'grant_type=password']) {
          const twice = await raw(`${url}?${query}`, { method: 'POST', body: form });
          assert.equal(twice.status, 400, query);
          assert.equal(twice.json().minorErrorCode, 'invalid_request', query);
        }
        assertSuccess(await raw(`${url}?${form}`, { method: 'POST', body: form }), 'the same values twice');
        // JSON with fetch's defaults (Content-Type text/plain;charset=UTF-8, Accept */*).
        assertSuccess(await http(url, { method: 'POST', body: form }), 'fetch defaults');
      });

      test('the access token works on /api (Session XML) and /cloudapi, like a password session of the owner', async () => {
        const access = await accessTokenFrom(base, 'acme', apiToken);
        const xml = await raw(`${base}/api/session`, { headers: { Authorization: `Bearer ${access}`, Accept: XML_37 } });
        assert.equal(xml.status, 200, xml.text);
        assert.match(xml.headers.get('content-type') ?? '', /^application\/vnd\.vmware\.vcloud\.session\+xml/);
        assert.match(xml.text, /<Session [^>]*user="alice"/);
        assert.match(xml.text, /org="acme"/);
        const govcd = await raw(`${base}/api/session`, {
          headers: {
            Authorization: `bearer ${access}`,
            'X-Vmware-Vcloud-Access-Token': access,
            'X-Vmware-Vcloud-Token-Type': 'Bearer',
            Accept: XML_37,
          },
        });
        assert.equal(govcd.status, 200);
        const cloud = await http(`${base}/cloudapi/1.0.0/sessions/current`, { headers: bearer(access) });
        assert.equal(cloud.status, 200);
        const s = cloud.json();
        assert.equal(s.user.name, 'alice');
        assert.equal(s.org.name, 'acme');
        assert.deepEqual(s.roles, ['Organization Administrator']);
        // The session knows the token it came from (vcd-wire §3.2).
        const origin = await http(`${base}/cloudapi/1.0.0/sessions/${s.id}/token`, { headers: bearer(access) });
        assert.equal(origin.status, 200, origin.text);
        assert.equal(origin.json().name, 'exchange-shapes');
        // Reads with the owner's rights.
        const users = await http(`${base}/cloudapi/1.0.0/users`, { headers: bearer(access) });
        assert.equal(users.status, 200);
        // The API token is not rotated: it keeps working, each exchange giving a new session.
        const again = await accessTokenFrom(base, 'acme', apiToken);
        assert.notEqual(again, access);
      });

      test('System tokens exchange at /oauth/provider', async () => {
        const { apiToken: sysToken } = await createApiToken(base, admin, 'System', 'sys-exchange');
        const res = await exchange(base, 'System', sysToken);
        const access = assertSuccess(res, 'provider');
        const me = await http(`${base}/cloudapi/1.0.0/sessions/current`, { headers: bearer(access) });
        assert.equal(me.json().org.name, 'System');
      });

      test('every bad refresh token gets the identical 400 invalid_grant body', async () => {
        const revoked = await createApiToken(base, alice, 'acme', 'to-revoke');
        assert.equal(
          (await http(`${base}/cloudapi/1.0.0/tokens/${revoked.tokenId}`, { method: 'DELETE', headers: bearer(alice) })).status,
          204,
        );
        // Expired: move the expiry of a fresh, never-exchanged row into the past (the same check as waiting).
        const expired = await createApiToken(base, alice, 'acme', 'to-expire', {
          expirationTimeUtc: new Date(Date.now() + 3_600_000).toISOString(),
        });
        await t.store.db
          .updateTable('api_tokens')
          .set({ expires_at: Date.now() - 1 })
          .where('id', '=', expired.clientId)
          .execute();
        const valid = apiToken;
        const lastChar = valid.at(-1) === 'A' ? 'B' : 'A';
        const { apiToken: sysToken } = await createApiToken(base, admin, 'System', 'sys-elsewhere');
        const cases: Array<[string, string, string]> = [
          ['unknown (well-formed, never issued)', 'acme', generateApiToken()],
          ['malformed', 'acme', 'not-a-token'],
          ['bad checksum', 'acme', valid.slice(0, -1) + lastChar],
          ['32-character VCD-style', 'acme', 'a'.repeat(32)],
          ['revoked', 'acme', revoked.apiToken],
          ['expired', 'acme', expired.apiToken],
          ['another org\u2019s path', 'globex', valid],
          ['a tenant token at /oauth/provider', 'System', valid],
          ['a System token at a tenant path', 'acme', sysToken],
          ['an unknown org', 'nosuchorg', valid],
          ['an access token instead of the API token', 'acme', alice],
        ];
        for (const [name, org, token] of cases) {
          const res = await exchange(base, org, token);
          assert.equal(res.status, 400, `${name}: ${res.text}`);
          assert.equal(res.text, INVALID_GRANT, name);
          assert.match(res.headers.get('content-type') ?? '', /^application\/json/, name);
          assert.equal(res.headers.get('www-authenticate'), null, name);
        }
        // No refresh_token at all, or an empty one (RFC 6749 §3.1: a parameter without a value is omitted): the request
        // lacks a required parameter, RFC 6749 §5.2's invalid_request, not a bad grant.
        for (const body of ['grant_type=refresh_token', 'grant_type=refresh_token&refresh_token=']) {
          const missing = await raw(`${base}/oauth/tenant/acme/token`, { method: 'POST', body });
          assert.equal(missing.status, 400, body);
          assert.equal(missing.json().minorErrorCode, 'invalid_request', body);
          assert.match(missing.json().message, /refresh_token is required/);
        }
        // The good token still works after all that (no lockout of a valid token by others' garbage).
        assertSuccess(await exchange(base, 'acme', valid), 'valid after the bad ones');
      });

      test('other bad requests are OAuth errors in the same envelope', async () => {
        const noGrant = await raw(`${base}/oauth/tenant/acme/token`, { method: 'POST', body: `refresh_token=${apiToken}` });
        assert.equal(noGrant.status, 400);
        assert.equal(noGrant.json().minorErrorCode, 'invalid_request');
        const unsupported = await raw(`${base}/oauth/tenant/acme/token`, {
          method: 'POST',
          body: 'grant_type=password&username=alice&password=x',
        });
        assert.equal(unsupported.status, 400);
        assert.equal(unsupported.json().minorErrorCode, 'unsupported_grant_type');
        // VCD's envelope, and RFC 6749 §5.2's `error` and `error_description`, which standard OAuth libraries read.
        assert.deepEqual(Object.keys(unsupported.json()).sort(), ['error', 'error_description', 'message', 'minorErrorCode', 'stackTrace']);
        assert.equal(unsupported.json().error, 'unsupported_grant_type');
        assert.match(unsupported.json().error_description, /^Unsupported grant_type 'password'; supported: refresh_token, /);
        assert.equal(noGrant.json().error, 'invalid_request');
        // A malformed body can put the secret in grant_type: the answer names the supported grants, never the value.
        for (const body of [`grant_type=refresh_token;refresh_token=${apiToken}`, `grant_type=${apiToken}`]) {
          const malformed = await raw(`${base}/oauth/tenant/acme/token`, { method: 'POST', body });
          assert.equal(malformed.status, 400);
          assert.equal(malformed.json().minorErrorCode, 'unsupported_grant_type');
          assert.ok(!malformed.text.includes(apiToken.slice(0, 8)), malformed.text);
          assert.match(malformed.json().message, /^Unsupported grant_type; supported: refresh_token, /);
        }
        // The refusal of a bad token stays VCD's body byte for byte (INVALID_GRANT, asserted above for every case).
      });

      test('scope on the refresh grant (RFC 6749 §6): the token\u2019s own or nothing; narrowing is refused, never ignored', async () => {
        const full = await raw(`${base}/oauth/tenant/acme/token`, {
          method: 'POST',
          body: `grant_type=refresh_token&refresh_token=${apiToken}&scope=read-only`,
        });
        assert.equal(full.status, 400, full.text);
        assert.equal(full.json().minorErrorCode, 'invalid_scope');
        assert.equal(full.json().error, 'invalid_scope');
        const empty = await raw(`${base}/oauth/tenant/acme/token`, {
          method: 'POST',
          body: `grant_type=refresh_token&refresh_token=${apiToken}&scope=`,
        });
        assert.equal(empty.status, 200, empty.text);
        assert.equal(empty.json().scope, undefined, 'a full token names no scope');
        const { apiToken: readOnly } = await createApiToken(base, alice, 'acme', 'scope-on-refresh', { scope: 'read-only' });
        for (const body of [
          `grant_type=refresh_token&refresh_token=${readOnly}`,
          `grant_type=refresh_token&refresh_token=${readOnly}&scope=read-only`,
        ]) {
          const ok = await raw(`${base}/oauth/tenant/acme/token`, { method: 'POST', body });
          assert.equal(ok.status, 200, ok.text);
          assert.equal(ok.json().scope, 'read-only', 'a narrowed token says its scope (RFC 6749 §5.1)');
        }
        const wider = await raw(`${base}/oauth/tenant/acme/token`, {
          method: 'POST',
          body: `grant_type=refresh_token&refresh_token=${readOnly}&scope=read-only%20openid`,
        });
        assert.equal(wider.status, 400, wider.text);
        assert.equal(wider.json().error, 'invalid_scope');
      });

      test('RFC 7009: whoever holds the token can revoke it at /oauth/.../revoke (200 for anything)', async () => {
        const { apiToken: leaked } = await createApiToken(base, alice, 'acme', 'leaked');
        const access = await accessTokenFrom(base, 'acme', leaked);
        const r = await raw(`${base}/oauth/tenant/acme/revoke`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: `token=${leaked}`,
        });
        assert.equal(r.status, 200);
        assert.equal((await exchange(base, 'acme', leaked)).text, INVALID_GRANT);
        assert.equal((await http(`${base}/cloudapi/1.0.0/sessions/current`, { headers: bearer(access) })).status, 401);
        for (const token of [leaked, generateApiToken(), 'garbage']) {
          const again = await raw(`${base}/oauth/tenant/acme/revoke`, { method: 'POST', body: `token=${token}` });
          assert.equal(again.status, 200, 'no oracle');
        }
      });

      test('RFC 7009: the API token checksum is computed once per revocation (until 2026-12-07, three times)', async () => {
        const { apiToken } = await createApiToken(base, alice, 'acme', 'revoked-once');
        // Counts the checksum's SHA-256 (its input starts with the format's domain, api-token-format.ts) in this
        // process, where the server runs: crypto.hash wrapped, and the wrapper given to the modules' named imports.
        const original = nodeCrypto.hash;
        let checksums = 0;
        nodeCrypto.hash = ((algorithm: string, data: unknown, encoding?: string) => {
          if (typeof data === 'string' && data.startsWith('tessera-api-token-v1:')) checksums++;
          return (original as (...a: unknown[]) => unknown)(algorithm, data, encoding);
        }) as typeof nodeCrypto.hash;
        syncBuiltinESMExports();
        try {
          const r = await raw(`${base}/oauth/tenant/acme/revoke`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: `token=${apiToken}`,
          });
          assert.equal(r.status, 200);
        } finally {
          nodeCrypto.hash = original;
          syncBuiltinESMExports();
        }
        assert.equal(checksums, 1);
        assert.equal((await exchange(base, 'acme', apiToken)).text, INVALID_GRANT, 'revoked');
      });
    });

    test('hank (globex) and the administrator exchange their own tokens at their own paths', async () => {
      const { apiToken: globexToken } = await createApiToken(base, hank, 'globex', 'globex-script');
      const access = await accessTokenFrom(base, 'globex', globexToken);
      const me = await http(`${base}/cloudapi/1.0.0/sessions/current`, { headers: { ...bearer(access), Accept: JSON_37 } });
      assert.equal(me.json().user.name, 'hank');
      assert.equal((await exchange(base, 'acme', globexToken)).text, INVALID_GRANT);
      assert.equal(oauthPath('SYSTEM'), '/oauth/provider');
    });
  });
}
