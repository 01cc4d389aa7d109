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
  const store = { identityUserById: async () => undefined, db: chain } as unknown as Store;
  const cache = new IdentityCache(store);
  const entries = (cache as unknown as { entries: Map<string, unknown> }).entries;
  for (let i = 0; i < MAX_IDENTITIES + 10; i++) {
    await cache.get(`u${i}`);
    await cache.getServiceAccount(`s${i}`);
  }
  assert.ok(entries.size <= MAX_IDENTITIES, `${entries.size} entries`);
  assert.equal(await cache.getServiceAccount('s1'), null);
});

/** A store of one org, one role and `users` users, counting the reads the cache makes. */
function countingStore(users: number) {
  const reads = { user: 0, org: 0, role: 0, rights: 0 };
  const org = { id: 'o1', name: 'acme', is_enabled: 1 };
  const state = { roleName: 'vApp Author', rights: ['vapp.view'] };
  const store = {
    identityUserById: async (id: string) => {
      reads.user++;
      return Number(id.slice(1)) < users ? { id, name: id, org_id: 'o1', role_id: 'r1', is_enabled: 1 } : undefined;
    },
    getOrg: async () => (reads.org++, org),
    getRole: async () => (reads.role++, { id: 'r1', name: state.roleName }),
    roleRights: async () => (reads.rights++, [...state.rights]),
  } as unknown as Store;
  return { store, reads, state, org };
}

test("users of one role and org share that role's and org's reads, and a role change reaches all of them", async () => {
  const { store, reads, state } = countingStore(50);
  const cache = new IdentityCache(store);
  for (let i = 0; i < 50; i++) assert.equal((await cache.get(`u${i}`))?.roleName, 'vApp Author');
  assert.deepEqual(reads, { user: 50, org: 1, role: 1, rights: 1 });
  // What a role edit does (identity-admin.ts): change, then invalidate everything.
  state.roleName = 'Renamed';
  state.rights = ['vapp.view', 'vapp.edit'];
  cache.invalidate();
  const again = await cache.get('u7');
  assert.equal(again?.roleName, 'Renamed');
  assert.deepEqual([...again!.rights].sort(), ['vapp.edit', 'vapp.view']);
  assert.equal(reads.role, 2);
});

test('an identity built from an older shared part expires with that part (never staler than the TTL)', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  const { store, reads } = countingStore(2);
  const cache = new IdentityCache(store);
  await cache.get('u0'); // loads the role and org at t = 0
  t.mock.timers.tick(4_000);
  await cache.get('u1'); // a new user at t = 4 s, from the role and org read at t = 0
  assert.equal(reads.role, 1);
  t.mock.timers.tick(1_500); // t = 5.5 s: the parts are 5.5 s old, u1's own read 1.5 s
  assert.equal(cache.peek('u1'), undefined, 'u1 counts as old as the role it was built from');
  await cache.get('u1');
  assert.equal(reads.role, 2, 'the role was read again');
});

test("a user-level invalidation reads the user's org afresh (how another node learns that an org was disabled)", async () => {
  const { store, reads, org } = countingStore(2);
  const cache = new IdentityCache(store);
  await cache.get('u0');
  org.is_enabled = 0; // disabled on another node: this node hears of it as a revocation of each of the org's users
  cache.invalidate('u0');
  assert.equal((await cache.get('u0'))?.enabled, false);
  assert.equal(reads.org, 2, 'read again after the invalidation');
});
