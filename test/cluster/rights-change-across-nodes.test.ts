/**
 * Two nodes on one PostgreSQL database: what node B still allows a user after an administrator takes a right away on
 * node A. Node B reads rights from its identity cache, which hears of a role change only within its 5 s
 * (docs/security.md, "A role's rights change on another node within 5 s"): that bound holds, and what outlives it,
 * an API token's secret, is not created in those seconds at all (the token's write reads the role again).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_PASSWORD, type TesseraHandle } from '../helpers/tessera.js';
import { twoNodes } from './two-nodes.js';
import { signIn, createApiToken, http, bearer, oauthPath } from '../helpers/api.js';
import { activeServiceAccount } from '../helpers/service-account-flow.js';

/** The identity cache's TTL (src/auth/identity-cache.ts) as docs/security.md states it. */
const DOCUMENTED_BOUND_MS = 5_000;
/** What the measured wait may add to the bound: the poll's step and one request, on a machine running two suites. */
const SLACK_MS = 3_000;
const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json;version=37.0' };

/** alice (acme's administrator) makes a role with "Manage user's own API token" and gives it to bob. */
async function bobWithTokenRight(nodeA: TesseraHandle): Promise<{ alice: string; roleUrl: string; userUrl: string }> {
  const alice = await signIn(nodeA.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const made = await http(`${nodeA.baseUrl}/cloudapi/1.0.0/roles`, {
    method: 'POST',
    headers: { ...JSON_HEADERS, Authorization: `Bearer ${alice}` },
    body: JSON.stringify({ name: 'token-makers', description: 'x', rights: [{ name: 'vApp: View' }, { name: 'API Tokens: Manage' }] }),
  });
  assert.equal(made.status, 201, made.text);
  const acme = (await nodeA.store.getOrgByName('acme'))!;
  const bob = (await nodeA.store.getUserByName(acme.id, 'bob'))!;
  const userUrl = `${nodeA.baseUrl}/cloudapi/1.0.0/users/urn:vcloud:user:${bob.id}`;
  const given = await http(userUrl, {
    method: 'PUT',
    headers: { ...JSON_HEADERS, Authorization: `Bearer ${alice}` },
    body: JSON.stringify({ roleEntityRefs: [{ id: made.json().id }] }),
  });
  assert.equal(given.status, 200, given.text);
  return { alice, roleUrl: `${nodeA.baseUrl}/cloudapi/1.0.0/roles/${made.json().id}`, userUrl };
}

async function takeTokenRight(alice: string, roleUrl: string): Promise<void> {
  const changed = await http(`${roleUrl}/rights`, {
    method: 'PUT',
    headers: { ...JSON_HEADERS, Authorization: `Bearer ${alice}` },
    body: JSON.stringify({ values: [{ name: 'vApp: View' }] }),
  });
  assert.equal(changed.status, 200, changed.text);
}

const register = (baseUrl: string, session: string, name: string) =>
  http(`${baseUrl}${oauthPath('acme')}/register`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json', Accept: 'application/json;version=' },
    body: JSON.stringify({ client_name: name }),
  });

