/**
 * Issue 15 §1: every /cloudapi answer matches the response schema its route declares. The routes send
 * pre-serialized bytes (VCD's versioned content type), so nothing but these checks keeps the declared contract
 * and the wire together. The schemas are read from the routes themselves (the same code, collected through the
 * onRoute hook), never imported by name: a route that declares the wrong schema fails here.
 *
 * Each call below is checked: its status must be declared, and its body must match that status's schema (no body
 * for 204 and 303). At the end, every /cloudapi route that declares a JSON success answer must have been called
 * and answered with it: a new list or entity route without a case here fails the suite.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TSchema } from 'typebox';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { accessTokenFrom, bearer, createApiToken, http, oauthPath, signIn, type Reply } from '../../helpers/api.js';
import { totpCode } from '../../../src/auth/totp.js';
import { assertConforms, startContractApp } from './support.js';

type Responses = Record<string, unknown>;
const declared = new Map<string, Responses>();
/** `METHOD /route/:template` → the success statuses it answered with a checked body. */
const answered = new Map<string, Set<string>>();

let t: TesseraHandle;
let admin: string; // System administrator (password session)
let alice: string; // acme's Organization Administrator
let bobToken: string; // bob@acme's session from an API-token exchange
let bob: string; // bob@acme's password session
let acmeId: string;

before(async () => {
  const contract = await startContractApp();
  try {
    for (const route of contract.routes) {
      if (!route.url.startsWith('/cloudapi/')) continue;
      for (const method of [route.method].flat()) {
        if (method === 'HEAD') continue;
        declared.set(`${method} ${route.url}`, ((route.schema ?? {}) as { response?: Responses }).response ?? {});
      }
    }
  } finally {
    await contract.stop();
  }
  t = await startTessera({ demo: true, config: { signInRateLimit: 1000 } });
  [admin, alice] = await Promise.all([
    signIn(t.baseUrl, 'administrator', 'System', t.adminPassword),
    signIn(t.baseUrl, 'alice', 'acme', t.demoPassword),
  ]);
  bob = await signIn(t.baseUrl, 'bob', 'acme', t.demoPassword);
  bobToken = await accessTokenFrom(t.baseUrl, 'acme', (await createApiToken(t.baseUrl, bob, 'acme', 'contract')).apiToken);
  acmeId = (await t.store.getOrgByName('acme'))!.id;
});
after(() => t?.stop());

/** The JSON schema a declared response gives its body: the schema itself, or its `application/json` content. */
function jsonSchemaOf(response: unknown): TSchema | 'none' | undefined {
  if (!response || typeof response !== 'object') return undefined;
  const r = response as { type?: unknown; content?: Record<string, { schema?: TSchema }> };
  if (r.content) return r.content['application/json']?.schema;
  if (r.type === 'null') return 'none';
  return response as TSchema;
}

/**
 * Calls `route` (fastify's template) at `path` and checks the answer against the route's declaration.
 * Returns the reply for the next step.
 */
