/**
 * The provider's long lists (2026-12-06): Administration > Organizations is paged and searched in SQL (it loaded
 * every org and counted everything in them for each view), and the every-org Users list places its page from
 * per-org counts and reads it through the `users_org_name` index instead of sorting the whole join; its rows and
 * order are the ones the join's ORDER BY gave. Runs on the backend TESSERA_TEST_BACKEND names.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { PortalClient } from './portal-client.js';
import { orgWithUsers } from '../store/fixtures.js';
import { ORG_PAGE_SIZE } from '../../src/http/portal/org-queries.js';
import { listUsersPage, pageSlices } from '../../src/http/portal/user-queries.js';

const ORGS = '/provider/administration/orgs';
const EXTRA = 30;

/** The org names of a list page's rows, in order. */
const rowNames = (body: string) =>
  [...body.matchAll(/<a class="cell-name" href="\/provider\/administration\/orgs\/[0-9a-f-]{36}">([^<]*)<\/a>/g)].map((m) => m[1]!);

describe('provider lists: Organizations paged and searched, Users placed without sorting the join', () => {
  let server: TesseraHandle;
  let admin: PortalClient;

  before(async () => {
    server = await startTessera({ demo: true, config: { signInRateLimit: 1000 } });
    for (let i = 0; i < EXTRA; i++) {
      // Users in a few orgs, of sizes that put page edges inside orgs and whole orgs between them.
      const users = Array.from({ length: i % 4 === 0 ? 7 : i % 4 === 1 ? 1 : 0 }, (_, u) => `U${(u * 3) % 7}-${i}`);
      await orgWithUsers(server.store, `paged-org-${String(i).padStart(2, '0')}`, users, {
        fullName: i === 7 ? 'Zebra Crossing Ltd' : `Paged Org ${i}`,
        userFullName: (u) => `Person ${u}`,
      });
    }
    admin = new PortalClient(server.server.app);
    await admin.signIn('/provider', 'administrator', server.adminPassword);
  });
  after(async () => server?.stop());

  test('the list is paged by name: page 2 holds the next orgs, and every org is on exactly one page', async () => {
    const all = (await server.store.listOrgs()).map((o) => o.name_lower).sort();
    assert.ok(all.length > ORG_PAGE_SIZE);
    const first = await admin.get(ORGS);
    assert.equal(first.statusCode, 200);
    assert.equal(rowNames(first.body).length, ORG_PAGE_SIZE);
    assert.match(first.body, new RegExp(`Showing 1-${ORG_PAGE_SIZE} of ${all.length} organizations`));
    assert.match(first.body, /href="\/provider\/administration\/orgs\?page=2" rel="next"/);
    const second = await admin.get(`${ORGS}?page=2`);
    assert.equal(second.statusCode, 200);
    const seen = [...rowNames(first.body), ...rowNames(second.body)];
    assert.deepEqual(
      seen.map((n) => n.toLowerCase()),
      all.slice(0, seen.length),
    );
    assert.ok(seen.includes('System'), 'the System org is listed, in its place by name');
    assert.match(first.body, /<th scope="col" aria-sort="ascending">Name<\/th>/);
    assert.match(first.body, /<label for="org-search">Name or full name<\/label>/);
  });

  test('counts are the page’s orgs’ own', async () => {
    const res = await admin.get(`${ORGS}?search=paged-org-04`);
    assert.deepEqual(rowNames(res.body), ['paged-org-04']);
    assert.match(res.body, /<td data-label="Users">7<\/td>/);
    const acme = await admin.get(`${ORGS}?search=acme`);
    const users = (await server.store.listUsers((await server.store.getOrgByName('acme'))!.id)).length;
    assert.match(acme.body, new RegExp(`<td data-label="Users">${users}</td>`));
  });

  test('search finds by name or full name, case-insensitively, as a literal', async () => {
    assert.deepEqual(rowNames((await admin.get(`${ORGS}?search=PAGED-ORG-1`)).body).length, 10);
    assert.deepEqual(rowNames((await admin.get(`${ORGS}?search=zebra%20crossing`)).body), ['paged-org-07']);
    const none = await admin.get(`${ORGS}?search=${encodeURIComponent('%')}`);
    assert.equal(none.statusCode, 200);
    assert.deepEqual(rowNames(none.body), []);
    assert.match(none.body, /No organizations match\./);
    const searched = await admin.get(`${ORGS}?search=paged&page=1`);
    assert.match(searched.body, /href="\/provider\/administration\/orgs\?search=paged&amp;page=2" rel="next"/);
    assert.match(searched.body, /value="paged"/);
  });

  test('odd page and search values are the portal’s 400 or an empty page, never a 500', async () => {
    for (const query of ['page=0', 'page=-1', 'page=abc', 'page=1.5', 'page=1000001', `search=${'x'.repeat(129)}`]) {
      assert.equal((await admin.get(`${ORGS}?${query}`)).statusCode, 400, query);
    }
    const past = await admin.get(`${ORGS}?page=999999`);
    assert.equal(past.statusCode, 200);
    assert.match(past.body, /No organizations on page 999,999/);
    const blank = await admin.get(`${ORGS}?search=%20%20`);
    assert.equal(blank.statusCode, 200);
    assert.equal(rowNames(blank.body).length, ORG_PAGE_SIZE);
  });

  test('the provider’s Users pages are the rows and order of the sorted join, on every page and search', async () => {
    const services = server.server.services;
    const expected = async (orgId: string | null, search: string) => {
      let q = server.store.db
        .selectFrom('users')
        .innerJoin('orgs', 'orgs.id', 'users.org_id')
        .innerJoin('roles', 'roles.id', 'users.role_id')
        .select('users.id')
        .orderBy('orgs.name_lower')
        .orderBy('users.name_lower')
        .orderBy('users.id');
      if (orgId) q = q.where('users.org_id', '=', orgId);
      const rows = await q.execute();
      if (search === '') return rows.map((r) => r.id);
      const users = new Map((await server.store.db.selectFrom('users').selectAll().execute()).map((u) => [u.id, u]));
      return rows
        .map((r) => r.id)
        .filter((id) =>
          `${users.get(id)!.name_lower}\n${users.get(id)!.full_name.toLowerCase()}`.split('\n').some((s) => s.includes(search)),
        );
    };
    const acme = (await server.store.getOrgByName('acme'))!.id;
    for (const [scope, orgId] of [
      [{ kind: 'all' }, null],
      [{ kind: 'org', orgId: acme }, acme],
    ] as const) {
      for (const search of ['', 'person 1', 'u3']) {
        for (const pageSize of [1, 3, 8]) {
          const want = await expected(orgId, search);
          const got: string[] = [];
          for (let page = 1; page <= Math.ceil(want.length / pageSize) + 1; page++) {
            const { total, items } = await listUsersPage(services, scope, { search, page, pageSize });
            assert.equal(total, want.length);
            got.push(...items.map((u) => u.id));
          }
          assert.deepEqual(got, want, `${scope.kind} search=${search} pageSize=${pageSize}`);
        }
      }
    }
  });

  test('a page’s slices: partial first and last orgs, whole orgs between', () => {
    const orgs = [
      { id: 'a', name: 'a', users: 5 },
      { id: 'b', name: 'b', users: 1 },
      { id: 'c', name: 'c', users: 2 },
      { id: 'd', name: 'd', users: 9 },
    ];
    const slices = (skip: number, size: number) => pageSlices(orgs, skip, size).map((s) => [s.org.id, s.offset, s.limit]);
    assert.deepEqual(slices(0, 3), [['a', 0, 3]]);
    assert.deepEqual(slices(3, 6), [
      ['a', 3, 2],
      ['b', 0, 1],
      ['c', 0, 2],
      ['d', 0, 1],
    ]);
    assert.deepEqual(slices(8, 25), [['d', 0, 9]]);
    assert.deepEqual(slices(17, 25), []);
  });
});
