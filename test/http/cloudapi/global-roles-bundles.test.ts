/**
 * What Terraform's `data "vcd_global_role"` and `data "vcd_rights_bundle"` read after finding one by name (govcd's
 * GlobalRole.GetRights/GetTenants, RightsBundle.GetTenants): a global role by id, its rights (the predefined role's,
 * from domain/rights.ts) and the orgs it and a bundle are published to. The provider sees every tenant org; a tenant
 * sees only its own among them, never the names of the others.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { http, bearer, accessTokenFrom, createApiToken } from '../../helpers/api.js';
import { PREDEFINED_ROLES } from '../../../src/domain/rights.js';
import { startDemoServer, type DemoSessions } from '../legacy/support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;
let globexId: string;
let aliceToken: string;

before(async () => {
  ({ server, s, acmeId, globexId } = await startDemoServer());
  const { apiToken } = await createApiToken(server.baseUrl, s.alice, 'acme', 'global-roles');
  aliceToken = await accessTokenFrom(server.baseUrl, 'acme', apiToken);
});
after(async () => server?.stop());

const call = (path: string, token: string) => http(`${server.baseUrl}/cloudapi/1.0.0${path}`, { headers: bearer(token) });
const values = async (path: string, token: string) => {
  const reply = await call(path, token);
  assert.equal(reply.status, 200, `${path}: ${reply.text}`);
  return reply.json().values as Array<{ name: string; id: string }>;
};
const byName = async (path: string, name: string, token: string) =>
  (await values(`${path}?filter=${encodeURIComponent(`name==${name}`)}`, token))[0]!;

test("a global role by id, its rights and the tenant orgs it is published to (the provider's view)", async () => {
  const author = await byName('/globalRoles', 'vApp Author', s.admin);
  assert.deepEqual((await call(`/globalRoles/${author.id}`, s.admin)).json(), author, 'by id, the list entry');
  const rights = (await values(`/globalRoles/${author.id}/rights?pageSize=128`, s.admin)).map((r) => r.name);
  assert.deepEqual(rights, [...PREDEFINED_ROLES['vApp Author'].rights].sort());
  const tenants = await values(`/globalRoles/${author.id}/tenants`, s.admin);
  assert.deepEqual(tenants.map((t) => t.name).sort(), ['acme', 'globex'], 'every tenant org, never System');
  assert.ok(tenants.some((t) => t.id === `urn:vcloud:org:${globexId}`));
  // The System Administrator role lives in the System org only: published to no tenant.
  const sysadmin = await byName('/globalRoles', 'System Administrator', s.admin);
  assert.deepEqual(await values(`/globalRoles/${sysadmin.id}/tenants`, s.admin), []);
  assert.equal((await call(`/globalRoles/urn:vcloud:globalRole:${randomUUID()}`, s.admin)).status, 403);
  assert.equal((await call('/globalRoles/not-an-id/rights', s.admin)).status, 403);
});

test('a tenant reads the rights, and among the tenants only its own org', async () => {
  const author = await byName('/globalRoles', 'vApp Author', s.alice);
  for (const token of [s.alice, aliceToken]) {
    assert.equal(
      (await values(`/globalRoles/${author.id}/rights?pageSize=128`, token)).length,
      PREDEFINED_ROLES['vApp Author'].rights.length,
    );
    assert.deepEqual(await values(`/globalRoles/${author.id}/tenants`, token), [{ name: 'acme', id: `urn:vcloud:org:${acmeId}` }]);
  }
  // The System Administrator's global role is published to no tenant: a tenant neither lists it nor reads it (its
  // rights named the provider-only ones until 2026-12-06).
  const sysadmin = await byName('/globalRoles', 'System Administrator', s.admin);
  assert.equal(
    (await values('/globalRoles?pageSize=128', s.alice)).find((r) => r.name === 'System Administrator'),
    undefined,
  );
  assert.equal((await call(`/globalRoles/${sysadmin.id}`, s.alice)).status, 403);
  assert.equal((await call(`/globalRoles/${sysadmin.id}/rights`, s.alice)).status, 403);
  // bob (vApp Author) may not view global roles at all, as the list says.
  assert.equal((await call('/globalRoles', s.bob)).status, 403);
  assert.equal((await call(`/globalRoles/${author.id}/tenants`, s.bob)).status, 403);
});

test("a rights bundle's tenants: every tenant org when published to all, the listed ones otherwise, a tenant its own only", async () => {
  const all = await byName('/rightsBundles', 'Default Rights Bundle', s.admin);
  assert.deepEqual((await values(`/rightsBundles/${all.id}/tenants`, s.admin)).map((t) => t.name).sort(), ['acme', 'globex']);
  assert.deepEqual(await values(`/rightsBundles/${all.id}/tenants`, s.hank), [{ name: 'globex', id: `urn:vcloud:org:${globexId}` }]);
  const id = randomUUID();
  await server.store.createRightsBundle({
    id,
    name: `acme-only-${id.slice(0, 8)}`,
    description: '',
    read_only: 0,
    rights: '[]',
    published_to: JSON.stringify([acmeId]),
    created_at: Date.now(),
  });
  assert.deepEqual(await values(`/rightsBundles/urn:vcloud:rightsBundle:${id}/tenants`, s.admin), [
    { name: 'acme', id: `urn:vcloud:org:${acmeId}` },
  ]);
  assert.deepEqual(await values(`/rightsBundles/urn:vcloud:rightsBundle:${id}/tenants`, s.alice), [
    { name: 'acme', id: `urn:vcloud:org:${acmeId}` },
  ]);
  // globex's administrator cannot see a bundle not published to globex, its tenants included.
  assert.equal((await call(`/rightsBundles/urn:vcloud:rightsBundle:${id}/tenants`, s.hank)).status, 403);
});