async function call(
  route: string,
  path: string,
  options: { session: string; body?: unknown; headers?: Record<string, string>; expect: number },
): Promise<Reply> {
  const [method] = route.split(' ');
  const responses = declared.get(route);
  assert.ok(responses, `${route} is not a registered /cloudapi route`);
  const res = await http(`${t.baseUrl}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      ...bearer(options.session),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const label = `${route} (${path}) answered ${res.status}`;
  assert.equal(res.status, options.expect, `${label}: ${res.text.slice(0, 500)}`);
  const schema = jsonSchemaOf(responses[String(res.status)]);
  assert.ok(schema, `${label}, a status it does not declare (declared: ${Object.keys(responses).join(', ')})`);
  if (schema === 'none') {
    assert.equal(res.text, '', `${label}: a body where none is declared`);
  } else {
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/, label);
    assertConforms(schema, res.json(), label);
  }
  if (res.status < 300) answered.set(route, new Set([...(answered.get(route) ?? []), String(res.status)]));
  return res;
}

const api = '/cloudapi/1.0.0';
/** The id of the first value of a list (after checking the list's answer). */
const firstId = async (route: string, path: string, session: string) => {
  const page = (await call(route, path, { session, expect: 200 })).json();
  assert.ok(page.values.length > 0, `${path}: the demo data should list something`);
  return page.values[0].id as string;
};

test('sessions, tokens and the token policy answer as declared', async () => {
  const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  const signedIn = await call(`POST ${api}/sessions`, `${api}/sessions`, {
    session: '',
    headers: basic('alice@acme', t.demoPassword),
    expect: 200,
  });
  await call(`POST ${api}/sessions`, `${api}/sessions`, { session: '', headers: basic('alice@acme', 'wrong'), expect: 401 });
  await call(`POST ${api}/sessions/provider`, `${api}/sessions/provider`, {
    session: '',
    headers: basic('administrator@System', t.adminPassword),
    expect: 200,
  });
  const throwaway = signedIn.headers.get('x-vmware-vcloud-access-token')!;
  await call(`DELETE ${api}/sessions/current`, `${api}/sessions/current`, { session: throwaway, expect: 204 });
  await call(`GET ${api}/sessions/current`, `${api}/sessions/current`, { session: throwaway, expect: 401 });
  const session = (await call(`GET ${api}/sessions/current`, `${api}/sessions/current`, { session: alice, expect: 200 })).json();
  await call(`GET ${api}/sessions`, `${api}/sessions?pageSize=5`, { session: alice, expect: 200 });
  await call(`GET ${api}/sessions/:id`, `${api}/sessions/${session.id}`, { session: alice, expect: 200 });
  await call(`GET ${api}/sessions/:id`, `${api}/sessions/urn:vcloud:session:nobody`, { session: alice, expect: 403 });
  // The API-token session of bob: its token, and 404 for a password session.
  const bobSession = (await call(`GET ${api}/sessions/current`, `${api}/sessions/current`, { session: bobToken, expect: 200 })).json();
  const bobApiToken = (
    await call(`GET ${api}/sessions/:id/token`, `${api}/sessions/${bobSession.id}/token`, { session: bobToken, expect: 200 })
  ).json();
  // Regenerate (Tessera's extension): the owner's password session gets the new token once; an API-token session
  // is refused. A grace keeps bob's token session working for the cases below.
  const regenerate = '/cloudapi/x-tessera/tokens/:id/regenerate';
  const regeneratePath = `/cloudapi/x-tessera/tokens/${bobApiToken.id}/regenerate`;
  await call(`POST ${regenerate}`, regeneratePath, { session: bobToken, body: {}, expect: 403 });
  await call(`POST ${regenerate}`, regeneratePath, { session: bob, body: { graceSeconds: -1 }, expect: 400 });
  const regenerated = await call(`POST ${regenerate}`, regeneratePath, { session: bob, body: { graceSeconds: 3600 }, expect: 200 });
  assert.equal(regenerated.json().replaces, bobApiToken.id);
  await call(`GET ${api}/sessions/:id/token`, `${api}/sessions/${session.id}/token`, { session: alice, expect: 404 });

  const tokenId = await firstId(`GET ${api}/tokens`, `${api}/tokens?sortAsc=name`, admin);
  await call(`GET ${api}/tokens/:id`, `${api}/tokens/${tokenId}`, { session: admin, expect: 200 });
  // Before API version 35.0 the owner and org are flat fields too: declared, and checked here.
  const old = await call(`GET ${api}/tokens/:id`, `${api}/tokens/${tokenId}`, {
    session: admin,
    headers: { Accept: 'application/json;version=34.0' },
    expect: 200,
  });
  assert.equal(typeof old.json().username, 'string');
  await call(`GET ${api}/tokens`, `${api}/tokens?filter=${encodeURIComponent('nosuchfield==1')}`, { session: admin, expect: 400 });
  await call(`DELETE ${api}/tokens/:id`, `${api}/tokens/urn:vcloud:token:00000000-0000-0000-0000-000000000000`, {
    session: alice,
    expect: 403,
  });

  const policy = `${api}/orgs/${acmeId}/apiTokenPolicy`;
  await call(`GET ${api}/orgs/:id/apiTokenPolicy`, policy, { session: alice, expect: 200 });
  await call(`PUT ${api}/orgs/:id/apiTokenPolicy`, policy, { session: alice, body: { maxLifetimeDays: null }, expect: 200 });
  await call(`PUT ${api}/orgs/:id/apiTokenPolicy`, policy, { session: alice, body: { maxLifetimeDays: 0 }, expect: 400 });
});

test('orgs, VDCs and the audit trail answer as declared', async () => {
  const orgId = await firstId(`GET ${api}/orgs`, `${api}/orgs`, admin);
  await call(`GET ${api}/orgs/:id`, `${api}/orgs/${orgId}`, { session: admin, expect: 200 });
  const vdcId = await firstId(`GET ${api}/vdcs`, `${api}/vdcs?sortDesc=name`, admin);
  await call(`GET ${api}/vdcs/:id`, `${api}/vdcs/${vdcId}`, { session: admin, expect: 200 });
  const acmeVdc = await firstId(`GET ${api}/vdcs`, `${api}/vdcs?filter=org.name==acme`, bobToken);
  await call(`GET ${api}/vdcs/:id`, `${api}/vdcs/${acmeVdc}`, { session: bobToken, expect: 200 });
  // The VDC's compute policies (2.0.0) and its default one at the href its Vdc document gives.
  const policies = await call('GET /cloudapi/2.0.0/vdcs/:id/computePolicies', `/cloudapi/2.0.0/vdcs/${acmeVdc}/computePolicies`, {
    session: bobToken,
    expect: 200,
  });
  const policyId = policies.json().values[0].id as string;
  await call(`GET ${api}/vdcComputePolicies/:id`, `${api}/vdcComputePolicies/${policyId}`, { session: bobToken, expect: 200 });
  // Every policy, in both versions' lists (Terraform's data "vcd_vm_sizing_policy" reads 1.0.0's).
  await call(`GET ${api}/vdcComputePolicies`, `${api}/vdcComputePolicies?filter=name==System%20Default`, {
    session: bobToken,
    expect: 200,
  });
  await call('GET /cloudapi/2.0.0/vdcComputePolicies', '/cloudapi/2.0.0/vdcComputePolicies', { session: admin, expect: 200 });
  // NSX-T edge gateways (none in Tessera): govcd's Vdc.GetNsxtEdgeGatewayByName filter.
  await call(
    `GET ${api}/edgeGateways`,
    `${api}/edgeGateways?filter=${encodeURIComponent(`ownerRef.id==urn:vcloud:vdc:${acmeVdc};name==edge-1`)}`,
    {
      session: bobToken,
      expect: 200,
    },
  );
  // VDC groups and the certificate library (none in Tessera): govcd's GetVdcGroupByName and
  // GetCertificateFromLibraryByName filters.
  await call(`GET ${api}/vdcGroups`, `${api}/vdcGroups?filter=${encodeURIComponent('name==group-1')}&filterEncoded=true`, {
    session: bobToken,
    expect: 200,
  });
  await call(`GET ${api}/ssl/certificateLibrary`, `${api}/ssl/certificateLibrary?filter=${encodeURIComponent('alias==cert-1')}`, {
    session: alice,
    expect: 200,
  });
  // A VM's security tags (none in Tessera), read by a token session of its org.
  const vm = await t.store.db
    .selectFrom('vms')
    .select('id')
    .where('org_id', '=', acmeId)
    .where('is_template', '=', 0)
    .executeTakeFirstOrThrow();
  await call(`GET ${api}/securityTags/vm/:id`, `${api}/securityTags/vm/urn:vcloud:vm:${vm.id}`, { session: bobToken, expect: 200 });
  await call(`GET ${api}/orgs`, `${api}/orgs?pageSize=0`, { session: alice, expect: 200 });
  const audit = (await call(`GET ${api}/auditTrail`, `${api}/auditTrail?pageSize=50`, { session: admin, expect: 200 })).json();
  assert.ok(audit.values.length > 0, 'sign-ins are audited');
});

test('users, groups, roles, global roles, rights and rights bundles answer as declared', async () => {
  const roleId = await firstId(`GET ${api}/roles`, `${api}/roles?filter=name==vApp*`, alice);
  await call(`GET ${api}/roles/:id`, `${api}/roles/${roleId}`, { session: alice, expect: 200 });
  await call(`GET ${api}/roles/:id/rights`, `${api}/roles/${roleId}/rights?pageSize=10`, { session: alice, expect: 200 });

  const user = (
    await call(`POST ${api}/users`, `${api}/users`, {
      session: alice,
      body: { username: 'contract-carol', password: 'Contract-Password-1', roleEntityRefs: [{ id: roleId }] },
      expect: 201,
    })
  ).json();
  await call(`GET ${api}/users`, `${api}/users?sortAsc=username`, { session: alice, expect: 200 });
  await call(`GET ${api}/users/:id`, `${api}/users/${user.id}`, { session: alice, expect: 200 });
  await call(`PUT ${api}/users/:id`, `${api}/users/${user.id}`, { session: alice, body: { ...user, fullName: 'Carol C.' }, expect: 200 });
  await call(`PUT ${api}/users/:id`, `${api}/users/${user.id}`, { session: alice, body: {}, expect: 400 });

  const group = (
    await call(`POST ${api}/groups`, `${api}/groups`, {
      session: alice,
      body: { name: 'contract-group', roleEntityRefs: [{ id: roleId }] },
      expect: 201,
    })
  ).json();
  await call(`GET ${api}/groups`, `${api}/groups`, { session: alice, expect: 200 });
  await call(`GET ${api}/groups/:id`, `${api}/groups/${group.id}`, { session: alice, expect: 200 });
  await call(`PUT ${api}/groups/:id`, `${api}/groups/${group.id}`, { session: alice, body: { description: 'contract' }, expect: 200 });
  await call(`DELETE ${api}/groups/:id`, `${api}/groups/${group.id}`, { session: alice, expect: 204 });

  const rights = (await call(`GET ${api}/rights`, `${api}/rights?pageSize=3`, { session: alice, expect: 200 })).json().values;
  await call(`GET ${api}/rights/:id`, `${api}/rights/${rights[0].id}`, { session: alice, expect: 200 });
  // The rights catalogue's categories (govcd's GetAllRightsCategories, GetRightsCategoryById).
  const categories = (await call(`GET ${api}/rightsCategories`, `${api}/rightsCategories`, { session: alice, expect: 200 })).json().values;
  await call(`GET ${api}/rightsCategories/:id`, `${api}/rightsCategories/${categories[0].id}`, { session: bobToken, expect: 200 });
  const role = (
    await call(`POST ${api}/roles`, `${api}/roles`, {
      session: alice,
      body: { name: 'contract-role', description: 'contract', rights: [{ name: rights[0].name }] },
      expect: 201,
    })
  ).json();
  await call(`PUT ${api}/roles/:id`, `${api}/roles/${role.id}`, { session: alice, body: { ...role, description: 'changed' }, expect: 200 });
  await call(`PUT ${api}/roles/:id/rights`, `${api}/roles/${role.id}/rights`, {
    session: alice,
    body: { values: rights.map((r: { id: string }) => ({ id: r.id })) },
    expect: 200,
  });
  // govcd's Role.AddRights: the rights join the role's; 201 with them all.
  await call(`POST ${api}/roles/:id/rights`, `${api}/roles/${role.id}/rights`, {
    session: alice,
    body: { values: [{ name: rights[0].name }] },
    expect: 201,
  });
  await call(`DELETE ${api}/roles/:id`, `${api}/roles/${role.id}`, { session: alice, expect: 204 });
  await call(`DELETE ${api}/users/:id`, `${api}/users/${user.id}`, { session: alice, expect: 204 });

  const globalRoleId = await firstId(`GET ${api}/globalRoles`, `${api}/globalRoles`, admin);
  await call(`GET ${api}/globalRoles/:id`, `${api}/globalRoles/${globalRoleId}`, { session: admin, expect: 200 });
  // A tenant reads the rights of a global role published to it (the System Administrator's, listed first to the
  // provider, is published to none: a tenant gets 403 there).
  const publishedRoleId = await firstId(`GET ${api}/globalRoles`, `${api}/globalRoles`, alice);
  await call(`GET ${api}/globalRoles/:id/rights`, `${api}/globalRoles/${publishedRoleId}/rights`, { session: alice, expect: 200 });
  await call(`GET ${api}/globalRoles/:id/tenants`, `${api}/globalRoles/${globalRoleId}/tenants`, { session: admin, expect: 200 });
  await call(`PUT ${api}/globalRoles/:id`, `${api}/globalRoles/${globalRoleId}`, { session: admin, body: {}, expect: 405 });
  await call(`POST ${api}/globalRoles`, `${api}/globalRoles`, { session: alice, body: {}, expect: 403 });
  await call(`DELETE ${api}/globalRoles/:id`, `${api}/globalRoles/${globalRoleId}`, { session: admin, expect: 405 });

  const bundle = (await call(`GET ${api}/rightsBundles`, `${api}/rightsBundles`, { session: admin, expect: 200 })).json().values[0];
  assert.ok(bundle, 'the demo data has a rights bundle');
  await call(`GET ${api}/rightsBundles/:id`, `${api}/rightsBundles/${bundle.id}`, { session: admin, expect: 200 });
  await call(`GET ${api}/rightsBundles/:id/tenants`, `${api}/rightsBundles/${bundle.id}/tenants`, { session: admin, expect: 200 });
  const bundleRights = (
    await call(`GET ${api}/rightsBundles/:id/rights`, `${api}/rightsBundles/${bundle.id}/rights?pageSize=128`, {
      session: admin,
      expect: 200,
    })
  ).json();
  await call(`PUT ${api}/rightsBundles/:id`, `${api}/rightsBundles/${bundle.id}`, {
    session: admin,
    body: { description: bundle.description },
    expect: 200,
  });
  await call(`PUT ${api}/rightsBundles/:id/rights`, `${api}/rightsBundles/${bundle.id}/rights`, {
    session: admin,
    body: { values: bundleRights.values },
    expect: 200,
  });
});

test('service accounts and the device flow answer as declared', async () => {
  const register = await http(`${t.baseUrl}${oauthPath('acme')}/register`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${alice}`, 'Content-Type': 'application/json', Accept: 'application/json;version=' },
    body: JSON.stringify({
      client_name: 'contract-sa',
      scope: 'urn:vcloud:role:vApp%20Author',
      software_id: '12345678-1234-1234-1234-1234567890ab',
      software_version: '1',
      client_uri: '',
    }),
  });
  assert.equal(register.status, 200, `register: ${register.text}`);
  const clientId = register.json().client_id as string;
  const id = `urn:vcloud:serviceAccount:${clientId}`;
  await call(`GET ${api}/serviceAccounts`, `${api}/serviceAccounts?pageSize=32`, { session: alice, expect: 200 });
  const account = (await call(`GET ${api}/serviceAccounts/:id`, `${api}/serviceAccounts/${id}`, { session: alice, expect: 200 })).json();
  await call(`PUT ${api}/serviceAccounts/:id`, `${api}/serviceAccounts/${id}`, {
    session: alice,
    body: { ...account, softwareVersion: '2' },
    expect: 200,
  });
  const authorize = await http(`${t.baseUrl}${oauthPath('acme')}/device_authorization`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${alice}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ client_id: clientId }),
  });
  assert.equal(authorize.status, 200, `device_authorization: ${authorize.text}`);
  const userCode = authorize.json().user_code as string;
  const found = await call(`POST ${api}/deviceLookup`, `${api}/deviceLookup`, { session: alice, body: { userCode }, expect: 303 });
  assert.match(found.headers.get('location') ?? '', /serviceAccounts\/urn:vcloud:serviceAccount:/);
  await call(`POST ${api}/deviceLookup`, `${api}/deviceLookup`, { session: alice, body: { userCode: 'NOPE-NOPE' }, expect: 404 });
  await call(`POST ${api}/deviceLookup/deny`, `${api}/deviceLookup/deny`, { session: alice, body: { userCode }, expect: 204 });
  await call(`POST ${api}/deviceLookup/grant`, `${api}/deviceLookup/grant`, { session: alice, body: { userCode }, expect: 400 });
  await call(`POST ${api}/serviceAccounts/:id/revoke`, `${api}/serviceAccounts/${id}/revoke`, { session: alice, expect: 204 });
  await call(`DELETE ${api}/serviceAccounts/:id`, `${api}/serviceAccounts/${id}`, { session: alice, expect: 204 });
});

