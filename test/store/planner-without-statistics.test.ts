/**
 * A store that has no planner statistics yet (SQLite keeps them in sqlite_stat1 only after ANALYZE: a new store, a
 * bulk load, a restored backup) must still read a page of tokens by primary key. Before migration 0017 the
 * retention index over `revoked_at` (NULL for every live token) looked selective to SQLite's planner, and reading a
 * token-list page's 25 rows by `id IN (...)` walked every live token: 230 ms per request at 200,000 tokens.
 * SQLite only: PostgreSQL gathers statistics by itself (autovacuum's analyze) and plans from them.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, sql } from 'kysely';
import type { Store } from '../../src/store/store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { listedTokensByIds } from '../../src/store/token-listing.js';
import { mintedTokenRow, orgWithUsers } from './fixtures.js';

const LIVE = 3_000;
const REVOKED = 200;

describe('SQLite plans on a store without statistics', () => {
  let store: Store;
  let dir: string;
  let orgId: string;
  let userIds: string[];
  const liveIds: string[] = [];
  const revokedIds: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-no-stats-'));
    store = await openSqliteStore(join(dir, 'tessera.db'));
    const now = Date.now();
    ({ orgId, userIds } = await orgWithUsers(store, 'nostats', ['u0', 'u1']));
    const row = (i: number, revoked: boolean) => {
      const token = mintedTokenRow(orgId, userIds[i % 2]!, {
        name: `t${i}`,
        created_at: now - i,
        minted_at: now - i,
        revoked_at: revoked ? now : null,
      });
      (revoked ? revokedIds : liveIds).push(token.id);
      return token;
    };
    for (let start = 0; start < LIVE + REVOKED; start += 500) {
      await store.db
        .insertInto('api_tokens')
        .values(Array.from({ length: 500 }, (_, k) => row(start + k, start + k >= LIVE)))
        .execute();
    }
    const stats = await sql<{ n: number }>`select count(*) as n from sqlite_master where name = 'sqlite_stat1'`.execute(store.db);
    assert.equal(Number(stats.rows[0]!.n), 0, 'the store must have no statistics for this test to mean anything');
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function planText(query: { compile(): CompiledQuery }): Promise<string> {
    const compiled = query.compile();
    const result = await store.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]),
    );
    return result.rows.map((r) => r.detail).join('\n');
  }

  test("a token-list page's rows are read by primary key, and only the live ones come back", async () => {
    const ids = [...liveIds.slice(100, 124), revokedIds[0]!];
    const plan = await planText(listedTokensByIds(store.db, ids, 'sqlite'));
    assert.match(plan, /SEARCH api_tokens USING INDEX sqlite_autoindex_api_tokens_1 \(id=\?\)/, plan);
    assert.doesNotMatch(plan, /SCAN api_tokens|api_tokens_revoked|api_tokens_(user|org)_/, plan);
    const rows = await listedTokensByIds(store.db, ids, 'sqlite').execute();
    assert.deepEqual(new Set(rows.map((r) => r.id)), new Set(liveIds.slice(100, 124)));
    assert.ok(rows.every((r) => r.owner_name === 'u0' || r.owner_name === 'u1'));
    assert.ok(rows.every((r) => r.org_name === 'nostats'));
  });

  test('no read of live tokens can be planned on the retention index (it holds revoked tokens only)', async () => {
    const duplicateCheck = store.db
      .selectFrom('api_tokens')
      .select('id')
      .where('user_id', '=', userIds[0]!)
      .where('name', '=', 't0')
      .where('revoked_at', 'is', null);
    assert.doesNotMatch(await planText(duplicateCheck), /api_tokens_revoked\b/);
    const housekeeping = store.db.deleteFrom('api_tokens').where('revoked_at', 'is not', null).where('revoked_at', '<', Date.now());
    assert.match(await planText(housekeeping), /api_tokens_revoked\b/);
  });
});
