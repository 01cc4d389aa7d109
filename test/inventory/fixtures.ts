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
import type { VAppTable, VdcTable, VmTable } from '../../src/inventory/schema.js';

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

/** A vApp row in a VDC, MIXED, owned by no one (the sort and seek suites need only where it is). */
export function plainVAppRow(vdc: Insertable<VdcTable>): Insertable<VAppTable> {
  return {
    id: randomUUID(),
    org_id: vdc.org_id,
    vdc_id: vdc.id as string,
    name: 'vapp',
    description: '',
    status: 'MIXED',
    owner_id: null,
    is_deployed: 1,
    is_template: 0,
    catalog_name: null,
    created_at: 0,
  };
}

/** A powered-on VM row of one CPU in a vApp, named `name`; `overrides` sets any other column. */
export function plainVmRow(vapp: Insertable<VAppTable>, name: string, overrides: Partial<Insertable<VmTable>> = {}): Insertable<VmTable> {
  return {
    id: randomUUID(),
    org_id: vapp.org_id,
    vdc_id: vapp.vdc_id,
    vapp_id: vapp.id as string,
    name,
    description: '',
    status: 'POWERED_ON',
    guest_os: 'Ubuntu Linux (64-bit)',
    cpus: 1,
    memory_mb: 1024,
    storage_profile: 'gold',
    network_name: null,
    ip_address: null,
    owner_id: null,
    hardware_version: 19,
    disk_mb: 1024,
    is_deployed: 1,
    is_template: 0,
    created_at: 0,
    ...overrides,
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
