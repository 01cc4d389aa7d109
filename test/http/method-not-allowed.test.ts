/**
 * A path that exists, asked with a method it has no route for: 405 with `Allow` in the area's error format (RFC 9110
 * §15.5.6), not a 404 claiming there is no such resource. A path that does not exist stays 404.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';
import { RouteMethods } from '../../src/http/route-methods.js';

let t: TesseraHandle;
before(async () => {
  t = await startTessera({ demo: true });
});
after(async () => t?.stop());

test('RouteMethods: the methods a concrete path has routes for', () => {
  const methods = new RouteMethods();
  methods.add(['GET', 'HEAD'], '/api/org/:id');
  methods.add('DELETE', '/api/org/:id');
  methods.add('OPTIONS', '/api/org/:id'); // not one it reports
  assert.deepEqual(methods.allowed('/api/org/x?y=1'), ['GET', 'HEAD', 'DELETE']);
  assert.deepEqual(methods.allowed('/api/org/x/'), ['GET', 'HEAD', 'DELETE']);
  assert.deepEqual(methods.allowed('/api/nothing'), []);
});

test('/api: a wrong method is 405 with Allow, in VCD XML', async () => {
  const alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  const res = await http(`${t.baseUrl}/api/versions`, { method: 'DELETE', headers: bearer(alice, 'application/*+xml;version=36.1') });
  assert.equal(res.status, 405, res.text);
  assert.match(res.headers.get('allow') ?? '', /^GET, HEAD$/);
  assert.match(res.text, /<Error [^>]*minorErrorCode="METHOD_NOT_ALLOWED"[^>]*majorErrorCode="405"/);
});

test('/cloudapi and /oauth: 405 in the JSON envelope; OPTIONS too; an unknown path stays 404', async () => {
  const alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  const put = await http(`${t.baseUrl}/cloudapi/1.0.0/sessions/current`, { method: 'PUT', headers: bearer(alice) });
  assert.equal(put.status, 405, put.text);
  assert.equal(put.json().minorErrorCode, 'METHOD_NOT_ALLOWED');
  assert.match(put.headers.get('allow') ?? '', /\bGET\b/);
  assert.match(put.headers.get('allow') ?? '', /\bDELETE\b/);
  const options = await http(`${t.baseUrl}/oauth/tenant/acme/token`, { method: 'OPTIONS' });
  assert.equal(options.status, 405);
  assert.equal(options.headers.get('allow'), 'POST');
  const get = await http(`${t.baseUrl}/oauth/tenant/acme/token`);
  assert.equal(get.status, 405);
  // A route of the request's own method that finds nothing (a static file that is not there): 404, not 405.
  for (const method of ['GET', 'HEAD']) {
    const noFile = await http(`${t.baseUrl}/static/no-such-file.css`, { method });
    assert.equal(noFile.status, 404, method);
    assert.equal(noFile.headers.get('allow'), null, method);
  }
  const missing = await http(`${t.baseUrl}/cloudapi/1.0.0/no-such-thing`, { method: 'PUT', headers: bearer(alice) });
  assert.equal(missing.status, 404);
  assert.equal(missing.json().minorErrorCode, 'RESOURCE_NOT_FOUND');
});

test('a write to the inventory that is not served says the inventory is read here, not written; reads and other paths do not', async () => {
  const alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  const vdc = (await t.store.db.selectFrom('vdcs').select('id').executeTakeFirstOrThrow()).id;
  const vm = (await t.store.db.selectFrom('vms').select('id').executeTakeFirstOrThrow()).id;
  const xml = (res: { text: string }) => /message="([^"]*)"/.exec(res.text)?.[1] ?? '';
  // Terraform's vcd_vapp (composeVApp), a VM's power action: no route (404); a VM's metadata PUT: read only (405).
  for (const [method, path, status] of [
    ['POST', `/api/vdc/${vdc}/action/composeVApp`, 404],
    ['POST', `/api/vApp/vm-${vm}/power/action/powerOn`, 404],
    ['PUT', `/api/vApp/vm-${vm}/metadata/GENERAL/env`, 405],
  ] as const) {
    const res = await http(`${t.baseUrl}${path}`, { method, headers: bearer(alice, 'application/*+xml;version=36.1') });
    assert.equal(res.status, status, `${method} ${path}: ${res.text}`);
    // Until 2026-12-06 only "No such resource" / "not allowed here", which read like a wrong URL.
    assert.match(xml(res), /Tessera serves the inventory .* for reading/, `${method} ${path}`);
  }
  const read = await http(`${t.baseUrl}/api/vdc/${vdc}/nothing`, { headers: bearer(alice, 'application/*+xml;version=36.1') });
  assert.equal(read.status, 404);
  assert.doesNotMatch(xml(read), /for reading/);
  const other = await http(`${t.baseUrl}/api/admin/org/${vdc}/nothing`, {
    method: 'POST',
    headers: bearer(alice, 'application/*+xml;version=36.1'),
  });
  assert.doesNotMatch(xml(other), /for reading/);
});
