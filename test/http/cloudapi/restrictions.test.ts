/**
 * Restrictions on sessions made from an API token (issue 3 item 5; vcd-wire §10): every restricted operation is
 * 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN from a token session and allowed from a password session of the same user,
 * so the 403 comes from the session kind, not the role. Reads of users, groups, roles, rights, global roles and
 * rights bundles stay allowed.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { accessTokenFrom, bearer, createApiToken, http, signIn, type Reply } from '../../helpers/api.js';
import { createUser, userIdByName } from '../../security/support.js';

let t: TesseraHandle;
let base: string;
let alice: string; // password session, Organization Administrator
let aliceToken: string; // token session of the same user
let admin: string;
let adminToken: string;
let bobId: string;
let aliceId: string;
let bobsTokenId: string;
let groupId: string;
let roleId: string;
let bundleId: string;
let vappAuthorRoleId: string;

before(async () => {
  t = await startTessera({ config: { signInRateLimit: 1000 } });
  base = t.baseUrl;
  alice = await signIn(base, 'alice', 'acme', t.demoPassword);
  admin = await signIn(base, 'administrator', 'System', t.adminPassword);
  aliceToken = await accessTokenFrom(base, 'acme', (await createApiToken(base, alice, 'acme', 'restricted')).apiToken);
  adminToken = await accessTokenFrom(base, 'System', (await createApiToken(base, admin, 'System', 'restricted-sys')).apiToken);
  const bob = await signIn(base, 'bob', 'acme', t.demoPassword);
  bobsTokenId = (await createApiToken(base, bob, 'acme', 'bobs')).tokenId;
  bobId = await userIdByName(base, alice, 'bob');
  aliceId = await userIdByName(base, alice, 'alice');
  const roles = (await http(`${base}/cloudapi/1.0.0/roles?pageSize=128`, { headers: bearer(alice) })).json().values as Array<{
    id: string;
    name: string;
  }>;
  vappAuthorRoleId = roles.find((r) => r.name === 'vApp Author')!.id;
  const group = await http(`${base}/cloudapi/1.0.0/groups`, {
    method: 'POST',
    headers: jsonHeaders(alice),
    body: JSON.stringify({ name: 'ops', roleEntityRefs: [{ id: vappAuthorRoleId }] }),
  });
  assert.equal(group.status, 201, group.text);
  groupId = group.json().id;
  const role = await http(`${base}/cloudapi/1.0.0/roles`, {
    method: 'POST',
    headers: jsonHeaders(alice),
    body: JSON.stringify({ name: 'Custom', rights: [{ name: 'vApp: View' }] }),
  });
  assert.equal(role.status, 201, role.text);
  roleId = role.json().id;
  bundleId = (await http(`${base}/cloudapi/1.0.0/rightsBundles`, { headers: bearer(admin) })).json().values[0].id;
});
after(async () => {
  await t?.stop();
});

function jsonHeaders(session: string, tenant?: string): Record<string, string> {
  return { ...bearer(session), 'Content-Type': 'application/json', ...(tenant ? { 'X-VMWARE-VCLOUD-TENANT-CONTEXT': tenant } : {}) };
}
const call = (session: string, method: string, path: string, body?: unknown) =>
  http(`${base}${path}`, { method, headers: jsonHeaders(session), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

const TOKEN_SESSION_REASON =
  /^This session was made from an API token, and such sessions cannot .+: sign in with a user name and password for that$/;

function assertForbidden(res: Reply, what: string) {
  assert.equal(res.status, 403, `${what}: ${res.status} ${res.text}`);
  assert.equal(res.json().minorErrorCode, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN', what);
  assert.equal(res.json().stackTrace, null);
}

describe('tenant restrictions (alice, Organization Administrator)', () => {
  const restricted: Array<[string, string, () => string, unknown?]> = [
    ['change own password', 'PUT', () => `/cloudapi/1.0.0/users/${aliceId}`, { password: 'new-Password-123' }],
    [
      'change own password (with revokeApiTokens)',
      'PUT',
      () => `/cloudapi/1.0.0/users/${aliceId}`,
      { password: 'new-Password-123', revokeApiTokens: true },
    ],
    [
      'create a user',
      'POST',
      () => '/cloudapi/1.0.0/users',
      // Read when the test runs (the role id is known only after before()): a well-formed body, so the 403 is
      // the restriction's and not a side effect of a malformed request.
      () => ({ username: 'mallory', password: 'mallory-Password-1', roleEntityRefs: [{ id: vappAuthorRoleId }] }),
    ],
    ['update a user', 'PUT', () => `/cloudapi/1.0.0/users/${bobId}`, { fullName: 'Robert' }],
    ['set another user\u2019s password', 'PUT', () => `/cloudapi/1.0.0/users/${bobId}`, { password: 'bob-Password-999' }],
    ['disable a user', 'PUT', () => `/cloudapi/1.0.0/users/${bobId}`, { enabled: false }],
    ['delete a user', 'DELETE', () => `/cloudapi/1.0.0/users/${bobId}`],
    ['create a group', 'POST', () => '/cloudapi/1.0.0/groups', { name: 'devs' }],
    ['update a group', 'PUT', () => `/cloudapi/1.0.0/groups/${groupId}`, { description: 'x' }],
    ['delete a group', 'DELETE', () => `/cloudapi/1.0.0/groups/${groupId}`],
    ['create a role', 'POST', () => '/cloudapi/1.0.0/roles', { name: 'Sneaky' }],
    ['update a role', 'PUT', () => `/cloudapi/1.0.0/roles/${roleId}`, { name: 'Custom2' }],
    [
      'change a role\u2019s rights',
      'PUT',
      () => `/cloudapi/1.0.0/roles/${roleId}/rights`,
      { values: [{ name: 'API Tokens: Manage All' }] },
    ],
    ['delete a role', 'DELETE', () => `/cloudapi/1.0.0/roles/${roleId}`],
    ['view another user\u2019s token', 'GET', () => `/cloudapi/1.0.0/tokens/${bobsTokenId}`],
    ['revoke another user\u2019s token', 'DELETE', () => `/cloudapi/1.0.0/tokens/${bobsTokenId}`],
    ['enrol TOTP', 'POST', () => '/cloudapi/1.0.0/users/current/totp', {}],
  ];

  for (const [what, method, path, body] of restricted) {
    test(`token session: ${what} is 403`, async () => {
      const res = await call(aliceToken, method, path(), typeof body === 'function' ? body() : body);
      assertForbidden(res, what);
      // The message names the reason (the session kind), except where the role's Token: Manage rights are what is
      // missing (other users' tokens): that refusal is the generic one.
      if (!/another user.s token/.test(what)) assert.match(res.json().message, TOKEN_SESSION_REASON, what);
    });
  }

  test('token session: creating a token is refused at both steps', async () => {
    const res = await call(aliceToken, 'POST', '/oauth/tenant/acme/register', { client_name: 'from-a-token' });
    assertForbidden(res, 'register');
    assert.match(
      res.json().message,
      /made from an API token, and such sessions cannot create API tokens: sign in with a user name and password/,
    );
  });

  test("token session: a System administrator's token creating an org user (Terraform vcd_org_user) says why it is refused", async () => {
    const acme = (await http(`${base}/api/org`, { headers: { ...bearer(admin), Accept: 'application/*+json;version=36.1' } })).json();
    const acmeRef = (acme.org as Array<{ name: string; href: string }>).find((o) => o.name === 'acme')!;
    const adminOrgHref = acmeRef.href.replace('/api/org/', '/api/admin/org/');
    const res = await http(`${adminOrgHref}/users`, {
      method: 'POST',
      headers: { ...bearer(adminToken), Accept: 'application/*+xml;version=36.1', 'Content-Type': 'application/vnd.vmware.admin.user+xml' },
      body: `<User xmlns="http://www.vmware.com/vcloud/v1.5" name="from-a-token"><IsEnabled>true</IsEnabled><Password>Token-Password-123</Password></User>`,
    });
    assert.equal(res.status, 403, res.text);
    assert.match(res.text, /made from an API token, and such sessions cannot create, change or delete users/);
  });

  test('the same operations are allowed from alice\u2019s password session (the 403 is the session kind)', async () => {
    const ok = async (method: string, path: string, body: unknown, expected: number) => {
      const res = await call(alice, method, path, body);
      assert.equal(res.status, expected, `${method} ${path}: ${res.text}`);
    };
    const created = await call(alice, 'POST', '/cloudapi/1.0.0/users', {
      username: 'trent',
      password: 'trent-Password-1',
      roleEntityRefs: [{ id: vappAuthorRoleId }],
    });
    assert.equal(created.status, 201, created.text);
    await ok('PUT', `/cloudapi/1.0.0/users/${created.json().id}`, { fullName: 'Trent' }, 200);
    await ok('DELETE', `/cloudapi/1.0.0/users/${created.json().id}`, undefined, 204);
    await ok('PUT', `/cloudapi/1.0.0/groups/${groupId}`, { description: 'ops team' }, 200);
    await ok('PUT', `/cloudapi/1.0.0/roles/${roleId}`, { description: 'edited' }, 200);
    await ok('PUT', `/cloudapi/1.0.0/roles/${roleId}/rights`, { values: [{ name: 'vApp: View' }] }, 200);
    await ok('GET', `/cloudapi/1.0.0/tokens/${bobsTokenId}`, undefined, 200);
    // And the writes the token session attempted changed nothing.
    const bob = (await call(alice, 'GET', `/cloudapi/1.0.0/users/${bobId}`)).json();
    assert.equal(bob.enabled, true);
    assert.notEqual(bob.fullName, 'Robert');
    assert.equal((await signIn(base, 'alice', 'acme', t.demoPassword)).length > 32, true, 'alice\u2019s password is unchanged');
  });

  const reads: Array<[string, () => string]> = [
    ['list users', () => '/cloudapi/1.0.0/users'],
    ['read a user', () => `/cloudapi/1.0.0/users/${bobId}`],
    ['read self', () => `/cloudapi/1.0.0/users/${aliceId}`],
    ['list groups', () => '/cloudapi/1.0.0/groups'],
    ['read a group', () => `/cloudapi/1.0.0/groups/${groupId}`],
    ['list roles', () => '/cloudapi/1.0.0/roles'],
    ['read a role', () => `/cloudapi/1.0.0/roles/${roleId}`],
    ['read a role\u2019s rights', () => `/cloudapi/1.0.0/roles/${roleId}/rights`],
    ['list rights', () => '/cloudapi/1.0.0/rights'],
    ['list global roles', () => '/cloudapi/1.0.0/globalRoles'],
    ['list rights bundles', () => '/cloudapi/1.0.0/rightsBundles'],
    ['list own tokens', () => '/cloudapi/1.0.0/tokens'],
    ['current session', () => '/cloudapi/1.0.0/sessions/current'],
  ];
  for (const [what, path] of reads) {
    test(`token session: ${what} stays 200`, async () => {
      const res = await call(aliceToken, 'GET', path());
      assert.equal(res.status, 200, `${what}: ${res.text}`);
    });
  }

  test('token session: Token: Manage rights are absent from what it may do, but own-token revoke works', async () => {
    const own = await createApiToken(base, alice, 'acme', 'own-revocable');
    const session = await accessTokenFrom(base, 'acme', own.apiToken);
    const del = await call(session, 'DELETE', `/cloudapi/1.0.0/tokens/${own.tokenId}`);
    assert.equal(del.status, 204, 'a script may revoke its own leaked token');
    assert.equal((await call(session, 'GET', '/cloudapi/1.0.0/sessions/current')).status, 401, 'and its session ends with it');
    // The trail tells the script's revocation from the person's, and names the owner (until 2026-12-06: an id only,
    // and the same event as alice revoking it herself).
    const event = await t.store.db
      .selectFrom('audit_events')
      .select(['actor_name', 'details'])
      .where('event_type', '=', 'apiToken.revoked')
      .where('token_id', '=', own.tokenId.replace('urn:vcloud:token:', ''))
      .executeTakeFirstOrThrow();
    assert.equal(event.actor_name, 'alice');
    assert.deepEqual(JSON.parse(event.details), {
      name: 'own-revocable',
      owner: aliceId.replace('urn:vcloud:user:', ''),
      ownerName: 'alice',
      via: 'a session made from the token itself',
    });
    const byPerson = await createApiToken(base, alice, 'acme', 'revoked-by-alice');
    assert.equal((await call(alice, 'DELETE', `/cloudapi/1.0.0/tokens/${byPerson.tokenId}`)).status, 204);
    const personEvent = await t.store.db
      .selectFrom('audit_events')
      .select('details')
      .where('event_type', '=', 'apiToken.revoked')
      .where('token_id', '=', byPerson.tokenId.replace('urn:vcloud:token:', ''))
      .executeTakeFirstOrThrow();
    assert.equal('via' in JSON.parse(personEvent.details), false, 'a password session\u2019s revocation has no via');
  });

  test('token session of a read-only token: lists, reads and revokes the token it came from, and no other', async () => {
    // Until 2026-12-06 all three were 403 (the read-only scope lacks "API Tokens: Manage"), so a least-privilege
    // script could neither look itself up (Vault's lookup-self) nor end its own leaked credential.
    const own = await createApiToken(base, alice, 'acme', 'read-only-self', { scope: 'read-only' });
    const sibling = await createApiToken(base, alice, 'acme', 'read-only-sibling', { scope: 'read-only' });
    const session = await accessTokenFrom(base, 'acme', own.apiToken);
    const list = await call(session, 'GET', '/cloudapi/1.0.0/tokens');
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(
      (list.json().values as Array<{ id: string }>).map((v) => v.id),
      [own.tokenId],
    );
    assert.equal((await call(session, 'GET', `/cloudapi/1.0.0/tokens/${own.tokenId}`)).status, 200);
    assert.equal((await call(session, 'GET', `/cloudapi/1.0.0/tokens/${sibling.tokenId}`)).status, 403);
    assert.equal((await call(session, 'DELETE', `/cloudapi/1.0.0/tokens/${sibling.tokenId}`)).status, 403);
    assert.equal((await call(session, 'DELETE', `/cloudapi/1.0.0/tokens/${bobsTokenId}`)).status, 403);
    // Still read-only for everything else: no new token.
    assert.equal((await call(session, 'POST', '/oauth/tenant/acme/register', { client_name: 'nope' })).status, 403);
    const del = await call(session, 'DELETE', `/cloudapi/1.0.0/tokens/${own.tokenId}`);
    assert.equal(del.status, 204, del.text);
    assert.equal((await call(session, 'GET', '/cloudapi/1.0.0/sessions/current')).status, 401, 'its session ended with it');
    assert.equal(
      (await call(alice, 'GET', `/cloudapi/1.0.0/tokens/${sibling.tokenId}`)).json().revoked ?? false,
      false,
      'the sibling is untouched',
    );
  });
});

describe('provider restrictions (administrator)', () => {
  test('token session: global role and rights bundle writes are 403 (password session: allowed or 405)', async () => {
    const writes: Array<[string, string, string, unknown?]> = [
      ['create a global role', 'POST', '/cloudapi/1.0.0/globalRoles', { name: 'G' }],
      [
        'update a global role',
        'PUT',
        '/cloudapi/1.0.0/globalRoles/urn:vcloud:globalRole:00000000-0000-4000-8000-000000000000',
        { name: 'G' },
      ],
      ['delete a global role', 'DELETE', '/cloudapi/1.0.0/globalRoles/urn:vcloud:globalRole:00000000-0000-4000-8000-000000000000'],
      ['update a rights bundle', 'PUT', `/cloudapi/1.0.0/rightsBundles/${bundleId}`, { description: 'changed' }],
      ['change a bundle\u2019s rights', 'PUT', `/cloudapi/1.0.0/rightsBundles/${bundleId}/rights`, { values: [] }],
    ];
    for (const [what, method, path, body] of writes) assertForbidden(await call(adminToken, method, path, body), what);
    // From the password session: global roles are fixed in Tessera (405), bundles are editable (200).
    assert.equal((await call(admin, 'POST', '/cloudapi/1.0.0/globalRoles', { name: 'G' })).status, 405);
    assert.equal(
      (await call(admin, 'PUT', `/cloudapi/1.0.0/rightsBundles/${bundleId}`, { description: 'Rights published to every organization' }))
        .status,
      200,
    );
    // Reads stay allowed to the token session.
    assert.equal((await call(adminToken, 'GET', '/cloudapi/1.0.0/globalRoles')).status, 200);
    assert.equal((await call(adminToken, 'GET', `/cloudapi/1.0.0/rightsBundles/${bundleId}/rights`)).status, 200);
  });

  test('token session: user management in a tenant through X-VMWARE-VCLOUD-TENANT-CONTEXT is 403; reads work', async () => {
    const acmeId = (await call(alice, 'GET', '/cloudapi/1.0.0/sessions/current')).json().org.id.replace('urn:vcloud:org:', '');
    const create = await http(`${base}/cloudapi/1.0.0/users`, {
      method: 'POST',
      headers: jsonHeaders(adminToken, acmeId),
      body: JSON.stringify({ username: 'viaprovider', password: 'via-Provider-1', roleEntityRefs: [{ id: vappAuthorRoleId }] }),
    });
    assertForbidden(create, 'provider token session creates a tenant user');
    const listed = await http(`${base}/cloudapi/1.0.0/users`, { headers: jsonHeaders(adminToken, acmeId) });
    assert.equal(listed.status, 200);
    assert.ok(
      (listed.json().values as Array<{ username: string }>).some((u) => u.username === 'alice'),
      'the tenant context selects acme',
    );
    // The password session may (the same request).
    const u = await createUser(base, admin, { tenantContext: acmeId });
    assert.ok(u.id.startsWith('urn:vcloud:user:'));
    // A token session of the provider cannot see or revoke tenant tokens either.
    assertForbidden(await call(adminToken, 'GET', `/cloudapi/1.0.0/tokens/${bobsTokenId}`), 'provider token session reads a tenant token');
    assertForbidden(
      await call(adminToken, 'DELETE', `/cloudapi/1.0.0/tokens/${bobsTokenId}`),
      'provider token session revokes a tenant token',
    );
    assert.equal((await call(admin, 'GET', `/cloudapi/1.0.0/tokens/${bobsTokenId}`)).status, 200);
  });
});
