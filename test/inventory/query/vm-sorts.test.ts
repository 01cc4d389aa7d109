/**
 * The VM list sorted by each of its columns (issue 14, migration 0016), on both backends: every page of every
 * sort, both directions, for a tenant (`vm`, one org) and the provider (`adminVM`, every org), equals the same
 * rows sorted in JavaScript by the parents' real names (read through joins, not through the copies on `vms`).
 * The rows are written without the copied names, so the triggers alone must fill them in; renames of vApps, VDCs
 * and users, moves and deleted owners must show in the sort at once, through the ordinary write paths.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Store } from '../../../src/store/store.js';
import { executeQuery } from '../../../src/inventory/query/execute.js';
import { queryType } from '../../../src/inventory/query/catalogue.js';
import { insertInventoryRows } from '../../../src/inventory/writer.js';
import type { VAppTable, VmTable } from '../../../src/inventory/schema.js';
import { VM_SORT_FIELDS } from '../../../src/http/portal/inventory-queries.js';
import type { InventoryScope } from '../../../src/inventory/scope.js';
import { readInventoryFile } from '../../../src/inventory/declarative/validate.js';
import { desiredFromFile } from '../../../src/inventory/declarative/model.js';
import { applyInventory } from '../../../src/inventory/declarative/apply.js';
import { createOrgWithRoles } from '../../../src/auth/bootstrap.js';
import { bothBackends, reportUnavailable } from '../../store/backends.js';
import { emptyVdcRow, makeOrg, makeUser, openTestStore } from '../fixtures.js';

const PAGE_SIZE = 25;
const STATUSES = ['POWERED_ON', 'POWERED_OFF', 'SUSPENDED', 'UNRESOLVED'];
const OSES = ['Ubuntu Linux (64-bit)', 'Microsoft Windows Server 2019 (64-bit)', 'CentOS 7 (64-bit)'];

/** The portal's sort field -> the truth for that column, from the parents' own tables. */
const TRUTH: Record<string, (r: TruthRow) => string | number | null> = {
  name: (r) => r.name,
  status: (r) => r.status,
  containerName: (r) => r.vapp,
  vdcName: (r) => r.vdc,
  guestOs: (r) => r.guest_os,
  numberOfCpus: (r) => r.cpus,
  memoryMB: (r) => r.memory_mb,
  ipAddress: (r) => r.ip_address,
  ownerName: (r) => r.owner,
};

interface TruthRow {
  id: string;
  name: string;
  status: string;
  vapp: string;
  vdc: string;
  guest_os: string;
  cpus: number;
  memory_mb: number;
  ip_address: string | null;
  owner: string | null;
}

/** A small deterministic generator (ties and NULLs on purpose). */
function lcg(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
}

