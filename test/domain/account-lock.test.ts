/** When a user is locked (either lockout in force), and the org's rule read from its password policy. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lockedUntil, lockoutRule, passwordLockedUntil } from '../../src/domain/account-lock.js';

test('locked while either lockout is in force; the later end is reported', () => {
  const now = 1_000_000;
  assert.equal(lockedUntil({ password_locked_until: 0, totp_locked_until: 0 }, now), null);
  assert.equal(lockedUntil({ password_locked_until: now, totp_locked_until: now - 1 }, now), null, 'ended at now');
  assert.equal(lockedUntil({ password_locked_until: now + 5, totp_locked_until: 0 }, now), now + 5);
  assert.equal(lockedUntil({ password_locked_until: 0, totp_locked_until: now + 7 }, now), now + 7);
  assert.equal(lockedUntil({ password_locked_until: String(now + 9), totp_locked_until: now + 7 }, now), now + 9, 'bigint as text');
  assert.equal(passwordLockedUntil({ password_locked_until: 0 }, now), null);
  assert.equal(passwordLockedUntil({ password_locked_until: now + 1 }, now), now + 1);
});

test("the org's rule: none when off; at least one attempt; the interval in ms", () => {
  assert.equal(lockoutRule({ accountLockoutEnabled: false, invalidLoginsBeforeLockout: 5, accountLockoutIntervalMinutes: 10 }), null);
  assert.deepEqual(lockoutRule({ accountLockoutEnabled: true, invalidLoginsBeforeLockout: 5, accountLockoutIntervalMinutes: 10 }), {
    attempts: 5,
    lockMs: 600_000,
  });
  assert.equal(lockoutRule({ accountLockoutEnabled: true, invalidLoginsBeforeLockout: 0, accountLockoutIntervalMinutes: 1 })!.attempts, 1);
});
