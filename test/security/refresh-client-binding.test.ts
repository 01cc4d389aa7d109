/**
 * A refresh that names a client (client_id in the body, or HTTP Basic) must name the client the token was issued
 * to (RFC 6749 §6). Until 2026-12-06 the refresh_token grant ignored client_id: a service account's refresh token
 * presented as another client's (a user's API token id, another service account) was accepted, and rotated, so the
 * wrong request spent the account's token. Both backends (TESSERA_TEST_BACKEND).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, createApiToken, http, signIn, type Reply } from '../helpers/api.js';
import { reportUnavailable, selectedBackends } from '../store/backends.js';

const JSON_37 = 'application/json;version=37.0';

for (const plan of selectedBackends()) {
  if (reportUnavailable(plan, 'refresh client binding')) continue;

  describe(`a refresh names its own client on ${plan.backend}`, () => {
    let t: TesseraHandle;
    let alice: string;

    before(async () => {
      t = await startTessera({ backend: plan.backend, config: { signInRateLimit: 1000 } });
      alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
    });
    after(async () => t?.stop());

    const form = (body: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> =>
      http(`${t.baseUrl}/oauth/tenant/acme/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...headers },
        body: new URLSearchParams(body),
      });

    async function activeAccount(name: string) {
      const reg = await http(`${t.baseUrl}/oauth/tenant/acme/register`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${alice}`, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({
          client_name: name,
          software_id: '12345678-1234-1234-1234-1234567890ab',
          scope: 'urn:vcloud:role:vApp%20Author',
        }),
      });
      assert.equal(reg.status, 200, reg.text);
      const clientId = reg.json().client_id as string;
      const auth = await http(`${t.baseUrl}/oauth/tenant/acme/device_authorization`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${alice}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: JSON_37 },
        body: new URLSearchParams({ client_id: clientId }),
      });
      assert.equal(auth.status, 200, auth.text);
      const granted = await http(`${t.baseUrl}/cloudapi/1.0.0/deviceLookup/grant`, {
        method: 'POST',
        headers: { ...bearer(alice, JSON_37), 'Content-Type': 'application/json' },
        body: JSON.stringify({ userCode: auth.json().user_code }),
      });
      assert.equal(granted.status, 204, granted.text);
      const first = await form({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: clientId,
        device_code: auth.json().device_code as string,
      });
      assert.equal(first.status, 200, first.text);
      return { clientId, refreshToken: first.json().refresh_token as string };
    }

    test("a service account's refresh token under another client_id is invalid_grant and spends nothing", async () => {
      const account = await activeAccount('sa-bound');
      const other = await activeAccount('sa-other');
      const userToken = await createApiToken(t.baseUrl, alice, 'acme', 'alice-script');
      const basic = (id: string) => ({ Authorization: `Basic ${Buffer.from(`${id}:`).toString('base64')}` });

      for (const [what, body, headers] of [
        ["a user API token's id", { client_id: userToken.clientId }, {}],
        ["another service account's id", { client_id: other.clientId }, {}],
        ['another id by HTTP Basic', {}, basic(other.clientId)],
      ] as [string, Record<string, string>, Record<string, string>][]) {
        const res = await form({ grant_type: 'refresh_token', refresh_token: account.refreshToken, ...body }, headers);
        assert.equal(res.status, 400, `${what}: ${res.text}`);
        assert.equal(res.json().minorErrorCode, 'invalid_grant', what);
      }
      // Nothing was spent: the token still rotates once, under its own id (bare, as a URN, or by HTTP Basic).
      const own = await form({ grant_type: 'refresh_token', refresh_token: account.refreshToken, client_id: account.clientId });
      assert.equal(own.status, 200, own.text);
      const next = own.json().refresh_token as string;
      const urn = await form({
        grant_type: 'refresh_token',
        refresh_token: next,
        client_id: `urn:vcloud:serviceAccount:${account.clientId}`,
      });
      assert.equal(urn.status, 200, urn.text);
      const viaBasic = await form(
        { grant_type: 'refresh_token', refresh_token: urn.json().refresh_token as string },
        basic(account.clientId),
      );
      assert.equal(viaBasic.status, 200, viaBasic.text);
    });

    test('a user API token under another client_id is invalid_grant; under its own, or none, it works', async () => {
      const token = await createApiToken(t.baseUrl, alice, 'acme', 'alice-bound');
      const other = await createApiToken(t.baseUrl, alice, 'acme', 'alice-other');
      const wrong = await form({ grant_type: 'refresh_token', refresh_token: token.apiToken, client_id: other.clientId });
      assert.equal(wrong.status, 400, wrong.text);
      assert.equal(wrong.json().minorErrorCode, 'invalid_grant');
      for (const body of [{}, { client_id: token.clientId }, { client_id: token.tokenId }] as Record<string, string>[]) {
        const ok = await form({ grant_type: 'refresh_token', refresh_token: token.apiToken, ...body });
        assert.equal(ok.status, 200, `${JSON.stringify(body)}: ${ok.text}`);
      }
    });
  });
}