async function world(store: Store, orgId: string, vdcNames: string[], vapps: number, perVApp: number, ownerIds: (string | null)[]) {
  const random = lcg(orgId.charCodeAt(0) + vapps);
  const vdcs = vdcNames.map((name) => emptyVdcRow(orgId, name));
  const vappRows: Insertable<VAppTable>[] = [];
  const vms: Insertable<VmTable>[] = [];
  for (let a = 0; a < vapps; a++) {
    const vdc = vdcs[a % vdcs.length]!;
    const template = a % 8 === 7 ? 1 : 0;
    const owner = ownerIds[a % ownerIds.length]!;
    const vapp = {
      id: randomUUID(),
      org_id: orgId,
      vdc_id: vdc.id as string,
      name: `app${a % 15}`, // the same vApp name in several VDCs: ties broken by the VM id
      description: '',
      status: 'MIXED',
      owner_id: owner,
      is_deployed: 1,
      is_template: template,
      catalog_name: null,
      created_at: 0,
    };
    vappRows.push(vapp);
    for (let i = 0; i < perVApp; i++) {
      vms.push({
        id: randomUUID(),
        org_id: orgId,
        vdc_id: vdc.id as string,
        vapp_id: vapp.id,
        name: `vm${random(50)}`,
        description: '',
        status: STATUSES[random(STATUSES.length)]!,
        guest_os: OSES[random(OSES.length)]!,
        cpus: [1, 2, 4, 8][random(4)]!,
        memory_mb: [1024, 2048, 4096][random(3)]!,
        storage_profile: 'gold',
        network_name: null,
        ip_address: random(3) === 0 ? null : `10.0.${random(4)}.${random(200)}`,
        owner_id: owner,
        hardware_version: 19,
        disk_mb: 16_384,
        is_deployed: 1,
        is_template: template,
        created_at: 0,
      });
    }
  }
  // No vapp_name, vdc_name or owner_name: the triggers of migration 0016 must fill them in.
  await store.transaction((trx) => insertInventoryRows(trx, { vdcs, vapps: vappRows, vms }));
}

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'VM list sorts')) continue;
  describe(`VM list sorted by each column on ${plan.backend}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let big: string;
    let other: string;
    const users: Record<string, string> = {};

    before(async () => {
      ({ store, cleanup } = await openTestStore(plan));
      big = (await makeOrg(store, 'big')).id;
      other = (await makeOrg(store, 'other')).id;
      for (const name of ['zed', 'amy', 'mia']) users[name] = (await makeUser(store, big, name)).id;
      users.bob = (await makeUser(store, other, 'bob')).id;
      // 600 VMs in one org (deep pages go past the keyset anchors every 256 rows), 60 in another.
      await world(store, big, ['vdc-b', 'vdc-a', 'vdc-c'], 40, 15, [users.zed!, null, users.amy!, users.mia!]);
      await world(store, other, ['vdc-a'], 6, 10, [users.bob!, null]);
    });
    after(async () => cleanup?.());

    /** The VMs of vApps in scope with their parents' names read from the parents' tables. */
    async function truth(scope: InventoryScope): Promise<TruthRow[]> {
      let q = store.db
        .selectFrom('vms')
        .innerJoin('vapps', 'vapps.id', 'vms.vapp_id')
        .innerJoin('vdcs', 'vdcs.id', 'vms.vdc_id')
        .leftJoin('users', 'users.id', 'vms.owner_id')
        .select([
          'vms.id',
          'vms.name',
          'vms.status',
          'vapps.name as vapp',
          'vdcs.name as vdc',
          'vms.guest_os',
          'vms.cpus',
          'vms.memory_mb',
          'vms.ip_address',
          'users.name as owner',
        ])
        .where('vms.is_template', '=', 0);
      if (scope.kind === 'org') q = q.where('vms.org_id', '=', scope.orgId);
      return (await q.execute()) as TruthRow[];
    }

    function sortedInJs(rows: TruthRow[], field: string, direction: 'asc' | 'desc'): string[] {
      const key = TRUTH[field]!;
      const sign = direction === 'asc' ? 1 : -1;
      const compare = (a: string | number | null, b: string | number | null): number => {
        if (a === b) return 0;
        // An empty value sorts after every value ascending, before them descending, on both backends.
        if (a === null) return 1;
        if (b === null) return -1;
        return a < b ? -1 : 1; // byte order: SQLite's BINARY, the test cluster's C collation
      };
      return [...rows].sort((x, y) => sign * (compare(key(x), key(y)) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))).map((r) => r.id);
    }

    async function allPages(scope: InventoryScope, field: string, direction: 'asc' | 'desc') {
      const type = queryType(scope.kind === 'all' ? 'adminVM' : 'vm')!;
      const ids: string[] = [];
      const rows: Record<string, unknown>[] = [];
      for (let page = 1; ; page++) {
        const result = await executeQuery(store, {
          type,
          scope,
          filter: 'isVAppTemplate==false',
          sort: { field, direction },
          page,
          pageSize: PAGE_SIZE,
        });
        ids.push(...result.rows.map((r) => r.id as string));
        rows.push(...result.rows);
        if (result.rows.length < PAGE_SIZE) return { ids, rows, total: result.total };
      }
    }

    test('every page of every sort, both directions, tenant and provider, equals the rows sorted in JavaScript', async () => {
      for (const scope of [{ kind: 'org', orgId: big }, { kind: 'all' }] as InventoryScope[]) {
        const rows = await truth(scope);
        assert.ok(rows.length > 512, 'enough rows for two keyset anchors');
        const byId = new Map(rows.map((r) => [r.id, r]));
        for (const field of Object.values(VM_SORT_FIELDS)) {
          for (const direction of ['asc', 'desc'] as const) {
            const got = await allPages(scope, field, direction);
            const what = `${scope.kind} sorted by ${field} ${direction}`;
            assert.equal(got.total, rows.length, what);
            assert.deepEqual(got.ids, sortedInJs(rows, field, direction), what);
            for (const row of got.rows) {
              const real = byId.get(row.id as string)!;
              assert.deepEqual([row.containerName, row.vdcName, row.ownerName ?? null], [real.vapp, real.vdc, real.owner], what);
            }
          }
        }
      }
    });

    /** The first page's ids sorted by `field` for the tenant, and the same in JavaScript. */
    async function firstPageAgrees(field: string, direction: 'asc' | 'desc') {
      const scope: InventoryScope = { kind: 'org', orgId: big };
      const got = await allPages(scope, field, direction);
      assert.deepEqual(got.ids, sortedInJs(await truth(scope), field, direction), `${field} ${direction}`);
      return got.rows;
    }

    test('renaming a vApp, a VDC or a user, moving a VM and deleting its owner show in the sort at once', async () => {
      const vapp = await store.db
        .selectFrom('vapps')
        .select(['id'])
        .where('org_id', '=', big)
        .where('is_template', '=', 0)
        .executeTakeFirstOrThrow();
      await store.db.updateTable('vapps').set({ name: 'aaa-renamed' }).where('id', '=', vapp.id).execute();
      let rows = await firstPageAgrees('containerName', 'asc');
      assert.equal(rows[0]!.containerName, 'aaa-renamed');

      const vdc = await store.db
        .selectFrom('vdcs')
        .select(['id'])
        .where('org_id', '=', big)
        .where('name', '=', 'vdc-c')
        .executeTakeFirstOrThrow();
      await store.db.updateTable('vdcs').set({ name: 'zzz-renamed' }).where('id', '=', vdc.id).execute();
      rows = await firstPageAgrees('vdcName', 'desc');
      assert.equal(rows[0]!.vdcName, 'zzz-renamed');

      await store.updateUser(users.amy!, { name: 'aaron' });
      rows = await firstPageAgrees('ownerName', 'asc');
      assert.ok(rows.some((r) => r.ownerName === 'aaron'));
      await firstPageAgrees('ownerName', 'desc');

      // A VM moved to another vApp and VDC takes their names; "take ownership" gives it its new owner's name.
      const vm = await store.db
        .selectFrom('vms')
        .select(['id'])
        .where('org_id', '=', big)
        .where('is_template', '=', 0)
        .executeTakeFirstOrThrow();
      const target = await store.db
        .selectFrom('vapps')
        .select(['id', 'vdc_id'])
        .where('org_id', '=', big)
        .where('is_template', '=', 0)
        .where('vdc_id', '=', vdc.id)
        .executeTakeFirstOrThrow();
      await store.db.updateTable('vms').set({ vapp_id: target.id, vdc_id: target.vdc_id }).where('id', '=', vm.id).execute();
      await store.reassignOwnership(users.zed!, users.mia!);
      await firstPageAgrees('containerName', 'desc');
      await firstPageAgrees('vdcName', 'asc');

      // Deleting a user leaves its VMs without an owner (ON DELETE SET NULL), and without the owner's name.
      await store.db.deleteFrom('users').where('id', '=', users.mia!).execute();
      const named = await store.db.selectFrom('vms').select('id').where('owner_name', '=', 'mia').execute();
      assert.equal(named.length, 0);
      await firstPageAgrees('ownerName', 'asc');
      await firstPageAgrees('ownerName', 'desc');
    });
  });

  describe(`VM list sort after a declarative apply renames on ${plan.backend}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    before(async () => ({ store, cleanup } = await openTestStore(plan)));
    after(async () => cleanup?.());

    const file = (vdc: string, vapp: string) => `version: 1
orgs:
  - name: acme
    vdcs:
      - name: ${vdc}
        id: vdc-1
        allocationModel: AllocationVApp
        storageProfiles: [{ name: gold, limitMb: 1000, default: true }]
        vapps:
          - name: ${vapp}
            id: vapp-1
            vms:
              - { name: one, id: vm-1 }
              - { name: two, id: vm-2 }
          - name: middle
            id: vapp-2
            vms:
              - { name: three, id: vm-3 }
`;
    const apply = (text: string) =>
      applyInventory(store, desiredFromFile(readInventoryFile(text).doc), {
        source: 'file',
        prune: false,
        createOrgs: true,
        dryRun: false,
        createOrg: (org, ex) => createOrgWithRoles(store, org, ex),
      });
    const containerNames = async () => {
      const org = await store.getOrgByName('acme');
      const result = await executeQuery(store, {
        type: queryType('vm')!,
        scope: { kind: 'org', orgId: org!.id },
        filter: 'isVAppTemplate==false',
        sort: { field: 'containerName', direction: 'asc' },
        page: 1,
        pageSize: PAGE_SIZE,
      });
      return result.rows.map((r) => [r.name, r.containerName, r.vdcName]);
    };

    test('a vApp and a VDC renamed by the file are renamed in the sorted list', async () => {
      await apply(file('prod', 'alpha'));
      assert.deepEqual(
        (await containerNames()).map((r) => r[1]),
        ['alpha', 'alpha', 'middle'],
      );
      await apply(file('production', 'zulu'));
      const rows = await containerNames();
      assert.deepEqual(
        rows.map((r) => r[1]),
        ['middle', 'zulu', 'zulu'],
      );
      assert.deepEqual([...new Set(rows.map((r) => r[2]))], ['production']);
    });
  });
}
