/**
 * Seeds the demo inventory (DEMO_INVENTORY in demo-spec.ts) into the `acme` and `globex` orgs created by the
 * bootstrap. Ids derive from each org's id and the entity's names (uuid.ts), so the same org always gets the
 * same ids, and a second call finds the first VDC and changes nothing.
 */
import type { Insertable } from 'kysely';
import type { Store, Executor } from '../store/store.js';
import type { MetadataTable, MetadataEntityKind, VAppTable, VdcTable, VmTable } from './schema.js';
import { DEMO_EPOCH, DEMO_INVENTORY, type DemoMetadata, type DemoOrgInventory } from './demo-spec.js';
import { nameBasedUuid } from './uuid.js';
import { insertInventoryRows, type InventoryRows } from './writer.js';

/** The ids the demo gives its entities in a given org (exported for tests that need one by name). */
export const demoIds = {
  vdc: (orgId: string, vdc: string) => nameBasedUuid(orgId, `vdc/${vdc}`),
  vapp: (orgId: string, vdc: string, vapp: string) => nameBasedUuid(orgId, `vapp/${vdc}/${vapp}`),
  vm: (orgId: string, vdc: string, vapp: string, vm: string) => nameBasedUuid(orgId, `vm/${vdc}/${vapp}/${vm}`),
};

export async function seedDemoInventory(store: Store, orgs: { acme: string; globex: string }): Promise<void> {
  await store.transaction(async (trx) => {
    for (const [orgId, inventory] of [
      [orgs.acme, DEMO_INVENTORY.acme],
      [orgs.globex, DEMO_INVENTORY.globex],
    ] as const) {
      const first = inventory.vdcs[0];
      if (first && (await trx.selectFrom('vdcs').select('id').where('id', '=', demoIds.vdc(orgId, first.name)).executeTakeFirst()))
        continue;
      await insertInventoryRows(trx, await demoRows(store, trx, orgId, inventory));
    }
  });
}

/** The rows for one org. Owners are looked up by user name in that org; a missing user is an error. */
async function demoRows(store: Store, ex: Executor, orgId: string, inventory: DemoOrgInventory): Promise<InventoryRows> {
  const ownerIds = new Map<string, string>();
  for (const name of new Set(inventory.vdcs.flatMap((v) => v.vapps.map((a) => a.owner)))) {
    const user = await store.getUserByName(orgId, name, ex);
    if (!user) throw new Error(`demo inventory: user "${name}" does not exist in org ${orgId}; create the demo users first`);
    ownerIds.set(name, user.id);
  }

  const rows: Required<InventoryRows> = { vdcs: [], vapps: [], vms: [], metadata: [], extraConfig: [] };
  const metadata = (kind: MetadataEntityKind, entityId: string, entries: readonly DemoMetadata[]) => {
    for (const m of entries) rows.metadata.push(metadataRow(orgId, kind, entityId, m));
  };
  metadata('org', orgId, inventory.metadata);

  let minute = 0;
  for (const vdc of inventory.vdcs) {
    const vdcId = demoIds.vdc(orgId, vdc.name);
    rows.vdcs.push({
      id: vdcId,
      org_id: orgId,
      name: vdc.name,
      description: vdc.description,
      allocation_model: vdc.allocationModel,
      is_enabled: 1,
      cpu_allocated_mhz: vdc.cpuAllocatedMhz,
      cpu_limit_mhz: vdc.cpuLimitMhz,
      memory_allocated_mb: vdc.memoryAllocatedMb,
      memory_limit_mb: vdc.memoryLimitMb,
      storage_limit_mb: vdc.storageLimitMb,
      storage_profile: vdc.storageProfile,
      storage_profiles: JSON.stringify(vdc.storageProfiles),
      network_name: vdc.network,
      vm_quota: vdc.vmQuota,
      created_at: DEMO_EPOCH,
    } satisfies Insertable<VdcTable>);
    metadata('vdc', vdcId, vdc.metadata);

    for (const vapp of vdc.vapps) {
      const vappId = demoIds.vapp(orgId, vdc.name, vapp.name);
      const ownerId = ownerIds.get(vapp.owner)!;
      rows.vapps.push({
        id: vappId,
        org_id: orgId,
        vdc_id: vdcId,
        name: vapp.name,
        description: vapp.description,
        status: vapp.status,
        owner_id: ownerId,
        is_deployed: vapp.deployed ? 1 : 0,
        is_template: vapp.template ? 1 : 0,
        catalog_name: vapp.catalog,
        created_at: DEMO_EPOCH + minute * 60_000,
      } satisfies Insertable<VAppTable>);

      for (const vm of vapp.vms) {
        const vmId = demoIds.vm(orgId, vdc.name, vapp.name, vm.name);
        rows.vms.push({
          id: vmId,
          org_id: orgId,
          vdc_id: vdcId,
          vapp_id: vappId,
          name: vm.name,
          description: '',
          status: vm.status,
          guest_os: vm.guestOs,
          cpus: vm.cpus,
          memory_mb: vm.memoryMb,
          storage_profile: vm.storageProfile,
          network_name: vm.network,
          ip_address: vm.ipAddress,
          owner_id: ownerId,
          hardware_version: vm.hardwareVersion,
          disk_mb: vm.diskMb,
          is_deployed: vm.deployed ? 1 : 0,
          is_template: vapp.template ? 1 : 0,
          created_at: DEMO_EPOCH + minute++ * 60_000,
        } satisfies Insertable<VmTable>);
        metadata('vm', vmId, vm.metadata);
        for (const { key, value } of vm.extraConfig) rows.extraConfig.push({ vm_id: vmId, org_id: orgId, key, value });
      }
    }
  }
  return rows;
}

function metadataRow(orgId: string, kind: MetadataEntityKind, entityId: string, m: DemoMetadata): Insertable<MetadataTable> {
  return {
    entity_kind: kind,
    entity_id: entityId,
    org_id: orgId,
    domain: m.domain,
    key: m.key,
    value: m.value,
    value_type: m.type,
    visibility: m.visibility,
  };
}
