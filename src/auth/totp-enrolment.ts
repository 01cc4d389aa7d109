/**
 * TOTP enrolment of the signed-in user, for every edge that offers it (the cloudapi's
 * /cloudapi/1.0.0/users/current/totp and the portal's User preferences):
 *   start    a new secret, stored but not enabled yet (any earlier unconfirmed secret is replaced)
 *   confirm  a first code enables it; that code's time step counts as used, so it cannot sign in afterwards;
 *            an enrolment not confirmed within TOTP_ENROLMENT_TTL_MS has lapsed (start again)
 *   disable  needs the password and a fresh code: a code of a step after the last accepted one (replay rule)
 *   status   enabled, enrolling (started, not confirmed) or off
 * Only for the user's own account and only from a password session (`totp.manageOwn`): a token session may not
 * change how the user signs in. Anything else is the same 403 as a missing user.
 *
 * Expected refusals are returned as a reason, not thrown: each edge words them its own way (the cloudapi's
 * messages are part of its wire; the portal shows them on its forms).
 */
import type { Executor, Store, User } from '../store/store.js';
import type { AuditLog } from './audit.js';
import type { Principal } from '../domain/principal.js';
import { can, refusal } from '../domain/policy.js';
import { forbidden } from '../domain/errors.js';
import { matchTotpStep, newTotpSecret, otpauthUri, qrCodeSvg } from './totp.js';
import type { RecoveryCodeService } from './recovery-codes.js';
import { assertSessionStands } from './session-stands.js';

export type TotpStatus = 'enabled' | 'enrolling' | 'off';

/**
 * How long a started enrolment waits for its first code: scanning a QR code and typing six digits takes a minute
 * or two; 15 minutes is the window an API token's registration has too. Past it the enrolment has lapsed: its key
 * is no longer shown nor confirmed. Until 2026-12-06 it waited for ever, so an enrolment planted by whoever once
 * held a password session of the user (they saw the key) could be confirmed by the user months later, and any later
 * session could show the key again.
 */
export const TOTP_ENROLMENT_TTL_MS = 15 * 60_000;

/** What the user's authenticator app needs. The secret is shown during set-up only. */
export interface TotpEnrolment {
  readonly secret: string;
  readonly otpauthUri: string;
  readonly qrCodeSvg: string;
}

export type TotpStartResult = { ok: true; enrolment: TotpEnrolment } | { ok: false; reason: 'already-enabled' };
/** A confirmed enrolment comes with the first set of recovery codes (auth/recovery-codes.ts): show them once. */
export type TotpConfirmResult =
  { ok: true; recoveryCodes: string[] } | { ok: false; reason: 'already-enabled' | 'not-started' | 'lapsed' | 'wrong-code' };
export type RecoveryCodesResult = { ok: true; recoveryCodes: string[] } | { ok: false; reason: 'not-enabled' | 'wrong-credentials' };
export type TotpDisableResult = { ok: true } | { ok: false; reason: 'not-enabled' | 'wrong-credentials' };

/** Checks a password typed at an open session as a guess (SessionService.checkPassword): counted, braked, locking. */
export interface SessionPasswordCheck {
  checkPassword(user: User, password: string, ip: string): Promise<boolean>;
  /**
   * The step of a right, unused code from the user's app, under the sign-in's step rule and lockout (429 while
   * locked; a wrong code counted), or null; not spent: spendSecondFactorStep spends it, inside the write it proves.
   */
  freshSecondFactorStep(user: User, code: string, ip: string): Promise<number | null>;
  /** Spends that step through `ex` (the write's transaction, after its session guard); false when used meanwhile. */
  spendSecondFactorStep(userId: string, step: number, ex: Executor): Promise<boolean>;
}

export class TotpEnrolmentService {
  private readonly store: Store;
  private readonly audit: AuditLog;
  private readonly recoveryCodes: RecoveryCodeService;
  private readonly passwords: SessionPasswordCheck;

  constructor(deps: { store: Store; audit: AuditLog; recoveryCodes: RecoveryCodeService; passwords: SessionPasswordCheck }) {
    this.store = deps.store;
    this.audit = deps.audit;
    this.recoveryCodes = deps.recoveryCodes;
    this.passwords = deps.passwords;
  }

