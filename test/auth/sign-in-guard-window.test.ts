/**
 * The failed sign-in budgets (auth/sign-in-guard.ts) at their window's edge. Until 2026-12-07 each window forgot the
 * one before: an account's 10 failures spent in the last second of its window were whole again a second later, so 19
 * guesses went through within two seconds where the budget says 10 per 600 s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureBudget } from '../../src/auth/sign-in-guard.js';

const LIMIT = 10;
const WINDOW_MS = 600_000;
const T0 = 1_800_000_000_000;

/** Records failures of `key` from `from`, 10 ms apart, for as long as the budget lets them in before `until`. */
function failWhileAllowed(budget: FailureBudget, key: string, from: number, until: number): number {
  let admitted = 0;
  for (let now = from; now < until; now += 10) {
    if (budget.retryAfter(key, now) > 0) continue;
    budget.fail(key, now);
    admitted += 1;
  }
  return admitted;
}

test("a budget spent at the end of its window is not whole again at the next window's start", () => {
  const budget = new FailureBudget(LIMIT, WINDOW_MS);
  budget.fail('alice', T0);
  // The other nine at the very end of the window that began with the first.
  const late = T0 + WINDOW_MS - 1_000;
  assert.equal(failWhileAllowed(budget, 'alice', late, late + 500), LIMIT - 1);
  assert.ok(budget.retryAfter('alice', late + 500) > 0, 'spent');
  // Across the boundary: at most one more in the two seconds that follow (until 2026-12-07, ten more).
  const across = failWhileAllowed(budget, 'alice', late + 500, late + 2_500);
  assert.ok(across <= 1, `${across} more failures admitted right after the window's edge`);
});

test('a budget spent at once comes back as its failures slide out, not whole at the next window', () => {
  const budget = new FailureBudget(LIMIT, WINDOW_MS);
  assert.equal(failWhileAllowed(budget, 'bob', T0, T0 + 1_000), LIMIT);
  // In the first tenth of the next window, about a tenth of the budget (until 2026-12-07, all of it at once).
  const early = failWhileAllowed(budget, 'bob', T0 + WINDOW_MS, T0 + WINDOW_MS + WINDOW_MS / 10);
  assert.ok(early <= 2, `${early} failures admitted in the first tenth of the next window`);
  // Over the rest of that window the first one's failures slide out: about the budget's worth in all, spread over it.
  const rest = failWhileAllowed(budget, 'bob', T0 + WINDOW_MS + WINDOW_MS / 10, T0 + 2 * WINDOW_MS);
  assert.ok(early + rest >= LIMIT - 1 && early + rest <= LIMIT, `${early + rest} failures admitted over the following window`);
  // Retry-After while refused: whole seconds, at least one, and a retry then is let in.
  for (let now = T0 + 2 * WINDOW_MS; now < T0 + 2 * WINDOW_MS + 120_000; now += 7_000) {
    const wait = budget.retryAfter('bob', now);
    if (wait === 0) continue;
    assert.ok(Number.isInteger(wait) && wait >= 1, `Retry-After ${wait}`);
    assert.equal(budget.retryAfter('bob', now + wait * 1000), 0, `a retry ${wait} s after ${now - T0} ms is let in`);
  }
  // A clock stepped back gives nothing back; two windows without a failure give the whole budget at once.
  const spent = failWhileAllowed(budget, 'bob', T0 + 3 * WINDOW_MS - 1_000, T0 + 3 * WINDOW_MS);
  assert.ok(spent >= 1 && budget.retryAfter('bob', T0 + 3 * WINDOW_MS - 60_000) > 0, 'still spent when the clock reads a minute earlier');
  const quiet = T0 + 6 * WINDOW_MS;
  assert.equal(budget.retryAfter('bob', quiet), 0);
  assert.equal(failWhileAllowed(budget, 'bob', quiet, quiet + 1_000), LIMIT);
});
