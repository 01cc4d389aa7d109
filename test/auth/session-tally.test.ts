import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionTally } from '../../src/auth/session-tally.js';

test('counts issued sessions by kind until the end of the minute they expire in, then forgets them', () => {
  const tally = new SessionTally();
  const now = Math.floor(Date.now() / 1000);
  tally.issued('api_token', now + 3600);
  tally.issued('api_token', now + 3600);
  tally.issued('password', now + 120);
  tally.issued('service_account', now + 30);
  assert.deepEqual(tally.live(now), { password: 1, api_token: 2, service_account: 1 });
  // Past an expiry's minute it no longer counts; before it, it does.
  assert.deepEqual(tally.live(now + 200), { password: 0, api_token: 2, service_account: 0 });
  assert.deepEqual(tally.live(now + 3599), { password: 0, api_token: 2, service_account: 0 });
  assert.deepEqual(tally.live(now + 3660), { password: 0, api_token: 0, service_account: 0 });
});

test('stays bounded without being read: a new minute forgets those that have passed', () => {
  const tally = new SessionTally();
  const now = Math.floor(Date.now() / 1000);
  // Sessions that expired long ago (a clock far back), then one now: the old minutes are dropped on the new one.
  for (let m = 0; m < 500; m++) tally.issued('api_token', now - 100_000 + m * 60);
  tally.issued('api_token', now + 3600);
  const counts = (tally as unknown as { byKind: Map<string, Map<number, number>> }).byKind.get('api_token')!;
  assert.equal(counts.size, 1);
  assert.equal(tally.live(now).api_token, 1);
});
