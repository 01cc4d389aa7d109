/**
 * A VDC's storage profiles (VCD's VdcStorageProfile), as the Vdc document lists them and
 * `/api/vdcStorageProfile/{id}` answers them (govcd's GetStorageProfileByHref, Terraform's vcd_org_vdc and
 * vcd_storage_profile).
 *
 * They have no table of their own: a VDC row lists them in `storage_profiles` (JSON `[{name, limitMb}]`, the
 * default first: inventory files, agents and the demo write it), and rows written without that list (before 0008,
 * the generator) have one profile, `storage_profile`, holding the VDC's whole storage limit. Ids are name-based
 * on the VDC's id, so every node names a profile alike; a profile's usage is what its VMs' disks take.
 */
import type { Executor } from '../store/store.js';
import type { InventoryScope } from './scope.js';
import type { Vdc } from './repository.js';
import { nameBasedUuid } from './uuid.js';

export interface VdcStorageProfile {
  readonly id: string;
  readonly name: string;
  /** In MB; 0 = unlimited (VCD's convention). */
  readonly limitMb: number;
  readonly isDefault: boolean;
}

type ProfileColumns = Pick<Vdc, 'id' | 'storage_profile' | 'storage_profiles' | 'storage_limit_mb'>;

export const storageProfileId = (vdcId: string, name: string): string => nameBasedUuid(vdcId, `storage-profile/${name}`);

function listed(json: string): Array<{ name: string; limitMb: number }> {
  try {
    const parsed: unknown = JSON.parse(json);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((p): p is { name: string; limitMb: number } => typeof p?.name === 'string' && typeof p?.limitMb === 'number');
  } catch {
    return [];
  }
}

/** The VDC's profiles, the default first. */
export function storageProfilesOf(vdc: ProfileColumns): VdcStorageProfile[] {
  const profiles = listed(vdc.storage_profiles);
  const all = profiles.length > 0 ? profiles : [{ name: vdc.storage_profile, limitMb: Number(vdc.storage_limit_mb) }];
  return all.map((p) => ({
    id: storageProfileId(vdc.id, p.name),
    name: p.name,
    limitMb: p.limitMb,
    isDefault: p.name === vdc.storage_profile,
  }));
}

/** MB used on each profile of a VDC: the disks of its VMs (templates' too: they are stored in the VDC). */
export async function storageUsedMbByProfile(ex: Executor, vdcId: string): Promise<Map<string, number>> {
  const rows = await ex
    .selectFrom('vms')
    .select(['storage_profile', (eb) => eb.fn.sum<number | string>('disk_mb').as('used')])
    .where('vdc_id', '=', vdcId)
    .groupBy('storage_profile')
    .execute();
  return new Map(rows.map((r) => [r.storage_profile, Number(r.used ?? 0)]));
}

/** A profile with the VDC (and org) it belongs to: one record of the storage-profile query types. */
export interface ScopedStorageProfile {
  readonly vdcId: string;
  readonly orgId: string;
  readonly profile: VdcStorageProfile;
}

/**
 * Every profile of the VDCs a scope sees (a tenant: its org's; the provider: every org's), by VDC id then in each
 * VDC's order: what the query service's `orgVdcStorageProfile` types list (query/catalogue.ts says why this way).
 */
export async function storageProfilesInScope(ex: Executor, scope: InventoryScope): Promise<ScopedStorageProfile[]> {
  let query = ex.selectFrom('vdcs').select(['id', 'org_id', 'storage_profile', 'storage_profiles', 'storage_limit_mb']).orderBy('id');
  if (scope.kind === 'org') query = query.where('org_id', '=', scope.orgId);
  const seen = new Set<string>();
  const all: ScopedStorageProfile[] = [];
  for (const vdc of await query.execute()) {
    for (const profile of storageProfilesOf(vdc)) {
      // Writers refuse a name listed twice (declarative/plan.ts); a row that still had one would give two records
      // one id, and the id is the query's tiebreaker.
      if (seen.has(profile.id)) continue;
      seen.add(profile.id);
      all.push({ vdcId: vdc.id, orgId: vdc.org_id, profile });
    }
  }
  return all;
}

/**
 * The profile with this id among the VDCs a scope sees, with its VDC; undefined when there is none. A tenant's
 * scope is its org's few VDCs; the System administrator's is every VDC (one indexed read of four columns).
 */
export async function findStorageProfile(
  ex: Executor,
  scope: InventoryScope,
  id: string,
): Promise<{ vdc: Vdc; profile: VdcStorageProfile } | undefined> {
  let query = ex.selectFrom('vdcs').select(['id', 'org_id', 'storage_profile', 'storage_profiles', 'storage_limit_mb']);
  if (scope.kind === 'org') query = query.where('org_id', '=', scope.orgId);
  for (const row of await query.execute()) {
    const profile = storageProfilesOf(row).find((p) => p.id === id);
    if (!profile) continue;
    const vdc = await ex.selectFrom('vdcs').selectAll().where('id', '=', row.id).executeTakeFirst();
    return vdc ? { vdc, profile } : undefined;
  }
  return undefined;
}
