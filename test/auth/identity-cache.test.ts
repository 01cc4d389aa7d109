/** The identity cache stays at its cap for users and service accounts alike (src/auth/identity-cache.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.js';
import { IdentityCache, MAX_IDENTITIES } from '../../src/auth/identity-cache.js';

test('looking up more distinct ids than the cap never holds more than the cap', async () => {
  // Unknown ids load as null without touching anything else: the store answers "no such user / account".
  const none = { executeTakeFirst: async () => undefined };
  const chain: Record<string, unknown> = {};
  for (const m of ['selectFrom', 'select', 'where']) chain[m] = () => chain;
  Object.assign(chain, none);
  const store = { getUser: async () => undefined, db: chain } as unknown as Store;
  const cache = new IdentityCache(store);
  const entries = (cache as unknown as { entries: Map<string, unknown> }).entries;
  for (let i = 0; i < MAX_IDENTITIES + 10; i++) {
    await cache.get(`u${i}`);
    await cache.getServiceAccount(`s${i}`);
  }
  assert.ok(entries.size <= MAX_IDENTITIES, `${entries.size} entries`);
  assert.equal(await cache.getServiceAccount('s1'), null);
});
