/**
 * Last-used records are kept in memory on the exchange path and written in batches (auth/token-usage.ts): first
 * uses together within about a second, later ones at most once a minute, everything pending on graceful stop.
 * Exchange audit events are batched the same way (auth/audit.ts). Real SQLite store; the batch writes are
 * counted by wrapping the store's own methods.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { IDLE_FORGET_MS, MAX_TRACKED, TokenUsageRecorder, FIRST_USE_DELAY_MS } from '../../src/auth/token-usage.js';
import { AuditLog, EXCHANGE_BATCH_MS } from '../../src/auth/audit.js';

const quiet = { warn() {}, error() {} };

async function storeWithTokens(n: number): Promise<{ store: Store; ids: string[]; orgId: string; userId: string }> {
  const store = await openSqliteStore(':memory:');
  const orgId = randomUUID();
  await store.createOrg({
    id: orgId,
    name: 'o',
    name_lower: 'o',
    full_name: 'O',
    description: '',
    is_enabled: 1,
    is_system: 0,
    max_token_lifetime_days: null,
    deployed_vm_quota: 0,
    stored_vm_quota: 0,
    created_at: Date.now(),
  });
  const role = await store.createRole(
    { id: randomUUID(), org_id: orgId, name: 'r', description: '', read_only: 0, created_at: Date.now() },
    [],
  );
  const user = await store.createUser({
    id: randomUUID(),
    org_id: orgId,
    name: 'u',
    full_name: '',
    email: '',
    password_hash: 'x',
    is_enabled: 1,
    role_id: role.id,
    deployed_vm_quota: 0,
    stored_vm_quota: 0,
  });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const row = await store.insertApiToken({
      id: randomUUID(),
      org_id: orgId,
      user_id: user.id,
      name: `t${i}`,
      type: 'REFRESH',
      secret_hash: randomUUID(),
      token_start: 'abcd',
      created_at: Date.now(),
      minted_at: Date.now(),
      expires_at: null,
      revoked_at: null,
      last_used_at: null,
      last_used_ips: '[]',
      created_ip: null,
    });
    ids.push(row.id);
  }
  return { store, ids, orgId, userId: user.id };
}

function countBatches(store: Store): { calls: number; entries: number } {
  const counts = { calls: 0, entries: 0 };
  const original = store.recordApiTokenUses.bind(store);
  store.recordApiTokenUses = async (entries, ex) => {
    counts.calls++;
    counts.entries += entries.length;
    return original(entries, ex);
  };
  return counts;
}

/**
 * Waits for a batch that is due after `dueMs`: at least that long (it must not come sooner), then polls, since
 * a loaded machine may run the timer late. Not a timing assertion: how late the batch is does not matter.
 */
