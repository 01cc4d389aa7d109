/**
 * What the real clients must see, computed from the demo inventory's own spec (DEMO_INVENTORY) rather than
 * hard-coded, so that a change to the demo changes the expectations with it.
 */
import { DEMO_INVENTORY, demoVms, type DemoOrgInventory } from '../../src/inventory/demo-spec.js';
import { PREDEFINED_ROLES, RIGHT_CATALOGUE } from '../../src/domain/rights.js';
import { randomUUID } from 'node:crypto';
import type { Store } from '../../src/store/store.js';

/** The provider org, as GET /api/org lists it for a System administrator. */
export const SYSTEM_ORG = 'System';

export interface WorldVm {
  org: string;
  vdc: string;
  name: string;
  /** In a vApp template: isVAppTemplate=true (excluded by govcd's "only deployed" filter). */
  template: boolean;
}

export interface DemoWorld {
  /** Tenant orgs that hold demo inventory. */
  orgs: string[];
  /** VDCs, each with the name of its org VDC network (one per VDC: src/inventory/org-vdc-networks.ts). */
  vdcs: { org: string; name: string; network: string }[];
  vms: WorldVm[];
  /** Catalogs: one per distinct catalog name among an org's templates, with its templates' names (its items). */
  catalogs: { org: string; name: string; items: string[] }[];
  /** Groups: the demo has none; a suite that makes some lists them here (role "" when the group has none). */
  groups: WorldGroup[];
}

export interface WorldGroup {
  org: string;
  name: string;
  role: string;
  users: string[];
}

export function demoWorld(): DemoWorld {
  const orgs = Object.entries(DEMO_INVENTORY) as [string, DemoOrgInventory][];
  return {
    orgs: orgs.map(([org]) => org),
    vdcs: orgs.flatMap(([org, inv]) => inv.vdcs.map((v) => ({ org, name: v.name, network: v.network }))),
    vms: orgs.flatMap(([org, inv]) => demoVms(inv).map((p) => ({ org, vdc: p.vdc.name, name: p.vm.name, template: p.vapp.template }))),
    catalogs: orgs.flatMap(([org, inv]) => {
      const items = new Map<string, string[]>();
      for (const vapp of inv.vdcs.flatMap((v) => v.vapps)) {
        if (vapp.template && vapp.catalog !== null) items.set(vapp.catalog, [...(items.get(vapp.catalog) ?? []), vapp.name]);
      }
      return [...items].map(([name, templates]) => ({ org, name, items: templates.sort() }));
    }),
    groups: [],
  };
}

/**
 * Groups for the clients to find, written to the store directly (group membership has no API):
 * one with a role and a member, and one with neither (its Group document has no Role). Added to `world.groups`.
 */
export async function addWorldGroups(store: Store, world: DemoWorld): Promise<void> {
  const acme = (await store.getOrgByName('acme'))!;
  const role = (await store.listRoles(acme.id)).find((r) => r.name === 'vApp Author')!;
  const bob = (await store.getUserByName(acme.id, 'bob'))!;
  const made = [
    { org: 'acme', name: 'conformance-ops', role: role.name, users: ['bob'] },
    { org: 'acme', name: 'conformance-audit', role: '', users: [] },
  ];
  for (const g of made) {
    const group = await store.createGroup({
      id: randomUUID(),
      org_id: acme.id,
      name: g.name,
      description: `made for the conformance suites`,
      role_id: g.role === '' ? null : role.id,
      created_at: Date.now(),
    });
    if (g.users.length > 0) await store.db.insertInto('group_members').values({ group_id: group.id, user_id: bob.id }).execute();
  }
  world.groups.push(...made);
}

/**
 * Adds a catalog of one template to acme (a copy of one of its templates' rows, under another name), for a client to
 * delete: Tessera's API creates no catalogs. Returns what the govcd scenario's deleteCatalog names.
 */
export async function addScratchCatalog(store: Store, name: string): Promise<{ org: string; name: string; item: string }> {
  const acme = (await store.getOrgByName('acme'))!;
  const template = await store.db
    .selectFrom('vapps')
    .selectAll()
    .where('org_id', '=', acme.id)
    .where('is_template', '=', 1)
    .orderBy('id')
    .executeTakeFirstOrThrow();
  const item = `${name}-template`;
  await store.db
    .insertInto('vapps')
    .values({ ...template, id: randomUUID(), name: item, catalog_name: name, created_at: Date.now() })
    .execute();
  return { org: 'acme', name, item };
}

