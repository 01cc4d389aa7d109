/**
 * Generated orgs full of VMs, for benchmarks and load tests: the work behind `tessera seed` (src/cli/seed.ts).
 *
 * Each generated org (`gen-01` ... by default) gets the predefined roles, two users that own its vApps
 * (`admin`, Organization Administrator, and `operator`, vApp Author, sharing one password that is printed
 * once), and its share of the VMs (inventory/generate.ts). Writes are batched in one transaction per org:
 * 100,000 VMs take seconds on SQLite.
 *
 *   import { seedGeneratedInventory } from '../src/cli/seed-generated.js';
 *   const { orgs, userPassword } = await seedGeneratedInventory(store, { vms: 1000, orgs: 1, orgPrefix: 'bench' });
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/store.js';
import { createOrgWithRoles } from '../auth/bootstrap.js';
import { generatePassword, hashPassword } from '../auth/passwords.js';
import { generateOrgInventory } from '../inventory/generate.js';
import type { PredefinedRoleName } from '../domain/rights.js';

export interface SeedProgress {
  /** The org being filled, 1-based among `orgCount`. */
  readonly org: string;
  readonly orgIndex: number;
  readonly orgCount: number;
  /** VMs written so far over all orgs, and the total asked for. */
  readonly vmsDone: number;
  readonly vmsTotal: number;
}

export interface SeedOptions {
  readonly vms: number;
  readonly orgs: number;
  /** Generated org names are `<prefix>-01`, `<prefix>-02` ...; default `gen`. */
  readonly orgPrefix?: string;
  /** Password of the generated users; generated when absent (and returned). */
  readonly userPassword?: string;
  readonly onProgress?: (progress: SeedProgress) => void;
}

export interface SeededOrg {
  readonly id: string;
  readonly name: string;
  readonly vms: number;
  /** User names, all with `userPassword`: `admin` (Organization Administrator) and `operator` (vApp Author). */
  readonly users: readonly string[];
}

export interface SeedResult {
  readonly orgs: readonly SeededOrg[];
  readonly userPassword: string;
  readonly elapsedMs: number;
}

export const MAX_SEED_VMS = 10_000_000;
export const MAX_SEED_ORGS = 1000;

const SEED_USERS: ReadonlyArray<readonly [string, PredefinedRoleName, string]> = [
  ['admin', 'Organization Administrator', 'Generated Org Admin'],
  ['operator', 'vApp Author', 'Generated Operator'],
];

/** VMs are spread evenly: the first `vms % orgs` orgs get one more. */
export function vmsPerOrg(vms: number, orgs: number): number[] {
  return Array.from({ length: orgs }, (_, i) => Math.floor(vms / orgs) + (i < vms % orgs ? 1 : 0));
}

export async function seedGeneratedInventory(store: Store, options: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  if (!Number.isInteger(options.vms) || options.vms < 0 || options.vms > MAX_SEED_VMS) {
    throw new RangeError(`vms must be a whole number from 0 to ${MAX_SEED_VMS}`);
  }
  if (!Number.isInteger(options.orgs) || options.orgs < 1 || options.orgs > MAX_SEED_ORGS) {
    throw new RangeError(`orgs must be a whole number from 1 to ${MAX_SEED_ORGS}`);
  }
  const prefix = options.orgPrefix ?? 'gen';
  const names = Array.from({ length: options.orgs }, (_, i) => `${prefix}-${String(i + 1).padStart(2, '0')}`);
  for (const name of names) {
    if (await store.getOrgByName(name)) throw new Error(`org "${name}" already exists; choose another --org-prefix`);
  }

  const userPassword = options.userPassword ?? generatePassword();
  const passwordHash = await hashPassword(userPassword); // once: every generated user shares it
  const shares = vmsPerOrg(options.vms, options.orgs);
  const seeded: SeededOrg[] = [];
  let vmsBefore = 0;
  for (const [index, name] of names.entries()) {
    const org = await createOrgWithRoles(store, {
      name,
      fullName: `Generated organization ${name}`,
      description: 'Created by tessera seed',
    });
    const ownerIds: string[] = [];
    for (const [userName, roleName, fullName] of SEED_USERS) {
      const role = await store.getRoleByName(org.id, roleName);
      const user = await store.createUser({
        id: randomUUID(),
        org_id: org.id,
        name: userName,
        full_name: fullName,
        password_hash: passwordHash,
        role_id: role!.id,
      });
      ownerIds.push(user.id);
    }
    const share = shares[index]!;
    const report = (done: number) =>
      options.onProgress?.({ org: name, orgIndex: index + 1, orgCount: names.length, vmsDone: vmsBefore + done, vmsTotal: options.vms });
    report(0);
    await generateOrgInventory(store, org.id, share, { ownerIds, onProgress: (p) => report(p.done) });
    vmsBefore += share;
    seeded.push({ id: org.id, name, vms: share, users: SEED_USERS.map(([u]) => u) });
  }
  return { orgs: seeded, userPassword, elapsedMs: Date.now() - started };
}
