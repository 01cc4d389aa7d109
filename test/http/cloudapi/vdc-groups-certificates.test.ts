/**
 * VDC groups (`GET /cloudapi/1.0.0/vdcGroups`) and the certificate library (`/ssl/certificateLibrary`): Tessera holds
 * neither, so each is an empty page (src/http/cloudapi/empty-lists.ts) where it was the 404 of an unknown path that
 * Terraform's data "vcd_vdc_group", data "vcd_library_certificate" and vcd_resource_list reported as an error. The
 * clients' own requests: govcd's GetVdcGroupByName (`name==`, filterEncoded, pageSize=128, a tenant-context header
 * from the provider) and GetCertificateFromLibraryByName (`alias==`). VDC groups are read by whoever may read VDCs,
 * the library by whoever may read the admin views.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { http, bearer, accessTokenFrom, createApiToken, signIn } from '../../helpers/api.js';
import { createUser } from '../../security/support.js';
import { startDemoServer, type DemoSessions } from '../legacy/support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;
let aliceToken: string;
let carol: string;

before(async () => {
  ({ server, s, acmeId } = await startDemoServer());
  const { apiToken } = await createApiToken(server.baseUrl, s.alice, 'acme', 'vdc-groups');
  aliceToken = await accessTokenFrom(server.baseUrl, 'acme', apiToken);
  const user = await createUser(server.baseUrl, s.alice, { role: 'Console Access Only' });
  carol = await signIn(server.baseUrl, user.name, 'acme', user.password);
});
after(async () => server?.stop());

const list = (path: string, query: string, token: string | null, extra: Record<string, string> = {}) =>
  http(`${server.baseUrl}/cloudapi/1.0.0/${path}${query}`, { headers: { ...(token ? bearer(token) : {}), ...extra } });

const LISTS = [
  { path: 'vdcGroups', filters: ['name==group-1', 'name==group*;orgId==urn:vcloud:org:00000000-0000-4000-8000-000000000000'] },
  { path: 'ssl/certificateLibrary', filters: ['alias==my-cert', 'alias==a*,description==b'] },
];

test("an empty page for the clients' own requests, for a tenant administrator, its API token and the provider", async () => {
  const tenantContext = { 'X-VMWARE-VCLOUD-TENANT-CONTEXT': acmeId };
  for (const { path, filters } of LISTS) {
    for (const [token, extra] of [
      [s.alice, {}],
      [aliceToken, {}],
      [s.admin, {}],
      [s.admin, tenantContext],
    ] as const) {
      for (const filter of ['', ...filters.map((f) => `filter=${encodeURIComponent(f)}&filterEncoded=true&`)]) {
        const reply = await list(path, `?${filter}pageSize=128`, token, extra);
        assert.equal(reply.status, 200, `${path} ${filter}: ${reply.text}`);
        assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
        const body = reply.json();
        assert.deepEqual(
          [body.resultTotal, body.pageCount, body.page, body.pageSize, body.values],
          [0, 0, 1, 128, []],
          `${path} ${filter}`,
        );
      }
    }
  }
});

test("who may read: VDC groups whoever may read VDCs, the library whoever may read the admin views; VCD's fields only", async () => {
  // carol's role (Console Access Only) reads neither VDCs nor the org's admin views.
  for (const { path } of LISTS) {
    assert.equal((await list(path, '', carol)).status, 403, path);
    assert.equal((await list(path, '', s.bob)).status, 200, `${path}: a vApp Author reads VDCs and the org`);
    assert.equal((await list(path, '', null)).status, 401, path);
    for (const query of ['?filter=nope==1', '?sortAsc=nope', `?filter=${encodeURIComponent('id==not-an-id')}`]) {
      const reply = await list(path, query, s.alice);
      assert.equal(reply.status, 400, `${path}${query}`);
      assert.equal(reply.json().minorErrorCode, 'BAD_REQUEST');
    }
    const post = await http(`${server.baseUrl}/cloudapi/1.0.0/${path}`, { method: 'POST', headers: bearer(s.admin) });
    assert.equal(post.status, 405, `${path}: nothing is created here`);
  }
});
