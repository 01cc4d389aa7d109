/**
 * SQLite's row-batch path (Store.RowBatchWriter): "last used" and coalesced exchange events written as one prepared
 * statement per row in one transaction, holding kysely's connection so nothing interleaves, with relaxed
 * durability for that commit only. SQLite only: PostgreSQL writes these batches as single statements (unnest).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { mintedTokenRow, orgWithUsers } from './fixtures.js';

test('usage and audit batches larger than a chunk land whole, synchronous stays FULL, and a transaction in flight is not entered', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-row-batches-'));
  const store = await openSqliteStore(join(dir, 'tessera.db'));
  try {
    const now = Date.now();
    const {
      orgId,
      userIds: [userId],
    } = await orgWithUsers(store, 'rb', ['u']);
    const ids: string[] = [];
    for (let i = 0; i < 4_500; i += 500) {
      const rows = Array.from({ length: 500 }, (_, k) => mintedTokenRow(orgId, userId!, { name: `t${i + k}` }));
      ids.push(...rows.map((r) => r.id));
      await store.db.insertInto('api_tokens').values(rows).execute();
    }

    // A kysely transaction that is still open when the batches are asked for: they wait for it, never join it.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const transaction = store.transaction(async (trx) => {
      await trx.updateTable('api_tokens').set({ name: 'renamed' }).where('id', '=', ids[0]!).execute();
      await held;
      throw new Error('rolled back on purpose');
    });
    const usage = store.recordApiTokenUses(ids.map((id, i) => ({ id, lastUsedAt: now + i, ips: ['192.0.2.1'] })));
    const audit = store.appendAuditBatch(
      ids.map((id) => ({ at: now, event_type: 'apiToken.exchanged', outcome: 'success', token_id: id, details: '{}' })),
      store.db,
      { relaxedDurability: true },
    );
    release();
    await assert.rejects(transaction, /rolled back on purpose/);
    await Promise.all([usage, audit]);

    const used = await store.db
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('last_used_at', 'is not', null)
      .executeTakeFirstOrThrow();
    assert.equal(Number(used.n), ids.length);
    const last = await store.getApiToken(ids.at(-1)!);
    assert.equal(Number(last!.last_used_at), now + ids.length - 1);
    assert.deepEqual(JSON.parse(last!.last_used_ips), ['192.0.2.1']);
    assert.equal((await store.getApiToken(ids[0]!))!.name, 't0', 'the rolled-back rename did not survive');
    const events = await store.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('event_type', '=', 'apiToken.exchanged')
      .executeTakeFirstOrThrow();
    assert.equal(Number(events.n), ids.length);
    const synchronous = await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db);
    assert.equal(synchronous.rows[0]!.synchronous, 2, 'FULL again after the relaxed commits');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
