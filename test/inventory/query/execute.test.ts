/**
 * The query engine against real databases: deep pages found through keyset anchors equal plain OFFSET
 * pages, totals are exact and follow writes immediately (the version triggers), and the version ignores
 * writes that cannot change a result (sign-in bookkeeping on users).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Store } from '../../../src/store/store.js';
import { executeQuery, ANCHOR_EVERY, type QueryRequest } from '../../../src/inventory/query/execute.js';
import { queryType } from '../../../src/inventory/query/catalogue.js';
import { readInventoryVersion } from '../../../src/inventory/version.js';
import { generateOrgInventory } from '../../../src/inventory/generate.js';
import { bothBackends, reportUnavailable } from '../../store/backends.js';
import { makeOrg, makeUser, openTestStore } from '../fixtures.js';

const VMS = 1_000;

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'query engine')) continue;
  describe(`executeQuery on ${plan.backend}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let orgId: string;
    let otherId: string;
    before(async () => {
      ({ store, cleanup } = await openTestStore(plan));
      const org = await makeOrg(store, 'big');
      const other = await makeOrg(store, 'other');
      orgId = org.id;
      otherId = other.id;
      const owners = [(await makeUser(store, orgId, 'u1')).id, (await makeUser(store, orgId, 'u2')).id];
      await generateOrgInventory(store, orgId, VMS, { ownerIds: owners });
      await generateOrgInventory(store, otherId, 300, { ownerIds: [] });
    });
    after(async () => cleanup?.());

    const request = (overrides: Partial<QueryRequest>): QueryRequest => ({
      type: queryType('vm')!,
      scope: { kind: 'org', orgId },
      filter: null,
      sort: null,
      page: 1,
      pageSize: 25,
      ...overrides,
    });

    /** The page the slow, obvious way: ORDER BY ... LIMIT ... OFFSET over the same rows. */
    const reference = async (where: string, column: string, direction: 'asc' | 'desc', page: number, pageSize: number) => {
      const rows = await sql<{ id: string }>`select vms.id from vms where vms.org_id = ${orgId} and ${sql.raw(where)}
        order by ${sql.ref(column)} ${sql.raw(direction)}, vms.id ${sql.raw(direction)} limit ${pageSize} offset ${(page - 1) * pageSize}`.execute(
        store.db as Kysely<any>,
      );
      return rows.rows.map((r) => r.id);
    };

    const cases = [
      { filter: 'isVAppTemplate==false', where: 'vms.is_template = 0', sortField: 'name', column: 'vms.name' },
      { filter: null, where: '1 = 1', sortField: 'numberOfCpus', column: 'vms.cpus' },
      {
        filter: 'status==POWERED_ON,status==SUSPENDED',
        where: "vms.status in ('POWERED_ON', 'SUSPENDED')",
        sortField: 'dateCreated',
        column: 'vms.created_at',
      },
    ];
    for (const c of cases) {
      for (const direction of ['asc', 'desc'] as const) {
        test(`filter ${c.filter} sorted ${direction} by ${c.sortField}: every page equals the OFFSET page`, async () => {
          const pageSize = 23; // not a divisor of ANCHOR_EVERY, so pages straddle anchors
          const first = await executeQuery(store, request({ filter: c.filter, sort: { field: c.sortField, direction }, pageSize }));
          const total = first.total;
          assert.ok(total > ANCHOR_EVERY * 2, `enough rows for anchors (${total})`);
          const lastPage = Math.ceil(total / pageSize);
          for (const page of [1, 2, 11, 12, Math.floor(lastPage / 2), lastPage - 1, lastPage]) {
            const result = await executeQuery(
              store,
              request({ filter: c.filter, sort: { field: c.sortField, direction }, page, pageSize }),
            );
            assert.equal(result.total, total);
            assert.deepEqual(
              result.rows.map((r) => r.id),
              await reference(c.where, c.column, direction, page, pageSize),
              `page ${page}`,
            );
          }
          const beyond = await executeQuery(
            store,
            request({ filter: c.filter, sort: { field: c.sortField, direction }, page: lastPage + 1, pageSize }),
          );
          assert.deepEqual([beyond.total, beyond.rows.length], [total, 0]);
        });
      }
    }

    test('anchors grow on demand: a page far beyond the first batch continues from the last anchor', async () => {
      const huge = await makeOrg(store, 'huge');
      await generateOrgInventory(store, huge.id, 6_000, { ownerIds: [] });
      const pageSize = 25;
      for (const direction of ['asc', 'desc'] as const) {
        // Offsets needing 1 anchor (a first batch of 8 is built), then 21 (extended from anchor 8), then 3 (cached).
        for (const page of [12, 217, 34, 240]) {
          const result = await executeQuery(
            store,
            request({ scope: { kind: 'org', orgId: huge.id }, sort: { field: 'name', direction }, page, pageSize }),
          );
          const expected = await sql<{ id: string }>`select id from vms where org_id = ${huge.id}
            order by name ${sql.raw(direction)}, id ${sql.raw(direction)} limit ${pageSize} offset ${(page - 1) * pageSize}`.execute(
            store.db as Kysely<any>,
          );
          assert.equal(result.total, 6_000);
          assert.deepEqual(
            result.rows.map((r) => r.id),
            expected.rows.map((r) => r.id),
            `${direction} page ${page}`,
          );
        }
      }
    });

    test("tenant scope: only the org's rows, even when names collide", async () => {
      const mine = await executeQuery(store, request({ pageSize: 128 }));
      const theirs = await executeQuery(store, request({ scope: { kind: 'org', orgId: otherId }, pageSize: 128 }));
      const all = await executeQuery(store, request({ scope: { kind: 'all' }, pageSize: 1 }));
      const everything = Number(
        (
          await store.db
            .selectFrom('vms')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
      assert.deepEqual([mine.total, theirs.total, all.total], [VMS, 300, everything]);
      assert.ok(mine.rows.every((r) => r.org === orgId));
      assert.ok(theirs.rows.every((r) => r.org === otherId));
    });

    test('totals and deep pages follow writes at once; unrelated user updates keep the version', async () => {
      const deep = request({ filter: 'isVAppTemplate==false', page: 30 });
      const before = await executeQuery(store, deep);
      const vm = await store.db
        .selectFrom('vms')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('is_template', '=', 0)
        .limit(1)
        .executeTakeFirstOrThrow();
      await store.db
        .insertInto('vms')
        .values({ ...vm, id: randomUUID(), name: '0-first' })
        .execute();
      const after = await executeQuery(store, deep);
      assert.equal(after.total, before.total + 1);
      assert.ok(after.version > before.version);
      assert.deepEqual(
        after.rows.slice(1).map((r) => r.id),
        before.rows.slice(0, -1).map((r) => r.id),
        'the page shifted by one',
      );

      const user = await store.getUserByName(orgId, 'u1');
      const v0 = await readInventoryVersion(store.db);
      await store.updateUser(user!.id, { totp_last_step: 12345, sessions_not_before: Date.now() });
      assert.equal(await readInventoryVersion(store.db), v0, 'sign-in bookkeeping does not invalidate query caches');
      await store.updateUser(user!.id, { name: 'u1-renamed' });
      assert.ok((await readInventoryVersion(store.db)) > v0, 'a rename does (ownerName)');
      const renamed = await executeQuery(store, request({ filter: 'ownerName==u1-renamed', pageSize: 1 }));
      assert.ok(renamed.total > 0);
    });
  });
}
