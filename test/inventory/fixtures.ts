/**
 * Store fixtures for the inventory suites: a fresh store per backend (SQLite in memory, PostgreSQL on a fresh
 * database; test/store/backends.ts decides and fails loudly), and orgs and users without argon2 (the store
 * does not care how a password hash was made).
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../../src/store/store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { createOrgWithRoles } from '../../src/auth/bootstrap.js';
import { createTestDatabase } from '../helpers/tessera.js';
import type { BackendPlan } from '../store/backends.js';
import type { Insertable } from 'kysely';
import type { VdcTable } from '../../src/inventory/schema.js';

/** A VDC row with no capacity, quota or network (the sort and seek suites need only its id and name). */
export function emptyVdcRow(orgId: string, name: string): Insertable<VdcTable> {
  return {
    id: randomUUID(),
    org_id: orgId,
    name,
    description: '',
    allocation_model: 'AllocationVApp',
    is_enabled: 1,
    cpu_allocated_mhz: 0,
    cpu_limit_mhz: 0,
    memory_allocated_mb: 0,
    memory_limit_mb: 0,
    storage_limit_mb: 0,
    storage_profile: 'gold',
    network_name: null,
    vm_quota: 0,
    created_at: 0,
  };
}

export async function openTestStore(plan: BackendPlan): Promise<{ store: Store; cleanup(): Promise<void> }> {
  if (plan.backend === 'sqlite') {
    const store = await openSqliteStore(':memory:');
    return { store, cleanup: () => store.close() };
  }
  const database = await createTestDatabase();
  const store = await openPostgresStore(database.url, { warn() {}, info() {} });
  return {
    store,
    async cleanup() {
      await store.close();
      await database.drop();
    },
  };
}

export async function makeOrg(store: Store, name: string) {
  return createOrgWithRoles(store, { name, fullName: `${name} Inc.` });
}

export async function makeUser(store: Store, orgId: string, name: string) {
  const role = await store.getRoleByName(orgId, 'vApp User');
  return store.createUser({
    id: randomUUID(),
    org_id: orgId,
    name,
    full_name: name,
    password_hash: 'not-a-real-hash',
    role_id: role!.id,
  });
}

/** acme (alice, bob) and globex (hank), as the bootstrap makes them for --demo. */
export async function makeDemoOrgs(store: Store) {
  const acme = await makeOrg(store, 'acme');
  const globex = await makeOrg(store, 'globex');
  for (const name of ['alice', 'bob']) await makeUser(store, acme.id, name);
  await makeUser(store, globex.id, 'hank');
  return { acme: acme.id, globex: globex.id };
}

export const countRows = async (store: Store, table: 'vms' | 'vapps' | 'vdcs' | 'metadata', orgId: string) =>
  Number(
    (
      await store.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('org_id', '=', orgId)
        .executeTakeFirstOrThrow()
    ).n,
  );
