/**
 * Migration 0015 and src/store/token-listing.ts: the token list's default page read from the minted-token
 * indexes gives exactly the rows the general rule gives ("live, and minted or the caller's own"), in the same
 * order, with the same total; it steps aside (null) when the caller has an unminted registration; deep pages
 * seek from the positions a node remembers (store/token-list-anchors.ts, migration 0019) and never use one taken
 * before the list changed; and on SQLite the count and the page's ids, sought or walked, are read from a covering
 * index (no table row per token).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import { LISTED_TOKEN_COLUMNS, type Store } from '../../src/store/store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import {
  indexedTokenPage,
  ownUnmintedAndMintedLiveCount,
  readListedTokens,
  type ListingStore,
  type TokenListScope,
} from '../../src/store/token-listing.js';
import { TokenListAnchors } from '../../src/store/token-list-anchors.js';
import { createTestDatabase } from '../helpers/tessera.js';
import { bothBackends, reportUnavailable } from './backends.js';

interface Row {
  id: string;
  org_id: string;
  user_id: string;
  created_at: number;
  secret_hash: string | null;
  revoked_at: number | null;
}

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'indexed token listing')) continue;
  describe(`indexed token listing on ${plan.backend}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const orgs = [randomUUID(), randomUUID()];
    const alice = randomUUID(); // the caller, in orgs[0]
    const bob = randomUUID(); // orgs[0]
    const carol = randomUUID(); // orgs[1]
    const rows: Row[] = [];
    const now = Date.now();

    /** The stored row of a fixture token (minted_at is written with secret_hash, as the service does). */
    const stored = (row: Row, name: string) => ({
      ...row,
      name,
      type: 'REFRESH',
      token_start: row.secret_hash ? 'x' : null,
      minted_at: row.secret_hash ? row.created_at : null,
      expires_at: null,
      last_used_at: null,
      last_used_ips: '[]',
      created_ip: null,
      scope: null,
      scope_rights: null,
    });

    async function insert(row: Row): Promise<void> {
      rows.push(row);
      await store.db
        .insertInto('api_tokens')
        .values(stored(row, `t${rows.length}`))
        .execute();
    }

    const token = (user: string, org: string, i: number, kind: 'minted' | 'unminted' | 'revoked'): Row => ({
      id: randomUUID(),
      org_id: org,
      user_id: user,
      // Ties on created_at on purpose: the id breaks them, in both the index and the general order.
      created_at: now - Math.floor(i / 3),
      secret_hash: kind === 'unminted' ? null : randomUUID(),
      revoked_at: kind === 'revoked' ? now : null,
    });

    before(async () => {
      if (plan.backend === 'sqlite') {
        const dir = mkdtempSync(join(tmpdir(), 'tessera-token-listing-'));
        store = await openSqliteStore(join(dir, 'tessera.db'));
        cleanup = async () => rmSync(dir, { recursive: true, force: true });
      } else {
        const database = await createTestDatabase();
        store = await openPostgresStore(database.url, { warn() {}, info() {} });
        cleanup = () => database.drop();
      }
      for (const [k, orgId] of orgs.entries()) {
        await store.createOrg({
          id: orgId,
          name: `list${k}`,
          name_lower: `list${k}`,
          full_name: 'List',
          description: '',
          is_enabled: 1,
          is_system: 0,
          max_token_lifetime_days: null,
          deployed_vm_quota: 0,
          stored_vm_quota: 0,
          created_at: now,
        });
      }
      const roleId = randomUUID();
      await store.createRole({ id: roleId, org_id: orgs[0]!, name: 'r', description: '', read_only: 0, created_at: now }, []);
      for (const [id, org] of [
        [alice, orgs[0]],
        [bob, orgs[0]],
        [carol, orgs[1]],
      ] as const)
        await store.createUser({ id, org_id: org!, name: id.slice(0, 8), password_hash: 'x', role_id: roleId });
      let i = 0;
      for (let k = 0; k < 40; k++) await insert(token(bob, orgs[0]!, i++, k % 5 === 0 ? 'revoked' : 'minted'));
      for (let k = 0; k < 7; k++) await insert(token(alice, orgs[0]!, i++, 'minted'));
      for (let k = 0; k < 3; k++) await insert(token(bob, orgs[0]!, i++, 'unminted'));
      for (let k = 0; k < 11; k++) await insert(token(carol, orgs[1]!, i++, k === 0 ? 'unminted' : 'minted'));
      await sql`analyze`.execute(store.db);
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    /** The list's rule, computed in plain code: live, minted or the caller's own, in scope, by (created_at, id). */
    function expected(scope: TokenListScope, caller: string): string[] {
      return rows
        .filter((r) => r.revoked_at === null && (r.secret_hash !== null || r.user_id === caller))
        .filter((r) => (scope.kind === 'own' ? r.user_id === caller : scope.kind === 'org' ? r.org_id === scope.orgId : true))
        .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((r) => r.id);
    }

    const scopes: Array<[string, TokenListScope]> = [
      ['own', { kind: 'own' }],
      ['org', { kind: 'org', orgId: orgs[0]! }],
      ['all', { kind: 'all' }],
    ];

    test("a page's rows carry what the list shows, with owner and org names, and never the secret's hash", async () => {
      const page = (await indexedTokenPage(store, { kind: 'org', orgId: orgs[0]! }, alice, 0, 5))!;
      const listed = await readListedTokens(store, page.ids);
      assert.deepEqual(
        listed.map((r) => r.id),
        page.ids,
      );
      for (const row of listed) {
        assert.deepEqual(
          Object.keys(row).sort(),
          [...LISTED_TOKEN_COLUMNS.map((c) => c.slice('api_tokens.'.length)), 'org_name', 'owner_name'].sort(),
        );
        assert.equal(row.org_name, 'list0');
        assert.equal(row.owner_name, rows.find((r) => r.id === row.id)!.user_id.slice(0, 8));
        assert.equal(row.last_used_ips, '[]');
      }
    });

    for (const [name, scope] of scopes)
      test(`${name}: every page equals the general rule's page, with its total`, async () => {
        const want = expected(scope, alice);
        assert.ok(want.length > 5, 'the fixture lists more than a page');
        for (const pageSize of [0, 4, 25]) {
          for (let offset = 0; offset <= want.length + 4; offset += Math.max(pageSize, 4)) {
            const page = await indexedTokenPage(store, scope, alice, offset, pageSize);
            assert.ok(page, 'alice has no unminted registration: the indexed path answers');
            assert.equal(page.total, want.length);
            assert.deepEqual(page.ids, want.slice(offset, offset + pageSize), `offset ${offset}, page size ${pageSize}`);
          }
        }
      });

    for (const [name, scope] of scopes.filter(([, s]) => s.kind !== 'own'))
      test(`${name}: pages asked in any order, the list changing between them, are the rule's pages; deep pages seek`, async () => {
        // A node of its own (fresh positions) whose statements are seen.
        const statements: string[] = [];
        const node: ListingStore = {
          db: store.db,
          dialect: store.dialect,
          tokenListAnchors: new TokenListAnchors(),
          runPrepared: (query) => {
            statements.push(query.compile().sql);
            return store.runPrepared(query);
          },
        };
        const seeks = () => statements.filter((text) => /\("created_at", "id"\) >/.test(text)).length;
        const check = async (offset: number, pageSize: number, why: string) => {
          const want = expected(scope, alice);
          const page = await indexedTokenPage(node, scope, alice, offset, pageSize);
          assert.equal(page?.total, want.length, why);
          assert.deepEqual(page?.ids, want.slice(offset, offset + pageSize), `${why}: offset ${offset}, page size ${pageSize}`);
        };
        const total = expected(scope, alice).length;
        // Forward, page after page (go-vcloud-director's and the portal's way): every page after the first starts
        // from the position where the one before it ended.
        for (let offset = 0; offset < total; offset += 4) await check(offset, 4, 'forward');
        assert.equal(seeks(), Math.ceil(total / 4) - 1, 'each page after the first sought from the last one');
        // Any order, any size: from the nearest position before, or from the start.
        let seed = 7;
        const random = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
        for (let k = 0; k < 40; k++) await check(random(total + 2), 1 + random(9), 'any order');
        // The list changes as another node would change it, straight in the database: tokens added at the start
        // and in the middle (alice's, made here, so the other tests' counts stand), then one of them revoked.
        // Positions taken before a change are not used for the changed list; positions of the new one are.
        const middle = rows.find((r) => r.id === expected(scope, alice)[Math.floor(total / 2)])!;
        const first = rows.find((r) => r.id === expected(scope, alice)[0])!;
        const atStart = { ...token(alice, orgs[0]!, 0, 'minted'), created_at: first.created_at - 1 };
        const changes: Array<[string, () => Promise<void>]> = [
          [
            'two tokens added',
            async () => {
              await insert(atStart);
              await insert({ ...token(alice, orgs[0]!, 0, 'minted'), created_at: middle.created_at });
            },
          ],
          [
            'one revoked',
            async () => {
              atStart.revoked_at = Date.now();
              rows.find((r) => r.id === atStart.id)!.revoked_at = atStart.revoked_at;
              await store.db.updateTable('api_tokens').set({ revoked_at: atStart.revoked_at }).where('id', '=', atStart.id).execute();
            },
          ],
        ];
        for (const [change, apply] of changes) {
          await apply();
          const sought = seeks();
          await check(total - 3, 4, `${change}: the first page after`);
          assert.equal(seeks(), sought, `${change}: the first page after the change walks (no position of the old list)`);
          for (let k = 0; k < 40; k++) await check(random(total + 3), 1 + random(9), `${change}: any order`);
          assert.ok(seeks() > sought, `${change}: positions of the changed list are learnt and used`);
        }
      });

    test("another's unminted registrations are never listed; one's own are, on the own scope", async () => {
      const bobsOwn = await indexedTokenPage(store, { kind: 'own' }, bob, 0, 100);
      assert.deepEqual(bobsOwn?.ids, expected({ kind: 'own' }, bob));
      assert.equal(bobsOwn?.ids.length, 32 + 3, "bob's 32 live minted and 3 unminted tokens");
      const org = await indexedTokenPage(store, { kind: 'org', orgId: orgs[0]! }, alice, 0, 100);
      assert.ok(org && !org.ids.some((id) => rows.find((r) => r.id === id)!.secret_hash === null));
    });

    test('a caller with an unminted registration in scope goes to the general query (null)', async () => {
      assert.equal(await indexedTokenPage(store, { kind: 'org', orgId: orgs[0]! }, bob, 0, 25), null);
      assert.equal(await indexedTokenPage(store, { kind: 'all' }, carol, 0, 25), null);
      // Any unminted registration of the caller's counts (a cheap superset: the general query is always right).
      assert.equal(await indexedTokenPage(store, { kind: 'org', orgId: orgs[0]! }, carol, 0, 25), null);
    });

    if (plan.backend === 'sqlite')
      test("an org's count and page are read from the covering index api_tokens_org_minted", async () => {
        // Statistics of a realistic store: many orgs, so that one org is a small part of the table (on a table of
        // sixty rows a scan is the planner's right call).
        const other = randomUUID();
        await store.createOrg({ ...(await store.getOrg(orgs[1]!))!, id: other, name: 'many', name_lower: 'many' });
        for (let start = 0; start < 3_000; start += 500)
          await store.db
            .insertInto('api_tokens')
            .values(Array.from({ length: 500 }, (_, k) => stored(token(carol, other, start + k, 'minted'), `bulk${start + k}`)))
            .execute();
        await sql`analyze`.execute(store.db);
        const listed = store.db
          .selectFrom('api_tokens')
          .where('revoked_at', 'is', null)
          .where('minted_at', 'is not', null)
          .where('org_id', '=', orgs[0]!);
        for (const query of [
          listed.select((eb) => eb.fn.countAll().as('n')),
          listed.select('id').orderBy('created_at').orderBy('id').limit(25).offset(10),
          // A page from a remembered position (store/token-list-anchors.ts): a seek within the org's entries.
          listed
            .where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(now, orgs[0]!)))
            .select(['created_at', 'id'])
            .orderBy('created_at')
            .orderBy('id')
            .limit(26)
            .offset(3),
        ]) {
          const compiled = query.compile();
          const result = await store.db.executeQuery<{ detail: string }>(
            CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]),
          );
          const text = result.rows.map((r) => r.detail).join('\n');
          assert.match(text, /COVERING INDEX api_tokens_org_minted \(org_id=\?( AND \(created_at,id\)>\(\?,\?\))?\)/, text);
          if (/"created_at", "id"\) >/.test(compiled.sql))
            assert.match(text, /\(created_at,id\)>\(\?,\?\)/, `the seek is in the index\n${text}`);
          assert.doesNotMatch(text, /TEMP B-TREE/, `no sort: the index is in page order\n${text}`);
        }
        // And the probe-and-count before every indexed page, the statement the list runs: the probe from its own
        // small index alone, the count from the kept counts' primary key.
        const probe = ownUnmintedAndMintedLiveCount(store.db, { kind: 'org', orgId: orgs[0]! }, alice).compile();
        const probePlan = await store.db.executeQuery<{ detail: string }>(
          CompiledQuery.raw(`explain query plan ${probe.sql}`, [...probe.parameters]),
        );
        const probeText = probePlan.rows.map((r) => r.detail).join('\n');
        assert.match(probeText, /SEARCH api_tokens USING COVERING INDEX api_tokens_user_unminted/, probeText);
        assert.match(probeText, /SEARCH api_token_counts USING INDEX sqlite_autoindex_api_token_counts_1 \(org_id=\?\)/, probeText);
      });
  });
}
