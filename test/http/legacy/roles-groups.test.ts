/**
 * Roles and groups through the legacy API, as pyvcloud reads them: `type=role` (Org.list_roles, get_role_record),
 * `GET /api/admin/role/{id}` (Org.get_role_resource, then Role.list_rights), `type=group`, and the admin variants for
 * the provider. Expected names and rights come from the store and the rights catalogue, never from the server's
 * answers. Writes through /cloudapi must show at once (the query caches are keyed by the inventory version, which
 * roles and groups bump since migration 0022).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { http } from '../../helpers/api.js';
import { PREDEFINED_ROLES, RIGHTS, isProviderOnlyRight } from '../../../src/domain/rights.js';
import {
  JSON_ACCEPT,
  XML_ACCEPT,
  child,
  childrenNamed,
  get,
  links,
  parseXml,
  queryRecords,
  startDemoServer,
  xmlError,
  type DemoSessions,
} from './support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;

before(async () => {
  ({ server, s, acmeId } = await startDemoServer());
});
after(async () => server?.stop());

const records = async (type: string, session: string, element: string) =>
  (await queryRecords(server, `type=${type}&pageSize=128`, session, element)).records;

const cloudapi = (method: string, path: string, session: string, body: unknown) =>
  http(`${server.baseUrl}/cloudapi/1.0.0${path}`, {
    method,
    headers: { Authorization: `Bearer ${session}`, Accept: 'application/json;version=36.1', 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

test("type=role lists the org's roles; each record's href is its Role document, with the role's rights", async () => {
  const stored = await server.store.listRoles(acmeId);
  const found = await records('role', s.alice, 'RoleRecord');
  assert.deepEqual(found.map((r) => r.attrs.name).sort(), stored.map((r) => r.name).sort());
  for (const name of Object.keys(PREDEFINED_ROLES).filter((n) => n !== 'System Administrator')) {
    assert.ok(
      found.some((r) => r.attrs.name === name),
      `the predefined role ${name} is listed`,
    );
  }
  const author = found.find((r) => r.attrs.name === 'vApp Author')!;
  assert.equal(author.attrs.isReadOnly, 'true');
  assert.equal(author.attrs.description, PREDEFINED_ROLES['vApp Author'].description);
  assert.equal(author.attrs.orgName, undefined, 'org attributes are for adminRole only');

  const doc = await get(server, new URL(author.attrs.href!).pathname, s.alice);
  assert.equal(doc.status, 200, doc.text);
  assert.match(String(doc.headers.get('content-type')), /^application\/vnd\.vmware\.admin\.role\+xml;version=36\.1/);
  const role = parseXml(doc.text);
  assert.equal(role.name, 'Role');
  assert.equal(role.attrs.name, 'vApp Author');
  assert.equal(role.attrs.href, author.attrs.href);
  const rights = childrenNamed(childrenNamed(role, 'RightReferences')[0]!, 'RightReference').map((r) => r.attrs.name);
  const storedRole = stored.find((r) => r.name === 'vApp Author')!;
  assert.deepEqual(rights, [...(await server.store.roleRights(storedRole.id))].sort());
  assert.ok(rights.includes(RIGHTS.apiTokensManage));
  assert.equal(links(role, 'up')[0]!.attrs.href, `${server.baseUrl}/api/admin/org/${acmeId}`);

  const json = await http(`${server.baseUrl}${new URL(author.attrs.href!).pathname}`, {
    headers: { Authorization: `Bearer ${s.alice}`, Accept: JSON_ACCEPT },
  });
  assert.equal(json.status, 200, json.text);
  assert.deepEqual(
    (json.json().rightReferences.rightReference as Array<{ name: string }>).map((r) => r.name),
    rights,
    'JSON lists the same rights, as an array',
  );
});

test('who may read roles: not a vApp Author (no "Role: View"), not another org, not anonymous', async () => {
  const role = (await server.store.listRoles(acmeId)).find((r) => r.name === 'vApp Author')!;
  const path = `/api/admin/role/${role.id}`;
  xmlError(await get(server, path, s.bob), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(await get(server, path, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(await get(server, `/api/admin/role/${randomUUID()}`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(await get(server, '/api/admin/role/not-an-id', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  assert.equal((await http(`${server.baseUrl}${path}`, { headers: { Accept: XML_ACCEPT } })).status, 401);
  xmlError(await get(server, '/api/query?type=role', s.bob), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  const queryList = new Set(links(parseXml((await get(server, '/api/query', s.bob)).text)).map((l) => l.attrs.name));
  assert.ok(!queryList.has('role'), 'the QueryList offers bob no role type');
  assert.ok(new Set(links(parseXml((await get(server, '/api/query', s.alice)).text)).map((l) => l.attrs.name)).has('role'));
  // hank's role query lists globex's roles only.
  const hanks = await records('role', s.hank, 'RoleRecord');
  assert.ok(
    hanks.every((r) => !r.attrs.href!.endsWith(role.id)),
    "no acme role in globex's list",
  );
  xmlError(await get(server, '/api/query?type=adminRole', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
});

test('adminRole and adminGroup: the provider sees every org, with the org named', async () => {
  const all = await records('adminRole', s.admin, 'AdminRoleRecord');
  const acmeRoles = all.filter((r) => r.attrs.orgName === 'acme');
  assert.equal(acmeRoles.length, (await server.store.listRoles(acmeId)).length);
  assert.ok(all.some((r) => r.attrs.orgName === 'globex'));
  assert.ok(acmeRoles.every((r) => r.attrs.org === `${server.baseUrl}/api/org/${acmeId}`));
  assert.equal((await get(server, '/api/query?type=adminGroup', s.admin)).status, 200);
});

test("a role's and a group's changes through /cloudapi show in the next query at once", async () => {
  const name = `ops-${randomUUID().slice(0, 8)}`;
  const created = await cloudapi('POST', '/roles', s.alice, { name, description: 'first' });
  assert.equal(created.status, 201, created.text);
  const roleUrn = created.json().id as string;
  const described = async () => (await records('role', s.alice, 'RoleRecord')).find((r) => r.attrs.name === name)?.attrs.description;
  assert.equal(await described(), 'first');
  assert.equal((await cloudapi('PUT', `/roles/${roleUrn}`, s.alice, { name, description: 'second' })).status, 200);
  assert.equal(await described(), 'second', 'a new description is not served from a cached page');

  const groupName = `team-${randomUUID().slice(0, 8)}`;
  const group = await cloudapi('POST', '/groups', s.alice, { name: groupName, roleEntityRefs: [{ id: roleUrn }] });
  assert.equal(group.status, 201, group.text);
  const groups = await records('group', s.alice, 'GroupRecord');
  const record = groups.find((g) => g.attrs.name === groupName);
  assert.ok(record, 'the new group is listed');
  assert.equal(record.attrs.roleName, name);
  assert.equal(record.attrs.isReadOnly, 'false');
  assert.ok(!(await records('group', s.hank, 'GroupRecord')).some((g) => g.attrs.name === groupName), 'not in globex');
  assert.equal((await cloudapi('DELETE', `/groups/${group.json().id}`, s.alice, {})).status, 204);
  assert.ok(!(await records('group', s.alice, 'GroupRecord')).some((g) => g.attrs.name === groupName), 'gone at once');
});

test("the AdminOrg lists the rights published to the org (pyvcloud's Org.list_rights_of_org): the union of its bundles", async () => {
  const expected = new Set<string>();
  for (const bundle of await server.store.listRightsBundles()) {
    const published = JSON.parse(bundle.published_to) as 'all' | string[];
    if (published !== 'all' && !published.includes(acmeId)) continue;
    for (const right of JSON.parse(bundle.rights) as string[]) if (!isProviderOnlyRight(right)) expected.add(right);
  }
  assert.ok(expected.size > 0, 'acme has rights published to it');
  const adminOrg = parseXml((await get(server, `/api/admin/org/${acmeId}`, s.alice)).text);
  const references = childrenNamed(childrenNamed(adminOrg, 'RightReferences')[0]!, 'RightReference');
  assert.deepEqual(
    references.map((r) => r.attrs.name),
    [...expected].sort(),
  );
  assert.ok(!references.some((r) => isProviderOnlyRight(r.attrs.name!)), 'no provider-only right reaches a tenant');
  const order = adminOrg.children.map((c) => c.name);
  assert.ok(order.indexOf('Networks') < order.indexOf('RightReferences'), "VCD's order: Networks, RightReferences");
  assert.ok(order.indexOf('RightReferences') < order.indexOf('RoleReferences'), "VCD's order: RightReferences, RoleReferences");
  const json = await http(`${server.baseUrl}/api/admin/org/${acmeId}`, {
    headers: { Authorization: `Bearer ${s.alice}`, Accept: JSON_ACCEPT },
  });
  assert.equal((json.json().rightReferences.rightReference as unknown[]).length, expected.size, 'an array in JSON');
});

test("every RightReference (a Role's, the AdminOrg's) is served: the Right document, the cloudapi's same right", async () => {
  const author = (await records('role', s.alice, 'RoleRecord')).find((r) => r.attrs.name === 'vApp Author')!;
  const role = parseXml((await get(server, new URL(author.attrs.href!).pathname, s.alice)).text);
  const adminOrg = parseXml((await get(server, `/api/admin/org/${acmeId}`, s.alice)).text);
  const references = [role, adminOrg].flatMap((doc) => childrenNamed(child(doc, 'RightReferences'), 'RightReference'));
  assert.ok(references.length > PREDEFINED_ROLES['vApp Author'].rights.length, 'the role and the org list rights');
  for (const reference of references) {
    const reply = await get(server, reference.attrs.href!, s.bob);
    assert.equal(reply.status, 200, `${reference.attrs.href}: ${reply.text}`);
    assert.match(String(reply.headers.get('content-type')), /^application\/vnd\.vmware\.admin\.right\+xml;version=36\.1/);
    const right = parseXml(reply.text);
    assert.equal(right.name, 'Right');
    assert.equal(right.attrs.name, reference.attrs.name);
    assert.equal(right.attrs.href, reference.attrs.href);
    const entity = await get(
      server,
      `/cloudapi/1.0.0/rights/${encodeURIComponent(right.attrs.id!)}`,
      s.bob,
      'application/json;version=36.1',
    );
    assert.equal(entity.status, 200, entity.text);
    const json = entity.json() as { name: string; category: string; rightType: string; bundleKey: string };
    assert.equal(json.name, reference.attrs.name);
    // The cloudapi names the category by id (VCD's Right; Terraform's vcd_right category_id), the XML by name.
    const category = await get(
      server,
      `/cloudapi/1.0.0/rightsCategories/${encodeURIComponent(json.category)}`,
      s.bob,
      'application/json;version=36.1',
    );
    assert.equal(category.status, 200, category.text);
    assert.equal(child(right, 'Category').text, (category.json() as { name: string }).name);
    assert.equal(child(right, 'RightType').text, json.rightType);
    assert.equal(child(right, 'BundleKey').text, json.bundleKey);
  }
  xmlError(await get(server, '/api/admin/right/00000000-0000-4000-8000-000000000000', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  assert.equal((await get(server, references[0]!.attrs.href!, null)).status, 401);
});

/** A group made through /cloudapi, as an org administrator makes it; returns its bare id. */
const newGroup = async (session: string, body: Record<string, unknown>) => {
  const reply = await cloudapi('POST', '/groups', session, body);
  assert.equal(reply.status, 201, reply.text);
  return String(reply.json().id).replace('urn:vcloud:group:', '');
};