test('TOTP enrolment answers as declared', async () => {
  const dave = (
    await call(`POST ${api}/users`, `${api}/users`, {
      session: alice,
      body: {
        username: 'contract-totp',
        password: 'Contract-Password-1',
        roleEntityRefs: [{ id: await firstId(`GET ${api}/roles`, `${api}/roles`, alice) }],
      },
      expect: 201,
    })
  ).json();
  const session = await signIn(t.baseUrl, 'contract-totp', 'acme', 'Contract-Password-1');
  const base = `${api}/users/current/totp`;
  await call(`GET ${base}`, base, { session, expect: 200 });
  const { secret } = (await call(`POST ${base}`, base, { session, expect: 200 })).json();
  await call(`POST ${base}/confirm`, `${base}/confirm`, { session, body: { code: '000000x' }, expect: 400 });
  const confirmed = (
    await call(`POST ${base}/confirm`, `${base}/confirm`, { session, body: { code: totpCode(secret) }, expect: 200 })
  ).json();
  assert.ok(confirmed.recoveryCodes.length > 0);
  await call(`DELETE ${base}`, base, { session, body: { password: 'wrong', code: '000000' }, expect: 400 });
  await call(`DELETE ${api}/users/:id`, `${api}/users/${dave.id}`, { session: alice, expect: 204 });
});