  /** Unused recovery codes of the signed-in user (0 when two-factor is off). */
  async recoveryCodesLeft(principal: Principal): Promise<number> {
    const user = await this.loadSelf(principal);
    return user.totp_enabled === 1 ? this.recoveryCodes.remaining(user.id) : 0;
  }

  /**
   * A new set of recovery codes in place of the old (all old ones stop working). Needs the password or a fresh
   * code from the app (either proves the person at the keyboard is the user, not just someone at an open
   * session); the caller counts a failure against the sign-in rate limit.
   */
  async regenerateRecoveryCodes(principal: Principal, proof: { password: string; code: string }, ip: string): Promise<RecoveryCodesResult> {
    const user = await this.loadSelf(principal);
    if (user.totp_enabled !== 1 || !user.totp_secret) return { ok: false, reason: 'not-enabled' };
    let proven = false;
    let step: number | null = null;
    if (proof.password !== '') proven = await this.passwords.checkPassword(user, proof.password, ip);
    if (!proven && proof.code.trim() !== '') {
      step = await this.passwords.freshSecondFactorStep(user, proof.code, ip);
      proven = step !== null;
    }
    // A code is spent in the issue's transaction, after its session guard: until 2026-12-07 it was spent first, so a
    // request refused there (a session cut off on another node) still used up the owner's code.
    const recoveryCodes = !proven
      ? null
      : await this.recoveryCodes.issue(user.id, principal, (trx) =>
          step === null ? Promise.resolve(true) : this.passwords.spendSecondFactorStep(user.id, step, trx),
        );
    if (recoveryCodes === null) {
      await this.record('totp.recoveryCodesGenerated', principal, ip, 'failure');
      return { ok: false, reason: 'wrong-credentials' };
    }
    await this.record('totp.recoveryCodesGenerated', principal, ip);
    return { ok: true, recoveryCodes };
  }

  async status(principal: Principal): Promise<TotpStatus> {
    const user = await this.loadSelf(principal);
    if (user.totp_enabled === 1) return 'enabled';
    return pendingSecret(user) ? 'enrolling' : 'off';
  }

  async start(principal: Principal): Promise<TotpStartResult> {
    const user = await this.loadSelf(principal);
    if (user.totp_enabled === 1) return { ok: false, reason: 'already-enabled' };
    const secret = newTotpSecret();
    const sealed = await this.recoveryCodes.sealTotpSecret(user.id, secret); // never the key itself: see sealTotpSecret
    await this.store.updateUser(user.id, { totp_secret: sealed, totp_enabled: 0, totp_last_step: 0, totp_started_at: Date.now() });
    return { ok: true, enrolment: await enrolmentOf(secret, principal) };
  }

  /** The started, not yet confirmed enrolment (to show its QR code again), or null when there is none or it lapsed. */
  async inProgress(principal: Principal): Promise<TotpEnrolment | null> {
    const user = await this.loadSelf(principal);
    const secret = await this.recoveryCodes.openTotpSecret(user.id, pendingSecret(user));
    return secret ? enrolmentOf(secret, principal) : null;
  }

