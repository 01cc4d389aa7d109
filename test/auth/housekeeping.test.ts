/** Housekeeping deletes what can no longer matter, and nothing that still can. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { Housekeeping } from '../../src/auth/housekeeping.js';

test('expired revocations and legacy session ids go; live ones stay', async () => {
  const store = await openSqliteStore(':memory:');
  try {
    const now = 1_800_000_000_000;
    await store.transaction(async (trx) => {
      await store.recordRevocation(trx, 'api_token', 'old', now - 7_200_000, now - 1);
      await store.recordRevocation(trx, 'api_token', 'live', now - 60_000, now + 3_600_000);
    });
    await store.db
      .insertInto('legacy_sessions')
      .values([
        { token_hash: 'a', session_id: 's1', user_id: 'u', access_token: 'x', expires_at: now - 1 },
        { token_hash: 'b', session_id: 's2', user_id: 'u', access_token: 'y', expires_at: now + 60_000 },
      ])
      .execute();
    await new Housekeeping(store, { warn() {} }).runOnce(now);
    assert.deepEqual(
      (await store.relevantRevocations(0)).map((r) => r.subject),
      ['live'],
    );
    const legacy = await store.db.selectFrom('legacy_sessions').select('session_id').execute();
    assert.deepEqual(
      legacy.map((r) => r.session_id),
      ['s2'],
    );
  } finally {
    await store.close();
  }
});
