/**
 * A case-insensitive name prefix sought as ranges of the sort index (src/inventory/query/prefix-seek.ts, issue 16
 * §4). The ranges must never lose a match: checked exhaustively over names and prefixes built from the letters that
 * matter (both cases, the Kelvin sign and dotted capital I that PostgreSQL's ILIKE lowercases into `k` and `i`,
 * LIKE's own metacharacters, non-ASCII letters). Then end to end on both backends: every page of a prefix filter,
 * both directions and past the keyset anchors, equals the same query run without the seek and the rows a
 * JavaScript model of each backend's wildcard match picks; and on SQLite the page's statement is a merge of index
 * seeks, not a walk of the org's names.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery, type Insertable } from 'kysely';
import type { Store } from '../../../src/store/store.js';
import { executeQuery, planQuery, type QueryRequest } from '../../../src/inventory/query/execute.js';
import { queryType } from '../../../src/inventory/query/catalogue.js';
import { caseInsensitivePrefixRanges, MAX_RANGES, requiredPrefix } from '../../../src/inventory/query/prefix-seek.js';
import { parseFiql } from '../../../src/domain/fiql.js';
import { insertInventoryRows } from '../../../src/inventory/writer.js';
import type { VmTable } from '../../../src/inventory/schema.js';
import { bothBackends, reportUnavailable } from '../../store/backends.js';
import { emptyVdcRow, makeOrg, openTestStore, plainVAppRow, plainVmRow } from '../fixtures.js';

/** SQLite's LIKE folds ASCII letters only. */
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
/** PostgreSQL's ILIKE compares lower(name) with lower(pattern), Unicode's mappings (JavaScript's are the same here). */
const unicodeLower = (s: string) => s.toLowerCase();

function matchesPrefix(name: string, prefix: string, unicodeLowercase: boolean): boolean {
  const lower = unicodeLowercase ? unicodeLower : asciiLower;
  return lower(name).startsWith(lower(prefix));
}

describe('case-insensitive prefix ranges', () => {
  test('one range per way of writing the letters, exact bounds', () => {
    assert.deepEqual(caseInsensitivePrefixRanges('db-0', { unicodeLowercase: false }), [
      { lo: 'DB-0', hi: 'DB-1' },
      { lo: 'Db-0', hi: 'Db-1' },
      { lo: 'dB-0', hi: 'dB-1' },
      { lo: 'db-0', hi: 'db-1' },
    ]);
    assert.deepEqual(caseInsensitivePrefixRanges('10.0.', { unicodeLowercase: false }), [{ lo: '10.0.', hi: '10.0/' }]);
  });

  test('no ASCII head, no ranges (the caller walks as before)', () => {
    assert.deepEqual(caseInsensitivePrefixRanges('', { unicodeLowercase: false }), []);
    assert.deepEqual(caseInsensitivePrefixRanges('été', { unicodeLowercase: false }), []);
    // The ASCII head alone is sought; the rest is the filter's to check.
    assert.deepEqual(caseInsensitivePrefixRanges('9é', { unicodeLowercase: false }), [{ lo: '9', hi: ':' }]);
  });

  test('long prefixes stay within MAX_RANGES seeks', () => {
    for (const prefix of ['abcdefghijklmnop', 'kikikiki', 'a1b2c3d4e5']) {
      for (const unicodeLowercase of [false, true]) {
        const ranges = caseInsensitivePrefixRanges(prefix, { unicodeLowercase });
        assert.ok(ranges.length >= 1 && ranges.length <= MAX_RANGES, `${prefix}: ${ranges.length} ranges`);
      }
    }
  });

  test('PostgreSQL: the Kelvin sign and the dotted capital I get ranges of their own', () => {
    const ranges = caseInsensitivePrefixRanges('ki', { unicodeLowercase: true });
    assert.equal(ranges.length, 9);
    assert.ok(ranges.some((r) => r.lo === '\u212a\u0130'));
    assert.equal(caseInsensitivePrefixRanges('ki', { unicodeLowercase: false }).length, 4);
  });

  test('every matching name lies in a range (exhaustive over a small alphabet)', () => {
    const alphabet = ['a', 'A', 'k', 'K', '\u212a', 'i', 'I', '\u0130', 'z', '-', '0', '%', '_', '\\', 'é', 'É', '\u007f', '\u0080'];
    const names: string[] = [''];
    for (let length = 1; length <= 3; length++) {
      for (const name of names.filter((n) => n.length === length - 1)) for (const c of alphabet) names.push(name + c);
    }
    // Long names too: the shared range of a prefix past MAX_RANGES' letters.
    const long = ['abcdeFGHij', 'ABCDEfghIJ', 'abcdefghij', 'AbCdEfGhIj-9', 'abcdefgHIk', 'abcde\u212a'];
    const prefixes = [
      ...names.filter((n) => n.length >= 1 && n.length <= 2 && /^[\u0001-\u007f]+$/.test(n)),
      'abcdefgh',
      'abcdefghij',
      'aik-',
    ];
    let checked = 0;
    for (const unicodeLowercase of [false, true]) {
      for (const prefix of prefixes) {
        const ranges = caseInsensitivePrefixRanges(prefix, { unicodeLowercase });
        for (const name of [...names, ...long]) {
          if (!matchesPrefix(name, prefix, unicodeLowercase)) continue;
          checked++;
          // Code-unit order is byte order for these characters (no surrogates), as it is the index's.
          assert.ok(
            ranges.some((r) => r.lo <= name && name < r.hi),
            `${JSON.stringify(name)} matches ${JSON.stringify(prefix)} (${unicodeLowercase ? 'ILIKE' : 'LIKE'}) but lies in no range`,
          );
        }
      }
    }
    assert.ok(checked > 10_000, `only ${checked} matches checked`);
  });

  test('only a prefix every matching row must have is sought', () => {
    const prefix = (filter: string) => requiredPrefix(parseFiql(filter), 'name');
    assert.equal(prefix('name==db-0*'), 'db-0');
    assert.equal(prefix('status==POWERED_ON;name==db*x'), 'db');
    assert.equal(prefix('name==db*,status==POWERED_ON'), null);
    assert.equal(prefix('name!=db*'), null);
    assert.equal(prefix('name==*db'), null);
    assert.equal(prefix('name==db'), null);
    assert.equal(prefix('vdcName==db*'), null);
  });
});

