/**
 * The org's account lockout (VCD's `OrgPasswordPolicySettings`: `AccountLockoutEnabled`,
 * `InvalidLoginsBeforeLockout`, `AccountLockoutIntervalMinutes`), kept in the users table so that every node
 * agrees: a wrong password counts in `password_failures`, reaching the org's number locks the account until
 * `password_locked_until`, and a lock ends when its time is up or an administrator unlocks (users.ts `unlock`).
 *
 * Decisions:
 * - The count is one conditional UPDATE (increment, and at the limit lock and restart the count, in the same
 *   statement), never a read-modify-write of the row read at the start of the request: a parallel burst of
 *   guesses is counted exactly, and exactly one of them locks. Guesses that were already in flight when the lock
 *   began (they read the row before it) do not count: the UPDATE requires no lock in force.
 * - The count restarts at each lockout, so when a lock ends the user has the org's number of attempts again
 *   (rather than being locked again by the first typo).
 * - Only wrong passwords of existing users count; a right password with a disabled user or the wrong endpoint is
 *   no guess. A lock in force is checked before the password (sessions.ts), so it costs no argon2 work.
 * - A lock in force outlives the policy being turned off: it is what `IsLocked` shows and an administrator can
 *   see and undo, and reading it needs no org settings. While the policy is off nothing new is counted.
 */
import type { Store, User } from '../store/store.js';
import type { LockoutRule } from '../domain/account-lock.js';

export type FailureOutcome =
  /** Counted; `failures` wrong passwords in a row so far. */
  | { kind: 'counted'; failures: number }
  /** This failure reached the limit: locked until `until`. */
  | { kind: 'locked'; until: number }
  /** Another request locked the account first (a parallel burst); `until` is when that lock ends, if still in force. */
  | { kind: 'alreadyLocked'; until: number | null };

export class PasswordLockout {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  /** Counts one wrong password of `userId` under `rule`, atomically in the database. */
  async failed(userId: string, rule: LockoutRule, now: number): Promise<FailureOutcome> {
    const until = now + rule.lockMs;
    // SET expressions read the row as it was before this UPDATE (both backends), so `password_failures + 1` is the
    // count including this failure in every branch.
    const row = await this.store.db
      .updateTable('users')
      .set((eb) => {
        const reached = eb(eb('password_failures', '+', 1), '>=', rule.attempts);
        return {
          password_failures: eb
            .case()
            .when(reached)
            .then(0)
            .else(eb('password_failures', '+', 1))
            .end(),
          password_locked_until: eb
            .case()
            .when(reached)
            .then(eb.cast<number>(eb.val(until), 'bigint'))
            .else(eb.ref('password_locked_until'))
            .end(),
        };
      })
      .where('id', '=', userId)
      .where('password_locked_until', '<=', now)
      .returning(['password_failures', 'password_locked_until'])
      .executeTakeFirst();
    if (!row) {
      const user = await this.store.getUser(userId);
      const lockedUntil = Number(user?.password_locked_until ?? 0);
      return { kind: 'alreadyLocked', until: lockedUntil > now ? lockedUntil : null };
    }
    // The count is at least 1 after an increment: 0 means this failure reached the limit and locked.
    const failures = Number(row.password_failures);
    return failures === 0 ? { kind: 'locked', until: Number(row.password_locked_until) } : { kind: 'counted', failures };
  }

  /**
   * A successful sign-in: the count starts again (no write when it is already 0), and `rehash`, a password hash
   * of the NFKC form of a password that matched only as typed (passwords.ts matchPassword), replaces the hash it was
   * verified against, in the same statement, and only if that is still the stored hash: a password change or reset
   * that committed meanwhile wins.
   */
  async succeeded(user: User, rehash: { from: string; to: string } | null = null): Promise<void> {
    if (rehash === null) {
      if (Number(user.password_failures) === 0) return;
      await this.store.db.updateTable('users').set({ password_failures: 0 }).where('id', '=', user.id).execute();
      return;
    }
    await this.store.db
      .updateTable('users')
      .set((eb) => ({
        password_failures: 0,
        password_hash: eb.case().when('password_hash', '=', rehash.from).then(rehash.to).else(eb.ref('password_hash')).end(),
      }))
      .where('id', '=', user.id)
      .execute();
  }
}
