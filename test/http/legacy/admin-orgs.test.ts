/**
 * Orgs through VCD's admin API (issue 12), as govcd's CreateOrg / AdminOrg.Update / Disable / Enable /
 * Delete(force, recursive) and Terraform's vcd_org use it: the AdminOrg shapes govcd parses (every part it
 * dereferences without a nil check), settings that read back exactly as written, tasks, provider-only writes,
 * 400 for every bad input, and the promise that disabling an org cuts off its sessions and API tokens at once.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { Housekeeping } from '../../../src/auth/housekeeping.js';
import { createApiToken, exchange, http, signIn } from '../../helpers/api.js';
import {
  JSON_ACCEPT,
  child,
  childrenNamed,
  get,
  parseXml,
  startDemoServer,
  xmlError,
  xmlRoot,
  type DemoSessions,
  type XmlElement,
} from './support.js';
import { ORG_TYPE, TERRAFORM_SETTINGS, USER_TYPE, orgXml, roleHrefIn, send, taskIn, userXml } from './admin-support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;

before(async () => {
  ({ server, s, acmeId } = await startDemoServer());
});
after(async () => server?.stop());

const ADMIN_ORG = /^application\/vnd\.vmware\.admin\.organization\+xml;version=36\.1$/;
const TASK = /^application\/vnd\.vmware\.vcloud\.task\+xml;version=36\.1$/;
let counter = 0;
const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

async function createOrg(name: string, settings = TERRAFORM_SETTINGS, enabled = true): Promise<XmlElement> {
  const reply = await send(
    server,
    'POST',
    '/api/admin/orgs',
    s.admin,
    orgXml({ name, fullName: `${name} Inc.`, description: 'made by a test', settings, enabled }),
  );
  return xmlRoot(reply, 201, ADMIN_ORG);
}

/** Settings as a comparable value: every section, every field, in document order. */
const settingsOf = (adminOrg: XmlElement) =>
  child(adminOrg, 'Settings').children.map((section) => [section.name, section.children.map((f) => `${f.name}=${f.text}`)]);

