/**
 * Migration 0018's per-org counts of live minted tokens, kept by triggers, on both backends: after any sequence of
 * the writes the product makes (insert, mint, revoke, "last used", housekeeping's deletes, a user's and an org's
 * cascading delete) they equal a count of the rows; the migration counts the tokens a store already has; and the
 * token list's default page reports them as its total.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { Store } from '../../src/store/store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import * as m0018 from '../../src/store/migrations/0018_minted_token_counts.js';
import * as m0019 from '../../src/store/migrations/0019_token_list_changes.js';
import { indexedTokenPage } from '../../src/store/token-listing.js';
import { createTestDatabase } from '../helpers/tessera.js';
import { bothBackends, reportUnavailable } from './backends.js';
import { mintedTokenRow, orgWithUsers } from './fixtures.js';

const silent = { warn() {}, info() {} };

/** Org id -> count, as the triggers keep it (orgs at 0 left out) and as the rows say. */
async function keptCounts(store: Store): Promise<Record<string, number>> {
  const rows = await store.db.selectFrom('api_token_counts').selectAll().where('minted_live', '<>', 0).execute();
  return Object.fromEntries(rows.map((r) => [r.org_id, Number(r.minted_live)]).sort());
}
async function rowCounts(store: Store): Promise<Record<string, number>> {
  const rows = await store.db
    .selectFrom('api_tokens')
    .select(['org_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('revoked_at', 'is', null)
    .where('minted_at', 'is not', null)
    .groupBy('org_id')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.org_id, Number(r.n)]).sort());
}

/** Org id -> its live minted tokens' ids (the list's content) and its change number (migration 0019). */
async function listsAndChanges(store: Store): Promise<Record<string, { ids: string; changes: string }>> {
  const counts = await store.db.selectFrom('api_token_counts').select(['org_id', 'list_changes']).execute();
  const tokens = await store.db
    .selectFrom('api_tokens')
    .select(['org_id', 'id'])
    .where('revoked_at', 'is', null)
    .where('minted_at', 'is not', null)
    .orderBy('id')
    .execute();
  const out: Record<string, { ids: string; changes: string }> = {};
  for (const c of counts) out[c.org_id] = { ids: '', changes: String(c.list_changes) };
  for (const t of tokens) out[t.org_id]!.ids += `${t.id},`;
  return out;
}

type Op =
  | { op: 'insert'; org: number; user: number; minted: boolean; revoked: boolean }
  | { op: 'mint' | 'revoke' | 'use' | 'unrevoke' | 'deleteToken'; pick: number }
  | { op: 'revokeOrg'; org: number }
  | { op: 'insertMany'; n: number }
  | { op: 'housekeeping' }
  | { op: 'deleteUser'; org: number; user: number }
  | { op: 'deleteOrg'; org: number };

