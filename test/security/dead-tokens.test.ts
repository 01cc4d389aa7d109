/**
 * A dead token (revoked or expired) retried by a script is refused from memory after its first refusal: the store
 * is read once, not once per attempt (issue 16 §5 and §7: refusals were most of a node's work under a retry storm).
 * What must not change: every attempt is still refused with the same answer, the refusals are still audited
 * (coalesced), and no other token is affected.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, createApiToken, exchange, http, signIn } from '../helpers/api.js';
import { hashApiToken } from '../../src/domain/api-token-format.js';
import { refusalEventsOf } from './support.js';

let t: TesseraHandle;
let base: string;
let bob: string;
/** Store reads of a token by secret hash, per hash. */
const reads = new Map<string, number>();

before(async () => {
  t = await startTessera({ config: { signInRateLimit: 1000, tokenRateLimitPerIp: 100_000, tokenRateLimitPerToken: 100_000 } });
  base = t.baseUrl;
  bob = await signIn(base, 'bob', 'acme', t.demoPassword);
  // The services hold this same store; its lookup is a readonly field, replaced here by a counting wrapper.
  const read = t.store.exchangeTokenByHash;
  (t.store as { exchangeTokenByHash: typeof read }).exchangeTokenByHash = (hash: string) => {
    reads.set(hash, (reads.get(hash) ?? 0) + 1);
    return read(hash);
  };
});
after(async () => {
  await t?.stop();
});

const readsOf = (apiToken: string) => reads.get(hashApiToken(apiToken)) ?? 0;

describe('dead tokens are refused from memory after the first refusal', () => {
  test('a revoked token: 50 attempts, every one refused as before, one store read', async () => {
    const tok = await createApiToken(base, bob, 'acme', 'revoked-then-retried');
    const live = await createApiToken(base, bob, 'acme', 'still-live');
    assert.equal((await exchange(base, 'acme', tok.apiToken)).status, 200, 'works before (and is cached)');
    const del = await http(`${base}/cloudapi/1.0.0/tokens/${tok.tokenId}`, { method: 'DELETE', headers: bearer(bob) });
    assert.equal(del.status, 204);
    const before = readsOf(tok.apiToken);
    const answers = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const res = await exchange(base, 'acme', tok.apiToken);
      assert.equal(res.status, 400);
      answers.add(res.text);
    }
    assert.equal(answers.size, 1, `one answer for every attempt: ${[...answers].join(' | ')}`);
    assert.equal((JSON.parse([...answers][0]!) as { minorErrorCode: string }).minorErrorCode, 'invalid_grant');
    assert.equal(
      readsOf(tok.apiToken) - before,
      1,
      'the revocation evicted the cached row: one read finds it revoked, the rest are from memory',
    );
    assert.equal((await exchange(base, 'acme', live.apiToken)).status, 200, 'another token of the same user is not affected');
  });

  test('an expired token: refused every time, one store read', async () => {
    const tok = await createApiToken(base, bob, 'acme', 'expired-then-retried');
    await t.store.db
      .updateTable('api_tokens')
      .set({ expires_at: Date.now() - 1_000 })
      .where('id', '=', tok.clientId)
      .execute();
    for (let i = 0; i < 20; i++) assert.equal((await exchange(base, 'acme', tok.apiToken)).status, 400);
    assert.equal(readsOf(tok.apiToken), 1);
  });

  test('refusals from memory are still audited, coalesced per token', async () => {
    const tok = await createApiToken(base, bob, 'acme', 'audited-dead');
    const del = await http(`${base}/cloudapi/1.0.0/tokens/${tok.tokenId}`, { method: 'DELETE', headers: bearer(bob) });
    assert.equal(del.status, 204);
    for (let i = 0; i < 30; i++) assert.equal((await exchange(base, 'acme', tok.apiToken)).status, 400);
    assert.equal(readsOf(tok.apiToken), 1);
    await t.server.services.audit.stop();
    const events = await refusalEventsOf(t.store, tok.clientId);
    assert.equal(events.length, 2, JSON.stringify(events));
    assert.ok(events.every((e) => e.reason === 'revoked'));
    assert.equal(events.find((e) => e.repeated !== undefined)?.repeated, 29);
  });

  test('a refusal whose owner must be read from the store is counted before the audit stops', async () => {
    t.server.services.audit.start();
    const tok = await createApiToken(base, bob, 'acme', 'audited-dead-cold');
    assert.equal((await http(`${base}/cloudapi/1.0.0/tokens/${tok.tokenId}`, { method: 'DELETE', headers: bearer(bob) })).status, 204);
    for (let i = 0; i < 5; i++) assert.equal((await exchange(base, 'acme', tok.apiToken)).status, 400);
    // The owner's identity expires from memory (it lives 5 s) just before the last retry: its event is described after
    // the answer. Until 2026-12-05 stop() did not wait for it, and the last refusal went uncounted (1 run in several
    // hundred of the test above, on PostgreSQL).
    t.server.services.identities.invalidate();
    assert.equal((await exchange(base, 'acme', tok.apiToken)).status, 400);
    await t.server.services.audit.stop();
    const events = await refusalEventsOf(t.store, tok.clientId);
    assert.equal(events.find((e) => e.repeated !== undefined)?.repeated, 5, JSON.stringify(events));
  });

  test('a malformed token that shares nothing with a dead one is still refused before the store', async () => {
    const before = [...reads.values()].reduce((a, b) => a + b, 0);
    assert.equal((await exchange(base, 'acme', 'x'.repeat(40))).status, 400);
    assert.equal(
      [...reads.values()].reduce((a, b) => a + b, 0),
      before,
    );
  });
});
