/** Housekeeping deletes what can no longer matter, and nothing that still can. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { DEAD_API_TOKEN_RETENTION_MS, Housekeeping } from '../../src/auth/housekeeping.js';
import { REVOCATION_CLOCK_MARGIN_MS } from '../../src/store/store.js';

test('expired revocations and legacy session ids go; live ones stay', async () => {
  const store = await openSqliteStore(':memory:');
  try {
    const now = 1_800_000_000_000;
    await store.transaction(async (trx) => {
      await store.recordRevocation(trx, 'api_token', 'old', now - 7_200_000, now - REVOCATION_CLOCK_MARGIN_MS - 1);
      // Past its stamp by less than the margin kept for a revoking node's clock running behind: kept.
      await store.recordRevocation(trx, 'api_token', 'margin', now - 7_200_000, now - 1);
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
      ['margin', 'live'],
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

test('spent "shown once" ids go when their cookie has ended by every clock; a claim stays spent until then', async () => {
  const store = await openSqliteStore(':memory:');
  try {
    const now = 1_800_000_000_000;
    assert.equal(await store.claimShownOnce('ended', now - REVOCATION_CLOCK_MARGIN_MS - 1), true);
    // Ended by this clock, not yet by a node's running behind it, which would open the cookie again: kept.
    assert.equal(await store.claimShownOnce('margin', now - 1), true);
    assert.equal(await store.claimShownOnce('live', now + 60_000), true);
    assert.equal(await store.claimShownOnce('live', now + 60_000), false, 'a second claim of one id loses');
    await new Housekeeping(store, { warn() {} }).runOnce(now);
    const left = await store.db.selectFrom('shown_once').select('id').orderBy('id').execute();
    assert.deepEqual(
      left.map((r) => r.id),
      ['live', 'margin'],
    );
    assert.equal(await store.claimShownOnce('live', now + 60_000), false, 'still spent after housekeeping');
    assert.equal(await store.claimShownOnce('margin', now - 1), false, 'and the one just ended too');
  } finally {
    await store.close();
  }
});

test('API tokens revoked or expired longer than the retention go; live, recently dead and unexpired ones stay', async () => {
  const store = await openSqliteStore(':memory:');
  try {
    const now = 1_800_000_000_000;
    const day = 86_400_000;
    await store.createOrg({
      id: 'o',
      name: 'o',
      name_lower: 'o',
      full_name: 'O',
      description: '',
      is_enabled: 1,
      is_system: 0,
      max_token_lifetime_days: null,
      deployed_vm_quota: 0,
      stored_vm_quota: 0,
      created_at: now,
    });
    await store.createRole({ id: 'r', org_id: 'o', name: 'r', description: '', read_only: 0, created_at: now }, []);
    await store.createUser({ id: 'u', org_id: 'o', name: 'u', password_hash: 'x', role_id: 'r' });
    const token = (id: string, revokedAt: number | null, expiresAt: number | null) => ({
      id,
      org_id: 'o',
      user_id: 'u',
      name: id,
      type: 'REFRESH',
      secret_hash: `hash-${id}`,
      token_start: 'x',
      created_at: now - 400 * day,
      minted_at: now - 400 * day,
      expires_at: expiresAt,
      revoked_at: revokedAt,
      last_used_at: null,
      last_used_ips: '[]',
      created_ip: null,
    });
    const retention = DEAD_API_TOKEN_RETENTION_MS;
    await store.db
      .insertInto('api_tokens')
      .values([
        token('live', null, null),
        token('live-expiring', null, now + day),
        token('revoked-long-ago', now - retention - day, null),
        token('revoked-recently', now - retention + day, null),
        token('expired-long-ago', null, now - retention - day),
        token('expired-recently', null, now - day),
      ])
      .execute();
    await new Housekeeping(store, { warn() {} }).runOnce(now);
    const left = (await store.db.selectFrom('api_tokens').select('id').orderBy('id').execute()).map((r) => r.id);
    assert.deepEqual(left, ['expired-recently', 'live', 'live-expiring', 'revoked-recently']);
  } finally {
    await store.close();
  }
});