const ORGS = 3;
const USERS = 2;
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      org: fc.nat(ORGS - 1),
      user: fc.nat(USERS - 1),
      minted: fc.boolean(),
      revoked: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom('mint' as const, 'revoke' as const, 'use' as const, 'unrevoke' as const, 'deleteToken' as const),
      pick: fc.nat(50),
    }),
  },
  fc.record({ op: fc.constant('revokeOrg' as const), org: fc.nat(ORGS - 1) }),
  fc.record({ op: fc.constant('insertMany' as const), n: fc.integer({ min: 2, max: 8 }) }),
  fc.constant({ op: 'housekeeping' as const }),
  fc.record({ op: fc.constant('deleteUser' as const), org: fc.nat(ORGS - 1), user: fc.nat(USERS - 1) }),
  fc.record({ op: fc.constant('deleteOrg' as const), org: fc.nat(ORGS - 1) }),
);

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'minted token counts')) continue;
  describe(`minted token counts on ${plan.backend}`, () => {
    let store: Store;
    let dir: string;
    let database: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-counts-'));
      if (plan.backend === 'postgres') {
        database = await createTestDatabase();
        store = await openPostgresStore(database.url, silent);
      } else {
        store = await openSqliteStore(join(dir, 'tessera.db'));
      }
    });
    after(async () => {
      await store.close();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('random sequences of every kind of write: the kept counts equal the rows', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
          const orgs: { orgId: string; userIds: string[] }[] = [];
          for (let o = 0; o < ORGS; o++) {
            orgs.push(
              await orgWithUsers(
                store,
                `c-${randomUUID().slice(0, 8)}`,
                Array.from({ length: USERS }, (_, u) => `u${u}`),
              ),
            );
          }
          const tokens: string[] = [];
          let lists = await listsAndChanges(store);
          for (const step of ops) {
            const now = Date.now();
            const picked = 'pick' in step && tokens.length > 0 ? tokens[step.pick % tokens.length]! : null;
            switch (step.op) {
              case 'insert': {
                const owner = orgs[step.org]!;
                const userId = owner.userIds[step.user];
                if (!userId) break; // deleted with its org or by itself
                const row = mintedTokenRow(owner.orgId, userId, {
                  secret_hash: step.minted ? randomUUID() : null,
                  minted_at: step.minted ? now : null,
                  revoked_at: step.revoked ? now : null,
                });
                await store.insertApiToken(row);
                tokens.push(row.id);
                break;
              }
              case 'insertMany': {
                // One statement over every org that still has a user: PostgreSQL counts it per statement.
                const owners = orgs.flatMap((o) => o.userIds.filter(Boolean).map((u) => [o.orgId, u] as const));
                if (owners.length === 0) break;
                const rows = Array.from({ length: step.n }, (_, i) => {
                  const [orgId, userId] = owners[i % owners.length]!;
                  return mintedTokenRow(orgId, userId, i % 3 === 2 ? { secret_hash: null, minted_at: null } : {});
                });
                await store.db.insertInto('api_tokens').values(rows).execute();
                tokens.push(...rows.map((r) => r.id));
                break;
              }
              case 'mint':
                if (picked) await store.mintApiToken(picked, randomUUID(), 'x', now);
                break;
              case 'revoke':
                if (picked) await store.markApiTokenRevoked(picked, now);
                break;
              case 'unrevoke': // no product path does this; the trigger must still count it back
                if (picked) await store.db.updateTable('api_tokens').set({ revoked_at: null }).where('id', '=', picked).execute();
                break;
              case 'use':
                if (picked) await store.recordApiTokenUses([{ id: picked, lastUsedAt: now, ips: ['192.0.2.1'] }]);
                break;
              case 'deleteToken':
                if (picked) await store.db.deleteFrom('api_tokens').where('id', '=', picked).execute();
                break;
              case 'revokeOrg':
                await store.db
                  .updateTable('api_tokens')
                  .set({ revoked_at: now })
                  .where('org_id', '=', orgs[step.org]!.orgId)
                  .where('revoked_at', 'is', null)
                  .execute();
                break;
              case 'housekeeping': // as auth/housekeeping.ts deletes ended tokens (cutoff in the future: all of them)
                await store.db
                  .deleteFrom('api_tokens')
                  .where('revoked_at', 'is not', null)
                  .where('revoked_at', '<', now + 1)
                  .execute();
                break;
              case 'deleteUser': {
                const owner = orgs[step.org]!;
                const userId = owner.userIds[step.user];
                if (userId) await store.deleteUser(userId);
                owner.userIds[step.user] = '';
                break;
              }
              case 'deleteOrg':
                await store.deleteOrg(orgs[step.org]!.orgId);
                orgs[step.org]!.userIds = [];
                break;
            }
            // Migration 0019: an org whose list changed has a new change number (a remembered page position is
            // only ever used while the number is the one it was taken under).
            const after = await listsAndChanges(store);
            for (const [orgId, was] of Object.entries(lists)) {
              const now = after[orgId] ?? { ids: '', changes: was.changes };
              if (now.ids !== was.ids)
                assert.notEqual(now.changes, was.changes, `${step.op}: org ${orgId}'s list changed, its number did not`);
            }
            lists = after;
          }
          assert.deepEqual(await keptCounts(store), await rowCounts(store));
        }),
        { numRuns: plan.backend === 'postgres' ? 20 : 50 },
      );
    });

    test('the migration counts the tokens a store already has', async () => {
      const { orgId, userIds } = await orgWithUsers(store, `pre-${randomUUID().slice(0, 8)}`, ['a']);
      // Back to before 0018 (0019 only changed its table and triggers), then both again.
      await m0019.down(store.db, plan.backend);
      await m0018.down(store.db, plan.backend);
      // Written while no trigger exists: only the migration's own count can know of them.
      for (let i = 0; i < 7; i++) await store.insertApiToken(mintedTokenRow(orgId, userIds[0]!, { revoked_at: i < 2 ? Date.now() : null }));
      await store.insertApiToken(mintedTokenRow(orgId, userIds[0]!, { secret_hash: null, minted_at: null }));
      await m0018.up(store.db, plan.backend);
      await m0019.up(store.db, plan.backend);
      const kept = await keptCounts(store);
      assert.equal(kept[orgId], 5, 'five live minted tokens: not the revoked two, not the unminted one');
      assert.deepEqual(kept, await rowCounts(store));
      // And the triggers are back.
      await store.insertApiToken(mintedTokenRow(orgId, userIds[0]!));
      assert.equal((await keptCounts(store))[orgId], 6);
    });

    test("the list's default page: an org's total and every org's total are the kept counts", async () => {
      const { orgId, userIds } = await orgWithUsers(store, `list-${randomUUID().slice(0, 8)}`, ['admin', 'other']);
      for (let i = 0; i < 30; i++) await store.insertApiToken(mintedTokenRow(orgId, userIds[1]!, { created_at: Date.now() + i }));
      const orgPage = await indexedTokenPage(store, { kind: 'org', orgId }, userIds[0]!, 25, 25);
      assert.equal(orgPage?.total, 30);
      assert.equal(orgPage?.ids.length, 5, 'the second page holds the last five');
      const everyOrg = Object.values(await rowCounts(store)).reduce((a, b) => a + b, 0);
      const allPage = await indexedTokenPage(store, { kind: 'all' }, userIds[0]!, 0, 25);
      assert.equal(allPage?.total, everyOrg);
      // An org with no token at all has no row: its total is 0, not an error.
      const empty = await orgWithUsers(store, `empty-${randomUUID().slice(0, 8)}`, ['x']);
      assert.equal((await indexedTokenPage(store, { kind: 'org', orgId: empty.orgId }, empty.userIds[0]!, 0, 25))?.total, 0);
    });

    test('"last used" batches never run the count triggers: every update trigger names its three columns', async () => {
      // An update trigger without its column list would still count right (the predicate does not change), so
      // only its definition can show that "last used" batches, on every exchange, would pay for it.
      const definitions =
        plan.backend === 'sqlite'
          ? (
              await sql<{ text: string }>`select sql as text from sqlite_master where type = 'trigger' and tbl_name = 'api_tokens'`.execute(
                store.db,
              )
            ).rows.map((r) => r.text)
          : (
              await sql<{ text: string }>`select pg_get_triggerdef(oid) as text from pg_trigger
                where tgrelid = 'api_tokens'::regclass and not tgisinternal`.execute(store.db)
            ).rows.map((r) => r.text);
      const updates = definitions.filter((d) => /\bUPDATE\b/i.test(d.split(/\bBEGIN\b|\bEXECUTE\b/i)[0]!));
      assert.equal(updates.length, plan.backend === 'sqlite' ? 2 : 1, definitions.join('\n'));
      for (const d of updates) assert.match(d, /AFTER UPDATE OF revoked_at, minted_at, org_id ON (public\.)?api_tokens/i, d);
    });
  });
}
