/**
 * The clock-skew watch (src/store/clock-skew.ts): on PostgreSQL it reads the database server's clock and says, once,
 * when this node's differs by more than a few seconds, and once when it is back in step. Until 2026-12-06 a node
 * minutes off reported itself healthy and logged nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClockSkewWatch, WARN_ABOVE_MS } from '../../src/store/clock-skew.js';
import { createTestDatabase, startTessera } from '../helpers/tessera.js';

function recordingLog() {
  const lines: Array<{ level: 'warn' | 'info'; fields: object; message: string }> = [];
  return {
    lines,
    warn: (fields: object, message: string) => void lines.push({ level: 'warn', fields, message }),
    info: (fields: object, message: string) => void lines.push({ level: 'info', fields, message }),
  };
}

test('a reading past the bound warns once, names the direction, and says when the clock is back', () => {
  const log = recordingLog();
  const watch = new ClockSkewWatch({ dialect: 'postgres' } as never, log);
  watch.observe(1_200);
  assert.equal(log.lines.length, 0, 'within the bound: quiet');
  watch.observe(-250_000);
  watch.observe(-249_000);
  assert.equal(log.lines.length, 1, 'one warning, not one a minute');
  assert.match(log.lines[0]!.message, /250\.0 s behind the database server's.*NTP/);
  assert.deepEqual(log.lines[0]!.fields, { clockSkewMs: -250_000 });
  watch.observe(WARN_ABOVE_MS - 1);
  assert.equal(log.lines[1]!.level, 'info');
  assert.match(log.lines[1]!.message, /back within 5 s/);
  assert.equal(watch.skewMs, WARN_ABOVE_MS - 1);
});

test("PostgreSQL: the database server's clock is read; a node 250 s ahead is told", async (t) => {
  if (!process.env.TESSERA_TEST_DATABASE_URL) {
    assert.fail('TESSERA_TEST_DATABASE_URL is not set: run scripts/start-postgres.sh (npm test does it for you)');
  }
  const database = await createTestDatabase();
  const node = await startTessera({ backend: 'postgres', databaseUrl: database.url, demo: false });
  t.after(async () => {
    await node.stop();
    await database.drop();
  });
  const log = recordingLog();
  const watch = new ClockSkewWatch(node.store, log);
  await watch.check();
  assert.ok(watch.skewMs !== null && Math.abs(watch.skewMs) < 1_000, `same host, same clock: ${watch.skewMs} ms`);
  assert.equal(log.lines.length, 0);

  const realNow = Date.now;
  Date.now = () => realNow() + 250_000;
  try {
    await watch.check();
  } finally {
    Date.now = realNow;
  }
  assert.ok(Math.abs(watch.skewMs! - 250_000) < 1_000, `${watch.skewMs} ms`);
  assert.equal(log.lines.length, 1);
  assert.match(log.lines[0]!.message, /250\.\d s ahead of the database server's/);
});
