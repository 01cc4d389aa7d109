/**
 * The per-address failure budget (sign-in-guard.ts) under a parallel burst: the attempts in flight count against
 * it, so no more passwords are verified than the failures the address has left, however many arrive at once; and
 * a burst of right passwords from one address (a NAT, a CI fleet) is queued, never refused.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { signInReply } from './support.js';

const BUDGET = 10;
let t: TesseraHandle;

before(async () => {
  // Only the per-address budget may refuse here: the per-minute limit and the per-account budget are raised.
  t = await startTessera({
    config: { signInRateLimit: 100_000, signInFailuresPerAddress: BUDGET, signInFailuresPerAccount: 100_000 },
  });
});
after(async () => t?.stop());

const refusals = async () =>
  Number(
    (
      await t.store.db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('event_type', '=', 'session.refused')
        .executeTakeFirstOrThrow()
    ).n,
  );

test(`a burst of ${BUDGET * 2} right passwords from one address all sign in (queued behind the budget, not refused)`, async () => {
  const burst = await Promise.all(Array.from({ length: BUDGET * 2 }, () => signInReply(t.baseUrl, 'alice', 'acme', t.demoPassword)));
  assert.deepEqual(
    burst.map((r) => r.status),
    Array<number>(BUDGET * 2).fill(200),
  );
});

test(`a burst of 40 wrong passwords from one address: ${BUDGET} verified, the rest refused before any check`, async () => {
  const before = await refusals();
  // Password spraying: a different name each time, so no per-account brake is involved.
  const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => signInReply(t.baseUrl, `sprayed-${i}`, 'acme', 'Spring2026!')));
  const statuses = burst.map((r) => r.status);
  // Checked before the password only, all 40 were verified (answered 401) and only the 41st was refused.
  assert.equal(statuses.filter((s) => s === 401).length, BUDGET, statuses.join(','));
  assert.equal(statuses.filter((s) => s === 429).length, 40 - BUDGET);
  // Each first refusal's row is written after its answer (audit.ts, `record` not awaited): a loaded PostgreSQL run
  // counted 7 of the 10 at once. Waited for, then counted exactly.
  const deadline = Date.now() + 10_000;
  while ((await refusals()) - before < BUDGET && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal((await refusals()) - before, BUDGET, 'only the verified attempts are failed sign-ins');
  for (const refused of burst.filter((r) => r.status === 429)) assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  // The budget is spent: even the right password waits now.
  assert.equal((await signInReply(t.baseUrl, 'alice', 'acme', t.demoPassword)).status, 429);
});
