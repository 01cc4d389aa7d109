/**
 * Migration 0012: the lists of live API tokens (a user's, an org's) read a partial index over live tokens, so
 * their cost does not grow with the revoked tokens a user piles up over the years, and housekeeping's deletes
 * find their rows through indexes instead of scanning (docs/performance-soak.md). Checked through each backend's
 * own query plan, with many revoked tokens beside one live one.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, sql } from 'kysely';
import type { Store } from '../../src/store/store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { createTestDatabase } from '../helpers/tessera.js';
import { bothBackends, reportUnavailable } from './backends.js';
import { mintedTokenRow, orgWithUsers } from './fixtures.js';

const REVOKED = 3_000;

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'live-token indexes')) continue;
  describe(`live-token indexes on ${plan.backend}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let orgId: string;
    let userId: string;

    before(async () => {
      if (plan.backend === 'sqlite') {
        const dir = mkdtempSync(join(tmpdir(), 'tessera-live-idx-'));
        store = await openSqliteStore(join(dir, 'tessera.db'));
        cleanup = async () => rmSync(dir, { recursive: true, force: true });
      } else {
        const database = await createTestDatabase();
        store = await openPostgresStore(database.url, { warn() {}, info() {} });
        cleanup = () => database.drop();
      }
      const now = Date.now();
      ({
        orgId,
        userIds: [userId],
      } = (await orgWithUsers(store, 'idx', ['u'])) as { orgId: string; userIds: [string] });
      const row = (i: number, revoked: boolean) =>
        mintedTokenRow(orgId, userId, { name: `t${i}`, created_at: now - i, minted_at: now - i, revoked_at: revoked ? now : null });
      for (let start = 0; start < REVOKED; start += 500) {
        await store.db
          .insertInto('api_tokens')
          .values(Array.from({ length: 500 }, (_, k) => row(start + k, true)))
          .execute();
      }
      await store.db.insertInto('api_tokens').values(row(-1, false)).execute();
      // Revocations still relevant, as a busy store holds them (every revoked token and sign-out of the last lifetime).
      for (let start = 0; start < REVOKED; start += 500) {
        await store.db
          .insertInto('revocations')
          .values(
            Array.from({ length: 500 }, (_, k) => ({
              kind: 'api_token',
              subject: `token-${start + k}`,
              at: now,
              relevant_until: now + 3_600_000,
              keep_session: null,
            })),
          )
          .execute();
      }
      await sql`analyze`.execute(store.db);
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    /** The plan of the list reads (src/http/portal/token-queries.ts, src/http/cloudapi/tokens.ts) as text. */
    function planOf(column: 'user_id' | 'org_id', value: string): Promise<string> {
      return planText(
        store
          .liveApiTokens()
          .selectAll('api_tokens')
          .where('api_tokens.secret_hash', 'is not', null)
          .where(`api_tokens.${column}`, '=', value)
          .orderBy('api_tokens.created_at', 'desc'),
      );
    }

    async function planText(query: { compile(): CompiledQuery; explain(): Promise<unknown[]> }): Promise<string> {
      if (plan.backend === 'postgres') {
        const rows = (await query.explain()) as Array<Record<string, unknown>>;
        return rows.map((r) => Object.values(r).join(' ')).join('\n');
      }
      // kysely's explain() is SQLite's bytecode listing; the plan that names indexes is EXPLAIN QUERY PLAN.
      const compiled = query.compile();
      const result = await store.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]),
      );
      return result.rows.map((r) => r.detail).join('\n');
    }

    test("a user's live tokens are read through api_tokens_user_live, not past the revoked ones", async () => {
      const live = await store.liveApiTokens().select('api_tokens.id').where('api_tokens.user_id', '=', userId).execute();
      assert.equal(live.length, 1);
      assert.match(await planOf('user_id', userId), /api_tokens_user_live/);
    });

    test("an org's live tokens are read through api_tokens_org_live", async () => {
      // 0015's api_tokens_org_minted serves this shape (minted live tokens) at least as well.
      assert.match(await planOf('org_id', orgId), /api_tokens_org_(live|minted)/);
    });

    // Migration 0029. Without the index both reads walked every relevant revocation (SCAN revocations / Seq Scan).
    test("a session's cut-offs are read through revocations_subject (auth/session-stands.ts)", async () => {
      const db = store.db;
      const serviceAccount = await planText(
        db
          .selectFrom('revocations')
          .select('seq')
          .where('kind', '=', 'user')
          .where('subject', '=', 'some-account')
          .where('at', '>=', 1)
          .limit(1),
      );
      const user = await planText(
        db
          .selectFrom('revocations')
          .select('keep_session')
          .where('kind', '=', 'user')
          .where('subject', '=', userId)
          .orderBy('seq', 'desc')
          .limit(1),
      );
      assert.match(serviceAccount, /revocations_subject/);
      assert.match(user, /revocations_subject/);
    });

    // Housekeeping's deletes, written as src/auth/housekeeping.ts writes them. SQLite only: better-sqlite3 runs on
    // the event loop, so a scan there stalls every request; PostgreSQL chooses by its statistics (scanning a small
    // table is its right call) and runs the delete off the event loop.
    if (plan.backend === 'sqlite')
      test('housekeeping finds dead tokens, unminted registrations and expired legacy sessions through indexes', async () => {
        const cutoff = Date.now() - 1;
        const db = store.db;
        const plans = {
          revoked: await planText(db.deleteFrom('api_tokens').where('revoked_at', 'is not', null).where('revoked_at', '<', cutoff)),
          expired: await planText(db.deleteFrom('api_tokens').where('expires_at', 'is not', null).where('expires_at', '<', cutoff)),
          unminted: await planText(db.deleteFrom('api_tokens').where('secret_hash', 'is', null).where('created_at', '<', cutoff)),
          legacy: await planText(db.deleteFrom('legacy_sessions').where('expires_at', '<=', cutoff)),
          legacyBySession: await planText(db.deleteFrom('legacy_sessions').where('session_id', '=', 's')),
        };
        assert.match(plans.revoked, /api_tokens_revoked\b/);
        assert.match(plans.expired, /api_tokens_expires/);
        assert.match(plans.unminted, /api_tokens_unminted/);
        assert.match(plans.legacy, /legacy_sessions_expires/);
        assert.match(plans.legacyBySession, /legacy_sessions_session/);
      });
  });
}