/** Name stems, each written several ways; the seek must find exactly what the filter matches. */
const STEMS = ['db', 'DB', 'Db', 'dB', 'app', 'APP', 'kube', 'KUBE', '\u212aube', 'd%b', 'd_b', 'dbx', 'été'];

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'prefix seek')) continue;
  describe(`name prefix sought in the sort index on ${plan.backend}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let orgId: string;
    const names = new Map<string, string>(); // id -> name

    before(async () => {
      ({ store, cleanup } = await openTestStore(plan));
      orgId = (await makeOrg(store, 'seek')).id;
      const other = (await makeOrg(store, 'elsewhere')).id;
      for (const [org, count] of [
        [orgId, 1300],
        [other, 50],
      ] as const) {
        const vdc = emptyVdcRow(org, 'vdc');
        const vapp = plainVAppRow(vdc);
        const vms: Insertable<VmTable>[] = [];
        for (let i = 0; i < count; i++) {
          // Duplicate names on purpose (i % 250): ties are broken by the id, across ranges too.
          const vm = plainVmRow(vapp, `${STEMS[i % STEMS.length]}-${(i % 250) % 10}${i % 250}`, {
            status: i % 3 === 0 ? 'POWERED_ON' : 'POWERED_OFF',
          });
          if (org === orgId) names.set(vm.id as string, vm.name);
          vms.push(vm);
        }
        await store.transaction((trx) => insertInventoryRows(trx, { vdcs: [vdc], vapps: [vapp], vms }));
      }
    });
    after(async () => cleanup?.());

    test('the test database orders text by its bytes, so the seek is in use', () => {
      assert.equal(store.bytewiseTextOrder, true);
    });

    /** The same store with the seek turned off: the plain walk the seek must agree with. */
    const withoutSeek = () => Object.create(store, { bytewiseTextOrder: { value: false } }) as Store;

    function request(filter: string, direction: 'asc' | 'desc', page: number, pageSize: number): QueryRequest {
      return { type: queryType('vm')!, scope: { kind: 'org', orgId }, filter, sort: { field: 'name', direction }, page, pageSize };
    }

    function expected(prefix: string, direction: 'asc' | 'desc', status?: string): string[] {
      const unicodeLowercase = plan.backend === 'postgres';
      const sign = direction === 'asc' ? 1 : -1;
      const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
      return [...names]
        .filter(([id, name]) => matchesPrefix(name, prefix, unicodeLowercase) && (status === undefined || statusOf(id) === status))
        .sort(([ia, a], [ib, b]) => sign * (cmp(a, b) || cmp(ia, ib)))
        .map(([id]) => id);
    }
    const statuses = new Map<string, string>();
    const statusOf = (id: string) => statuses.get(id);

    const cases: Array<{ filter: string; prefix: string; status?: string }> = [
      { filter: 'name==db-*', prefix: 'db-' },
      { filter: 'name==D*', prefix: 'D' },
      { filter: 'name==kube-1*', prefix: 'kube-1' },
      { filter: 'name==d%*', prefix: 'd%' },
      { filter: 'name==d_b*', prefix: 'd_b' },
      { filter: 'name==APP-9*', prefix: 'APP-9' },
      { filter: 'name==db-*;status==POWERED_ON', prefix: 'db-', status: 'POWERED_ON' },
    ];

    for (const c of cases) {
      for (const direction of ['asc', 'desc'] as const) {
        test(`${c.filter} sorted ${direction}: every page equals the walk and the model`, async () => {
          if (statuses.size === 0) {
            for (const row of await store.db.selectFrom('vms').select(['id', 'status']).where('org_id', '=', orgId).execute()) {
              statuses.set(row.id, row.status);
            }
          }
          const want = expected(c.prefix, direction, c.status);
          assert.ok(want.length > 0, `${c.filter} matches nothing: the case tests nothing`);
          const got: string[] = [];
          const pageSize = 7;
          for (let page = 1; ; page++) {
            const sought = await executeQuery(store, request(c.filter, direction, page, pageSize));
            const walked = await executeQuery(withoutSeek(), request(c.filter, direction, page, pageSize));
            assert.deepEqual(
              sought.rows.map((r) => r.id),
              walked.rows.map((r) => r.id),
              `page ${page}`,
            );
            assert.equal(sought.total, want.length);
            got.push(...sought.rows.map((r) => r.id as string));
            if (sought.rows.length < pageSize) break;
          }
          assert.deepEqual(got, want);
        });
      }
    }

    test('a deep page past the keyset anchors', async () => {
      const want = expected('db-', 'asc');
      const pageSize = 5;
      const page = Math.floor(want.length / pageSize) - 1; // beyond the first anchor (256 rows)
      assert.ok(page * pageSize > 300, `only ${want.length} rows: no anchor is reached`);
      const result = await executeQuery(store, request('name==db-*', 'asc', page, pageSize));
      assert.deepEqual(
        result.rows.map((r) => r.id),
        want.slice((page - 1) * pageSize, page * pageSize),
      );
    });

    // SQLite reports no row counts; its plan is pinned by the next test instead.
    if (plan.backend === 'postgres') {
      test('each range reads only what the page can need (rows read, by EXPLAIN ANALYZE)', async () => {
        const queryPlan = planQuery(store, request('name==db-*', 'asc', 1, 25));
        const compiled = queryPlan.pageIds(store.db, null, 0).compile();
        const { rows } = await store.db.executeQuery<{ 'QUERY PLAN': unknown }>(
          CompiledQuery.raw(`explain (analyze, format json) ${compiled.sql}`, [...compiled.parameters]),
        );
        let scanned = 0;
        const walk = (node: {
          'Node Type': string;
          'Relation Name'?: string;
          'Actual Rows': number;
          'Actual Loops': number;
          Plans?: unknown[];
        }) => {
          if (node['Relation Name'] === 'vms') scanned += node['Actual Rows'] * node['Actual Loops'];
          for (const child of node.Plans ?? []) walk(child as typeof node);
        };
        walk((rows[0]!['QUERY PLAN'] as Array<{ Plan: Parameters<typeof walk>[0] }>)[0]!.Plan);
        const ranges = caseInsensitivePrefixRanges('db-', { unicodeLowercase: true }).length;
        assert.ok(
          scanned <= ranges * 25,
          `${scanned} rows read for a page of 25 over ${ranges} ranges (${expected('db-', 'asc').length} match)`,
        );
      });
    }

    if (plan.backend === 'sqlite') {
      test('the page is a merge of index seeks, and so is the count', async () => {
        const explain = async (compiled: { sql: string; parameters: readonly unknown[] }) =>
          (
            await store.db.executeQuery<{ detail: string }>(
              CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]),
            )
          ).rows
            .map((r) => r.detail)
            .join(' | ');
        const queryPlan = planQuery(store, request('name==db-0*', 'asc', 1, 25));
        const page = await explain(queryPlan.pageIds(store.db, null, 0).compile());
        assert.match(page, /MERGE \(UNION ALL\)/);
        assert.equal(
          (page.match(/SEARCH vms USING COVERING INDEX vms_org_name \(org_id=\? AND name>\? AND name<\?\)/g) ?? []).length,
          4,
          page,
        );
        assert.doesNotMatch(page, /SCAN vms/, page); // a temporary B-tree may order each range's 25 rows for the merge
        const count = await explain(queryPlan.countQuery(store.db).compile());
        assert.doesNotMatch(count, /SCAN vms/, count);
      });

      test('a field whose index cannot seek a range in every scope keeps the one walk', async () => {
        // vdcName's index is (org_id, is_template, vdc_name, id): with no template filter a range per case would
        // not seek.
        const vdcSorted = { ...request('vdcName==vd*', 'asc', 1, 25), sort: { field: 'vdcName', direction: 'asc' as const } };
        const sql = planQuery(store, vdcSorted).pageIds(store.db, null, 0).compile().sql;
        assert.doesNotMatch(sql, /union all/i);
      });
    }
  });
}
