/**
 * JSON bodies under the names clients give them, and what a JSON body may be under /oauth.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, createApiToken, http, signIn } from '../helpers/api.js';

let server: TesseraHandle;
let alice: string;

before(async () => {
  server = await startTessera({ demo: true });
  alice = await signIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
});
after(async () => server?.stop());

test('cloudapi: a JSON body typed application/*+json, a VCD vendor +json type or text/json is read as JSON', async () => {
  // Until 2026-12-06 these were read as text and the body schema answered "body must be object".
  const roles = await http(`${server.baseUrl}/cloudapi/1.0.0/roles?pageSize=128`, { headers: bearer(alice) });
  const role = (roles.json().values as Array<{ name: string; id: string }>).find((r) => r.name === 'vApp Author')!;
  for (const type of ['application/*+json;version=37.0', 'application/vnd.vmware.vcloud.user+json', 'text/json; charset=utf-8']) {
    const name = `ct${randomUUID().slice(0, 8)}`;
    const res = await http(`${server.baseUrl}/cloudapi/1.0.0/users`, {
      method: 'POST',
      headers: { ...bearer(alice), 'Content-Type': type, Accept: 'application/json;version=37.0' },
      body: JSON.stringify({ username: name, password: `pw-${randomUUID()}`, roleEntityRefs: [{ id: role.id }] }),
    });
    assert.equal(res.status, 201, `${type}: ${res.text}`);
  }
});

test('/oauth: a JSON body must be an object of parameters; a JSON string holding a form is refused, not folded', async () => {
  const { apiToken } = await createApiToken(server.baseUrl, alice, 'acme', `json-${randomUUID().slice(0, 6)}`);
  const url = `${server.baseUrl}/oauth/tenant/acme/token`;
  const post = (body: string) => http(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  for (const body of [JSON.stringify(`x&grant_type=refresh_token&refresh_token=${apiToken}&y=`), '[1]', '42']) {
    const res = await post(body);
    assert.equal(res.status, 400, `${body}: ${res.text}`);
    assert.equal(res.json().error, 'invalid_request', body);
  }
  // The same route spelled as the router also reads it (a doubled slash, an encoded letter) is refused the same way:
  // until 2026-12-07 the check read the raw URL, and these folded the JSON string as a grant (200).
  const smuggled = JSON.stringify(`x&grant_type=refresh_token&refresh_token=${apiToken}&y=`);
  for (const path of ['//oauth/tenant/acme/token', '/%6fauth/tenant/acme/token', '/oauth/tenant/acme//token']) {
    const res = await http(`${server.baseUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: smuggled });
    assert.equal(res.status, 400, `${path}: ${res.text}`);
    assert.equal(res.json().error, 'invalid_request', path);
  }
  // The object form and a form labelled JSON still work.
  assert.equal((await post(JSON.stringify({ grant_type: 'refresh_token', refresh_token: apiToken }))).status, 200);
  assert.equal((await post(`grant_type=refresh_token&refresh_token=${apiToken}`)).status, 200);
});
