/**
 * `X-Content-Type-Options: nosniff` on the APIs' answers: every error of /api, /cloudapi and /oauth (routed ones from
 * error-handler.ts, the router's, and those written by hand before routing in client-errors.ts), and the successes
 * of /api, /cloudapi and /oauth (with its metadata). Until 2026-12-07 only the portal's pages carried it, so an error
 * whose message echoes the request could be sniffed as a page by a browser; /oauth's successes got it the same day.
 * The token exchange's success goes without (a benchmarked hot path, see src/http/oauth/index.ts); its errors
 * carry it.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { clientErrorResponse } from '../../src/http/client-errors.js';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn, type Reply } from '../helpers/api.js';

const XML = 'application/*+xml;version=37.0';

describe('X-Content-Type-Options: nosniff', () => {
  let t: TesseraHandle;
  let alice: string;
  before(async () => {
    t = await startTessera({ demo: true, config: { signInRateLimit: 1000 } });
    alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  });
  after(async () => {
    await t?.stop();
  });

  const sniffless = (label: string, reply: Reply, status: number) => {
    assert.equal(reply.status, status, `${label}: ${reply.text}`);
    assert.equal(reply.headers.get('x-content-type-options'), 'nosniff', label);
  };

  test('errors of /api, /cloudapi and /oauth, in each format', async () => {
    const base = t.baseUrl;
    sniffless('/api 401', await http(`${base}/api/org`, { headers: { Accept: XML } }), 401);
    sniffless('/api 403', await http(`${base}/api/org/00000000-0000-4000-8000-000000000000`, { headers: bearer(alice, XML) }), 403);
    sniffless('/api 404', await http(`${base}/api/no-such-thing`, { headers: bearer(alice, XML) }), 404);
    sniffless('/api JSON 401', await http(`${base}/api/org`, { headers: { Accept: 'application/*+json;version=37.0' } }), 401);
    sniffless('/api malformed URL', await http(`${base}/api/org/%zz`, { headers: bearer(alice, XML) }), 400);
    sniffless('/cloudapi 401', await http(`${base}/cloudapi/1.0.0/tokens`, { headers: { Accept: 'application/json;version=37.0' } }), 401);
    sniffless('/cloudapi 400', await http(`${base}/cloudapi/1.0.0/tokens?filter=nope==1`, { headers: bearer(alice) }), 400);
    sniffless(
      '/cloudapi 406',
      await http(`${base}/cloudapi/1.0.0/tokens`, { headers: bearer(alice, 'application/json;version=1.0') }),
      406,
    );
    const form = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
    sniffless('/oauth token 400', await http(`${base}/oauth/tenant/acme/token`, { method: 'POST', headers: form, body: '' }), 400);
    sniffless(
      '/oauth token bad grant',
      await http(`${base}/oauth/tenant/acme/token`, { method: 'POST', headers: form, body: 'grant_type=refresh_token&refresh_token=x' }),
      400,
    );
    sniffless('/oauth register 400', await http(`${base}/oauth/tenant/acme/register`, { method: 'POST', body: '{}' }), 400);
  });

  test('successes of /api and /cloudapi', async () => {
    const base = t.baseUrl;
    sniffless('/api/versions', await http(`${base}/api/versions`, { headers: { Accept: XML } }), 200);
    sniffless('/api/org', await http(`${base}/api/org`, { headers: bearer(alice, XML) }), 200);
    sniffless('/cloudapi tokens', await http(`${base}/cloudapi/1.0.0/tokens`, { headers: bearer(alice) }), 200);
    sniffless('/cloudapi sessions/current', await http(`${base}/cloudapi/1.0.0/sessions/current`, { headers: bearer(alice) }), 200);
  });

  test('successes of /oauth and its metadata, all but the token exchange', async () => {
    const base = t.baseUrl;
    const json = { Authorization: `Bearer ${alice}`, 'Content-Type': 'application/json' };
    const form = { Authorization: `Bearer ${alice}`, 'Content-Type': 'application/x-www-form-urlencoded' };
    const registered = await http(`${base}/oauth/tenant/acme/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ client_name: 'nosniff-token' }),
    });
    sniffless('/oauth register', registered, 200);
    const account = await http(`${base}/oauth/tenant/acme/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        client_name: 'nosniff-account',
        scope: 'urn:vcloud:role:vApp%20User',
        software_id: '0f7ad2a6-4a0b-4d1e-9c1e-1c4f0d2a8b11',
      }),
    });
    sniffless('/oauth register (a service account)', account, 200);
    const clientId = account.json().client_id as string;
    sniffless(
      '/oauth device_authorization',
      await http(`${base}/oauth/tenant/acme/device_authorization`, {
        method: 'POST',
        headers: form,
        body: new URLSearchParams({ client_id: clientId }),
      }),
      200,
    );
    sniffless(
      '/oauth introspect',
      await http(`${base}/oauth/tenant/acme/introspect`, {
        method: 'POST',
        headers: form,
        body: new URLSearchParams({ token: 'not-a-token' }),
      }),
      200,
    );
    sniffless(
      '/oauth revoke',
      await http(`${base}/oauth/tenant/acme/revoke`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: 'not-a-token' }),
      }),
      200,
    );
    sniffless('tenant metadata', await http(`${base}/.well-known/oauth-authorization-server/oauth/tenant/acme`), 200);
    sniffless('provider metadata', await http(`${base}/.well-known/oauth-authorization-server/oauth/provider`), 200);
  });
});

test('answers written before routing (a malformed request) carry it in every area, once', () => {
  for (const line of [
    'GET /api/org HTTP/1.1',
    'GET /cloudapi/1.0.0/tokens HTTP/1.1',
    'POST /oauth/tenant/acme/token HTTP/1.1',
    'GET /tenant/acme/ HTTP/1.1',
  ]) {
    const error = Object.assign(new Error('Parse Error'), {
      code: 'HPE_INVALID_HEADER_TOKEN',
      rawPacket: Buffer.from(`${line}\r\nHost: x\r\nBad Header\r\n\r\n`, 'latin1'),
    });
    const head = clientErrorResponse(error).split('\r\n\r\n', 1)[0]!;
    assert.deepEqual(head.match(/^X-Content-Type-Options: .*$/gim), ['X-Content-Type-Options: nosniff'], line);
  }
});
