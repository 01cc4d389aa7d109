/**
 * The router matches `//api/org` and `/%61pi/org` to `/api/org` (duplicate slashes ignored, escapes decoded), so
 * such a request must get `/api`'s rules too: VCD's XML error, version negotiation, the token endpoint's
 * indifference to a stale bearer. The area was once read from the raw URL, and these requests got the cloudapi
 * JSON envelope, an unsupported version answered 200, and a stale bearer on `//oauth/.../token` a 401.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, createApiToken, http, signIn } from '../helpers/api.js';
import { canonicalPath } from '../../src/http/context.js';

let t: TesseraHandle;
before(async () => {
  t = await startTessera({ demo: true });
});
after(async () => t?.stop());

test('canonicalPath: query dropped, duplicate slashes collapsed, escapes decoded, malformed ones kept', () => {
  assert.equal(canonicalPath('//api//org?x=1'), '/api/org');
  assert.equal(canonicalPath('/%61pi/org'), '/api/org');
  assert.equal(canonicalPath('/%63loudapi/1.0.0/orgs'), '/cloudapi/1.0.0/orgs');
  assert.equal(canonicalPath('/api/%E0%A4%A'), '/api/%E0%A4%A');
  assert.equal(canonicalPath('/api/org'), '/api/org');
});

test("//api and /%61pi get /api's version negotiation and its XML error", async () => {
  const alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  for (const path of ['//api/org', '/%61pi/org', '/api//org']) {
    const unsupported = await http(`${t.baseUrl}${path}`, { headers: bearer(alice, 'application/*+xml;version=99.0') });
    assert.equal(unsupported.status, 406, path);
    assert.match(unsupported.text, /<Error [^>]*minorErrorCode="NOT_ACCEPTABLE"/, path);
    const fine = await http(`${t.baseUrl}${path}`, { headers: bearer(alice, 'application/*+xml;version=36.1') });
    assert.equal(fine.status, 200, path);
    assert.match(fine.headers.get('content-type') ?? '', /version=36\.1/, path);
  }
  const badFilter = await http(`${t.baseUrl}//api/query?type=vm&filter=(((`, { headers: bearer(alice, 'application/*+xml;version=36.1') });
  assert.equal(badFilter.status, 400);
  assert.match(badFilter.text, /^<\?xml[\s\S]*<Error /, 'VCD XML, not the cloudapi JSON envelope');
});

test('//oauth/.../token ignores a stale bearer, as /oauth/.../token does', async () => {
  const alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  const { apiToken } = await createApiToken(t.baseUrl, alice, 'acme', 'canonical-path');
  for (const path of ['/oauth/tenant/acme/token', '//oauth/tenant/acme/token', '/%6Fauth/tenant/acme/token']) {
    const answer = await http(`${t.baseUrl}${path}`, {
      method: 'POST',
      headers: { Authorization: 'Bearer stale.not-a.token', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `grant_type=refresh_token&refresh_token=${apiToken}`,
    });
    assert.equal(answer.status, 200, `${path}: ${answer.text}`);
    assert.equal(typeof answer.json().access_token, 'string');
  }
  // A repeated parameter there is OAuth's invalid_request, not the cloudapi's BAD_REQUEST.
  const repeated = await http(`${t.baseUrl}//oauth/tenant/acme/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `grant_type=refresh_token&grant_type=refresh_token&refresh_token=${apiToken}`,
  });
  assert.equal(repeated.status, 400);
  assert.equal(repeated.json().minorErrorCode, 'invalid_request');
});