test("the AdminOrg lists the org's groups; each GroupReference is its Group document, as govcd's GetGroupByName reads it", async () => {
  const role = (await server.store.listRoles(acmeId)).find((r) => r.name === 'vApp Author')!;
  const withRole = `ops-${randomUUID().slice(0, 8)}`;
  const roleless = `audit-${randomUUID().slice(0, 8)}`;
  const withRoleId = await newGroup(s.alice, {
    name: withRole,
    description: 'The ops team',
    roleEntityRefs: [{ id: `urn:vcloud:role:${role.id}` }],
  });
  // The API makes no group without a role since 2026-12-06 (Terraform's data source crashed on one): a POST
  // without roleEntityRefs is a 400 that makes nothing. A store from before may hold such a group: made directly.
  const refused = await cloudapi('POST', '/groups', s.alice, { name: roleless, description: '' });
  assert.equal(refused.status, 400, refused.text);
  assert.match(refused.json().message, /roleEntityRefs is required/);
  assert.equal(
    (await server.store.listGroups(acmeId)).find((g) => g.name === roleless),
    undefined,
  );
  const rolelessId = randomUUID();
  await server.store.createGroup({
    id: rolelessId,
    org_id: acmeId,
    name: roleless,
    description: '',
    role_id: null,
    created_at: Date.now(),
  });
  // Membership has no API of its own yet (directory sync would write it): put two users in the group directly.
  const bob = (await server.store.getUserByName(acmeId, 'bob'))!;
  const alice = (await server.store.getUserByName(acmeId, 'alice'))!;
  await server.store.db
    .insertInto('group_members')
    .values([
      { group_id: withRoleId, user_id: bob.id },
      { group_id: withRoleId, user_id: alice.id },
    ])
    .execute();

  const adminOrg = parseXml((await get(server, `/api/admin/org/${acmeId}`, s.alice)).text);
  const refs = childrenNamed(child(adminOrg, 'Groups'), 'GroupReference');
  const stored = await server.store.listGroups(acmeId);
  assert.deepEqual(
    refs.map((r) => r.attrs.name),
    stored.map((g) => g.name),
    "every group of the org, in the store's order",
  );
  const refOf = (name: string) => refs.find((r) => r.attrs.name === name)!;
  assert.equal(refOf(withRole).attrs.href, `${server.baseUrl}/api/admin/group/${withRoleId}`);
  assert.equal(refOf(withRole).attrs.type, 'application/vnd.vmware.admin.group+xml');

  const doc = await get(server, new URL(refOf(withRole).attrs.href!).pathname, s.alice);
  assert.equal(doc.status, 200, doc.text);
  assert.match(String(doc.headers.get('content-type')), /^application\/vnd\.vmware\.admin\.group\+xml;version=36\.1/);
  const group = parseXml(doc.text);
  assert.equal(group.name, 'Group');
  assert.equal(group.attrs.id, `urn:vcloud:group:${withRoleId}`);
  assert.equal(group.attrs.href, refOf(withRole).attrs.href);
  assert.deepEqual(
    group.children.map((c) => c.name),
    ['Link', 'Description', 'NameInSource', 'UsersList', 'ProviderType', 'Role'],
    "VCD's GroupType order",
  );
  assert.equal(child(group, 'Description').text, 'The ops team');
  assert.equal(child(group, 'ProviderType').text, 'INTEGRATED');
  assert.deepEqual(
    childrenNamed(child(group, 'UsersList'), 'UserReference').map((u) => [u.attrs.name, u.attrs.href]),
    [
      ['alice', `${server.baseUrl}/api/admin/user/${alice.id}`],
      ['bob', `${server.baseUrl}/api/admin/user/${bob.id}`],
    ],
  );
  assert.equal(child(group, 'Role').attrs.name, 'vApp Author');
  assert.equal(child(group, 'Role').attrs.href, `${server.baseUrl}/api/admin/role/${role.id}`);
  assert.equal(links(group, 'up')[0]!.attrs.href, `${server.baseUrl}/api/admin/org/${acmeId}`);

  // A member's User document names the group where the AdminOrg does, and that href is the same document.
  const bobDoc = parseXml((await get(server, `/api/admin/user/${bob.id}`, s.alice)).text);
  const bobGroups = childrenNamed(child(bobDoc, 'GroupReferences'), 'GroupReference');
  assert.deepEqual(
    bobGroups.map((g) => g.attrs.href),
    [refOf(withRole).attrs.href],
  );

  // A group without a role: no Role element (none is made up), and an empty UsersList, never a missing one.
  const bare = parseXml((await get(server, `/api/admin/group/${rolelessId}`, s.alice)).text);
  assert.deepEqual(
    bare.children.map((c) => c.name),
    ['Link', 'Description', 'NameInSource', 'UsersList', 'ProviderType'],
  );
  assert.equal(childrenNamed(child(bare, 'UsersList'), 'UserReference').length, 0);

  // JSON: the same group, members as an array even when there is one or none.
  const json = await get(server, `/api/admin/group/urn:vcloud:group:${withRoleId}`, s.alice, JSON_ACCEPT);
  assert.equal(json.status, 200, json.text);
  assert.deepEqual(
    (json.json().usersList.userReference as Array<{ name: string }>).map((u) => u.name),
    ['alice', 'bob'],
  );
  assert.equal(json.json().role.name, 'vApp Author');
  const bareJson = (await get(server, `/api/admin/group/${rolelessId}`, s.alice, JSON_ACCEPT)).json();
  assert.deepEqual(bareJson.usersList.userReference, []);

  // The group query's records point at the same documents.
  const record = (await records('group', s.alice, 'GroupRecord')).find((g) => g.attrs.name === withRole)!;
  assert.equal(record.attrs.href, refOf(withRole).attrs.href);

  // Who may read it: like /cloudapi/1.0.0/groups/{id}. Not a vApp Author, not another org, not an unknown id.
  const path = `/api/admin/group/${withRoleId}`;
  xmlError(await get(server, path, s.bob), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  assert.equal((await cloudapi('GET', `/groups/${withRoleId}`, s.bob, undefined)).status, 403, 'the cloudapi agrees');
  xmlError(await get(server, path, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(await get(server, `/api/admin/group/${randomUUID()}`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(await get(server, '/api/admin/group/not-an-id', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  assert.equal((await http(`${server.baseUrl}${path}`, { headers: { Accept: XML_ACCEPT } })).status, 401);
  assert.equal((await get(server, path, s.admin)).status, 200, 'the provider reads any org');

  // A deleted group leaves the AdminOrg and its document at once.
  assert.equal((await cloudapi('DELETE', `/groups/${withRoleId}`, s.alice, {})).status, 204);
  assert.equal((await cloudapi('DELETE', `/groups/${rolelessId}`, s.alice, {})).status, 204);
  xmlError(await get(server, path, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  const afterDelete = parseXml((await get(server, `/api/admin/org/${acmeId}`, s.alice)).text);
  assert.ok(!childrenNamed(child(afterDelete, 'Groups'), 'GroupReference').some((r) => [withRole, roleless].includes(r.attrs.name!)));
});
