/**
 * A PostgreSQL database's collation decides whether the name-prefix seek may be used (`store.bytewiseTextOrder`,
 * src/store/postgres.ts): its ranges assume byte order. An ICU database reports `datcollate = C.UTF-8` while it
 * sorts linguistically; until 2026-12-06 it was taken for byte order, and `filter=name==web*&sortAsc=name` counted
 * 185 VMs for 23, returned short pages with a next page, repeated rows across pages and lost others. PostgreSQL only
 * (SQLite's text order is its bytes, always).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { Store } from '../../src/store/store.js';
import { executeQuery, type QueryRequest } from '../../src/inventory/query/execute.js';
import { queryType } from '../../src/inventory/query/catalogue.js';
import { insertInventoryRows } from '../../src/inventory/writer.js';
import { createTestDatabase } from '../helpers/tessera.js';
import { postgresPlan, reportUnavailable } from './backends.js';
import { emptyVdcRow, makeOrg, plainVAppRow, plainVmRow } from '../inventory/fixtures.js';

const ICU = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'";
const LIBC_C = "TEMPLATE template0 LOCALE_PROVIDER libc LOCALE 'C.UTF-8'";

/** Names whose linguistic order interleaves with other prefixes' (`web-…`, `Web…`, `wéb…`, `_web`, `web%x`). */
const NAMES = [
  ...Array.from({ length: 12 }, (_, i) => `web-${String(i).padStart(2, '0')}`),
  ...Array.from({ length: 6 }, (_, i) => `Web${i}`),
  'web%x',
  'web_y',
  'wéb-1',
  'wec',
  'we',
  '_web',
  'WEBER',
  'a-web',
  'zeta',
];

const plan = postgresPlan();
if (!reportUnavailable(plan, 'the database collation')) {
  for (const [label, options, bytewise] of [
    ['ICU (en-US)', ICU, false],
    ['libc C.UTF-8', LIBC_C, true],
  ] as const) {
    describe(`a PostgreSQL database with the ${label} collation`, () => {
      let store: Store;
      let drop: () => Promise<void>;
      let orgId: string;
      const warnings: string[] = [];

      before(async () => {
        const database = await createTestDatabase(options);
        drop = database.drop;
        store = await openPostgresStore(database.url, { warn: (_o, msg) => void warnings.push(msg), info() {} });
        orgId = (await makeOrg(store, 'collation')).id;
        const vdc = emptyVdcRow(orgId, 'vdc');
        const vapp = plainVAppRow(vdc);
        const vms = NAMES.map((name) => plainVmRow(vapp, name));
        await store.transaction((trx) => insertInventoryRows(trx, { vdcs: [vdc], vapps: [vapp], vms }));
      });
      after(async () => {
        await store?.close();
        await drop?.();
      });

      test(`is ${bytewise ? '' : 'not '}taken for byte order, and a start-up warning says so when it is not`, () => {
        assert.equal(store.bytewiseTextOrder, bytewise);
        const warned = warnings.filter((w) => /sorts text by its collation/.test(w));
        assert.equal(warned.length, bytewise ? 0 : 1, warnings.join('\n'));
        if (!bytewise) assert.match(warned[0]!, /ICU en-US.*--locale=C\.UTF-8 --locale-provider=libc/);
      });

      test('a name prefix finds every match once: the total, the pages and nothing repeated', async () => {
        // ILIKE 'web%' (case-insensitive, `%` and `_` literal in the value): what the filter means on PostgreSQL.
        const want = NAMES.filter((n) => n.toLowerCase().startsWith('web')).sort();
        const request = (page: number): QueryRequest => ({
          type: queryType('vm')!,
          scope: { kind: 'org', orgId },
          filter: 'name==web*',
          sort: { field: 'name', direction: 'asc' },
          page,
          pageSize: 5,
        });
        const seen: string[] = [];
        for (let page = 1; page <= 10; page++) {
          const result = await executeQuery(store, request(page));
          assert.equal(result.total, want.length, `page ${page}: total`);
          seen.push(...result.rows.map((r) => String(r.name)));
          if (result.rows.length < 5) break;
        }
        assert.deepEqual([...seen].sort(), want, 'each match once');
        const literal = await executeQuery(store, { ...request(1), filter: 'name==web%*' });
        assert.deepEqual(
          literal.rows.map((r) => r.name),
          ['web%x'],
        );
      });
    });
  }
}
