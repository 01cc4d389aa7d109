/**
 * A node whose connection pool is busy (a client's burst of thousands of parallel requests, here every pooled
 * connection held by a slow query) keeps its revocation feed proven live: heartbeats go on the listening connection,
 * not through the pool's queue. Until 2026-12-06 they waited in that queue, the node took its feed for stalled past
 * the bound (2 s), and refused every caller with 503 "Revocation state is unavailable".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestDatabase, startTessera } from '../helpers/tessera.js';

test('every pooled connection busy for longer than the feed bound: the feed stays live', async (t) => {
  if (!process.env.TESSERA_TEST_DATABASE_URL) {
    assert.fail('TESSERA_TEST_DATABASE_URL is not set: run scripts/start-postgres.sh (npm test does it for you)');
  }
  const database = await createTestDatabase();
  const node = await startTessera({ backend: 'postgres', databaseUrl: database.url, demo: false, config: { databasePoolSize: 2 } });
  t.after(async () => {
    await node.stop();
    await database.drop();
  });
  // Live before the pool is made busy (a heartbeat's round trip; on a loaded machine the first may be late).
  assert.equal(await node.store.bus.whenHealthy(5000), true, 'the feed is live before the pool is made busy');
  const bound = node.config.revocationFeedMaxLagMs;
  // Both pooled connections asleep for twice the bound; anything else through the pool waits behind them.
  const busy = [0, 1].map(() => sql`select pg_sleep(${(bound * 2) / 1000})`.execute(node.store.db));
  const unhealthy: number[] = [];
  const start = performance.now();
  while (performance.now() - start < bound * 1.8) {
    if (!node.store.bus.healthy()) unhealthy.push(Math.round(performance.now() - start));
    await new Promise((r) => setTimeout(r, 50));
  }
  await Promise.all(busy);
  assert.deepEqual(unhealthy, [], 'the feed was taken for stalled while only the pool was busy');
});