const names = (vms: WorldVm[]) => vms.map((v) => v.name).sort();

/** The first vApp (not a template) of the demo's VDC with a VM on the given network, or "" when there is none. */
function vappOnNetwork(org: string, vdc: string, network: string): string {
  const inventory = DEMO_INVENTORY[org as keyof typeof DEMO_INVENTORY] as DemoOrgInventory | undefined;
  const vdcSpec = inventory?.vdcs.find((d) => d.name === vdc);
  return vdcSpec?.vapps.find((a) => !a.template && a.vms.some((vm) => vm.network === network))?.name ?? '';
}

/** The Scenario of test/conformance/govcd/main.go. */
export interface GovcdScenario {
  org: string;
  user: string;
  password: string;
  sysadmin: boolean;
  orgList: string[];
  orgs: {
    name: string;
    /** `vapp`: a vApp of the VDC with a VM on its network (Vdc.GetVAppByName, VApp.GetVappNetworkByName), or "". */
    vdcs: { name: string; vmsAll: string[]; vmsDeployed: string[]; network: string; vapp: string }[];
    groups: { name: string; role: string; users: string[] }[];
    /** Read by name and id, with their items (the catalogItem query), an item's metadata and template. */
    catalogs: { name: string; items: string[] }[];
  }[];
  invisibleOrgs: string[];
  foreignOrgs: string[];
  vmsAll: string[];
  vmsDeployed: string[];
  /** The System administrator also runs the org and user admin scenario (govcd/orgadmin.go, issue 12). */
  manageOrgs: boolean;
  /** A scratch catalog (addScratchCatalog) the System administrator deletes with AdminCatalog.Delete(true, true). */
  deleteCatalog?: { org: string; name: string; item: string };
}

/**
 * A tenant sees its own org only (and is refused at the other tenants' token endpoints); the System
 * administrator sees every org, System included, and every VM through adminVM.
 */
export function govcdScenario(world: DemoWorld, who: { org: string; user: string; password: string; sysadmin: boolean }): GovcdScenario {
  const visibleOrgs = who.sysadmin ? world.orgs : [who.org];
  const visibleVms = world.vms.filter((v) => visibleOrgs.includes(v.org));
  const scenario: GovcdScenario = {
    org: who.org,
    user: who.user,
    password: who.password,
    sysadmin: who.sysadmin,
    orgList: (who.sysadmin ? [SYSTEM_ORG, ...world.orgs] : [who.org]).sort(),
    orgs: visibleOrgs.map((org) => ({
      name: org,
      vdcs: world.vdcs
        .filter((v) => v.org === org)
        .map((v) => {
          const inVdc = world.vms.filter((vm) => vm.org === org && vm.vdc === v.name);
          return {
            name: v.name,
            vmsAll: names(inVdc),
            vmsDeployed: names(inVdc.filter((vm) => !vm.template)),
            network: v.network,
            vapp: vappOnNetwork(org, v.name, v.network),
          };
        }),
      groups: world.groups.filter((g) => g.org === org).map(({ name, role, users }) => ({ name, role, users })),
      catalogs: world.catalogs.filter((c) => c.org === org).map(({ name, items }) => ({ name, items })),
    })),
    invisibleOrgs: who.sysadmin ? [] : world.orgs.filter((o) => o !== who.org),
    foreignOrgs: who.sysadmin ? [] : world.orgs.filter((o) => o !== who.org),
    vmsAll: names(visibleVms),
    vmsDeployed: names(visibleVms.filter((v) => !v.template)),
    manageOrgs: who.sysadmin,
  };
  const paged = scenario.orgs.some((o) => o.vdcs.some((v) => v.vmsAll.length > 25));
  if (!paged) throw new Error('the demo inventory must have a VDC with more than 25 VMs so that govcd pages');
  return scenario;
}

