/**
 * Migration 0024: managing orgs takes "General: Administrator Control". A store made before it gives the right to
 * the predefined System Administrator role, once, and to no other role: a custom provider role made to view keeps
 * viewing only (until then its "General: Administrator View" let it create, disable and delete orgs).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Store } from '../../src/store/store.js';
import * as m0024 from '../../src/store/migrations/0024_administrator_control.js';
import { createOrgWithRoles } from '../../src/auth/bootstrap.js';
import { RIGHTS, SYSTEM_ORG_ID, SYSTEM_ORG_NAME } from '../../src/domain/rights.js';
import { bothBackends, reportUnavailable, storeLocation, type StoreLocation } from './backends.js';

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'migration 0024')) continue;
  describe(`migration 0024 on ${plan.backend}`, () => {
    let store: Store;
    let location: StoreLocation;
    before(async () => {
      location = await storeLocation(plan, 'tessera-0024-');
      store = await location.open();
    });
    after(async () => {
      await store?.close();
      await location?.cleanup();
    });

    const rightsOf = async (roleId: string) => (await store.roleRights(roleId)).sort();

    test('the System Administrator role gains the right, once; a view-only provider role does not', async () => {
      await createOrgWithRoles(store, { id: SYSTEM_ORG_ID, name: SYSTEM_ORG_NAME, fullName: 'System Organization' });
      const admin = (await store.getRoleByName(SYSTEM_ORG_ID, 'System Administrator'))!;
      assert.ok((await rightsOf(admin.id)).includes(RIGHTS.systemControl), 'a new store: from the role definition');
      // The store as it was before 0024: the role without the right, and a custom role made to view every org.
      await store.db.deleteFrom('role_rights').where('right_name', '=', RIGHTS.systemControl).execute();
      const viewer = await store.createRole(
        { id: randomUUID(), org_id: SYSTEM_ORG_ID, name: 'Provider viewer', description: '', read_only: 0, created_at: Date.now() },
        [RIGHTS.systemAdmin, RIGHTS.orgView],
      );
      const before = await rightsOf(admin.id);
      await m0024.up(store.db, plan.backend);
      assert.deepEqual(await rightsOf(admin.id), [...before, RIGHTS.systemControl].sort());
      assert.deepEqual(await rightsOf(viewer.id), [RIGHTS.orgView, RIGHTS.systemAdmin].sort());
      await m0024.up(store.db, plan.backend);
      assert.deepEqual(await rightsOf(admin.id), [...before, RIGHTS.systemControl].sort(), 'run again, nothing doubled');
    });
  });
}
