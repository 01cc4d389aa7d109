/**
 * What the PostgreSQL revocation feed tells the log (src/store/pg-revocation-bus.ts): a node whose own event loop was
 * held up (a busy start) does not drop a healthy listener, and a listener that was lost says when it is back, so that
 * a log does not end on an alarm that is over (until 2026-12-06 it did both: a false "lost" at busy starts, and no
 * line at recovery). PostgreSQL only: SQLite's feed is a function call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgresStore } from '../../src/store/postgres.js';
import { createTestDatabase } from '../helpers/tessera.js';
import { postgresPlan, reportUnavailable } from './backends.js';

const until = async (predicate: () => boolean, ms: number) => {
  const end = performance.now() + ms;
  while (!predicate() && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
  return predicate();
};

if (!reportUnavailable(postgresPlan(), 'the revocation feed log')) {
  test('an event loop held up for longer than the bound is no lost feed; a lost one says when it is back', async (t) => {
    const database = await createTestDatabase();
    const lines: Array<{ level: 'warn' | 'info'; msg: string }> = [];
    const store = await openPostgresStore(
      database.url,
      { warn: (_o, msg) => void lines.push({ level: 'warn', msg }), info: (_o, msg) => void lines.push({ level: 'info', msg }) },
      { revocationFeedMaxLagMs: 1_000 },
    );
    t.after(async () => {
      await store.close();
      await database.drop();
    });
    assert.ok(await until(() => store.bus.healthy(), 3_000), 'healthy after the start');

    // A busy start: the event loop does not turn for 2.5 bounds.
    const busyUntil = performance.now() + 2_500;
    while (performance.now() < busyUntil) {
      /* held up */
    }
    await new Promise((r) => setTimeout(r, 1_500));
    assert.deepEqual(
      lines.filter((l) => /revocation listener lost/.test(l.msg)),
      [],
      'no loss reported for a feed that never stalled',
    );
    assert.equal(store.bus.healthy(), true);

    (store.bus as unknown as { simulateConnectionLoss(): void }).simulateConnectionLoss();
    assert.ok(await until(() => store.bus.healthy(), 5_000), 'reconnected');
    const lost = lines.findIndex((l) => l.level === 'warn' && /revocation listener lost/.test(l.msg));
    const back = lines.findIndex((l) => l.level === 'info' && /revocation listener back/.test(l.msg));
    assert.ok(lost >= 0 && back > lost, JSON.stringify(lines));
  });
}