const mint = (baseUrl: string, session: string, clientId: string) =>
  http(`${baseUrl}${oauthPath('acme')}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      assertion: session,
      client_id: clientId,
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    }).toString(),
  });

test("a right taken from a role on one node: the other node creates no API token with it, not even in its identity cache's seconds", async (t) => {
  const { nodeA, nodeB } = await twoNodes(t);
  const { alice, roleUrl } = await bobWithTokenRight(nodeA);
  const bob = await signIn(nodeB.baseUrl, 'bob', 'acme', DEMO_PASSWORD);
  // Node B has read bob's identity (with the right) and can create his tokens: one registered, not yet minted.
  const { tokenId } = await createApiToken(nodeB.baseUrl, bob, 'acme', 'before');
  const pending = await register(nodeB.baseUrl, bob, 'registered-before');
  assert.equal(pending.status, 200, pending.text);

  await takeTokenRight(alice, roleUrl);
  // Right after, node B still holds bob's identity with the right (its cache), and its bearer check passes. Until
  // 2026-12-07 it registered and minted a token here, which then lived on: an exchange asks for no right.
  const registered = await register(nodeB.baseUrl, bob, 'after');
  assert.equal(registered.status, 403, `register on node B right after the right was taken: ${registered.text}`);
  const minted = await mint(nodeB.baseUrl, bob, pending.json().client_id);
  assert.equal(minted.status, 400, `mint on node B right after the right was taken: ${minted.text}`);
  assert.equal(minted.json().error, 'invalid_grant');
  const regenerated = await http(`${nodeB.baseUrl}/cloudapi/x-tessera/tokens/${tokenId}/regenerate`, {
    method: 'POST',
    headers: { ...JSON_HEADERS, Authorization: `Bearer ${bob}` },
    body: JSON.stringify({}),
  });
  assert.equal(regenerated.status, 403, `regenerate on node B right after the right was taken: ${regenerated.text}`);

  const acme = (await nodeA.store.getOrgByName('acme'))!;
  const bobId = (await nodeA.store.getUserByName(acme.id, 'bob'))!.id;
  const secrets = await nodeA.store.db
    .selectFrom('api_tokens')
    .select('name')
    .where('user_id', '=', bobId)
    .where('secret_hash', 'is not', null)
    .execute();
  assert.deepEqual(
    secrets.map((r) => r.name),
    ['before'],
    'no secret issued after the right was taken',
  );
});

test('a user moved to a role without the right on one node creates no API token on the other', async (t) => {
  const { nodeA, nodeB } = await twoNodes(t);
  const { alice, userUrl } = await bobWithTokenRight(nodeA);
  const bob = await signIn(nodeB.baseUrl, 'bob', 'acme', DEMO_PASSWORD);
  assert.equal((await register(nodeB.baseUrl, bob, 'warm')).status, 200, 'node B has read bob with the right');
  const acme = (await nodeA.store.getOrgByName('acme'))!;
  const viewer = await nodeA.store.db
    .selectFrom('roles')
    .select('id')
    .where('org_id', '=', acme.id)
    .where('name', '=', 'Console Access Only')
    .executeTakeFirst();
  assert.ok(viewer, 'a predefined role without API Tokens: Manage');
  const moved = await http(userUrl, {
    method: 'PUT',
    headers: { ...JSON_HEADERS, Authorization: `Bearer ${alice}` },
    body: JSON.stringify({ roleEntityRefs: [{ id: `urn:vcloud:role:${viewer.id}` }] }),
  });
  assert.equal(moved.status, 200, moved.text);
  const registered = await register(nodeB.baseUrl, bob, 'after-move');
  assert.equal(registered.status, 403, `register on node B right after the move: ${registered.text}`);
});

test('the documented bound holds: a right taken on one node is refused on the other within 5 s', async (t) => {
  const { nodeA, nodeB } = await twoNodes(t);
  const { alice, roleUrl } = await bobWithTokenRight(nodeA);
  const bob = await signIn(nodeB.baseUrl, 'bob', 'acme', DEMO_PASSWORD);
  // Listing one's own tokens takes the right (policy apiTokenListScope): 200 with it, 403 without.
  const lists = async (baseUrl: string) => (await http(`${baseUrl}/cloudapi/1.0.0/tokens`, { headers: bearer(bob) })).status;
  assert.equal(await lists(nodeB.baseUrl), 200);

  await takeTokenRight(alice, roleUrl);
  const started = performance.now();
  assert.equal(await lists(nodeA.baseUrl), 403, 'refused at once on the node that made the change');
  const deadline = started + DOCUMENTED_BOUND_MS + SLACK_MS;
  let status = await lists(nodeB.baseUrl);
  while (status === 200 && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
    status = await lists(nodeB.baseUrl);
  }
  const waitedMs = performance.now() - started;
  assert.equal(status, 403, `node B still honoured the right ${waitedMs.toFixed(0)} ms after it was taken`);
  // The change answered after its commit, and B's cached identity was read before that, so B refuses at most the TTL
  // after the answer; what is measured adds the poll's step and one request's latency (SLACK_MS, for a machine
  // running two test suites at once).
  assert.ok(waitedMs <= DOCUMENTED_BOUND_MS + SLACK_MS, `${waitedMs.toFixed(0)} ms`);
  t.diagnostic(`node B refused the taken right after ${waitedMs.toFixed(0)} ms`);
});

test("an administrator demoted on one node makes no administrator, role or user change on the other in its identity cache's seconds", async (t) => {
  const { nodeA, nodeB } = await twoNodes(t);
  const acme = (await nodeA.store.getOrgByName('acme'))!;
  const roleId = async (name: string) =>
    (await nodeA.store.db.selectFrom('roles').select('id').where('org_id', '=', acme.id).where('name', '=', name).executeTakeFirstOrThrow())
      .id;
  const [orgAdmin, vappUser] = [await roleId('Organization Administrator'), await roleId('vApp User')];
  const alice = (await nodeA.store.getUserByName(acme.id, 'alice'))!;
  const bob = (await nodeA.store.getUserByName(acme.id, 'bob'))!;
  // alice's session on node B, whose identity cache has read her as acme's administrator.
  const aliceOnB = await signIn(nodeB.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const users = `${nodeB.baseUrl}/cloudapi/1.0.0/users`;
  assert.equal((await http(users, { headers: bearer(aliceOnB) })).status, 200);

  // The provider demotes her on node A.
  const provider = await signIn(nodeA.baseUrl, 'administrator', 'System', nodeA.adminPassword);
  const demoted = await http(`${nodeA.baseUrl}/cloudapi/1.0.0/users/urn:vcloud:user:${alice.id}`, {
    method: 'PUT',
    headers: { ...JSON_HEADERS, Authorization: `Bearer ${provider}` },
    body: JSON.stringify({ roleEntityRefs: [{ id: `urn:vcloud:role:${vappUser}` }] }),
  });
  assert.equal(demoted.status, 200, demoted.text);

  // Right after, on node B: until 2026-12-07 each of these succeeded for up to 5 s, and each outlived the window (a
  // second administrator account of her own, bob made administrator, a role with the rights she had lost).
  const asAlice = { ...JSON_HEADERS, Authorization: `Bearer ${aliceOnB}` };
  const created = await http(users, {
    method: 'POST',
    headers: asAlice,
    body: JSON.stringify({
      username: 'backdoor',
      password: 'Backdoor-Password-1',
      enabled: true,
      roleEntityRefs: [{ id: `urn:vcloud:role:${orgAdmin}` }],
    }),
  });
  assert.equal(created.status, 403, `a user made by the demoted administrator: ${created.text}`);
  const promoted = await http(`${users}/urn:vcloud:user:${bob.id}`, {
    method: 'PUT',
    headers: asAlice,
    body: JSON.stringify({ roleEntityRefs: [{ id: `urn:vcloud:role:${orgAdmin}` }] }),
  });
  assert.equal(promoted.status, 403, `bob promoted by the demoted administrator: ${promoted.text}`);
  const role = await http(`${nodeB.baseUrl}/cloudapi/1.0.0/roles`, {
    method: 'POST',
    headers: asAlice,
    body: JSON.stringify({ name: 'kept-admin', description: 'x', rights: [{ name: 'Organization: Manage Users' }] }),
  });
  assert.equal(role.status, 403, `a role made by the demoted administrator: ${role.text}`);

  assert.equal(await nodeA.store.getUserByName(acme.id, 'backdoor'), undefined);
  assert.equal((await nodeA.store.getUser(bob.id))!.role_id, bob.role_id);
  assert.equal(await nodeA.store.db.selectFrom('roles').select('id').where('name', '=', 'kept-admin').executeTakeFirst(), undefined);
});

const VCLOUD = 'http://www.vmware.com/vcloud/v1.5';
const XML_HEADERS = { 'Content-Type': 'application/vnd.vmware.admin.organization+xml', Accept: 'application/*+xml;version=37.0' };
const RIGHTS_TAKEN = 'Your rights were changed a moment ago and no longer allow this operation';

/**
 * The provider makes two System roles, one that creates orgs and syncs the inventory and one that only views orgs, and
 * a service account in the first, authorized on node A; its session is taken on node B, whose identity cache then holds
 * the account with both rights.
 */
async function providerServiceAccountOnB(nodeA: TesseraHandle, nodeB: TesseraHandle) {
  const provider = await signIn(nodeA.baseUrl, 'administrator', 'System', nodeA.adminPassword);
  const asProvider = { ...JSON_HEADERS, Authorization: `Bearer ${provider}` };
  const makeRole = async (name: string, rights: string[]) => {
    const made = await http(`${nodeA.baseUrl}/cloudapi/1.0.0/roles`, {
      method: 'POST',
      headers: asProvider,
      body: JSON.stringify({ name, description: 'x', rights: rights.map((r) => ({ name: r })) }),
    });
    assert.equal(made.status, 201, made.text);
    return `${nodeA.baseUrl}/cloudapi/1.0.0/roles/${made.json().id}`;
  };
  const agentRole = await makeRole('org-makers', ['Organization: View', 'General: Administrator Control', 'Inventory: Sync']);
  const viewerRole = await makeRole('org-viewers', ['Organization: View']);
  const nodes = { register: nodeA.baseUrl, grant: nodeA.baseUrl, poll: nodeB.baseUrl };
  const account = await activeServiceAccount(nodes, provider, 'agent', 'urn:vcloud:role:org-makers', 'System');
  const session = account.accessToken;
  // Node B reads the account with its rights: its sync reads are allowed.
  const source = await http(`${nodeB.baseUrl}/cloudapi/x-tessera/inventory/sources/agent`, {
    headers: bearer(session, JSON_HEADERS.Accept),
  });
  assert.ok(source.status !== 401 && source.status !== 403, `node B has read the account with "Inventory: Sync": ${source.text}`);
  return { asProvider, agentRole, viewerRole, accountId: account.id, session };
}

/** Node B, as the account: an org made through /api (XML) and an inventory generation opened through /cloudapi (JSON). */
async function writesOnB(nodeB: TesseraHandle, session: string, orgName: string) {
  const org = await http(`${nodeB.baseUrl}/api/admin/orgs`, {
    method: 'POST',
    headers: { ...XML_HEADERS, Authorization: `Bearer ${session}` },
    body: `<AdminOrg xmlns="${VCLOUD}" name="${orgName}"><FullName>Kept</FullName><IsEnabled>true</IsEnabled></AdminOrg>`,
  });
  const generation = await http(`${nodeB.baseUrl}/cloudapi/x-tessera/inventory/sources/agent/generations`, {
    method: 'POST',
    headers: { ...JSON_HEADERS, Authorization: `Bearer ${session}` },
  });
  return { org, generation };
}

/** Both refused as rights taken, each in its surface's error format, and nothing written. */
async function assertRefusedAsRightsTaken(nodeA: TesseraHandle, writes: Awaited<ReturnType<typeof writesOnB>>, orgName: string) {
  assert.equal(writes.org.status, 403, `an org made on node B by the reduced service account: ${writes.org.text}`);
  assert.match(writes.org.headers.get('content-type') ?? '', /xml/);
  assert.match(writes.org.text, /<Error\b[^>]*majorErrorCode="403"/);
  assert.ok(writes.org.text.includes(RIGHTS_TAKEN), writes.org.text);
  assert.equal(
    writes.generation.status,
    403,
    `an inventory generation opened on node B by the reduced service account: ${writes.generation.text}`,
  );
  assert.match(writes.generation.headers.get('content-type') ?? '', /json/);
  assert.equal(writes.generation.json().message, RIGHTS_TAKEN);
  assert.equal(await nodeA.store.getOrgByName(orgName), undefined, 'no org made');
  const opened = await nodeA.store.db.selectFrom('inventory_sources').select('source').where('source', '=', 'agent').execute();
  assert.deepEqual(opened, [], 'no inventory source opened');
}

test("a provider service account whose role lost rights on one node creates no org and syncs no inventory on the other in its identity cache's seconds", async (t) => {
  const { nodeA, nodeB } = await twoNodes(t);
  const { asProvider, agentRole, session } = await providerServiceAccountOnB(nodeA, nodeB);
  const reduced = await http(`${agentRole}/rights`, {
    method: 'PUT',
    headers: asProvider,
    body: JSON.stringify({ values: [{ name: 'Organization: View' }] }),
  });
  assert.equal(reduced.status, 200, reduced.text);
  // Right after, node B still holds the account with both rights (its cache), and its bearer check and route check
  // pass. Until 2026-12-07 it made the org and opened the generation: a service account's session was judged by its
  // bearer check alone.
  await assertRefusedAsRightsTaken(nodeA, await writesOnB(nodeB, session, 'kept-by-agent'), 'kept-by-agent');
});

test('a provider service account moved to a role without the rights on one node creates no org and syncs no inventory on the other', async (t) => {
  const { nodeA, nodeB } = await twoNodes(t);
  const { asProvider, viewerRole, accountId, session } = await providerServiceAccountOnB(nodeA, nodeB);
  const moved = await http(`${nodeA.baseUrl}/cloudapi/1.0.0/serviceAccounts/urn:vcloud:serviceAccount:${accountId}`, {
    method: 'PUT',
    headers: asProvider,
    body: JSON.stringify({ role: { id: viewerRole.slice(viewerRole.lastIndexOf('/') + 1) } }),
  });
  assert.equal(moved.status, 200, moved.text);
  await assertRefusedAsRightsTaken(nodeA, await writesOnB(nodeB, session, 'kept-by-moved-agent'), 'kept-by-moved-agent');
});
