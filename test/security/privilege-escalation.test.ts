/**
 * Issue 10, defect 1: an Organization Administrator created a role holding a provider-only right, gave it to
 * herself, and rewrote the System-wide Default Rights Bundle. The rules now (src/auth/identity-admin.ts):
 * nobody grants what they lack, tenants grant only tenant rights published to their org, shared objects are the
 * System org's alone, and every change is audited. The attack is replayed over HTTP, then the containment rule
 * is checked as a property over random roles and grants.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';
import { RIGHTS, RIGHT_CATALOGUE, isProviderOnlyRight } from '../../src/domain/rights.js';
import { effectiveRights } from '../../src/domain/policy.js';
import type { Principal } from '../../src/domain/principal.js';
import type { Store } from '../../src/store/store.js';

const API = '/cloudapi/1.0.0';

describe('privilege escalation through roles, groups and rights bundles', () => {
  let t: TesseraHandle;
  let base: string;
  let alice: string;
  let acmeId: string;
  let globexId: string;

  const json = (token: string, method: string, path: string, body?: unknown) =>
    http(`${base}${API}${path}`, {
      method,
      headers: { ...bearer(token), 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const ref = (name: string) => ({ name });

  before(async () => {
    t = await startTessera({ config: { signInRateLimit: 1000 } });
    base = t.baseUrl;
    alice = await signIn(base, 'alice', 'acme', t.demoPassword);
    acmeId = (await t.store.getOrgByName('acme'))!.id;
    globexId = (await t.store.getOrgByName('globex'))!.id;
  });
  after(async () => {
    await t?.stop();
  });

  test('an org admin cannot create a role with a provider-only right, nor one she lacks', async () => {
    for (const right of [RIGHTS.rightsBundleManage, RIGHTS.globalRoleManage, RIGHTS.systemAdmin]) {
      const r = await json(alice, 'POST', '/roles', { name: `escalate-${right}`, rights: [ref(right)] });
      assert.equal(r.status, 403, `${right}: ${r.text}`);
      assert.match(r.json().message, /cannot grant/);
      assert.equal(await t.store.getRoleByName(acmeId, `escalate-${right}`), undefined, 'nothing was written');
    }
    const ok = await json(alice, 'POST', '/roles', { name: 'Auditors', rights: [ref(RIGHTS.auditView), ref(RIGHTS.orgView)] });
    assert.equal(ok.status, 201, ok.text);
    const put = await json(alice, 'PUT', `/roles/${ok.json().id}/rights`, { values: [ref(RIGHTS.rightsBundleManage)] });
    assert.equal(put.status, 403, 'nor add one later');
    assert.deepEqual(await t.store.roleRights(ok.json().id.split(':').pop()), [RIGHTS.auditView, RIGHTS.orgView].sort());
  });

  test('rights bundles and global roles are the System org\u2019s alone, even for a tenant role that claims the right', async () => {
    // A tainted role, as an older version or a direct database edit could leave it: it must grant nothing.
    const tainted = await t.store.createRole(
      { id: randomUUID(), org_id: acmeId, name: 'Tainted', description: '', read_only: 0, created_at: Date.now() },
      [RIGHTS.rightsBundleManage, RIGHTS.rightsBundleView, RIGHTS.userView],
    );
    const alice2 = (await t.store.getUserByName(acmeId, 'alice'))!;
    const original = alice2.role_id;
    await t.store.updateUser(alice2.id, { role_id: tainted.id });
    t.server.services.identities.invalidate();
    try {
      const session = await signIn(base, 'alice', 'acme', t.demoPassword);
      const bundles = (await json(session, 'GET', '/rightsBundles')).json().values as Array<{ id: string; name: string }>;
      const defaultBundle = bundles.find((b) => b.name === 'Default Rights Bundle')!;
      const before = (await t.store.getRightsBundle(defaultBundle.id.split(':').pop()!))!;
      const rename = await json(session, 'PUT', `/rightsBundles/${defaultBundle.id}`, { name: 'owned' });
      assert.equal(rename.status, 403, rename.text);
      const rights = await json(session, 'PUT', `/rightsBundles/${defaultBundle.id}/rights`, { values: [ref(RIGHTS.systemAdmin)] });
      assert.equal(rights.status, 403, rights.text);
      assert.deepEqual(await t.store.getRightsBundle(before.id), before, 'the bundle every org reads is unchanged');
      assert.equal((await json(session, 'POST', '/globalRoles', { name: 'x' })).status, 403);
    } finally {
      await t.store.updateUser(alice2.id, { role_id: original });
      t.server.services.identities.invalidate();
    }
  });

  test('a user manager without the admin role\u2019s rights cannot hand it out, to others or to herself', async () => {
    const managerRole = await json(alice, 'POST', '/roles', {
      name: 'User Managers',
      rights: [ref(RIGHTS.userView), ref(RIGHTS.userManage), ref(RIGHTS.roleView)],
    });
    assert.equal(managerRole.status, 201, managerRole.text);
    const created = await json(alice, 'POST', '/users', {
      username: 'mallory',
      password: 'Mallory-Password-1',
      roleEntityRefs: [{ id: managerRole.json().id }],
    });
    assert.equal(created.status, 201, created.text);
    const mallory = await signIn(base, 'mallory', 'acme', 'Mallory-Password-1');
    const adminRole = (await json(alice, 'GET', `/roles?filter=${encodeURIComponent('name==Organization Administrator')}`)).json()
      .values[0];
    const self = await json(mallory, 'PUT', `/users/${created.json().id}`, { roleEntityRefs: [{ id: adminRole.id }] });
    assert.equal(self.status, 403, self.text);
    const other = await json(mallory, 'POST', '/users', {
      username: 'sock-puppet',
      password: 'Sock-Puppet-Pass-1',
      roleEntityRefs: [{ id: adminRole.id }],
    });
    assert.equal(other.status, 403, other.text);
    assert.equal(await t.store.getUserByName(acmeId, 'sock-puppet'), undefined);
    // Nor take over a more privileged account by resetting its password.
    const aliceId = (await t.store.getUserByName(acmeId, 'alice'))!.id;
    const takeover = await json(mallory, 'PUT', `/users/urn:vcloud:user:${aliceId}`, { password: 'Taken-Over-Pass-1' });
    assert.equal(takeover.status, 403, takeover.text);
  });

  test('every role, group and bundle change is audited', async () => {
    const vappAuthor = (await json(alice, 'GET', '/roles?filter=name==vApp%20Author')).json().values[0];
    const group = await json(alice, 'POST', '/groups', { name: 'ops', roleEntityRefs: [{ id: vappAuthor.id }] });
    assert.equal(group.status, 201, group.text);
    assert.equal((await json(alice, 'PUT', `/groups/${group.json().id}`, { description: 'on call' })).status, 200);
    assert.equal((await json(alice, 'DELETE', `/groups/${group.json().id}`)).status, 204);
    const role = await json(alice, 'POST', '/roles', { name: 'Short-lived', rights: [ref(RIGHTS.orgView)] });
    assert.equal((await json(alice, 'PUT', `/roles/${role.json().id}`, { name: 'Renamed' })).status, 200);
    assert.equal((await json(alice, 'DELETE', `/roles/${role.json().id}`)).status, 204);
    const admin = await signIn(base, 'administrator', 'System', t.adminPassword);
    const bundle = (await json(admin, 'GET', '/rightsBundles')).json().values[0];
    assert.equal((await json(admin, 'PUT', `/rightsBundles/${bundle.id}`, { description: 'edited by the provider' })).status, 200);
    const trail = (await json(admin, 'GET', '/auditTrail?pageSize=128')).json().values as Array<{ eventType: string }>;
    const types = new Set(trail.map((e) => e.eventType));
    for (const type of [
      'group.created',
      'group.updated',
      'group.deleted',
      'role.created',
      'role.updated',
      'role.deleted',
      'rightsBundle.updated',
    ]) {
      assert.ok(types.has(type), `${type} is in the trail`);
    }
  });

  test('property: no grant gives a right its granter lacks, and no tenant action changes another org', async () => {
    const services = t.server.services;
    const admin = services.identityAdmin;
    const tenantRights = RIGHT_CATALOGUE.map((r) => r.name);
    const snapshot = async (store: Store, orgId: string) => {
      const roles = await store.listRoles(orgId);
      return {
        roles: await Promise.all(roles.map(async (r) => ({ ...r, rights: await store.roleRights(r.id) }))),
        users: (await store.listUsers(orgId)).map((u) => [u.id, u.role_id]),
        bundles: await store.listRightsBundles(),
      };
    };
    const globexBefore = await snapshot(t.store, globexId);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(tenantRights),
        fc.array(fc.record({ kind: fc.constantFrom('createRole', 'setRights', 'assign', 'bundle'), rights: fc.subarray(tenantRights) }), {
          minLength: 1,
          maxLength: 6,
        }),
        async (actorRights, actions) => {
          run += 1;
          // The granter: a user of acme whose role the provider set up with arbitrary rights.
          const role = await t.store.createRole(
            { id: randomUUID(), org_id: acmeId, name: `granter-${run}`, description: '', read_only: 0, created_at: Date.now() },
            actorRights,
          );
          const user = await t.store.createUser({
            id: randomUUID(),
            org_id: acmeId,
            name: `granter-${run}`,
            password_hash: 'x',
            role_id: role.id,
          });
          const actor: Principal = {
            userId: user.id,
            userName: user.name,
            orgId: acmeId,
            orgName: 'acme',
            isSystemOrg: false,
            roleId: role.id,
            roleName: role.name,
            rights: new Set(actorRights),
            sessionId: randomUUID(),
            kind: 'password',
            apiTokenId: null,
            issuedAt: 0,
            credentialsReadAtMs: 0,
            expiresAt: 0,
            signedExpiresAt: 0,
          };
          const held = effectiveRights(actor);
          let made: string | null = null;
          for (const [i, action] of actions.entries()) {
            try {
              if (action.kind === 'createRole') {
                made = (await admin.createRole(actor, acmeId, { name: `made-${run}-${i}`, rights: action.rights }, null)).id;
              } else if (action.kind === 'setRights' && made) {
                await admin.setRoleRights(actor, (await t.store.getRole(made))!, action.rights, null);
              } else if (action.kind === 'assign' && made) {
                await admin.createUser(
                  actor,
                  { orgId: acmeId, name: `grantee-${run}-${i}`, password: 'Grantee-Pass-123', roleId: made },
                  null,
                );
              } else if (action.kind === 'bundle') {
                const bundle = (await t.store.listRightsBundles())[0]!;
                await admin.setRightsBundleRights(actor, bundle, action.rights, null);
                assert.fail('a tenant changed a rights bundle');
              }
            } catch (err) {
              if (err instanceof assert.AssertionError) throw err;
              assert.ok((err as { status?: number }).status! < 500, `refusals are 4xx: ${(err as Error).message}`);
            }
          }
          // Every role the actor could make or edit holds only rights the actor holds, none provider-only.
          for (const r of await t.store.listRoles(acmeId)) {
            if (!r.name.startsWith(`made-${run}-`)) continue;
            for (const right of await t.store.roleRights(r.id)) {
              assert.ok(held.has(right), `${right} was granted by someone who lacks it`);
              assert.ok(!isProviderOnlyRight(right), `${right} is provider-only`);
            }
          }
        },
      ),
      { numRuns: Number(process.env.TESSERA_FUZZ_RUNS ?? 25) },
    );
    assert.deepEqual(await snapshot(t.store, globexId), globexBefore, 'globex, and the shared bundles, are untouched');
  });
});
