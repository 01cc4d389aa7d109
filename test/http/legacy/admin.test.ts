/**
 * `GET /api/admin`: the admin VCloud document whose Description go-vcloud-director's GetVcdFullVersion parses
 * (`<a.b.c.build> <Java Date.toString()>`), for System administrators (every org referenced) and org
 * administrators (their own org only); 403 for a role without "Organization: View"; 401 without credentials.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { signIn } from '../../helpers/api.js';
import { createUser } from '../../security/support.js';
import { VCD_PRODUCT_VERSION, javaDateString, vcdVersionDescription } from '../../../src/domain/product-version.js';
import { VCLOUD_NS, child, childrenNamed, get, startDemoServer, xmlError, xmlRoot, type DemoSessions } from './support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;

before(async () => {
  ({ server, s, acmeId } = await startDemoServer());
});
after(async () => server?.stop());

const ADMIN_TYPE = /^application\/vnd\.vmware\.admin\.vcloud\+xml;version=36\.1$/;
const referencedOrgs = (root: ReturnType<typeof xmlRoot>) =>
  childrenNamed(child(root, 'OrganizationReferences'), 'OrganizationReference').map((r) => r.attrs.name);

describe('GET /api/admin', () => {
  test('System administrator: VCloud with the version Description and every org', async () => {
    for (const path of ['/api/admin', '/api/admin/']) {
      const root = xmlRoot(await get(server, path, s.admin), 200, ADMIN_TYPE);
      assert.equal(root.name, 'VCloud');
      assert.equal(root.attrs.xmlns, VCLOUD_NS);
      assert.equal(root.attrs.href, `${server.baseUrl}/api/admin/`);
      assert.equal(root.attrs.type, 'application/vnd.vmware.admin.vcloud+xml');
      assert.equal(child(root, 'Description').text, vcdVersionDescription());
      assert.deepEqual(referencedOrgs(root).sort(), ['System', 'acme', 'globex']);
      // The provider may create orgs: VCD's `add` link, which pyvcloud's System.create_org (`vcd org create`) follows
      // (until 2026-12-05 it was missing, and they answered "Operation is not supported").
      const add = root.children.find((c) => c.name === 'Link' && c.attrs.rel === 'add');
      assert.deepEqual(add?.attrs, {
        rel: 'add',
        href: `${server.baseUrl}/api/admin/orgs`,
        type: 'application/vnd.vmware.admin.organization+xml',
      });
      assert.equal(root.children.indexOf(add!), 0, 'links come first, as in VCD');
    }
  });

  test("the Description is what govcd parses: four numeric parts, then Java's Date.toString()", () => {
    assert.match(vcdVersionDescription(), /^\d+\.\d+\.\d+\.\d+ [A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$/);
    assert.ok(vcdVersionDescription().startsWith(`${VCD_PRODUCT_VERSION} `));
    assert.equal(javaDateString(Date.UTC(2020, 9, 8, 23, 53, 8)), 'Thu Oct 08 23:53:08 UTC 2020');
  });

  test('org administrator and vApp Author: their own org only, pointing at the AdminOrg they may read', async () => {
    for (const token of [s.alice, s.bob]) {
      const root = xmlRoot(await get(server, '/api/admin', token), 200, ADMIN_TYPE);
      assert.deepEqual(referencedOrgs(root), ['acme']);
      const href = child(child(root, 'OrganizationReferences'), 'OrganizationReference').attrs.href!;
      assert.equal(href, `${server.baseUrl}/api/admin/org/${acmeId}`);
      assert.equal((await get(server, href, token)).status, 200);
    }
    const globex = xmlRoot(await get(server, '/api/admin', s.hank), 200, ADMIN_TYPE);
    assert.deepEqual(referencedOrgs(globex), ['globex']);
    assert.ok(!globex.children.some((c) => c.name === 'Link'), 'a tenant is offered no org creation');
  });

  test('VCD JSON: the same document', async () => {
    const reply = await get(server, '/api/admin', s.alice, 'application/*+json;version=37.0');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('content-type'), 'application/vnd.vmware.admin.vcloud+json;version=37.0');
    const body = reply.json();
    assert.equal(body.description, vcdVersionDescription());
    assert.deepEqual(
      body.organizationReferences.organizationReference.map((o: { name: string; type: string }) => [o.name, o.type]),
      [['acme', 'application/vnd.vmware.admin.organization+json']],
    );
  });

  test('a role without Organization: View is refused with 403; no credentials is 401', async () => {
    const carol = await createUser(server.baseUrl, s.alice, { role: 'Console Access Only' });
    const session = await signIn(server.baseUrl, carol.name, 'acme', carol.password);
    xmlError(await get(server, '/api/admin', session), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await get(server, '/api/admin', null), 401, 'UNAUTHORIZED');
  });
});
