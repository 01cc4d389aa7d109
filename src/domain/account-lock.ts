/**
 * When a user is locked, and by what rule (pure; the store and the sign-in path are in auth/password-lockout.ts).
 * A user is locked while either lockout is in force: the org's account lockout after wrong passwords (VCD's
 * `OrgPasswordPolicySettings`), or Tessera's second-factor lockout after wrong verification codes. Every view of
 * "locked" (the User document's `IsLocked`, the cloudapi user's `locked`, the portal's user list) and every
 * unlock decision reads it here, so they cannot disagree. The portal's administrator pages also show a node's
 * in-memory sign-in brake as a lock (`shownLockUntil`), so that the Unlock that ends it is offered; the API's
 * `IsLocked`/`locked` stay the stored lockout's, which a client may set back (Terraform's `is_locked`).
 */
import type { PasswordPolicySettings } from './org-settings.js';

export interface LockTimes {
  /** Epoch ms (PostgreSQL's bigint may reach us as a numeric string: read with Number). */
  readonly password_locked_until: number | string;
  readonly totp_locked_until: number | string;
}

/** When the later lockout in force ends, or null when the user is not locked at `now`. */
export function lockedUntil(user: LockTimes, now: number): number | null {
  const until = Math.max(Number(user.password_locked_until), Number(user.totp_locked_until));
  return until > now ? until : null;
}

/**
 * What the administrator's pages show as the lock's end: the stored lockout's, or a node's in-memory pause after
 * repeated failed sign-ins (auth/sign-in-guard.ts, in an org without the lockout), whichever ends later; null when
 * neither is in force. Both refuse the right password, and Unlock ends both.
 */
export function shownLockUntil(stored: number | null, paused: number | null): number | null {
  return stored === null ? paused : paused === null ? stored : Math.max(stored, paused);
}

/** When the password lockout in force ends, or null. */
export function passwordLockedUntil(user: Pick<LockTimes, 'password_locked_until'>, now: number): number | null {
  const until = Number(user.password_locked_until);
  return until > now ? until : null;
}

export interface LockoutRule {
  /** Wrong passwords in a row that lock the account (at least 1). */
  readonly attempts: number;
  /** How long the lock lasts. */
  readonly lockMs: number;
}

/**
 * The org's account-lockout rule, or null when the org has it off. `InvalidLoginsBeforeLockout` 0 is read as 1
 * (the first wrong password locks: VCD's own range starts at 1, and 0 must not mean "never"). An interval of 0
 * minutes makes a lock that is over as soon as it starts: the count still restarts at each lockout.
 */
export function lockoutRule(policy: PasswordPolicySettings): LockoutRule | null {
  if (!policy.accountLockoutEnabled) return null;
  return { attempts: Math.max(1, policy.invalidLoginsBeforeLockout), lockMs: policy.accountLockoutIntervalMinutes * 60_000 };
}