describe('POST /api/admin/orgs (govcd CreateOrg)', () => {
  test('201 AdminOrg with the finished task, every part govcd dereferences, and the settings as written', async () => {
    const name = uniqueName('tf');
    const org = await createOrg(name);
    assert.equal(org.name, 'AdminOrg');
    assert.equal(org.attrs.name, name);
    assert.match(org.attrs.id!, /^urn:vcloud:org:[0-9a-f-]{36}$/);
    assert.equal(org.attrs.href, `${server.baseUrl}/api/admin/org/${org.attrs.id!.slice(15)}`);
    assert.equal(child(org, 'FullName').text, `${name} Inc.`);
    assert.equal(child(org, 'Description').text, 'made by a test');
    assert.equal(child(org, 'IsEnabled').text, 'true');
    for (const part of ['Users', 'Groups', 'Catalogs', 'Vdcs', 'Networks', 'RoleReferences']) child(org, part);
    const settings = child(org, 'Settings');
    for (const section of [
      'OrgGeneralSettings',
      'VAppLeaseSettings',
      'VAppTemplateLeaseSettings',
      'OrgLdapSettings',
      'OrgPasswordPolicySettings',
    ]) {
      child(settings, section);
    }
    const general = child(settings, 'OrgGeneralSettings');
    assert.equal(child(general, 'CanPublishCatalogs').text, 'true');
    assert.equal(child(general, 'CanSubscribe').text, 'false');
    assert.equal(child(general, 'DeployedVMQuota').text, '50');
    assert.equal(child(general, 'StoredVmQuota').text, '75');
    assert.equal(child(general, 'DelayAfterPowerOnSeconds').text, '7');
    const lease = child(settings, 'VAppLeaseSettings');
    assert.deepEqual(
      lease.children.map((c) => `${c.name}=${c.text}`),
      [
        'DeleteOnStorageLeaseExpiration=true',
        'DeploymentLeaseSeconds=3600',
        'StorageLeaseSeconds=7200',
        'PowerOffOnRuntimeLeaseExpiration=true',
      ],
    );
    assert.equal(child(child(settings, 'OrgLdapSettings'), 'OrgLdapMode').text, 'NONE');
    assert.equal(child(child(settings, 'OrgPasswordPolicySettings'), 'InvalidLoginsBeforeLockout').text, '7');
    const roles = childrenNamed(child(org, 'RoleReferences'), 'RoleReference').map((r) => r.attrs.name);
    assert.ok(roles.includes('Organization Administrator'), roles.join(', '));
    assert.ok(!roles.includes('System Administrator'));

    const task = taskIn(org);
    assert.equal(task.attrs.status, 'success');
    assert.equal(task.attrs.operationName, 'orgCreateOrg');
    assert.equal(child(task, 'Owner').attrs.href, org.attrs.href);
    assert.equal(child(task, 'Progress').text, '100');

    // The GET reads back exactly what the POST answered (no drift on the next plan).
    const read = xmlRoot(await get(server, org.attrs.href!, s.admin), 200, ADMIN_ORG);
    assert.deepEqual(settingsOf(read), settingsOf(org));
    assert.equal(childrenNamed(read, 'Tasks').length, 0);
  });

  test('the task is polled at /api/task/{id} as WaitTaskCompletion does, by its owner', async () => {
    const org = await createOrg(uniqueName('task'));
    const href = taskIn(org).attrs.href!;
    assert.match(href, new RegExp(`^${server.baseUrl}/api/task/[0-9a-f-]{36}$`));
    const task = xmlRoot(await get(server, href, s.admin), 200, TASK);
    assert.equal(task.name, 'Task');
    assert.equal(task.attrs.status, 'success');
    assert.ok(task.attrs.startTime && task.attrs.endTime && task.attrs.expiryTime);
    assert.equal(child(task, 'User').attrs.name, 'administrator');
    assert.equal(child(task, 'Organization').attrs.name, 'System');
    assert.equal(child(task, 'Owner').attrs.type, ORG_TYPE);
    // A tenant sees neither the task nor whether it exists.
    xmlError(await get(server, href, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await get(server, '/api/task/not-a-task', s.admin), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  });

  test('created disabled when IsEnabled is left out (govcd omits false); no Settings: the defaults', async () => {
    const name = uniqueName('off');
    const reply = await send(server, 'POST', '/api/admin/orgs', s.admin, orgXml({ name, enabled: false }));
    const org = xmlRoot(reply, 201, ADMIN_ORG);
    assert.equal(child(org, 'IsEnabled').text, 'false');
    const lease = child(child(org, 'Settings'), 'VAppLeaseSettings');
    assert.equal(child(lease, 'DeploymentLeaseSeconds').text, '0');
  });

  test('VCD JSON: the same AdminOrg, settings included', async () => {
    const org = await createOrg(uniqueName('json'));
    const reply = await get(server, org.attrs.href!, s.admin, JSON_ACCEPT);
    assert.equal(reply.status, 200);
    const body = reply.json();
    assert.equal(body.settings.vAppLeaseSettings.deploymentLeaseSeconds, 3600);
    assert.equal(body.settings.orgLdapSettings.orgLdapMode, 'NONE');
    assert.ok(Array.isArray(body.roleReferences.roleReference));
  });
});

describe('bad input: 400 with VCD XML Error, nothing created', () => {
  const cases: Array<[string, string | undefined, string]> = [
    ['no body', undefined, ''],
    ['not XML', 'name=foo', ''],
    ['not well-formed', '<AdminOrg name="x"><FullName>x</AdminOrg>', ''],
    ['another root', '<User name="x"/>', ''],
    ['a DOCTYPE', '<!DOCTYPE x [<!ENTITY a "b">]><AdminOrg name="x"><FullName>&a;</FullName></AdminOrg>', ''],
    ['an empty name', orgXml({ name: '' }), ''],
    ['a name with a space', orgXml({ name: 'two words' }), ''],
    ['a name with a slash', orgXml({ name: 'a/b' }), ''],
    ['no FullName', '<AdminOrg xmlns="http://www.vmware.com/vcloud/v1.5" name="nofull"><IsEnabled>true</IsEnabled></AdminOrg>', ''],
    // Until 2026-12-05 an org's full name took bidi controls and invisible characters that a user's refuses.
    ['a FullName with a bidi control', orgXml({ name: 'bidi', fullName: 'Acme \u202Eevil' }), ''],
    ['a FullName with a zero-width space', orgXml({ name: 'zwsp', fullName: 'Ac\u200Bme' }), ''],
    ['a bad boolean', orgXml({ name: 'badbool' }).replace('<IsEnabled>true</IsEnabled>', '<IsEnabled>yes</IsEnabled>'), ''],
    [
      'a negative quota',
      orgXml({ name: 'neg', settings: '<OrgGeneralSettings><DeployedVMQuota>-1</DeployedVMQuota></OrgGeneralSettings>' }),
      '',
    ],
    [
      'a huge number',
      orgXml({ name: 'huge', settings: '<VAppLeaseSettings><StorageLeaseSeconds>99999999999</StorageLeaseSeconds></VAppLeaseSettings>' }),
      '',
    ],
    ['LDAP', orgXml({ name: 'ldap', settings: '<OrgLdapSettings><OrgLdapMode>CUSTOM</OrgLdapMode></OrgLdapSettings>' }), ''],
    ['the System name', orgXml({ name: 'system' }), 'DUPLICATE_NAME'],
    ['a taken name (any case)', orgXml({ name: 'ACME' }), 'DUPLICATE_NAME'],
  ];
  for (const [label, body, minor] of cases) {
    test(label, async () => {
      const before = (await server.store.listOrgs()).length;
      const reply = await send(server, 'POST', '/api/admin/orgs', s.admin, body ?? '');
      xmlError(reply, 400, minor || 'BAD_REQUEST');
      assert.equal((await server.store.listOrgs()).length, before);
    });
  }

  test('a JSON body is refused as well', async () => {
    const reply = await send(server, 'POST', '/api/admin/orgs', s.admin, '{"name":"json"}', 'application/json');
    xmlError(reply, 400, 'BAD_REQUEST');
  });

  test('bad force / recursive flags', async () => {
    const org = await createOrg(uniqueName('flags'));
    xmlError(await send(server, 'DELETE', `${org.attrs.href}?force=yes`, s.admin), 400, 'BAD_REQUEST');
  });
});

describe('authorization: org writes are the provider’s', () => {
  test('an org administrator gets 403 on every org write, its own org included; nothing changes', async () => {
    const acme = `/api/admin/org/${acmeId}`;
    const before = JSON.stringify(await server.store.getOrg(acmeId));
    xmlError(
      await send(server, 'POST', '/api/admin/orgs', s.alice, orgXml({ name: uniqueName('x') })),
      403,
      'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
    );
    xmlError(
      await send(server, 'PUT', acme, s.alice, orgXml({ name: 'acme', fullName: 'Hijacked' })),
      403,
      'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
    );
    xmlError(await send(server, 'POST', `${acme}/action/disable`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await send(server, 'POST', `${acme}/action/enable`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await send(server, 'DELETE', `${acme}?force=true&recursive=true`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    assert.equal(JSON.stringify(await server.store.getOrg(acmeId)), before);
  });

  test('anonymous: 401', async () => {
    xmlError(await send(server, 'POST', '/api/admin/orgs', null, orgXml({ name: uniqueName('x') })), 401, 'UNAUTHORIZED');
  });

  test('the System org cannot be disabled, renamed or deleted', async () => {
    const system = (await server.store.getOrgByName('System'))!;
    const href = `/api/admin/org/${system.id}`;
    xmlError(await send(server, 'POST', `${href}/action/disable`, s.admin), 400, 'BAD_REQUEST');
    xmlError(await send(server, 'PUT', href, s.admin, orgXml({ name: 'Provider', fullName: 'x' })), 400, 'BAD_REQUEST');
    xmlError(await send(server, 'DELETE', `${href}?force=true&recursive=true`, s.admin), 400, 'BAD_REQUEST');
  });
});

describe('PUT /api/admin/org/{id} (govcd AdminOrg.Update)', () => {
  test('a full name with a bidi control is refused, and the org is left as it was', async () => {
    const org = await createOrg(uniqueName('bidiput'));
    const before = JSON.stringify(await server.store.getOrgByName(org.attrs.name!));
    const reply = await send(server, 'PUT', org.attrs.href!, s.admin, orgXml({ name: org.attrs.name!, fullName: '\u202Ex' }));
    assert.match(xmlError(reply, 400, 'BAD_REQUEST'), /FullName must not contain bidirectional text controls/);
    assert.equal(JSON.stringify(await server.store.getOrgByName(org.attrs.name!)), before);
  });

  test('rename, full name, description and settings read back as written; a section left out is kept', async () => {
    const org = await createOrg(uniqueName('upd'));
    const renamed = uniqueName('renamed');
    const settings =
      '<OrgGeneralSettings><CanSubscribe>true</CanSubscribe><DeployedVMQuota>5</DeployedVMQuota><UseServerBootSequence>true</UseServerBootSequence></OrgGeneralSettings>' +
      '<VAppLeaseSettings><DeploymentLeaseSeconds>0</DeploymentLeaseSeconds></VAppLeaseSettings>';
    const reply = await send(
      server,
      'PUT',
      org.attrs.href!,
      s.admin,
      orgXml({ name: renamed, fullName: 'New Full', description: 'new', settings }),
    );
    const updated = xmlRoot(reply, 200, ADMIN_ORG);
    assert.equal(taskIn(updated).attrs.status, 'success');
    const read = xmlRoot(await get(server, org.attrs.href!, s.admin), 200, ADMIN_ORG);
    assert.equal(read.attrs.name, renamed);
    assert.equal(child(read, 'FullName').text, 'New Full');
    assert.equal(child(read, 'Description').text, 'new');
    const general = child(child(read, 'Settings'), 'OrgGeneralSettings');
    // OrgGeneralSettings is replaced whole (govcd leaves out false and 0): CanPublishCatalogs is now false.
    assert.deepEqual(
      general.children.map((c) => `${c.name}=${c.text}`),
      [
        'CanPublishCatalogs=false',
        'CanPublishExternally=false',
        'CanSubscribe=true',
        'DeployedVMQuota=5',
        'StoredVmQuota=0',
        'UseServerBootSequence=true',
        'DelayAfterPowerOnSeconds=0',
      ],
    );
    const lease = child(child(read, 'Settings'), 'VAppLeaseSettings');
    assert.equal(child(lease, 'DeploymentLeaseSeconds').text, '0');
    assert.equal(child(lease, 'StorageLeaseSeconds').text, '7200', 'a lease field left out keeps its value');
    assert.equal(child(child(child(read, 'Settings'), 'OrgPasswordPolicySettings'), 'InvalidLoginsBeforeLockout').text, '7');
    assert.deepEqual(settingsOf(read), settingsOf(updated));
  });

  test('PUT the GET answer back unchanged: nothing changes (no drift)', async () => {
    const org = await createOrg(uniqueName('same'));
    const text = (await get(server, org.attrs.href!, s.admin)).text;
    const before = settingsOf(parseXml(text));
    xmlRoot(await send(server, 'PUT', org.attrs.href!, s.admin, text), 200, ADMIN_ORG);
    assert.deepEqual(settingsOf(xmlRoot(await get(server, org.attrs.href!, s.admin), 200, ADMIN_ORG)), before);
  });

  test('a disable or enable by PUT is audited as org.disabled / org.enabled, as the action is (vcd org update --disable)', async () => {
    const name = uniqueName('put-disable');
    const org = await createOrg(name);
    const orgId = org.attrs.id!.split(':').pop()!;
    const events = async () =>
      (
        await server.store.db
          .selectFrom('audit_events')
          .select(['event_type', 'details'])
          .where('org_id', '=', orgId)
          .where('event_type', 'in', ['org.disabled', 'org.enabled'])
          .orderBy('at')
          .execute()
      ).map((e) => e.event_type);
    xmlRoot(
      await send(server, 'PUT', org.attrs.href!, s.admin, orgXml({ name, fullName: `${name} Inc.`, enabled: false })),
      200,
      ADMIN_ORG,
    );
    assert.deepEqual(await events(), ['org.disabled']);
    // The same PUT again changes nothing, and records no second disable.
    xmlRoot(
      await send(server, 'PUT', org.attrs.href!, s.admin, orgXml({ name, fullName: `${name} Inc.`, enabled: false })),
      200,
      ADMIN_ORG,
    );
    assert.deepEqual(await events(), ['org.disabled']);
    xmlRoot(await send(server, 'PUT', org.attrs.href!, s.admin, orgXml({ name, fullName: `${name} Inc.`, enabled: true })), 200, ADMIN_ORG);
    assert.deepEqual(await events(), ['org.disabled', 'org.enabled']);
  });

  test('a taken name: 400 DUPLICATE_NAME; an unknown org: 403', async () => {
    const org = await createOrg(uniqueName('dup'));
    xmlError(await send(server, 'PUT', org.attrs.href!, s.admin, orgXml({ name: 'globex' })), 400, 'DUPLICATE_NAME');
    xmlError(
      await send(server, 'PUT', '/api/admin/org/00000000-0000-4000-8000-000000000000', s.admin, orgXml({ name: uniqueName('x') })),
      403,
      'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
    );
  });
});

/** A new org with an Organization Administrator `oa` of that password. */
async function createOrgWithAdmin(name: string, password: string): Promise<XmlElement> {
  const org = await createOrg(name);
  const role = roleHrefIn(org, 'Organization Administrator');
  const created = await send(
    server,
    'POST',
    `${org.attrs.href}/users`,
    s.admin,
    userXml({ name: 'oa', password, roleHref: role, enabled: true }),
    USER_TYPE,
  );
  assert.equal(created.status, 201, created.text);
  return org;
}

describe('disable, enable, delete', () => {
  test('disabling cuts off the org at once: open sessions, access tokens from API tokens, exchanges and sign-in', async () => {
    const name = uniqueName('cut');
    const org = await createOrgWithAdmin(name, 'Cut-Off-Password-1');
    const session = await signIn(server.baseUrl, 'oa', name, 'Cut-Off-Password-1');
    const { apiToken } = await createApiToken(server.baseUrl, session, name, 'cut-off');
    const exchanged = await exchange(server.baseUrl, name, apiToken);
    assert.equal(exchanged.status, 200, exchanged.text);
    const access = exchanged.json().access_token as string;
    assert.equal((await get(server, '/api/org', access)).status, 200);
    assert.equal((await get(server, '/api/org', session)).status, 200);

    assert.equal((await send(server, 'POST', `${org.attrs.href}/action/disable`, s.admin)).status, 204);
    xmlError(await get(server, '/api/org', access), 401, 'UNAUTHORIZED');
    xmlError(await get(server, '/api/org', session), 401, 'UNAUTHORIZED');
    const refused = await exchange(server.baseUrl, name, apiToken);
    assert.equal(refused.status, 400);
    assert.equal(refused.json().minorErrorCode ?? refused.json().error, 'invalid_grant');
    await assert.rejects(signIn(server.baseUrl, 'oa', name, 'Cut-Off-Password-1'), /401/);
    assert.equal(child(xmlRoot(await get(server, org.attrs.href!, s.admin), 200, ADMIN_ORG), 'IsEnabled').text, 'false');

    assert.equal((await send(server, 'POST', `${org.attrs.href}/action/enable`, s.admin)).status, 204);
    // Sessions that were open stay ended; the API token (never revoked) and sign-in work again.
    xmlError(await get(server, '/api/org', access), 401, 'UNAUTHORIZED');
    assert.equal((await exchange(server.baseUrl, name, apiToken)).status, 200);
    assert.ok(await signIn(server.baseUrl, 'oa', name, 'Cut-Off-Password-1'));
  });

  test('a session minted around the disable by a node that had not heard of it does not come back with the enable', async () => {
    const name = uniqueName('race');
    const org = await createOrgWithAdmin(name, 'Race-Password-1');
    const orgRow = (await server.store.getOrgByName(name))!;
    const user = (await server.store.getUserByName(orgRow.id, 'oa'))!;
    assert.equal((await send(server, 'POST', `${org.attrs.href}/action/disable`, s.admin)).status, 204);
    // What another node that read the org enabled just before the commit (or before the notification reached it)
    // mints: a session stamped after the disable's cut-off.
    await new Promise((r) => setTimeout(r, 5));
    const raced = server.server.app.tessera.accessTokens.mint({
      userId: user.id,
      orgId: orgRow.id,
      kind: 'password',
      apiTokenId: null,
    }).token;
    xmlError(await get(server, '/api/org', raced), 401, 'UNAUTHORIZED');
    assert.equal((await send(server, 'POST', `${org.attrs.href}/action/enable`, s.admin)).status, 204);
    xmlError(await get(server, '/api/org', raced), 401, 'UNAUTHORIZED');
    // A session made after the enable works, and enabling the org again (it is enabled) ends nothing.
    const fresh = await signIn(server.baseUrl, 'oa', name, 'Race-Password-1');
    assert.equal((await get(server, '/api/org', fresh)).status, 200);
    assert.equal((await send(server, 'POST', `${org.attrs.href}/action/enable`, s.admin)).status, 204);
    assert.equal((await get(server, '/api/org', fresh)).status, 200);
  });

  test('an enable and a disable of one org at once both answer, in some order (an enable that wrote the users first deadlocked)', async () => {
    const name = uniqueName('turns');
    const org = await createOrgWithAdmin(name, 'Turns-Password-1');
    for (let round = 0; round < 10; round++) {
      assert.equal((await send(server, 'POST', `${org.attrs.href}/action/disable`, s.admin)).status, 204);
      const answers = await Promise.all([
        send(server, 'POST', `${org.attrs.href}/action/enable`, s.admin),
        send(server, 'POST', `${org.attrs.href}/action/disable`, s.admin),
      ]);
      assert.deepEqual(
        answers.map((a) => a.status),
        [204, 204],
        `round ${round}: ${answers.map((a) => a.text).join(' ')}`,
      );
    }
  });

  test('delete: refused while enabled, refused while it holds users unless recursive; then 202 with the task', async () => {
    const name = uniqueName('del');
    const org = await createOrg(name);
    const href = org.attrs.href!;
    const role = roleHrefIn(org, 'vApp User');
    assert.equal(
      (
        await send(
          server,
          'POST',
          `${href}/users`,
          s.admin,
          userXml({ name: 'u1', password: 'Delete-Me-Password-1', roleHref: role }),
          USER_TYPE,
        )
      ).status,
      201,
    );
    assert.match(xmlError(await send(server, 'DELETE', `${href}?force=true&recursive=true`, s.admin), 400, 'BAD_REQUEST'), /disabled/);
    assert.equal((await send(server, 'POST', `${href}/action/disable`, s.admin)).status, 204);
    assert.match(xmlError(await send(server, 'DELETE', `${href}?force=false&recursive=false`, s.admin), 400, 'BAD_REQUEST'), /1 user, /);
    // pyvcloud (`vcd org delete`) formats Python's booleans: read in any case, as VCD does (until 2026-12-05 a 400
    // "querystring/force must match pattern", so vcd-cli could not delete an org at all).
    assert.match(xmlError(await send(server, 'DELETE', `${href}?force=False&recursive=False`, s.admin), 400, 'BAD_REQUEST'), /1 user, /);
    assert.match(xmlError(await send(server, 'DELETE', href, s.admin), 400, 'BAD_REQUEST'), /not empty/);

    const reply = await send(server, 'DELETE', `${href}?force=True&recursive=TRUE`, s.admin);
    const task = xmlRoot(reply, 202, TASK);
    assert.equal(task.attrs.status, 'success');
    assert.equal(task.attrs.operationName, 'orgDeleteOrg');
    assert.equal(await server.store.getOrgByName(name), undefined);
    xmlError(await get(server, href, s.admin), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    // The task outlives the org it was about.
    assert.equal(xmlRoot(await get(server, task.attrs.href!, s.admin), 200, TASK).attrs.status, 'success');
  });

  test('an empty disabled org is deleted without flags', async () => {
    const org = await createOrg(uniqueName('empty'), TERRAFORM_SETTINGS, false);
    assert.equal((await send(server, 'DELETE', org.attrs.href!, s.admin)).status, 202);
  });
});

test('the org list and the admin VCloud show a new org to the provider', async () => {
  const name = uniqueName('listed');
  await createOrg(name);
  const list = await http(`${server.baseUrl}/api/org`, {
    headers: { Authorization: `Bearer ${s.admin}`, Accept: 'application/*+xml;version=36.1' },
  });
  assert.ok(childrenNamed(parseXml(list.text), 'Org').some((o) => o.attrs.name === name));
});

describe('/api/query?type=task', () => {
  test("the provider lists every org's tasks; a tenant its own org's only; adminTask is the provider's", async () => {
    const name = uniqueName('q');
    await createOrg(name);
    const acme = xmlRoot(await get(server, `/api/admin/org/${acmeId}`, s.alice), 200, ADMIN_ORG);
    const userName = uniqueName('tasked');
    const made = await send(
      server,
      'POST',
      `/api/admin/org/${acmeId}/users`,
      s.alice,
      userXml({ name: userName, password: 'Task-User-Password-1', roleHref: roleHrefIn(acme, 'vApp User') }),
      USER_TYPE,
    );
    assert.equal(made.status, 201, made.text);

    const records = async (token: string, type = 'task') => {
      const root = xmlRoot(await get(server, `/api/query?type=${type}&pageSize=128&sortDesc=startDate`, token), 200, /records\+xml/);
      return childrenNamed(root, type === 'task' ? 'TaskRecord' : 'AdminTaskRecord');
    };
    const provider = await records(s.admin);
    const created = provider.find((r) => r.attrs.objectName === name);
    assert.ok(created, 'the org creation is listed');
    assert.equal(created.attrs.status, 'success');
    assert.equal(created.attrs.name, 'orgCreateOrg');
    assert.equal(created.attrs.objectType, 'org');
    assert.match(created.attrs.href!, /\/api\/task\/[0-9a-f-]{36}$/);
    assert.ok(created.attrs.startDate);

    const tenant = await records(s.alice);
    assert.ok(tenant.some((r) => r.attrs.objectName === userName && r.attrs.orgName === 'acme'));
    assert.ok(
      tenant.every((r) => r.attrs.orgName === 'acme'),
      'a tenant sees its own org only',
    );
    xmlError(await get(server, '/api/query?type=adminTask', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    assert.ok((await records(s.admin, 'adminTask')).length >= provider.length);
    // A filter on a task attribute, as VCD's query service takes one.
    const filtered = xmlRoot(await get(server, `/api/query?type=task&filter=objectName==${name}`, s.admin), 200, /records\+xml/);
    assert.equal(childrenNamed(filtered, 'TaskRecord').length, 1);
    // Every status of VCD's, as govcd's Catalog.Delete(force, recursive) asks for the unfinished ones: none here.
    const unfinished = xmlRoot(
      await get(
        server,
        `/api/query?type=task&filter=${encodeURIComponent('status==running,status==preRunning,status==postRunning,status==queued')}`,
        s.admin,
      ),
      200,
      /records\+xml/,
    );
    assert.equal(childrenNamed(unfinished, 'TaskRecord').length, 0);
    for (const status of ['canceled', 'aborted']) {
      const none = xmlRoot(await get(server, `/api/query?type=task&filter=status==${status}`, s.admin), 200, /records\+xml/);
      assert.equal(childrenNamed(none, 'TaskRecord').length, 0, status);
    }
    const succeeded = xmlRoot(await get(server, `/api/query?type=task&filter=status==success&pageSize=128`, s.admin), 200, /records\+xml/);
    assert.ok(childrenNamed(succeeded, 'TaskRecord').length > 0);
    // vcd-cli's `vcd task list QUEUED PRE_RUNNING RUNNING` (pyvcloud's Task.list_tasks with TaskStatus's member names,
    // as an administrator: adminTask, newest first), and `SUCCESS` in the enum constant's spelling.
    const cli = await get(
      server,
      `/api/query?type=adminTask&filter=${encodeURIComponent('status==QUEUED,status==PRE_RUNNING,status==RUNNING')}&sortDesc=startDate`,
      s.admin,
    );
    assert.equal(childrenNamed(xmlRoot(cli, 200, /records\+xml/), 'AdminTaskRecord').length, 0);
    const upper = xmlRoot(await get(server, `/api/query?type=task&filter=status==SUCCESS&pageSize=128`, s.admin), 200, /records\+xml/);
    assert.equal(childrenNamed(upper, 'TaskRecord').length, childrenNamed(succeeded, 'TaskRecord').length);
    assert.ok(
      childrenNamed(upper, 'TaskRecord').every((r) => r.attrs.status === 'success'),
      'records keep the wire spelling',
    );
    xmlError(await get(server, `/api/query?type=task&filter=status==FINISHED`, s.admin), 400, 'BAD_REQUEST');
  });

  test('housekeeping prunes tasks past their retention', async () => {
    const org = await createOrg(uniqueName('old'));
    const id = taskIn(org).attrs.href!.split('/').pop()!;
    await server.store.updateTask(id, { expires_at: Date.now() - 1 });
    await new Housekeeping(server.store, { warn() {} }).runOnce();
    assert.equal(await server.store.getTask(id), undefined);
  });
});

test("the settings' hrefs the AdminOrg names each answer the same element as a document; read like the AdminOrg", async () => {
  const adminOrg = xmlRoot(await get(server, `/api/admin/org/${acmeId}`, s.alice), 200, ADMIN_ORG);
  const settings = child(adminOrg, 'Settings');
  const sections: XmlElement[] = [settings, ...settings.children.filter((c) => c.attrs.href)];
  assert.equal(sections.length, 6, 'OrgSettings and its five sections');
  for (const inline of sections) {
    const reply = await get(server, inline.attrs.href!, s.alice);
    assert.equal(reply.status, 200, `${inline.attrs.href}: ${reply.text}`);
    assert.equal(String(reply.headers.get('content-type')), `${inline.attrs.type};version=36.1`);
    const doc = parseXml(reply.text);
    assert.equal(doc.name, inline === settings ? 'OrgSettings' : inline.name);
    assert.equal(doc.attrs.href, inline.attrs.href);
    // The same values as inline, element by element.
    const values = (el: XmlElement): string[] => el.children.flatMap((c) => (c.children.length ? values(c) : [`${c.name}=${c.text}`]));
    assert.deepEqual(values(doc), values(inline));
    const json = await get(server, inline.attrs.href!, s.alice, JSON_ACCEPT);
    assert.equal(json.status, 200, json.text);
  }
  const policy = sections.find((e) => e.name === 'OrgPasswordPolicySettings')!.attrs.href!;
  xmlError(await get(server, policy, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  assert.equal((await get(server, policy, s.bob)).status, (await get(server, `/api/admin/org/${acmeId}`, s.bob)).status);
  assert.equal((await get(server, policy, s.admin)).status, 200);
});

test("the AdminOrg lists users and groups to who may read them: alice sees her org's members, bob (vApp Author) himself", async () => {
  const names = (text: string, element: string) => [...text.matchAll(new RegExp(`<${element} [^>]*name="([^"]+)"`, 'g'))].map((m) => m[1]);
  const asAlice = await get(server, `/api/admin/org/${acmeId}`, s.alice);
  assert.equal(asAlice.status, 200, asAlice.text);
  assert.ok(names(asAlice.text, 'UserReference').includes('bob'), 'alice reads the members');
  const asBob = await get(server, `/api/admin/org/${acmeId}`, s.bob);
  assert.equal(asBob.status, 200, asBob.text);
  // bob may not read alice's User document, nor query users: the AdminOrg does not list them to him either.
  assert.equal((await get(server, '/api/query?type=user', s.bob)).status, 403);
  // ... except himself, whose document he reads (govcd's GetUserByName of oneself, Terraform's vcd_org_user).
  assert.deepEqual(names(asBob.text, 'UserReference'), ['bob']);
  assert.deepEqual(names(asBob.text, 'GroupReference'), []);
  assert.ok(names(asBob.text, 'RoleReference').length > 0, 'roles are listed as before');
});
