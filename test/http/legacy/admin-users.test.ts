/**
 * Users through VCD's admin API (issue 12), as govcd's CreateUserSimple / OrgUser.Update / Enable / Disable /
 * Unlock / ChangePassword / ChangeRole / Delete(takeOwnership) and Terraform's vcd_org_user use it: the User
 * shapes govcd parses (Role named, GroupReferences always present), read-back of every field Terraform sets,
 * the task of a creation, who may manage whom (org admins their own org, the provider any, never across orgs
 * or from a token session), 400 for bad input, and a password set by an administrator ending that user's sessions.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { accessTokenFrom, createApiToken, signIn } from '../../helpers/api.js';
import { child, childrenNamed, get, startDemoServer, xmlError, xmlRoot, type DemoSessions, type XmlElement } from './support.js';
import { USER_TYPE, roleHrefIn, send, taskIn, userXml, type UserDoc } from './admin-support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;
let globexId: string;
let acme: XmlElement;
let globex: XmlElement;

const ADMIN_ORG = /^application\/vnd\.vmware\.admin\.organization\+xml/;
const USER = /^application\/vnd\.vmware\.admin\.user\+xml;version=36\.1$/;
let counter = 0;
const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

before(async () => {
  ({ server, s, acmeId, globexId } = await startDemoServer());
  acme = xmlRoot(await get(server, `/api/admin/org/${acmeId}`, s.alice), 200, ADMIN_ORG);
  globex = xmlRoot(await get(server, `/api/admin/org/${globexId}`, s.hank), 200, ADMIN_ORG);
});
after(async () => server?.stop());

const createIn = (orgId: string, token: string, doc: UserDoc) =>
  send(server, 'POST', `/api/admin/org/${orgId}/users`, token, userXml(doc), USER_TYPE);

async function createUser(doc: Partial<UserDoc> = {}, token = s.alice): Promise<XmlElement> {
  const reply = await createIn(acmeId, token, {
    name: uniqueName('u'),
    password: 'User-Password-1234',
    roleHref: roleHrefIn(acme, 'vApp User'),
    enabled: true,
    ...doc,
  });
  return xmlRoot(reply, 201, USER);
}

const fields = (user: XmlElement) =>
  Object.fromEntries(
    user.children.filter((c) => c.children.length === 0 && c.name !== 'Link' && c.name !== 'Role').map((c) => [c.name, c.text]),
  );

describe('POST /api/admin/org/{id}/users (govcd CreateUserSimple)', () => {
  test('an org administrator creates a user of its org with a role from RoleReferences: 201 User with its task', async () => {
    const name = uniqueName('tf');
    const user = await createUser({
      name,
      fullName: 'Terraform User',
      email: 'tf@example.com',
      telephone: '+1 555 0100',
      im: 'tf-im',
      description: 'made by terraform',
      deployedVmQuota: 3,
      storedVmQuota: 4,
      roleHref: roleHrefIn(acme, 'Organization Administrator'),
    });
    assert.equal(user.name, 'User');
    assert.equal(user.attrs.name, name);
    assert.match(user.attrs.id!, /^urn:vcloud:user:[0-9a-f-]{36}$/);
    assert.equal(user.attrs.type, USER_TYPE);
    const task = taskIn(user);
    assert.equal(task.attrs.status, 'success');
    assert.equal(child(task, 'Owner').attrs.href, user.attrs.href);
    // govcd waits on that task: the org admin who started it may poll it.
    assert.equal(xmlRoot(await get(server, task.attrs.href!, s.alice), 200, /task\+xml/).attrs.status, 'success');

    const read = xmlRoot(await get(server, user.attrs.href!, s.alice), 200, USER);
    assert.deepEqual(fields(read), {
      Description: 'made by terraform',
      FullName: 'Terraform User',
      EmailAddress: 'tf@example.com',
      Telephone: '+1 555 0100',
      IsEnabled: 'true',
      IsLocked: 'false',
      IM: 'tf-im',
      NameInSource: name,
      IsExternal: 'false',
      ProviderType: 'INTEGRATED',
      IsGroupRole: 'false',
      StoredVmQuota: '4',
      DeployedVmQuota: '3',
      GroupReferences: '',
    });
    assert.equal(child(read, 'Role').attrs.name, 'Organization Administrator');
    assert.equal(childrenNamed(child(read, 'GroupReferences'), 'GroupReference').length, 0);
    assert.equal(childrenNamed(read, 'Password').length, 0);
    // The AdminOrg lists it (GetUserByName looks there).
    const org = xmlRoot(await get(server, `/api/admin/org/${acmeId}`, s.alice), 200, ADMIN_ORG);
    assert.ok(childrenNamed(child(org, 'Users'), 'UserReference').some((r) => r.attrs.name === name && r.attrs.href === user.attrs.href));
  });

  test('the new user signs in with the password given', async () => {
    const name = uniqueName('signin');
    await createUser({ name });
    assert.ok(await signIn(server.baseUrl, name, 'acme', 'User-Password-1234'));
  });

  test('the password is kept as sent, spaces included (as the cloudapi keeps it); free text too', async () => {
    const name = uniqueName('spaced');
    const user = await createUser({ name, password: '  Spaced-pass-123  ', fullName: ' Padded Name ' });
    // Until 2026-12-05 every XML value was trimmed: this user could sign in only with "Spaced-pass-123".
    assert.ok(await signIn(server.baseUrl, name, 'acme', '  Spaced-pass-123  '));
    await assert.rejects(signIn(server.baseUrl, name, 'acme', 'Spaced-pass-123'), /401/);
    assert.equal(child(user, 'FullName').text, ' Padded Name ');
  });

  test('created disabled when IsEnabled is left out (govcd omits false): cannot sign in', async () => {
    const name = uniqueName('off');
    const user = await createUser({ name, enabled: false });
    assert.equal(child(user, 'IsEnabled').text, 'false');
    await assert.rejects(signIn(server.baseUrl, name, 'acme', 'User-Password-1234'), /401/);
  });

  test('the System administrator creates users in any org', async () => {
    const reply = await createIn(globexId, s.admin, {
      name: uniqueName('sys'),
      password: 'User-Password-1234',
      roleHref: roleHrefIn(globex, 'vApp User'),
    });
    assert.equal(reply.status, 201, reply.text);
  });
});

describe('authorization', () => {
  test('across orgs: 403 for reading, creating, changing and deleting; nothing changes', async () => {
    const user = await createUser();
    const id = user.attrs.id!.slice('urn:vcloud:user:'.length);
    const before = JSON.stringify(await server.store.getUser(id));
    xmlError(await get(server, user.attrs.href!, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(
      await send(server, 'PUT', user.attrs.href!, s.hank, userXml({ name: user.attrs.name!, fullName: 'x', enabled: true }), USER_TYPE),
      403,
      'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
    );
    xmlError(await send(server, 'DELETE', user.attrs.href!, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await send(server, 'POST', `${user.attrs.href}/action/unlock`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    const count = (await server.store.listUsers(acmeId)).length;
    xmlError(
      await createIn(acmeId, s.hank, { name: uniqueName('x'), password: 'User-Password-1234', roleHref: roleHrefIn(acme, 'vApp User') }),
      403,
      'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
    );
    assert.equal((await server.store.listUsers(acmeId)).length, count);
    assert.equal(JSON.stringify(await server.store.getUser(id)), before);
  });

  test('a role without Manage Users (bob, vApp Author) cannot create or change users; a token session neither', async () => {
    const user = await createUser();
    xmlError(
      await createIn(acmeId, s.bob, { name: uniqueName('x'), password: 'User-Password-1234', roleHref: roleHrefIn(acme, 'vApp User') }),
      403,
      'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
    );
    const { apiToken } = await createApiToken(server.baseUrl, s.alice, 'acme', uniqueName('tok'));
    const tokenSession = await accessTokenFrom(server.baseUrl, 'acme', apiToken);
    xmlError(
      await createIn(acmeId, tokenSession, {
        name: uniqueName('x'),
        password: 'User-Password-1234',
        roleHref: roleHrefIn(acme, 'vApp User'),
      }),
      403,
      'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
    );
    xmlError(await send(server, 'DELETE', user.attrs.href!, tokenSession), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    // ...but the token session may still read (a read is no management).
    assert.equal((await get(server, user.attrs.href!, tokenSession)).status, 200);
  });

  test('the System Administrator role of the System org cannot be given to a tenant user', async () => {
    const system = xmlRoot(await get(server, `/api/admin/org/${(await server.store.getOrgByName('System'))!.id}`, s.admin), 200, ADMIN_ORG);
    const reply = await createIn(acmeId, s.admin, {
      name: uniqueName('x'),
      password: 'User-Password-1234',
      roleHref: roleHrefIn(system, 'System Administrator'),
    });
    xmlError(reply, 400, 'BAD_REQUEST');
  });
});

describe('PUT /api/admin/user/{id} (govcd OrgUser.Update and friends)', () => {
  test('PUT the GET answer back with changes: they read back; unchanged fields stay', async () => {
    const user = await createUser({ fullName: 'Before', email: 'b@example.com' });
    const text = (await get(server, user.attrs.href!, s.alice)).text
      .replace('<FullName>Before</FullName>', '<FullName>After</FullName>')
      .replace('<Telephone></Telephone>', '<Telephone>42</Telephone>');
    const reply = await send(server, 'PUT', user.attrs.href!, s.alice, text, USER_TYPE);
    const updated = xmlRoot(reply, 200, USER);
    assert.equal(child(updated, 'FullName').text, 'After');
    const read = fields(xmlRoot(await get(server, user.attrs.href!, s.alice), 200, USER));
    assert.equal(read.FullName, 'After');
    assert.equal(read.Telephone, '42');
    assert.equal(read.EmailAddress, 'b@example.com');
    assert.equal(read.IsEnabled, 'true');
  });

  test('Disable (IsEnabled left out) ends the user’s sessions; Enable lets them sign in again', async () => {
    const name = uniqueName('dis');
    const user = await createUser({ name });
    const session = await signIn(server.baseUrl, name, 'acme', 'User-Password-1234');
    assert.equal((await get(server, '/api/org', session)).status, 200);
    const disabled = await send(server, 'PUT', user.attrs.href!, s.alice, userXml({ name, enabled: false }), USER_TYPE);
    assert.equal(child(xmlRoot(disabled, 200, USER), 'IsEnabled').text, 'false');
    xmlError(await get(server, '/api/org', session), 401, 'UNAUTHORIZED');
    await assert.rejects(signIn(server.baseUrl, name, 'acme', 'User-Password-1234'), /401/);
    assert.equal((await send(server, 'PUT', user.attrs.href!, s.alice, userXml({ name, enabled: true }), USER_TYPE)).status, 200);
    assert.ok(await signIn(server.baseUrl, name, 'acme', 'User-Password-1234'));
  });

  test('a password set by an administrator works at once and ends the user’s open sessions', async () => {
    const name = uniqueName('pw');
    const user = await createUser({ name });
    const session = await signIn(server.baseUrl, name, 'acme', 'User-Password-1234');
    const reply = await send(
      server,
      'PUT',
      user.attrs.href!,
      s.alice,
      userXml({ name, enabled: true, password: 'Brand-New-Password-9' }),
      USER_TYPE,
    );
    assert.equal(reply.status, 200, reply.text);
    xmlError(await get(server, '/api/org', session), 401, 'UNAUTHORIZED');
    await assert.rejects(signIn(server.baseUrl, name, 'acme', 'User-Password-1234'), /401/);
    assert.ok(await signIn(server.baseUrl, name, 'acme', 'Brand-New-Password-9'));
  });

  test('a PUT that sends the password the user already has (Terraform sends it in every update) is no password change', async () => {
    // Until 2026-12-05 a description's change through Terraform's vcd_org_user signed the user out everywhere and was
    // audited as user.passwordChanged.
    const name = uniqueName('echo');
    const user = await createUser({ name });
    const session = await signIn(server.baseUrl, name, 'acme', 'User-Password-1234');
    const reply = await send(
      server,
      'PUT',
      user.attrs.href!,
      s.alice,
      userXml({ name, enabled: true, password: 'User-Password-1234', description: 'changed by terraform' }),
      USER_TYPE,
    );
    assert.equal(reply.status, 200, reply.text);
    assert.equal((await get(server, '/api/org', session)).status, 200, 'the session goes on');
    const events = await server.store.db
      .selectFrom('audit_events')
      .select('event_type')
      .where('event_type', 'in', ['user.passwordChanged', 'user.updated'])
      .where('details', 'like', `%${name}%`)
      .execute();
    assert.ok(!events.some((e) => e.event_type === 'user.passwordChanged'), JSON.stringify(events));
  });

  test("one's own user: govcd's ChangePassword from a token session is a 403; from a password session, the password one has is an echo and a new one needs the current one", async () => {
    const name = uniqueName('self');
    await createUser({ name, roleHref: roleHrefIn(acme, 'Organization Administrator') });
    const session = await signIn(server.baseUrl, name, 'acme', 'User-Password-1234');
    const own = xmlRoot(await get(server, '/api/session', session), 200, /session\+xml/);
    const href = `${server.baseUrl}/api/admin/user/${own.attrs.userId!.slice('urn:vcloud:user:'.length)}`;
    const { apiToken } = await createApiToken(server.baseUrl, session, 'acme', uniqueName('tok'));
    const tokenSession = await accessTokenFrom(server.baseUrl, 'acme', apiToken);
    // Until 2026-12-06 the token session got a 400 about the current password, the password session a 400 for the
    // unchanged password that Terraform's vcd_org_user sends with every update of the account it signs in as.
    const changeFromToken = await send(
      server,
      'PUT',
      href,
      tokenSession,
      userXml({ name, enabled: true, password: 'Brand-New-Password-9' }),
      USER_TYPE,
    );
    xmlError(changeFromToken, 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    const echo = await send(
      server,
      'PUT',
      href,
      session,
      userXml({ name, enabled: true, password: 'User-Password-1234', description: 'tf' }),
      USER_TYPE,
    );
    assert.equal(echo.status, 200, echo.text);
    xmlError(
      await send(server, 'PUT', href, session, userXml({ name, enabled: true, password: 'Brand-New-Password-9' }), USER_TYPE),
      400,
      'BAD_REQUEST',
    );
    assert.ok(await signIn(server.baseUrl, name, 'acme', 'User-Password-1234'), 'the password did not change');
    // Each such PUT answers whether a guess is one's password: it is braked and audited as a guess (until
    // 2026-12-06 a bare comparison let a session guess without limit or record).
    const failures = await server.store.db
      .selectFrom('audit_events')
      .select('details')
      .where('event_type', '=', 'user.passwordChanged')
      .where('outcome', '=', 'failure')
      .where('details', 'like', `%${name}%`)
      .execute();
    assert.equal(failures.length, 1, 'the wrong guess is audited');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const guess = await send(server, 'PUT', href, session, userXml({ name, enabled: true, password: `Guess-Number-${i}-x` }), USER_TYPE);
      statuses.push(guess.status);
    }
    assert.ok(statuses.includes(429), `guesses are braked: ${statuses.join(',')}`);
  });

  test('ChangeRole: a role of the org by href; the audit trail names the roles from and to', async () => {
    const user = await createUser();
    const doc = userXml({ name: user.attrs.name!, enabled: true, roleHref: roleHrefIn(acme, 'vApp Author') });
    assert.equal(
      child(xmlRoot(await send(server, 'PUT', user.attrs.href!, s.alice, doc, USER_TYPE), 200, USER), 'Role').attrs.name,
      'vApp Author',
    );
    const event = await server.store.db
      .selectFrom('audit_events')
      .select('details')
      .where('event_type', '=', 'user.updated')
      .where('details', 'like', `%${user.attrs.name!}%`)
      .orderBy('at', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(JSON.parse(event.details).roleTo, 'vApp Author', event.details);
    assert.equal(typeof JSON.parse(event.details).roleFrom, 'string');
  });

  test('Unlock: a locked-out user reads IsLocked true; PUT with IsLocked left out, or action/unlock, unlocks', async () => {
    for (const how of ['put', 'action'] as const) {
      const user = await createUser();
      const id = user.attrs.id!.slice('urn:vcloud:user:'.length);
      await server.store.updateUser(id, { totp_failures: 5, totp_locked_until: Date.now() + 600_000 });
      const locked = xmlRoot(await get(server, user.attrs.href!, s.alice), 200, USER);
      assert.equal(child(locked, 'IsLocked').text, 'true');
      const reply =
        how === 'put'
          ? await send(server, 'PUT', user.attrs.href!, s.alice, userXml({ name: user.attrs.name!, enabled: true }), USER_TYPE)
          : await send(server, 'POST', `${user.attrs.href}/action/unlock`, s.alice);
      assert.equal(reply.status, how === 'put' ? 200 : 204, reply.text);
      assert.equal(child(xmlRoot(await get(server, user.attrs.href!, s.alice), 200, USER), 'IsLocked').text, 'false');
      assert.equal((await server.store.getUser(id))!.totp_failures, 0);
    }
  });

  test('one’s own password is not changed here (no current password); nobody disables themselves', async () => {
    const alice = (await server.store.getUserByName(acmeId, 'alice'))!;
    const href = `/api/admin/user/${alice.id}`;
    xmlError(
      await send(server, 'PUT', href, s.alice, userXml({ name: 'alice', enabled: true, password: 'Taken-Over-Password-1' }), USER_TYPE),
      400,
      'BAD_REQUEST',
    );
    xmlError(await send(server, 'PUT', href, s.alice, userXml({ name: 'alice', enabled: false }), USER_TYPE), 400, 'BAD_REQUEST');
  });
});

/** The urn:vcloud:role id of a role named in an AdminOrg's RoleReferences. */
const roleUrnIn = (adminOrg: XmlElement, name: string) => `urn:vcloud:role:${roleHrefIn(adminOrg, name).split('/').pop()}`;