/** The scenario of test/conformance/pyvcloud/conformance.py (tenant user). */
export interface PyvcloudScenario {
  org: string;
  user: string;
  password: string;
  /** Passed to Client(api_version=...): 36.0 is the highest pyvcloud 23.0.4 knows. */
  apiVersion: string;
  vdcs: string[];
  vmsAll: string[];
  /** The predefined roles every tenant org has (Org.list_roles), and one of them with its rights (Role.list_rights). */
  roles: string[];
  /** The rights a tenant may be given (Org.list_rights_available_in_vcd: the `right` query). */
  tenantRights: string[];
  roleRights: { role: string; rights: string[] };
  /** A vApp read section by section (conformance.py `read_vapp_and_vm`): null when the org has none that fits. */
  vapp: PyvcloudVApp | null;
  /** The org's catalogs by name, each with its items' names (Org.list_catalogs, get_catalog, list_catalog_items). */
  catalogs: { name: string; items: string[] }[];
  /** Each VDC of the org with its org VDC network's name (VDC.list_orgvdc_network_records and the resources). */
  networks: { vdc: string; name: string }[];
  /**
   * A typed `vm` query at API 34.0 with a value given URL-encoded (`guestOs==Ubuntu%20Linux%20%2864-bit%29`), as
   * pyvcloud's docs ask: below 35.0 pyvcloud adds `filterEncoded=true` and encodes the filter once more. The VMs
   * whose guest OS it is.
   */
  encodedFilter: { apiVersion: string; guestOs: string; vms: string[] };
}

/** A deployed vApp whose VMs are all on one network, and what its first VM holds. */
export interface PyvcloudVApp {
  vdc: string;
  name: string;
  network: string;
  vms: string[];
  /** The addresses its VMs hold on that network (VApp.list_ip_allocations). */
  ips: string[];
  vm: { name: string; cpus: number; memoryMb: number; diskMb: number; guestOs: string };
}

function pyvcloudVApp(org: string): PyvcloudVApp | null {
  const inventory = DEMO_INVENTORY[org as keyof typeof DEMO_INVENTORY] as DemoOrgInventory | undefined;
  for (const vdc of inventory?.vdcs ?? []) {
    for (const vapp of vdc.vapps) {
      const networks = new Set(vapp.vms.map((vm) => vm.network));
      const network = vapp.vms[0]?.network;
      if (vapp.template || vapp.vms.length === 0 || networks.size !== 1 || !network) continue;
      const vm = vapp.vms[0]!;
      return {
        vdc: vdc.name,
        name: vapp.name,
        network,
        vms: vapp.vms.map((v) => v.name).sort(),
        ips: vapp.vms.flatMap((v) => (v.ipAddress ? [v.ipAddress] : [])).sort(),
        vm: { name: vm.name, cpus: vm.cpus, memoryMb: vm.memoryMb, diskMb: vm.diskMb, guestOs: vm.guestOs },
      };
    }
  }
  return null;
}

export function pyvcloudScenario(world: DemoWorld, who: { org: string; user: string; password: string }): PyvcloudScenario {
  return {
    org: who.org,
    user: who.user,
    password: who.password,
    apiVersion: '36.0',
    vdcs: world.vdcs
      .filter((v) => v.org === who.org)
      .map((v) => v.name)
      .sort(),
    // The System administrator's `vm` query answers every org's VMs, as VCD's does.
    vmsAll: names(who.org.toLowerCase() === 'system' ? world.vms : world.vms.filter((v) => v.org === who.org)),
    roles: Object.entries(PREDEFINED_ROLES)
      .filter(([, role]) => !role.systemOnly)
      .map(([name]) => name)
      .sort(),
    roleRights: { role: 'vApp Author', rights: [...PREDEFINED_ROLES['vApp Author'].rights].sort() },
    tenantRights: RIGHT_CATALOGUE.filter((r) => !r.providerOnly)
      .map((r) => r.name)
      .sort(),
    vapp: pyvcloudVApp(who.org),
    catalogs: world.catalogs
      .filter((c) => c.org === who.org)
      .map((c) => ({ name: c.name, items: c.items }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    networks: world.vdcs.filter((v) => v.org === who.org).map((v) => ({ vdc: v.name, name: v.network })),
    encodedFilter: { apiVersion: '34.0', guestOs: ENCODED_FILTER_GUEST_OS, vms: vmsWithGuestOs(who.org, ENCODED_FILTER_GUEST_OS) },
  };
}

/** Spaces and parentheses: a value pyvcloud's users must encode, and which FIQL would otherwise split on. */
const ENCODED_FILTER_GUEST_OS = 'Ubuntu Linux (64-bit)';

/** The names of the VMs with that guest OS that `org` sees (every org's for the System administrator). */
function vmsWithGuestOs(org: string, guestOs: string): string[] {
  const orgs = (Object.entries(DEMO_INVENTORY) as [string, DemoOrgInventory][]).filter(
    ([name]) => org.toLowerCase() === 'system' || name === org,
  );
  return orgs
    .flatMap(([, inv]) => demoVms(inv))
    .filter((p) => p.vm.guestOs === guestOs)
    .map((p) => p.vm.name)
    .sort();
}
