/** The usage recorder forgets tokens idle after their usage is written (src/auth/token-usage.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.js';
import { IDLE_FORGET_MS, TokenUsageRecorder } from '../../src/auth/token-usage.js';

test('1,000 tokens used once and then idle leave nothing in memory after the idle time; a recent one stays', async () => {
  const written = new Map<string, number>();
  const store = { recordApiTokenUse: async (id: string, at: number) => void written.set(id, at) } as unknown as Store;
  const usage = new TokenUsageRecorder(store, { warn() {} });
  const long = Date.now() - IDLE_FORGET_MS - 60_000;
  for (let i = 0; i < 1_000; i++) usage.record(`t${i}`, '192.0.2.1', () => [], long);
  usage.record('recent', '192.0.2.1', () => []);
  await usage.flush(true);
  assert.equal(written.size, 1_001, 'every usage is written first');
  await usage.flush(false);
  assert.equal(usage.pending('t1'), undefined);
  assert.ok(usage.pending('recent'));
  assert.equal((usage as unknown as { usage: Map<string, unknown> }).usage.size, 1);
});