  async confirm(principal: Principal, code: string, ip: string | null): Promise<TotpConfirmResult> {
    const user = await this.loadSelf(principal);
    if (user.totp_enabled === 1) return { ok: false, reason: 'already-enabled' };
    if (!user.totp_secret) return { ok: false, reason: 'not-started' };
    if (!pendingSecret(user)) {
      // The lapsed key goes: nothing may confirm it any more, and it should not sit in the row.
      await this.store.db
        .updateTable('users')
        .set({ totp_secret: null, totp_started_at: 0 })
        .where('id', '=', user.id)
        .where('totp_enabled', '=', 0)
        .where('totp_secret', '=', user.totp_secret)
        .execute();
      return { ok: false, reason: 'lapsed' };
    }
    const secret = await this.recoveryCodes.openTotpSecret(user.id, user.totp_secret);
    const step = secret === null ? null : matchTotpStep(secret, code.trim());
    if (step === null) return { ok: false, reason: 'wrong-code' };
    // Only the enrolment that was read, and only once: a double submit of the same code (two requests, two nodes)
    // enrolled twice until 2026-12-06, each answer with its own set of recovery codes, one of them not stored.
    // And only for a session that still stands (session-stands.ts): until 2026-12-06 a stolen session, ended by its
    // owner's password change on another node a moment before, could still enrol its own app as the owner's second
    // factor (the owner then could not sign in) and receive the recovery codes.
    const confirmed = await this.store.transaction(async (trx) => {
      await assertSessionStands(this.store, trx, principal);
      return trx
        .updateTable('users')
        .set({ totp_enabled: 1, totp_last_step: step, totp_failures: 0, totp_locked_until: 0 })
        .where('id', '=', user.id)
        .where('totp_enabled', '=', 0)
        .where('totp_secret', '=', user.totp_secret)
        .executeTakeFirst();
    });
    if (Number(confirmed.numUpdatedRows) !== 1) return { ok: false, reason: 'already-enabled' };
    const recoveryCodes = await this.recoveryCodes.issue(user.id);
    await this.record('totp.enrolled', principal, ip);
    await this.record('totp.recoveryCodesGenerated', principal, ip);
    return { ok: true, recoveryCodes };
  }

  /** Both factors are checked whatever the other says, so the answer does not tell which one was wrong. */
  async disable(principal: Principal, password: string, code: string, ip: string): Promise<TotpDisableResult> {
    const user = await this.loadSelf(principal);
    if (user.totp_enabled !== 1 || !user.totp_secret) return { ok: false, reason: 'not-enabled' };
    const passwordOk = await this.passwords.checkPassword(user, password, ip);
    const step = await this.passwords.freshSecondFactorStep(user, code, ip);
    if (!passwordOk || step === null) return { ok: false, reason: 'wrong-credentials' };
    // Only for a session that still stands (session-stands.ts): until 2026-12-07 a stolen session, cut off by its owner
    // on another node a moment before, could still take the owner's second factor and recovery codes away (with a
    // password and a code the thief had), a weakening that outlived the session. The code is spent after that guard,
    // in the same transaction: until 2026-12-07 it was spent before, so a refused disable still used it up.
    const disabled = await this.store.transaction(async (trx) => {
      await assertSessionStands(this.store, trx, principal);
      if (!(await this.passwords.spendSecondFactorStep(user.id, step, trx))) return false;
      await this.store.updateUser(user.id, { totp_enabled: 0, totp_secret: null, totp_last_step: 0 }, trx);
      await this.recoveryCodes.clear(user.id, trx);
      return true;
    });
    if (!disabled) return { ok: false, reason: 'wrong-credentials' };
    await this.record('totp.disabled', principal, ip);
    return { ok: true };
  }

  private async loadSelf(principal: Principal): Promise<User> {
    if (!can(principal, 'totp.manageOwn')) throw refusal(principal, 'totp.manageOwn');
    const user = await this.store.getUser(principal.userId);
    if (!user) throw forbidden();
    return user;
  }

  private async record(
    type: 'totp.enrolled' | 'totp.disabled' | 'totp.recoveryCodesGenerated',
    principal: Principal,
    ip: string | null,
    outcome: 'success' | 'failure' = 'success',
  ): Promise<void> {
    await this.audit.record({
      type,
      outcome,
      actor: { id: principal.userId, name: principal.userName },
      org: { id: principal.orgId, name: principal.orgName },
      ip,
    });
  }
}

/** The stored (sealed) key of an enrolment started and not confirmed, while it has not lapsed; null otherwise. */
function pendingSecret(user: User, now = Date.now()): string | null {
  if (user.totp_enabled === 1 || !user.totp_secret) return null;
  return now - Number(user.totp_started_at) <= TOTP_ENROLMENT_TTL_MS ? user.totp_secret : null;
}

async function enrolmentOf(secret: string, principal: Principal): Promise<TotpEnrolment> {
  const uri = otpauthUri(secret, principal.userName, principal.orgName);
  return { secret, otpauthUri: uri, qrCodeSvg: await qrCodeSvg(uri) };
}
