/**
 * The audit trail's batched append (store.appendAuditBatch: the coalesced exchange events) writes every row exactly as
 * given, on both backends: nulls, quotes, non-ASCII text and JSON details kept, across several chunks (one
 * `unnest` statement per chunk on PostgreSQL), each with a time-ordered id of its own.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.js';
import { bothBackends, reportUnavailable, storeLocation, type StoreLocation } from './backends.js';

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'audit batches')) continue;
  describe(`audit batches (${plan.backend})`, () => {
    let location: StoreLocation;
    let store: Store;
    before(async () => {
      location = await storeLocation(plan, 'tessera-audit-batch-');
      store = await location.open();
    });
    after(async () => {
      await store?.close();
      await location?.cleanup();
    });

    test('2,500 rows in three chunks read back field for field, each with its own time-ordered id', async () => {
      const at = Date.UTC(2026, 11, 4, 8, 0, 0);
      const rows = Array.from({ length: 2_500 }, (_, i) => ({
        at: at + i,
        event_type: i % 2 === 0 ? 'apiToken.exchanged' : 'apiToken.refused',
        outcome: i % 2 === 0 ? 'success' : 'failure',
        actor_id: i % 7 === 0 ? null : `user-${i}`,
        actor_name: i % 5 === 0 ? null : `Zoë "O'Brien" ${i} 東京`,
        org_id: i % 3 === 0 ? null : `org-${i % 11}`,
        org_name: `org ${i % 11}`,
        token_id: `token-${i}`,
        ip: i % 4 === 0 ? null : `2001:db8::${i.toString(16)}`,
        details: JSON.stringify({ repeated: i, note: 'a\\b\n"c"' }),
      }));
      await store.appendAuditBatch(rows, store.db, { relaxedDurability: true });
      const stored = await store.db.selectFrom('audit_events').selectAll().where('at', '>=', at).execute();
      assert.equal(stored.length, rows.length);
      assert.equal(new Set(stored.map((r) => r.id)).size, rows.length, 'every row its own id');
      const byToken = new Map(stored.map((r) => [r.token_id, r]));
      rows.forEach((expected, i) => {
        const { id, ...fields } = byToken.get(expected.token_id)!;
        assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.deepEqual({ ...fields, at: Number(fields.at) }, expected, `row ${i}`);
      });
    });
  });
}