async function eventually(done: () => boolean | Promise<boolean>, dueMs: number): Promise<void> {
  await new Promise((r) => setTimeout(r, dueMs));
  const deadline = Date.now() + 30_000;
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail(`the batch due after ${dueMs} ms never came`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('first uses of many tokens reach the store together, in one batch, within about a second', async () => {
  const { store, ids } = await storeWithTokens(200);
  const counts = countBatches(store);
  const usage = new TokenUsageRecorder(store, quiet);
  usage.start();
  try {
    const t0 = Date.now();
    for (const id of ids) usage.record(id, '10.0.0.1', () => [], t0);
    for (const id of ids) usage.record(id, '10.0.0.2', () => [], t0 + 1); // a second use of each, same moment
    assert.equal(counts.calls, 0, 'nothing is written on the request path');
    await eventually(() => counts.calls >= 1, FIRST_USE_DELAY_MS);
    assert.equal(counts.calls, 1, 'one batch for the 200 first uses');
    assert.equal(counts.entries, 200);
    const row = await store.getApiToken(ids[123]!);
    assert.equal(row?.last_used_at, t0 + 1);
    assert.deepEqual(JSON.parse(row!.last_used_ips), ['10.0.0.2', '10.0.0.1']);
  } finally {
    await usage.stop();
    await store.close();
  }
});

test('later uses stay in memory until due, and a graceful stop writes them all', async () => {
  const { store, ids } = await storeWithTokens(3);
  const usage = new TokenUsageRecorder(store, quiet);
  usage.start();
  try {
    for (const id of ids) usage.record(id, '10.0.0.1', () => [], 1_000);
    await eventually(async () => (await store.getApiToken(ids.at(-1)!))?.last_used_at === 1_000, FIRST_USE_DELAY_MS);
    const counts = countBatches(store);
    for (const id of ids) usage.record(id, '10.0.0.9', () => [], 2_000);
    await usage.flush(false); // a periodic tick: not yet a minute since the first write
    assert.equal(counts.calls, 0, 'a later use is not written before its minute');
    assert.equal((await store.getApiToken(ids[0]!))?.last_used_at, 1_000);
    await usage.stop();
    assert.equal(counts.calls, 1, 'stop writes the pending uses in one batch');
    for (const id of ids) {
      const row = await store.getApiToken(id);
      assert.equal(row?.last_used_at, 2_000, 'the latest use survives a graceful shutdown');
      assert.deepEqual(JSON.parse(row!.last_used_ips), ['10.0.0.9', '10.0.0.1']);
    }
  } finally {
    await usage.stop();
    await store.close();
  }
});

test('exchange audit events: one per token per minute, written in one batch, flushed on stop', async () => {
  const { store, ids, orgId, userId } = await storeWithTokens(50);
  let batches = 0;
  const original = store.appendAuditBatch.bind(store);
  store.appendAuditBatch = async (rows, ex) => {
    batches++;
    return original(rows, ex);
  };
  const audit = new AuditLog(store, quiet);
  audit.start();
  const exchanged = () =>
    ids.forEach((id) => audit.exchanged({ tokenId: id, actor: { id: userId, name: 'u' }, org: { id: orgId, name: 'o' }, ip: '10.0.0.1' }));
  const events = async () =>
    (await store.db.selectFrom('audit_events').select('token_id').where('event_type', '=', 'apiToken.exchanged').execute()).length;
  try {
    exchanged();
    exchanged(); // the same 50 tokens again within the minute: coalesced away
    assert.equal(await events(), 0, 'nothing written on the request path');
    await eventually(() => batches >= 1, EXCHANGE_BATCH_MS);
    assert.equal(batches, 1);
    assert.equal(await events(), 50);
  } finally {
    await audit.stop();
  }
  // Gathered but not yet written when the server stops: stop() writes them.
  const audit2 = new AuditLog(store, quiet);
  audit2.start();
  audit2.exchanged({ tokenId: ids[0]!, actor: { id: userId, name: 'u' }, org: { id: orgId, name: 'o' }, ip: '10.0.0.1' });
  await audit2.stop();
  assert.equal(await events(), 51);
  await store.close();
});

test('1,000 tokens used once and then idle leave nothing in memory after the idle time; a recent one stays', async () => {
  const written = new Map<string, number>();
  const store = {
    recordApiTokenUses: async (entries: { id: string; lastUsedAt: number }[]) => entries.forEach((e) => written.set(e.id, e.lastUsedAt)),
  } as unknown as Store;
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

test('memory is bounded whatever the rate: past MAX_TRACKED tokens, everything pending is written at once and dropped', async () => {
  const batches: { id: string; lastUsedAt: number; ips: string[] }[][] = [];
  let failNext = false;
  const store = {
    recordApiTokenUses: async (entries: { id: string; lastUsedAt: number; ips: string[] }[]) => {
      if (failNext) {
        failNext = false;
        throw new Error('store unavailable');
      }
      batches.push(entries.map((e) => ({ id: e.id, lastUsedAt: e.lastUsedAt, ips: [...e.ips] })));
    },
  } as unknown as Store;
  const usage = new TokenUsageRecorder(store, quiet);
  const size = () => (usage as unknown as { usage: Map<string, unknown> }).usage.size;
  const at = Date.now();
  // Tokens used before (their rows list an address), as nearly every token is at a million drawn at random: their
  // writes would wait for the minute's batch, and no timer runs here, so only the bound can write them.
  for (let i = 0; i < MAX_TRACKED; i++) usage.record(`t${i}`, '192.0.2.7', () => ['192.0.2.1'], at);
  assert.equal(size(), MAX_TRACKED);
  assert.equal(batches.length, 0, 'nothing is written below the bound');

  usage.record('one-more', '192.0.2.7', () => ['192.0.2.1'], at + 1);
  assert.ok(usage.pending('t0'), 'entries being written still answer for their tokens');
  await usage.flush(false); // waits for the write under way (nothing else is due)
  assert.equal(batches.length, 1, 'one batch');
  assert.equal(batches[0]!.length, MAX_TRACKED, 'every pending token, in it');
  assert.deepEqual(batches[0]![12_345], { id: 't12345', lastUsedAt: at, ips: ['192.0.2.7', '192.0.2.1'] });
  assert.equal(size(), 1, 'the written entries are dropped; the token that passed the bound is kept, pending');
  assert.equal(usage.pending('t0'), undefined);
  assert.equal(usage.pending('one-more')?.lastUsedAt, at + 1);

  // A failed write loses nothing: its entries stay, dirty, for the next write.
  for (let i = 0; i < MAX_TRACKED; i++) usage.record(`u${i}`, '192.0.2.8', () => ['192.0.2.1'], at + 2);
  failNext = true;
  usage.record('two-more', '192.0.2.8', () => ['192.0.2.1'], at + 3);
  await usage.flush(false);
  assert.equal(batches.length, 1, 'the failed write recorded nothing');
  assert.equal(size(), MAX_TRACKED + 2, 'and every entry it held is kept');
  let attempts = 0;
  const failing = store.recordApiTokenUses;
  store.recordApiTokenUses = async (...args) => {
    attempts++;
    return failing(...args);
  };
  for (let i = 0; i < 1_000; i++) usage.record(`v${i}`, '192.0.2.8', () => ['192.0.2.1'], at + 4);
  await new Promise((r) => setImmediate(r));
  assert.equal(attempts, 0, 'after a failure, new tokens do not retry the write one by one: the tick does');
  await usage.flush(true);
  assert.equal(batches.length, 2);
  assert.equal(batches[1]!.length, MAX_TRACKED + 1_002, 'written by the next flush');
});

test('a token used before (its row lists addresses) is written with the minute, not hurried like a first use', async () => {
  const { store, ids } = await storeWithTokens(2);
  const counts = countBatches(store);
  const usage = new TokenUsageRecorder(store, quiet);
  usage.start();
  try {
    const t0 = Date.now();
    usage.record(ids[0]!, '10.0.0.9', () => ['10.0.0.1'], t0); // used before: a later use
    await new Promise((r) => setTimeout(r, FIRST_USE_DELAY_MS + 500));
    assert.equal(counts.calls, 0, 'not written within the first-use delay');
    assert.deepEqual(usage.pending(ids[0]!)?.ips, ['10.0.0.9', '10.0.0.1'], 'this node answers from memory meanwhile');
    usage.record(ids[1]!, '10.0.0.9', () => [], t0); // never used: hurried
    await eventually(() => counts.calls >= 1, FIRST_USE_DELAY_MS);
    assert.equal(counts.entries, 1, 'only the first use was in the hurried batch');
    await usage.stop();
    assert.equal((await store.getApiToken(ids[0]!))?.last_used_at, t0, 'a graceful stop writes the later use');
  } finally {
    await usage.stop();
    await store.close();
  }
});
