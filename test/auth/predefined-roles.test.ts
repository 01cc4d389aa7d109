/**
 * VCD's six predefined tenant roles in every tenant org (Terraform's vcd_org_user names them; its docs list all
 * six): new orgs get them at creation, and orgs of a store made before Catalog Author and Defer to Identity
 * Provider existed get the missing ones at the next start, without touching a tenant's own role of that name.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { addMissingPredefinedRoles } from '../../src/auth/bootstrap.js';
import { PREDEFINED_ROLES } from '../../src/domain/rights.js';
import { selectedBackends } from '../store/backends.js';

const TENANT_ROLES = Object.entries(PREDEFINED_ROLES)
  .filter(([, def]) => !def.systemOnly)
  .map(([name]) => name)
  .sort();

for (const plan of selectedBackends()) {
  let t: TesseraHandle;
  before(async () => {
    if (!plan.unavailable) t = await startTessera({ backend: plan.backend });
  });
  after(async () => t?.stop());

  test(`tenant orgs hold the six predefined roles; a store without the two newer ones gets them at start (${plan.backend})`, async (c) => {
    if (plan.unavailable) {
      if (plan.unavailable.fail) assert.fail(plan.unavailable.reason);
      c.skip(plan.unavailable.reason);
      return;
    }
    const store = t.store;
    const acme = (await store.getOrgByName('acme'))!;
    const globex = (await store.getOrgByName('globex'))!;
    const names = async (orgId: string) => (await store.listRoles(orgId)).map((r) => r.name).sort();
    assert.deepEqual(TENANT_ROLES, [
      'Catalog Author',
      'Console Access Only',
      'Defer to Identity Provider',
      'Organization Administrator',
      'vApp Author',
      'vApp User',
    ]);
    assert.deepEqual(await names(acme.id), TENANT_ROLES);

    // A store from before: acme lacks both newer roles; globex has its own "catalog author" (a tenant's role).
    await store.db
      .deleteFrom('roles')
      .where('org_id', 'in', [acme.id, globex.id])
      .where('name', 'in', ['Catalog Author', 'Defer to Identity Provider'])
      .execute();
    const own = await store.createRole(
      { id: crypto.randomUUID(), org_id: globex.id, name: 'catalog author', description: 'ours', read_only: 0, created_at: Date.now() },
      [],
    );
    assert.equal(await addMissingPredefinedRoles(store), 3, 'two for acme, Defer to Identity Provider for globex');
    assert.deepEqual(await names(acme.id), TENANT_ROLES);
    const catalogAuthor = (await store.getRoleByName(acme.id, 'Catalog Author'))!;
    assert.equal(catalogAuthor.read_only, 1);
    assert.deepEqual([...(await store.roleRights(catalogAuthor.id))].sort(), [...PREDEFINED_ROLES['vApp Author'].rights].sort());
    assert.deepEqual([...(await store.roleRights((await store.getRoleByName(acme.id, 'Defer to Identity Provider'))!.id))], []);
    const kept = (await store.getRoleByName(globex.id, 'Catalog Author'))!;
    assert.equal(kept.id, own.id, "the tenant's own role of that name is kept");
    assert.equal(kept.description, 'ours');
    assert.equal(await addMissingPredefinedRoles(store), 0, 'a second start adds nothing');
    // The System org holds the System Administrator role only.
    assert.deepEqual(
      (await store.listRoles((await store.getOrgByName('System'))!.id)).map((r) => r.name),
      ['System Administrator'],
    );
  });
}