test('the inventory sync API answers as declared', async () => {
  const source = `${'/cloudapi/x-tessera/inventory/sources'}/contract`;
  const route = '/cloudapi/x-tessera/inventory/sources/:source';
  await call(`GET ${route}`, source, { session: admin, expect: 200 });
  await call(`GET ${route}`, source, { session: alice, expect: 403 });
  await call(`PUT ${route}`, source, { session: admin, body: { vdcs: [], vapps: [], vms: [] }, expect: 200 });
  const opened = (await call(`POST ${route}/generations`, `${source}/generations`, { session: admin, expect: 201 })).json();
  await call(`POST ${route}/batches`, `${source}/batches?generation=${opened.generation}`, {
    session: admin,
    body: { vms: [] },
    expect: 200,
  });
  await call(`POST ${route}/batches`, `${source}/batches?generation=${opened.generation + 5}`, { session: admin, body: {}, expect: 409 });
  await call(`POST ${route}/generations/:generation/commit`, `${source}/generations/${opened.generation}/commit`, {
    session: admin,
    expect: 200,
  });
  await call(`GET ${route}`, source, { session: admin, expect: 200 });
});

test('every /cloudapi route that declares a JSON success was called and answered with it', () => {
  const missing: string[] = [];
  for (const [route, responses] of declared) {
    for (const [status, response] of Object.entries(responses)) {
      const schema = jsonSchemaOf(response);
      if (!/^2\d\d$/.test(status) || schema === undefined || schema === 'none') continue;
      if (!answered.get(route)?.has(status)) missing.push(`${route} ${status}`);
    }
  }
  assert.deepEqual(missing, [], 'routes whose declared success answer no test checked');
  assert.ok(declared.size > 50, `only ${declared.size} /cloudapi routes collected`);
});