/** A new user's document whose Role carries the href and id given, as a User read back does. */
const withRole = (href: string, id: string, name = uniqueName('x')) =>
  userXml({ name, password: 'User-Password-1234', roleHref: href }).replace(/<Role href="([^"]*)">/, `<Role href="$1" id="${id}">`);

describe('Role by href and id: the same role in both is taken, a contradiction or a bad one is refused', () => {
  test('href and the same id (a User read back), href alone, id alone: created with that role', async () => {
    const href = roleHrefIn(acme, 'vApp Author');
    const urn = roleUrnIn(acme, 'vApp Author');
    for (const doc of [withRole(href, urn), withRole(href, ''), withRole(href, urn).replace(`href="${href}" `, '')]) {
      const user = xmlRoot(await send(server, 'POST', `/api/admin/org/${acmeId}/users`, s.alice, doc, USER_TYPE), 201, USER);
      assert.equal(child(user, 'Role').attrs.name, 'vApp Author', doc);
    }
  });

  test('PUT with a contradicting or unparsable Role: 400, the role is unchanged', async () => {
    const user = await createUser();
    const name = user.attrs.name!;
    for (const doc of [
      withRole(roleHrefIn(acme, 'vApp Author'), roleUrnIn(acme, 'vApp User'), name),
      withRole(`${roleHrefIn(acme, 'vApp Author')}x`, roleUrnIn(acme, 'vApp Author'), name),
    ]) {
      const reply = await send(server, 'PUT', user.attrs.href!, s.alice, doc.replace(/<Password>[^<]*<\/Password>/, ''), USER_TYPE);
      assert.match(xmlError(reply, 400, 'BAD_REQUEST'), /\] Role (href|id) /, doc);
      assert.equal(child(xmlRoot(await get(server, user.attrs.href!, s.alice), 200, USER), 'Role').attrs.name, 'vApp User');
    }
  });
});

