/**
 * First start: the System org (well-known id) with its predefined roles and the `administrator` user, whose
 * password comes from TESSERA_ADMIN_PASSWORD or is generated and printed once. `--demo` adds tenant orgs
 * `acme` (alice: Organization Administrator, bob: vApp Author) and `globex` (hank), and their inventory.
 * Idempotent: a second start changes nothing and prints no password.
 */
import { randomUUID } from 'node:crypto';
import type { Store, Org, Executor } from '../store/store.js';
import type { Config } from '../config.js';
import type { UserService } from './users.js';
import { PREDEFINED_ROLES, RIGHT_CATALOGUE, SYSTEM_ORG_ID, SYSTEM_ORG_NAME, type PredefinedRoleName } from '../domain/rights.js';
import { generatePassword, verifyPassword } from './passwords.js';
import { seedDemoInventory } from '../inventory/demo.js';

export interface BootstrapResult {
  /** Set only when this start created the user with a generated password (print it once). */
  generatedAdminPassword: string | null;
  generatedDemoPassword: string | null;
  createdSystem: boolean;
  createdDemo: boolean;
  /**
   * TESSERA_ADMIN_PASSWORD / TESSERA_DEMO_PASSWORD was given for users that already exist and is not their password:
   * it was not used (the start warns). The same password again, as a CI job that exports it before every start of a
   * copied data directory does, is not worth a warning.
   */
  adminPasswordIgnored?: boolean;
  demoPasswordIgnored?: boolean;
  /**
   * USER@ORG of generated passwords that an earlier start printed but then failed before serving (set by
   * startServer): the operator may not have kept them, so they are reminded of `tessera admin reset-password`.
   */
  passwordsOfFailedStart?: string[];
}

/** Creates an org with a copy of each predefined role (System Administrator only in the System org). */
export async function createOrgWithRoles(
  store: Store,
  input: {
    id?: string;
    name: string;
    fullName?: string;
    description?: string;
    enabled?: boolean;
    deployedVmQuota?: number;
    storedVmQuota?: number;
    /** orgs.settings JSON (domain/org-settings.ts); default: the defaults. */
    settings?: string;
  },
  /** Run inside this transaction (the inventory apply creates orgs in its own); else in a new one. */
  ex?: Executor,
): Promise<Org> {
  const isSystem = input.id === SYSTEM_ORG_ID;
  const inTransaction = <T>(fn: (trx: Executor) => Promise<T>): Promise<T> => (ex ? fn(ex) : store.transaction(fn));
  return inTransaction(async (trx) => {
    const org = await store.createOrg(
      {
        id: input.id ?? randomUUID(),
        name: input.name,
        name_lower: input.name.toLowerCase(),
        full_name: input.fullName ?? input.name,
        description: input.description ?? '',
        is_enabled: input.enabled === false ? 0 : 1,
        is_system: isSystem ? 1 : 0,
        max_token_lifetime_days: null,
        deployed_vm_quota: input.deployedVmQuota ?? 0,
        stored_vm_quota: input.storedVmQuota ?? 0,
        created_at: Date.now(),
        ...(input.settings !== undefined ? { settings: input.settings } : {}),
      },
      trx,
    );
    for (const [name, def] of Object.entries(PREDEFINED_ROLES)) {
      // The System org holds the System Administrator role; tenant orgs every other predefined role.
      if (isSystem ? name !== 'System Administrator' : def.systemOnly) continue;
      await store.createRole(
        { id: randomUUID(), org_id: org.id, name, description: def.description, read_only: 1, created_at: Date.now() },
        def.rights,
        trx,
      );
    }
    return org;
  });
}

async function roleId(store: Store, orgId: string, name: PredefinedRoleName): Promise<string> {
  const role = await store.getRoleByName(orgId, name);
  if (!role) throw new Error(`predefined role ${name} missing in org ${orgId}`);
  return role.id;
}

