/**
 * What a shared cache in front may keep (RFC 9111): nothing answered to a credential (VCD's clients authenticate
 * with `x-vcloud-authorization` and `X-VMWARE-VCLOUD-ACCESS-TOKEN` too, which §3.5 does not cover), and nothing
 * built from the request's Host without --public-url (/api/versions' LoginUrls); negotiated answers say `Vary:
 * Accept`. Until 2026-12-05 per-user answers carried neither.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { basic, http, signIn } from '../helpers/api.js';

let t: TesseraHandle;
before(async () => {
  t = await startTessera({ demo: true });
});
after(() => t.stop());

test('every answer to a credential is no-store, whichever header carried it; /api and /cloudapi say Vary: Accept', async () => {
  const legacy = await http(`${t.baseUrl}/api/sessions`, {
    method: 'POST',
    headers: { Authorization: basic('alice', 'acme', t.demoPassword), Accept: 'application/*+xml;version=36.1' },
  });
  const legacyId = legacy.headers.get('x-vcloud-authorization')!;
  const bearer = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  const credentials: Record<string, Record<string, string>> = {
    Authorization: { Authorization: `Bearer ${bearer}` },
    'X-VMWARE-VCLOUD-ACCESS-TOKEN': { 'X-VMWARE-VCLOUD-ACCESS-TOKEN': bearer },
    'x-vcloud-authorization': { 'x-vcloud-authorization': legacyId },
  };
  for (const [how, headers] of Object.entries(credentials)) {
    for (const [path, accept] of [
      ['/api/org', 'application/*+xml;version=36.1'],
      ['/api/query?type=user&format=records', 'application/*+json;version=36.1'],
      ['/cloudapi/1.0.0/tokens', 'application/json;version=36.1'],
      ['/cloudapi/1.0.0/users', 'application/json;version=36.1'],
    ] as const) {
      const res = await http(`${t.baseUrl}${path}`, { headers: { ...headers, Accept: accept } });
      assert.equal(res.status, 200, `${how} ${path}: ${res.text.slice(0, 200)}`);
      assert.equal(res.headers.get('cache-control'), 'no-store', `${how} ${path}`);
      assert.match(res.headers.get('vary') ?? '', /\bAccept\b/i, `${how} ${path}`);
    }
  }
  // A refused credential's 401 is no-store too.
  const refused = await http(`${t.baseUrl}/api/org`, { headers: { 'x-vcloud-authorization': '0'.repeat(32) } });
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get('cache-control'), 'no-store');
});

test('/api/versions, built from the Host without --public-url, is no-store and says Vary: Accept', async () => {
  for (const accept of ['application/*+xml;version=36.1', 'application/*+json;version=36.1']) {
    const res = await http(`${t.baseUrl}/api/versions`, { headers: { Accept: accept } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store', accept);
    assert.match(res.headers.get('vary') ?? '', /\bAccept\b/i, accept);
  }
});