describe('bad input: 400 with VCD XML Error, nothing created', () => {
  const role = () => roleHrefIn(acme, 'vApp User');
  const cases: Array<[string, () => string, string]> = [
    ['no password', () => userXml({ name: uniqueName('x'), roleHref: role() }), 'BAD_REQUEST'],
    ['no role', () => userXml({ name: uniqueName('x'), password: 'User-Password-1234' }), 'BAD_REQUEST'],
    [
      'a role href that names no role',
      () => userXml({ name: uniqueName('x'), password: 'User-Password-1234', roleHref: 'https://x/api/admin/role/nope' }),
      'BAD_REQUEST',
    ],
    [
      'another org’s role',
      () => userXml({ name: uniqueName('x'), password: 'User-Password-1234', roleHref: roleHrefIn(globex, 'vApp User') }),
      'BAD_REQUEST',
    ],
    ['a weak password', () => userXml({ name: uniqueName('x'), password: 'short', roleHref: role() }), 'BAD_REQUEST'],
    ['a bad name', () => userXml({ name: 'a/b', password: 'User-Password-1234', roleHref: role() }), 'BAD_REQUEST'],
    ['a taken name', () => userXml({ name: 'bob', password: 'User-Password-1234', roleHref: role() }), 'DUPLICATE_NAME'],
    [
      'SAML',
      () => userXml({ name: uniqueName('x'), password: 'User-Password-1234', roleHref: role() }).replace('INTEGRATED', 'SAML'),
      'BAD_REQUEST',
    ],
    ['an external user', () => userXml({ name: uniqueName('x'), roleHref: role(), extra: '<IsExternal>true</IsExternal>' }), 'BAD_REQUEST'],
    [
      'a bad quota',
      () =>
        userXml({ name: uniqueName('x'), password: 'User-Password-1234', roleHref: role() }).replace(
          '<StoredVmQuota>0',
          '<StoredVmQuota>lots',
        ),
      'BAD_REQUEST',
    ],
    // Until 2026-12-07 the href won a contradiction, and an href that did not parse fell back to the id silently.
    [
      'a Role whose href and id name different roles',
      () => withRole(roleHrefIn(acme, 'vApp User'), roleUrnIn(acme, 'vApp Author')),
      'BAD_REQUEST',
    ],
    [
      'a Role href that does not parse, with a good id',
      () => withRole('https://x/api/admin/user/1', roleUrnIn(acme, 'vApp User')),
      'BAD_REQUEST',
    ],
    [
      'a Role id that does not parse, with a good href',
      () => withRole(roleHrefIn(acme, 'vApp User'), 'urn:vcloud:user:nope'),
      'BAD_REQUEST',
    ],
    ['not a User', () => '<AdminOrg name="x"/>', 'BAD_REQUEST'],
    ['not XML', () => 'hello', 'BAD_REQUEST'],
  ];
  for (const [label, body, minor] of cases) {
    test(label, async () => {
      const count = (await server.store.listUsers(acmeId)).length;
      xmlError(await send(server, 'POST', `/api/admin/org/${acmeId}/users`, s.alice, body(), USER_TYPE), 400, minor);
      assert.equal((await server.store.listUsers(acmeId)).length, count);
    });
  }

  test('renaming on PUT is refused', async () => {
    const user = await createUser();
    xmlError(
      await send(server, 'PUT', user.attrs.href!, s.alice, userXml({ name: uniqueName('new'), enabled: true }), USER_TYPE),
      400,
      'BAD_REQUEST',
    );
  });
});

describe('DELETE /api/admin/user/{id} (govcd OrgUser.Delete(takeOwnership))', () => {
  test('take ownership, then delete: 204 each; the user is gone and signed out', async () => {
    const name = uniqueName('gone');
    const user = await createUser({ name });
    const session = await signIn(server.baseUrl, name, 'acme', 'User-Password-1234');
    assert.equal((await send(server, 'POST', `${user.attrs.href}/action/takeOwnership`, s.alice)).status, 204);
    assert.equal((await send(server, 'DELETE', user.attrs.href!, s.alice)).status, 204);
    xmlError(await get(server, user.attrs.href!, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await get(server, '/api/org', session), 401, 'UNAUTHORIZED');
  });
});
