/**
 * Both token formats through every endpoint that takes an API token: a 32-character token (what Tessera mints
 * now) and a legacy `tsr_` token planted as a pre-upgrade Tessera minted it. Each must exchange (form body and
 * query string), introspect as active, list with its display start, and die by RFC 7009 revoke, so no
 * deployed script breaks on upgrade and leaked old tokens can still be revoked by possession.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { bearer, createApiToken, exchange, http, signIn } from '../../helpers/api.js';
import { plantLegacyApiToken } from '../../helpers/legacy-api-token.js';

let t: TesseraHandle;
let bob: string;
let tokens: Record<'current' | 'legacy', { apiToken: string; tokenId: string; clientId: string }>;

const form = (path: string, session: string | null, body: Record<string, string>) =>
  http(`${t.baseUrl}/oauth/tenant/acme/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(session ? { Authorization: `Bearer ${session}` } : {}) },
    body: new URLSearchParams(body),
  });

before(async () => {
  t = await startTessera();
  bob = await signIn(t.baseUrl, 'bob', 'acme', t.demoPassword);
  tokens = {
    current: await createApiToken(t.baseUrl, bob, 'acme', 'current-format'),
    legacy: await plantLegacyApiToken(t.baseUrl, t.store, bob, 'acme', 'legacy-format'),
  };
  assert.match(tokens.current.apiToken, /^[0-9A-Za-z]{32}$/);
  assert.match(tokens.legacy.apiToken, /^tsr_[0-9A-Za-z]{49}$/);
});
after(() => t.stop());

for (const format of ['current', 'legacy'] as const) {
  test(`${format} format: exchange, query-string exchange, introspection, display start, RFC 7009 revoke`, async () => {
    const { apiToken, tokenId } = tokens[format];
    const viaBody = await exchange(t.baseUrl, 'acme', apiToken);
    assert.equal(viaBody.status, 200, viaBody.text);
    const access = viaBody.json().access_token as string;
    assert.equal((await http(`${t.baseUrl}/cloudapi/1.0.0/sessions/current`, { headers: bearer(access) })).json().user.name, 'bob');
    const viaQuery = await http(`${t.baseUrl}/oauth/tenant/acme/token?grant_type=refresh_token&refresh_token=${apiToken}`, {
      method: 'POST',
    });
    assert.equal(viaQuery.status, 200, viaQuery.text);

    const introspected = (await form('introspect', bob, { token: apiToken })).json();
    assert.equal(introspected.active, true);
    assert.equal(introspected.token_type, 'refresh_token');
    assert.equal(introspected.client_id, tokens[format].clientId);

    const entity = (await http(`${t.baseUrl}/cloudapi/1.0.0/tokens/${tokenId}`, { headers: bearer(bob) })).json();
    assert.equal(entity.tokenStart, apiToken.slice(0, format === 'current' ? 4 : 10), 'the display start of its format');

    const revoked = await form('revoke', null, { token: apiToken });
    assert.equal(revoked.status, 200, revoked.text);
    const refused = await exchange(t.baseUrl, 'acme', apiToken);
    assert.equal(refused.status, 400);
    assert.equal(refused.json().minorErrorCode, 'invalid_grant');
    assert.equal((await form('introspect', bob, { token: apiToken })).json().active, false);
    assert.equal((await http(`${t.baseUrl}/cloudapi/1.0.0/sessions/current`, { headers: bearer(access) })).status, 401);
  });
}

test('a well-formed token of either format that was never issued is refused like any other', async () => {
  const [current, legacy] = [tokens.current.apiToken, tokens.legacy.apiToken];
  // Same shape, valid checksum impossible to forge by a one-character change: refused before the store.
  for (const fake of [
    current.slice(0, -1) + (current.endsWith('a') ? 'b' : 'a'),
    legacy.slice(0, -1) + (legacy.endsWith('a') ? 'b' : 'a'),
  ]) {
    const res = await exchange(t.baseUrl, 'acme', fake);
    assert.equal(res.status, 400);
    assert.equal(res.json().minorErrorCode, 'invalid_grant');
  }
});
