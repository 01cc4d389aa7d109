/**
 * The per-node revocation view (src/auth/revocation-view.ts), the per-node rate limiter (rate-limiter.ts) and
 * the coalesced "last used" recorder (token-usage.ts), against a stub store: what each remembers, for how long,
 * and how often it writes.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RevocationEvent, Store } from '../../src/store/store.js';
import type { AccessClaims } from '../../src/auth/access-tokens.js';
import { RevocationView } from '../../src/auth/revocation-view.js';
import { createHash } from 'node:crypto';
import { AddressRateLimiter, RateLimiter, digestKey, textKey } from '../../src/auth/rate-limiter.js';
import { TokenUsageRecorder, LAST_USED_IPS_KEPT, FIRST_USE_DELAY_MS } from '../../src/auth/token-usage.js';

function stubStore(stored: RevocationEvent[] = []) {
  const listeners: Array<(e: RevocationEvent) => void> = [];
  const resyncs: Array<() => Promise<void>> = [];
  let healthy = true;
  const writes: Array<[string, number, string[]]> = [];
  const store = {
    bus: {
      subscribe: (l: (e: RevocationEvent) => void) => listeners.push(l),
      onResync: (l: () => Promise<void>) => resyncs.push(l),
      healthy: () => healthy,
      committed: (e: RevocationEvent) => listeners.forEach((l) => l(e)),
      close: async () => {},
    },
    relevantRevocations: async (now: number) => stored.filter((e) => e.relevantUntil > now),
    recordApiTokenUses: async (entries: { id: string; lastUsedAt: number; ips: string[] }[]) => {
      for (const e of entries) writes.push([e.id, e.lastUsedAt, e.ips]);
    },
  } as unknown as Store;
  return {
    store,
    emit: (e: RevocationEvent) => listeners.forEach((l) => l(e)),
    setHealthy: (h: boolean) => (healthy = h),
    resyncs,
    writes,
  };
}

const claims = (over: Partial<AccessClaims> = {}): AccessClaims => ({
  sub: randomUUID(),
  org: randomUUID(),
  jti: randomUUID(),
  kind: 'api_token',
  tid: randomUUID(),
  iat: 0,
  ims: 1_000,
  exp: 10,
  signedExp: 10,
  ...over,
});
let seq = 0;
const event = (kind: RevocationEvent['kind'], subject: string, at = 2_000, relevantUntil = Date.now() + 60_000): RevocationEvent => ({
  seq: ++seq,
  kind,
  subject,
  at,
  relevantUntil,
});

describe('RevocationView', () => {
  test('a revoked API token, session or user (issued before) is revoked; others are not', () => {
    const s = stubStore();
    const view = new RevocationView(s.store);
    const c = claims();
    assert.equal(view.isRevoked(c), false);
    s.emit(event('api_token', c.tid!));
    assert.equal(view.isRevoked(c), true);
    assert.equal(view.isApiTokenRevoked(c.tid!), true);
    assert.equal(view.isRevoked(claims({ tid: null })), false, 'a password session has no token id');
    const d = claims();
    s.emit(event('session', d.jti));
    assert.equal(view.isRevoked(d), true);
    const e = claims({ ims: 1_000 });
    s.emit(event('user', e.sub, 2_000));
    assert.equal(view.isRevoked(e), true, 'issued before the user-level revocation');
    assert.equal(view.isRevoked({ ...e, jti: randomUUID(), tid: null, ims: 2_001 }), false, 'issued after it');
    // An older user-level event does not move the line back.
    s.emit(event('user', e.sub, 500));
    assert.equal(view.isRevoked({ ...e, ims: 1_500 }), true);
  });

  test('start and resync rebuild from the store; prune forgets entries no token can need', async () => {
    const tokenId = randomUUID();
    const old = randomUUID();
    const s = stubStore([event('api_token', tokenId), event('api_token', old, 0, Date.now() - 1)]);
    const view = new RevocationView(s.store);
    await view.start();
    view.stop();
    assert.equal(view.isApiTokenRevoked(tokenId), true);
    assert.equal(view.isApiTokenRevoked(old), false, 'no longer relevant rows are not loaded');
    view.prune(Date.now() + 120_000);
    assert.equal(view.isApiTokenRevoked(tokenId), false);
    await Promise.all(s.resyncs.map((r) => r()));
    assert.equal(view.isApiTokenRevoked(tokenId), true, 'a resync brings it back');
  });

  test('the cut-off\u2019s own millisecond is before it; an event is kept for this node\u2019s lifetime at least', () => {
    const s = stubStore();
    const view = new RevocationView(s.store, { relevantUntil: (at) => at + 3_600_000 });
    const c = claims({ ims: 2_000 });
    s.emit(event('user', c.sub, 2_000, Date.now() + 60_000));
    assert.equal(view.isRevoked(c), true, 'issued in the millisecond the org was disabled: revoked');
    // Recorded by a node whose sessions live 60 s; this node's live an hour, so it keeps the event for an hour.
    const t = claims({ tid: randomUUID() });
    const now = Date.now();
    s.emit(event('api_token', t.tid!, now, now + 60_000));
    view.prune(now + 120_000);
    assert.equal(view.isApiTokenRevoked(t.tid!, now + 120_000), true, 'not dropped after the other node\u2019s 60 s');
    view.prune(now + 3_600_001);
    assert.equal(view.isApiTokenRevoked(t.tid!, now + 3_600_001), false, 'dropped after this node\u2019s hour');
  });

  test('a revocation from a node whose clock runs behind is kept for this node\u2019s lifetime from when it arrived', () => {
    const s = stubStore();
    const view = new RevocationView(s.store, { relevantUntil: (at) => at + 300_000 });
    const t = claims({ tid: randomUUID() });
    // The revoking node is 250 s behind: its `at` and the `relevantUntil` it stamped (its lifetime + 60 s) are 250 s early.
    const now = Date.now();
    const behind = now - 250_000;
    s.emit(event('api_token', t.tid!, behind, behind + 360_000));
    // At 150 s the revoker's stamp has passed; sessions this node minted just before the revocation live until
    // now + 300 s. Until 2026-12-06 the entry was pruned here, and those sessions worked again.
    view.prune(now + 150_000);
    assert.equal(view.isApiTokenRevoked(t.tid!, now + 150_000), true, 'kept past the revoker\u2019s stamp');
    view.prune(now + 300_001);
    assert.equal(view.isApiTokenRevoked(t.tid!, now + 300_001), false, 'dropped after this node\u2019s lifetime');
  });

  test('fails closed while the bus is unhealthy', () => {
    const s = stubStore();
    const view = new RevocationView(s.store);
    assert.equal(view.healthy(), true);
    s.setHealthy(false);
    assert.equal(view.healthy(), false);
  });
});

describe('RateLimiter', () => {
  test("digestKey: a digest's first 52 bits as an exact number, distinct for distinct tokens, one budget each", () => {
    const digest = createHash('sha256').update('token').digest('hex');
    assert.equal(digestKey(digest), Number.parseInt(digest.slice(0, 13), 16));
    assert.ok(Number.isSafeInteger(digestKey(digest)) && digestKey('f'.repeat(64)) === 2 ** 52 - 1);
    const keys = new Set<number>();
    for (let i = 0; i < 100_000; i++) keys.add(digestKey(createHash('sha256').update(String(i)).digest('hex')));
    assert.equal(keys.size, 100_000, 'no two of 100,000 tokens share a key');
    // The per-token limiter keyed by it: each token has its own budget.
    const limiter = new RateLimiter<number>(2, 60_000);
    const [a, b] = ['a', 'b'].map((t) => digestKey(createHash('sha256').update(t).digest('hex')));
    const at = 1_000_000_000_000;
    assert.deepEqual([limiter.hit(a!, at), limiter.hit(a!, at), limiter.hit(b!, at)], [0, 0, 0]);
    assert.ok(limiter.hit(a!, at) > 0, 'the third hit of one token is refused');
    assert.equal(limiter.hit(b!, at), 0, 'the other token still has its own');
  });

  test('textKey: a client-chosen name of any length is kept as one number, the same for the same name', () => {
    // Until 2026-12-05 the sign-in limiter kept `ip|user@org` as sent: 500-character names cost 2 KB an entry.
    const long = `10.0.0.1|${'İ'.repeat(500)}@acme`;
    assert.ok(Number.isSafeInteger(textKey(long)));
    assert.equal(textKey(long), textKey(long));
    assert.notEqual(textKey(long), textKey(`${long}x`));
    const limiter = new RateLimiter<number>(1, 60_000);
    const at = 1_000_000_000_000;
    assert.equal(limiter.hit(textKey(long), at), 0);
    assert.ok(limiter.hit(textKey(long), at) > 0, 'the same name shares its budget');
    assert.equal(limiter.hit(textKey(`${long}x`), at), 0, 'another name has its own');
  });

  test('a clock stepped back keeps the counts: a spent budget stays spent', () => {
    const limiter = new RateLimiter<string>(2, 60_000);
    const at = 1_000_000_020_000; // 20 s into a window
    assert.deepEqual([limiter.hit('ip', at), limiter.hit('ip', at)], [0, 0]);
    // NTP steps the clock back 30 s, into the window before: until 2026-12-07 that forgot every count.
    const wait = limiter.hit('ip', at - 30_000);
    assert.ok(wait >= 1 && Number.isInteger(wait), `refused with Retry-After ${wait}`);
    assert.ok(limiter.hit('ip', at) > 0, 'and still refused once the clock is back');
  });

  test('a clock stepped back still lets a hit be forgiven: a success counts for nothing there either', () => {
    const limiter = new RateLimiter<string>(2, 60_000);
    const at = 1_000_000_020_000; // 20 s into a window
    assert.equal(limiter.hit('ip', at), 0);
    limiter.forgive('ip', at);
    // NTP steps the clock back 30 s, into the window before; three sign-ins that each succeed (each forgiven).
    for (let i = 0; i < 3; i += 1) {
      assert.equal(limiter.hit('ip', at - 30_000), 0, `sign-in ${i + 1} let in`);
      limiter.forgive('ip', at - 30_000);
    }
  });

  test('AddressRateLimiter: an IPv6 /64 is one client whoever asks; what was tried splits the budget', () => {
    const limiter = new AddressRateLimiter(1, 60_000);
    const at = 1_000_000_000_000;
    assert.equal(limiter.hit('2001:db8:5:5::1', undefined, at), 0);
    assert.ok(limiter.hit('2001:db8:5:5::2', undefined, at) > 0, 'another address of the /64 shares the budget');
    assert.equal(limiter.hit('2001:db8:5:6::1', undefined, at), 0, 'the next /64 has its own');
    assert.equal(limiter.hit('::ffff:192.0.2.1', 'alice@acme', at), 0);
    assert.ok(limiter.hit('192.0.2.1', 'alice@acme', at) > 0, 'IPv4 seen through IPv6 is the same client');
    assert.equal(limiter.hit('192.0.2.1', 'bob@acme', at), 0, 'another name has its own');
    limiter.forgive('192.0.2.1', 'alice@acme', at);
    limiter.forgive('192.0.2.1', 'alice@acme', at);
    assert.equal(limiter.hit('192.0.2.1', 'alice@acme', at), 0, 'forgiven hits are taken back');
  });

  const W = 60_000;
  const t0 = 1_700_000_000_000 - (1_700_000_000_000 % W);

  test('a budget per key per window; the answer is the seconds until a retry would be allowed', () => {
    const limiter = new RateLimiter(3, W);
    for (let i = 0; i < 3; i++) assert.equal(limiter.hit('a', t0 + 1_000), 0);
    // 4 counted in this window: a retry is allowed once 1 + 4 * (1 - e / W) <= 3 in the next, e = 30 s.
    assert.equal(limiter.hit('a', t0 + 1_000), 89);
    assert.equal(limiter.hit('b', t0 + 1_000), 0, 'another key has its own budget');
    // 29 s into the next window the 4 still weigh 2.07: refused, and that refusal counts too (2 + 4 * 0.25 at 45 s).
    assert.equal(limiter.hit('a', t0 + W + 29_000), 16);
    assert.equal(limiter.hit('a', t0 + W + 45_000), 0);
  });

  test('forgive takes one hit back in the current window only, never below zero', () => {
    const limiter = new RateLimiter(2, W);
    for (let i = 0; i < 10; i++) {
      assert.equal(limiter.hit('ok', t0 + 1_000), 0, `hit ${i + 1} of a key whose hits are all forgiven`);
      limiter.forgive('ok', t0 + 1_000);
    }
    limiter.forgive('never-hit', t0 + 1_000);
    assert.equal(limiter.hit('never-hit', t0 + 1_000), 0);
    assert.equal(limiter.hit('never-hit', t0 + 1_000), 0);
    assert.ok(limiter.hit('never-hit', t0 + 1_000) > 0, 'forgiving a key before its hits gave it no credit');
    // A hit of the previous window is not taken back: it has already been weighed.
    const late = new RateLimiter(2, W);
    late.hit('k', t0 - 1_000);
    late.hit('k', t0 - 1_000);
    late.forgive('k', t0 + 1_000);
    assert.ok(late.hit('k', t0 + 1_000) > 0);
  });

  test('the retry time it answers is when a retry is allowed (checked at four points of a window)', () => {
    for (const at of [0, 1_000, 30_000, 59_000]) {
      const limiter = new RateLimiter(5, W);
      for (let i = 0; i < 5; i++) limiter.hit('k', t0 - W + 10_000); // the previous window's count
      let wait = 0;
      for (let i = 0; i < 9 && wait === 0; i++) wait = limiter.hit('k', t0 + at);
      assert.ok(wait > 0, `refused at +${at}`);
      const probe = () => {
        const copy = new RateLimiter(5, W);
        for (let i = 0; i < 5; i++) copy.hit('k', t0 - W + 10_000);
        for (let i = 0, w = 0; i < 9 && w === 0; i++) w = copy.hit('k', t0 + at);
        return copy;
      };
      assert.equal(probe().hit('k', t0 + at + wait * 1_000), 0, `allowed after the answered ${wait} s (at +${at})`);
      if (wait > 1) assert.ok(probe().hit('k', t0 + at + (wait - 1) * 1_000) > 0, `refused a second earlier (at +${at})`);
    }
  });

  test('a burst that straddles the window boundary gets the limit, not twice the limit', () => {
    const limiter = new RateLimiter(3, W);
    let allowed = 0;
    for (let i = 0; i < 5; i++) if (limiter.hit('a', t0 + W - 10) === 0) allowed++;
    for (let i = 0; i < 5; i++) if (limiter.hit('a', t0 + W + 10) === 0) allowed++;
    assert.equal(allowed, 3, 'a fixed window would have allowed 6');
  });

  test('a steady rate under the limit stays allowed; the previous window fades as it slides out', () => {
    // The previous window counts as if spread evenly over it, so a rate one below the limit is never refused.
    const limiter = new RateLimiter(4, W);
    for (let i = 0; i < 3; i++) assert.equal(limiter.hit('a', t0 + i * 20_000), 0, `hit ${i} of the first window`);
    for (let w = 1; w < 4; w++) {
      for (let i = 0; i < 3; i++) assert.equal(limiter.hit('a', t0 + w * W + i * 20_000 + 1), 0, `hit ${i} of window ${w}`);
    }
    const half = new RateLimiter(4, W);
    for (let i = 0; i < 4; i++) half.hit('b', t0 + 1_000);
    // Half-way through the next window, the previous 4 weigh 2: two more are allowed, not four.
    assert.equal(half.hit('b', t0 + W + W / 2), 0);
    assert.equal(half.hit('b', t0 + W + W / 2), 0);
    assert.ok(half.hit('b', t0 + W + W / 2) > 0);
    // After a whole window without hits nothing of the old one remains.
    assert.equal(half.hit('b', t0 + 3 * W + 1), 0);
  });
});

describe('TokenUsageRecorder', () => {
  test('the first use is written within about a second, later uses only in memory until the periodic flush', async () => {
    const s = stubStore();
    const recorder = new TokenUsageRecorder(s.store, { warn() {} });
    const id = randomUUID();
    let parsed = 0;
    const known = () => {
      parsed++;
      return []; // never used before: a first use (a token used before is written with the minute's batch)
    };
    recorder.record(id, '10.0.0.1', known, 1_000);
    assert.deepEqual(s.writes, [], 'nothing written on the request path');
    await new Promise((r) => setTimeout(r, FIRST_USE_DELAY_MS + 200)); // first uses are gathered, then batched
    assert.deepEqual(s.writes, [[id, 1_000, ['10.0.0.1']]]);
    for (let i = 0; i < 50; i++) recorder.record(id, `10.0.1.${i % 7}`, known, 2_000 + i);
    await new Promise((r) => setImmediate(r));
    assert.equal(s.writes.length, 1, '50 more uses, no more writes');
    assert.equal(parsed, 1, 'the stored IP list is parsed once');
    const pending = recorder.pending(id)!;
    assert.equal(pending.lastUsedAt, 2_049);
    assert.equal(pending.ips.length, LAST_USED_IPS_KEPT);
    assert.equal(pending.ips[0], '10.0.1.0', 'newest first');
    assert.equal(new Set(pending.ips).size, pending.ips.length, 'no duplicates');
    await recorder.flush(false);
    assert.equal(s.writes.length, 1, 'not due yet (about once a minute)');
    await recorder.stop();
    assert.equal(s.writes.length, 2, 'stop flushes what is dirty');
    assert.equal(s.writes[1]![1], 2_049);
  });
});
