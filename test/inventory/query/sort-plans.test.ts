/**
 * Migration 0016's indexes on SQLite: the statement that picks a VM page's ids walks an index in page order for
 * every column the portal's VM list sorts by, both directions, in both scopes the portal uses (a tenant's org,
 * and every org for the System administrator), on the first page, a deep page that seeks from a keyset anchor,
 * and a page reached by OFFSET (the nullable columns, IP and owner, have no anchors): never a temporary B-tree
 * for ORDER BY (a sort of every matching VM), and never a read of the table (the index covers the statement).
 * The page's rows are then read by primary key, 25 of them. The counts of the portal's filters read an index alone. (PostgreSQL's planner weighs statistics; its plans
 * are not pinned here, its timings are in docs/performance.md §6.)
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery } from 'kysely';
import type { Store } from '../../../src/store/store.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { planQuery } from '../../../src/inventory/query/execute.js';
import { queryType } from '../../../src/inventory/query/catalogue.js';
import { VM_SORT_FIELDS } from '../../../src/http/portal/inventory-queries.js';
import { VM_SORT_COLUMNS, providerSortIndex, tenantSortIndex } from '../../../src/store/migrations/0016_vm_sort_indexes.js';
import type { InventoryScope } from '../../../src/inventory/scope.js';
import { generateOrgInventory } from '../../../src/inventory/generate.js';
import { makeOrg } from '../fixtures.js';

/** The `vms` column behind each portal sort other than the name. */
const COLUMN_OF: Record<string, (typeof VM_SORT_COLUMNS)[number]> = {
  status: 'status',
  containerName: 'vapp_name',
  vdcName: 'vdc_name',
  guestOs: 'guest_os',
  numberOfCpus: 'cpus',
  memoryMB: 'memory_mb',
  ipAddress: 'ip_address',
  ownerName: 'owner_name',
};

describe('VM list sort plans on SQLite', () => {
  let store: Store;
  let orgId: string;
  before(async () => {
    store = await openSqliteStore(':memory:');
    orgId = (await makeOrg(store, 'plans')).id;
    await generateOrgInventory(store, orgId, 300, { ownerIds: [] });
  });
  after(async () => store?.close());

  const explain = async (compiled: { sql: string; parameters: readonly unknown[] }) =>
    (
      await store.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]))
    ).rows
      .map((r) => r.detail)
      .join(' | ');

  test('every portal sort column has its two indexes', () => {
    assert.deepEqual(
      Object.values(VM_SORT_FIELDS)
        .filter((f) => f !== 'name')
        .map((f) => COLUMN_OF[f])
        .sort(),
      [...VM_SORT_COLUMNS].sort(),
    );
  });

  // The portal's filters (a name search, a status, both) are counted from an index alone: no table row per VM.
  for (const [scopeName, type] of [
    ['tenant', 'vm'],
    ['provider', 'adminVM'],
  ] as const) {
    for (const filter of ['status==POWERED_ON', 'name==*db*', 'name==*db*;status==POWERED_ON']) {
      test(`${scopeName}: the count of isVAppTemplate==false;${filter} reads a covering index`, async () => {
        const plan = planQuery(store, {
          type: queryType(type)!,
          scope: scopeName === 'tenant' ? { kind: 'org', orgId } : { kind: 'all' },
          filter: `isVAppTemplate==false;${filter}`,
          sort: null,
          page: 1,
          pageSize: 25,
        });
        const detail = await explain(plan.countQuery(store.db).compile());
        assert.match(detail, /^SEARCH vms USING COVERING INDEX /, detail);
      });
    }
  }

  for (const [scopeName, type, indexOf] of [
    ['tenant', 'vm', tenantSortIndex],
    ['provider', 'adminVM', providerSortIndex],
  ] as const) {
    for (const field of Object.values(VM_SORT_FIELDS)) {
      for (const direction of ['asc', 'desc'] as const) {
        test(`${scopeName}, sorted by ${field} ${direction}: the page's ids come from ${field === 'name' ? 'the name index' : indexOf(COLUMN_OF[field]!)} alone`, async () => {
          const scope: InventoryScope = scopeName === 'tenant' ? { kind: 'org', orgId } : { kind: 'all' };
          const plan = planQuery(store, {
            type: queryType(type)!,
            scope,
            filter: 'isVAppTemplate==false',
            sort: { field, direction },
            page: 1,
            pageSize: 25,
          });
          const index =
            field === 'name' ? (scopeName === 'tenant' ? 'vms_org_template_name' : 'vms_template_name') : indexOf(COLUMN_OF[field]!);
          const seekable = plan.seekable;
          assert.equal(seekable, field !== 'ipAddress' && field !== 'ownerName', 'nullable columns have no keyset anchors');
          const pages = [
            ['first page', plan.pageIds(store.db, null, 0)],
            ['a page by OFFSET', plan.pageIds(store.db, null, 200)],
            ...(seekable
              ? [
                  [
                    'a page after an anchor',
                    plan.pageIds(store.db, { key: field.startsWith('number') || field === 'memoryMB' ? 2 : 'm', id: 'x' }, 17),
                  ] as const,
                ]
              : []),
          ] as const;
          for (const [which, ids] of pages) {
            const detail = await explain(ids.compile());
            assert.match(detail, new RegExp(`^SEARCH vms USING COVERING INDEX ${index} \\(`), `${which}: ${detail}`);
            assert.doesNotMatch(detail, /TEMP B-TREE/, `${which}: ${detail}`);
          }
        });
      }
    }
  }
});