export async function bootstrap(store: Store, config: Config, users: UserService): Promise<BootstrapResult> {
  const result: BootstrapResult = { generatedAdminPassword: null, generatedDemoPassword: null, createdSystem: false, createdDemo: false };
  if (!(await store.getOrg(SYSTEM_ORG_ID))) {
    const system = await createOrgWithRoles(store, { id: SYSTEM_ORG_ID, name: SYSTEM_ORG_NAME, fullName: 'System Organization' });
    await ensureDefaultRightsBundle(store);
    const password = config.adminPassword ?? generatePassword();
    await users.create({
      orgId: system.id,
      name: 'administrator',
      password,
      roleId: await roleId(store, system.id, 'System Administrator'),
      fullName: 'System Administrator',
    });
    if (!config.adminPassword) result.generatedAdminPassword = password;
    result.createdSystem = true;
  }
  if (config.demo && !(await store.getOrgByName('acme'))) {
    const password = config.demoPassword ?? generatePassword();
    const acme = await createOrgWithRoles(store, { name: 'acme', fullName: 'Acme Corporation' });
    const globex = await createOrgWithRoles(store, { name: 'globex', fullName: 'Globex Corporation' });
    const demoUsers: Array<[Org, string, PredefinedRoleName, string]> = [
      [acme, 'alice', 'Organization Administrator', 'Alice Admin'],
      [acme, 'bob', 'vApp Author', 'Bob Builder'],
      [globex, 'hank', 'Organization Administrator', 'Hank Scorpio'],
    ];
    for (const [org, name, role, fullName] of demoUsers) {
      await users.create({
        orgId: org.id,
        name,
        password,
        roleId: await roleId(store, org.id, role),
        fullName,
        storedVmQuota: 50,
        deployedVmQuota: 25,
      });
    }
    await seedDemoInventory(store, { acme: acme.id, globex: globex.id });
    if (!config.demoPassword) result.generatedDemoPassword = password;
    result.createdDemo = true;
  }
  if (!result.createdSystem && config.adminPassword) {
    result.adminPasswordIgnored = !(await isPasswordOf(store, SYSTEM_ORG_ID, 'administrator', config.adminPassword));
  }
  if (config.demo && !result.createdDemo && config.demoPassword) {
    const acme = await store.getOrgByName('acme');
    result.demoPasswordIgnored = !(acme && (await isPasswordOf(store, acme.id, 'alice', config.demoPassword)));
  }
  await addMissingPredefinedRoles(store);
  return result;
}

async function isPasswordOf(store: Store, orgId: string, name: string, password: string): Promise<boolean> {
  const user = await store.getUserByName(orgId, name);
  return user !== undefined && (await verifyPassword(user.password_hash, password));
}

/**
 * Predefined roles added by a later version (Catalog Author and Defer to Identity Provider) reach the orgs created
 * before it: each start gives every tenant org the predefined roles it lacks, by name. One read finds them all (a
 * start with nothing to add costs one query). An org's own role of that name is kept, since names are unique per
 * org; two nodes starting together may both try, and the second insert, refused by that unique name, is skipped.
 */
export async function addMissingPredefinedRoles(store: Store): Promise<number> {
  const tenantRoles = Object.entries(PREDEFINED_ROLES).filter(([, def]) => !def.systemOnly);
  const orgs = await store.db.selectFrom('orgs').select('id').where('id', '<>', SYSTEM_ORG_ID).execute();
  if (orgs.length === 0) return 0;
  const have = await store.db
    .selectFrom('roles')
    .select(['org_id', 'name_lower'])
    .where(
      'name_lower',
      'in',
      tenantRoles.map(([name]) => name.toLowerCase()),
    )
    .execute();
  const present = new Set(have.map((r) => `${r.org_id}/${r.name_lower}`));
  let added = 0;
  for (const org of orgs) {
    for (const [name, def] of tenantRoles) {
      if (present.has(`${org.id}/${name.toLowerCase()}`)) continue;
      const values = { id: randomUUID(), org_id: org.id, name, description: def.description, read_only: 1, created_at: Date.now() };
      try {
        await store.transaction((trx) => store.createRole(values, def.rights, trx));
        added += 1;
      } catch (err) {
        if (!(await store.getRoleByName(org.id, name))) throw err;
      }
    }
  }
  return added;
}

/** The provider's default rights bundle, published to every tenant: the rights tenant roles can hold. */
async function ensureDefaultRightsBundle(store: Store): Promise<void> {
  if ((await store.listRightsBundles()).length > 0) return;
  await store.createRightsBundle({
    id: randomUUID(),
    name: 'Default Rights Bundle',
    description: 'Rights published to every organization',
    read_only: 1,
    rights: JSON.stringify(RIGHT_CATALOGUE.filter((r) => !r.providerOnly).map((r) => r.name)),
    published_to: JSON.stringify('all'),
    created_at: Date.now(),
  });
}
