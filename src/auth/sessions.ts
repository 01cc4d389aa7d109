/**
 * Password sign-in (with TOTP as a second step when enrolled), sign-out, and "end every session of a user".
 * Every credential failure is the same 401 whatever went wrong (unknown org, unknown or disabled user, wrong
 * password, provider/tenant endpoint mismatch), and costs the same argon2 verification.
 *
 * One exception, the org's account lockout (auth/password-lockout.ts): a locked account is answered 401
 * ACCOUNT_LOCKED, "locked, an administrator can unlock it", whatever the password, until the lock ends or an
 * administrator unlocks. Decision: that answer tells whoever typed the name that the account exists (and is
 * locked), which the plain 401 never does. We accept it because an operator and the locked user need to know why
 * a right password fails and who can help (VCD also answers a locked account with 401 and says so), and because
 * it is a poor enumeration tool: it appears only in orgs that turned the lockout on, only after that org's number
 * of wrong passwords against that one existing account (an unknown name never locks), each attempt spending the
 * per-address budget (sign-in-guard.ts) and locking a real account, which the org's trail records (`user.locked`).
 * It is never an answer about the password: the lock is checked before it, and the answer is the same for a right
 * and a wrong one.
 */
import { addressBlock } from '../domain/address-block.js';
import { isKnownAddress, withKnownAddress } from './known-addresses.js';
import { createHash, randomBytes } from 'node:crypto';
import { NO_INVENTORY_WRITE, type Executor, type Store, type User, type Org } from '../store/store.js';
import type { Config } from '../config.js';
import type { AccessTokenService } from './access-tokens.js';
import type { Authenticator } from './authenticator.js';
import { hashLegacySessionId, sealLegacyAccessToken } from './authenticator.js';
import type { IdentityCache } from './identity-cache.js';
import type { AuditLog } from './audit.js';
import type { Principal } from '../domain/principal.js';
import { hashPassword, matchPassword } from './passwords.js';
import { matchTotpStep } from './totp.js';
import { TesseraError, accountLocked, badCredentials, tooManyRequests } from '../domain/errors.js';
import { lockoutRule, passwordLockedUntil, type LockoutRule } from '../domain/account-lock.js';
import { parseOrgSettings } from '../domain/org-settings.js';
import { PasswordLockout } from './password-lockout.js';
import { isSystemOrgName } from '../domain/rights.js';
import { SignInGuard } from './sign-in-guard.js';
import { looksLikeRecoveryCode, type RecoveryCodeService } from './recovery-codes.js';
import { signInAccount } from '../domain/user-name.js';

export interface SignInRequest {
  userName: string;
  orgName: string;
  password: string;
  totpCode: string | null;
  /** Which login endpoint was used: VCD keeps providers and tenants apart. 'any' = legacy /api/sessions. */
  endpoint: 'tenant' | 'provider' | 'any';
  ip: string;
}

/**
 * The key of an account's brakes: its name and its org's in the form they are looked up in (nameKey: any case, any
 * Unicode form, so `ALICE`, `alice` and a decomposed `jose\u0301` share the brakes of the account they all name),
 * as a digest, so that the guard's memory of failed names costs the same whatever their length (a name tried may
 * be 512 characters; the guard keeps up to 100,000).
 */
const accountKey = (userName: string, orgName: string): string =>
  createHash('sha256').update(signInAccount(userName, orgName)).digest('base64url');

/**
 * The NFKC rehash of a password that matched its hash only as typed (a hash made before passwords were normalized,
 * passwords.ts): written with the success (PasswordLockout.succeeded), once, since the next sign-in matches the new
 * hash in its NFKC form. One more argon2 hash, once per such account.
 */
async function rehashOf(match: 'yes' | 'no' | 'legacy', from: string, password: string): Promise<{ from: string; to: string } | null> {
  return match === 'legacy' ? { from, to: await hashPassword(password) } : null;
}

/** The second step of a two-step sign-in: who passed the first, when, and the code now given. */
export interface SecondFactorRequest {
  userId: string;
  totpCode: string;
  endpoint: 'tenant' | 'provider';
  firstFactorAt: number;
  ip: string;
  /**
   * The first step's single-use id and when its record ends (epoch ms): claimed in the store (`shown_once`, as the
   * portal's once-only pages are) when the code is right, before the session starts, so one first step makes one
   * session, on any node. Until 2026-12-07 a copy of the portal's pending cookie started another session, with another
   * fresh code, for as long as it lived (5 minutes).
   */
  singleUse: { id: string; until: number };
}

/**
 * The second step of a first step that already made its session (its single-use id claimed before): refused as a
 * first step past its end, which it is to whoever presents it (the portal's "the sign-in took too long").
 */
export class SecondStepSpent extends TesseraError {
  constructor() {
    super('UNAUTHORIZED', 'The sign-in took too long');
  }
}

export interface SignedIn {
  principal: Principal;
  accessToken: string;
}

export class SessionService {
  private readonly store: Store;
  private readonly config: Config;
  private readonly accessTokens: AccessTokenService;
  private readonly authenticator: Authenticator;
  private readonly identities: IdentityCache;
  private readonly audit: AuditLog;
  private readonly guard: SignInGuard;
  private readonly recoveryCodes: RecoveryCodeService;
  private readonly lockout: PasswordLockout;

  constructor(deps: {
    store: Store;
    config: Config;
    accessTokens: AccessTokenService;
    authenticator: Authenticator;
    identities: IdentityCache;
    audit: AuditLog;
    recoveryCodes: RecoveryCodeService;
  }) {
    this.recoveryCodes = deps.recoveryCodes;
    this.store = deps.store;
    this.lockout = new PasswordLockout(deps.store);
    this.config = deps.config;
    this.accessTokens = deps.accessTokens;
    this.authenticator = deps.authenticator;
    this.identities = deps.identities;
    this.audit = deps.audit;
    this.guard = new SignInGuard({
      failuresPerAddress: deps.config.signInFailuresPerAddress,
      failuresPerAccount: deps.config.signInFailuresPerAccount,
      windowSeconds: deps.config.signInFailureWindowSeconds,
    });
  }

  async signIn(req: SignInRequest): Promise<SignedIn> {
    const account = accountKey(req.userName, req.orgName);
    // Under the guard's brakes as a whole, so that a parallel burst is checked one attempt at a time per account
    // (each reads the lock the previous one left) and within the address's budget (sign-in-guard.ts).
    return this.guard.attempt(req.ip, account, () => this.signInTurn(req, account));
  }

  private async signInTurn(req: SignInRequest, account: string): Promise<SignedIn> {
    // When the credentials were read: the session counts as made then (its `ims`), so a password reset, a disable
    // or a sign-out of every session made while the password was being verified ends it too (below).
    const credentialsReadAt = Date.now();
    const org = await this.store.getOrgByName(req.orgName);
    // The org's account lockout, when on, governs its accounts instead of this node's per-account budget: a lock
    // an administrator can see (IsLocked) and undo (unlock), the same on every node (sign-in-guard.ts).
    const rule = org ? lockoutRule(parseOrgSettings(org.settings).passwordPolicy) : null;
    const brakeKey = rule === null ? account : null;
    const user = org ? await this.store.getUserByName(org.id, req.userName) : undefined;
    // A spent per-account budget refuses strangers, not the owner at an address they signed in from lately
    // (auth/known-addresses.ts): anyone who knows a name could otherwise keep its owner out for good.
    const knownAddress = user !== undefined && isKnownAddress(user.sign_in_addresses, req.ip);
    const braked = brakeKey !== null && this.guard.accountPausedUntil(brakeKey) !== null;
    if (brakeKey !== null && !knownAddress) this.guard.admitAccount(brakeKey);
    const endpointOk = req.endpoint === 'any' || (org !== undefined && (req.endpoint === 'provider') === isSystemOrgName(org.name));
    const now = Date.now();
    const lockedUntil = user ? passwordLockedUntil(user, now) : null;
    if (org && user && lockedUntil !== null && endpointOk && user.is_enabled === 1 && org.is_enabled === 1) {
      // Refused before the password is checked: whatever was typed, so the lock is no password oracle and a
      // locked account under attack costs no argon2 work.
      await this.refuse(req, brakeKey, org, user, 'account locked');
      throw accountLocked(lockedUntil, now);
    }
    const match = await matchPassword(user?.password_hash ?? null, req.password, addressBlock(req.ip));
    const passwordOk = match !== 'no';
    if (!org || !user || !passwordOk || !endpointOk || user.is_enabled !== 1 || org.is_enabled !== 1) {
      const outcome = org && user && !passwordOk && rule !== null ? await this.lockout.failed(user.id, rule, Date.now()) : null;
      if (outcome?.kind === 'locked') await this.recordLocked(org!, user!, req.ip, rule!, outcome.until, 'too many failed sign-ins');
      await this.refuse(req, brakeKey, org, user, 'bad credentials');
      // The attempt that locks, and those of a parallel burst that found the lock, are told so (enabled users only:
      // a disabled user's answer says nothing more than "Invalid credentials").
      const lockEnd = outcome?.kind === 'locked' || outcome?.kind === 'alreadyLocked' ? outcome.until : null;
      if (lockEnd !== null && lockEnd > Date.now() && endpointOk && user!.is_enabled === 1 && org!.is_enabled === 1) {
        throw accountLocked(lockEnd);
      }
      throw badCredentials();
    }
    // The user as the store has it now, after the ~100 ms of argon2. Another node may have locked the account
    // meanwhile (this node checks one attempt per account at a time; nodes do not share turns): the lock wins over a
    // right password. And a password reset, a disable or an end of all sessions that committed meanwhile refuses
    // the sign-in: until 2026-12-05 its session, stamped after the reset's cut-off, outlived the reset (5 runs of 6
    // of a sign-in loop beside a reset). One that commits later still ends it, by its `ims` (credentialsReadAt).
    const current = await this.store.getUser(user.id);
    const lockEnd = rule === null || !current ? null : passwordLockedUntil(current, Date.now());
    if (lockEnd !== null) {
      await this.refuse(req, brakeKey, org, user, 'account locked');
      throw accountLocked(lockEnd);
    }
    if (
      !current ||
      current.is_enabled !== 1 ||
      current.password_hash !== user.password_hash ||
      Number(current.sessions_not_before) > credentialsReadAt
    ) {
      await this.refuse(req, brakeKey, org, user, 'credentials changed during sign-in');
      throw badCredentials();
    }
    // The owner's success clears the budget, except while it is spent: the owner got through from a known address,
    // and clearing it would give the strangers who spent it a new one.
    if (brakeKey !== null && !braked) this.guard.succeeded(brakeKey);
    await this.lockout.succeeded(user, await rehashOf(match, user.password_hash, req.password));
    if (user.totp_enabled === 1) await this.checkSecondFactor(user, org, req);
    return this.startSession(user, org, req.ip, credentialsReadAt);
  }

  /**
   * A password typed at an open session (the current password of a change, the proof for turning two-factor off
   * or for new recovery codes) is a guess like a sign-in's, and passes the same brakes: the address's budget, the
   * account's turn, the org's lockout or the per-account budget, and a wrong one counts as a failed sign-in does.
   * (Without this, a stolen session could try passwords without ever locking the account.) The caller audits the
   * failure in its own terms. Throws 429 while the account is locked or a budget is spent.
   */
  async checkPassword(user: User, password: string, ip: string): Promise<boolean> {
    const org = await this.store.getOrg(user.org_id);
    if (!org) return false;
    const account = accountKey(user.name, org.name);
    return this.guard.attempt(ip, account, async () => {
      const current = await this.store.getUser(user.id);
      if (!current) return false;
      const rule = lockoutRule(parseOrgSettings(org.settings).passwordPolicy);
      const brakeKey = rule === null ? account : null;
      // No known-address pass here (signInTurn has one): the owner already holds a session, and a guess typed at
      // an open session is braked as strictly as ever.
      if (brakeKey !== null) this.guard.admitAccount(brakeKey);
      const lockedUntil = passwordLockedUntil(current, Date.now());
      if (lockedUntil !== null) {
        throw tooManyRequests(
          Math.max(1, Math.ceil((lockedUntil - Date.now()) / 1000)),
          'This account is locked after too many wrong passwords; retry when the lock ends, or ask an administrator to unlock it',
        );
      }
      const match = await matchPassword(current.password_hash, password, addressBlock(ip));
      if (match !== 'no') {
        if (brakeKey !== null) this.guard.succeeded(brakeKey);
        await this.lockout.succeeded(current, await rehashOf(match, current.password_hash, password));
        return true;
      }
      this.guard.failed(ip, brakeKey);
      const outcome = rule === null ? null : await this.lockout.failed(current.id, rule, Date.now());
      if (outcome?.kind === 'locked')
        await this.recordLocked(org, current, ip, rule!, outcome.until, 'too many wrong passwords at a session');
      return false;
    });
  }

  private async recordLocked(org: Org, user: User, ip: string, rule: LockoutRule, until: number, reason: string): Promise<void> {
    await this.audit.record({
      type: 'user.locked',
      outcome: 'failure',
      org: { id: org.id, name: org.name },
      actor: { id: user.id, name: user.name },
      ip,
      details: { reason, attempts: rule.attempts, lockedUntil: new Date(until).toISOString() },
    });
  }

  /**
   * A refused sign-in: counted by the guard and audited. The audit event is coalesced per account (the user, or the
   * digest of the name and org typed when they name no user), address block and reason, for a minute: the first
   * refusal is written at once, the rest of the minute as one event counting them (`count`, `first`, `last`;
   * AuditLog.coalesce). Until 2026-12-06 each refusal was a row of its own: bounded per address by the sign-in
   * brakes, but not across addresses.
   */
  private async refuse(req: SignInRequest, brakeKey: string | null, org: Org | undefined, user: User | undefined, reason: string) {
    this.guard.failed(req.ip, brakeKey);
    // The submitted name is kept only when it names a real user: people type passwords into that field, and
    // org administrators read this trail.
    const who = user ? `user:${user.id}` : `name:${accountKey(req.userName, req.orgName)}`;
    this.audit.coalesce(
      `session.refused|${who}|${org?.id ?? ''}|${addressBlock(req.ip)}|${reason}`,
      {
        type: 'session.refused',
        outcome: 'failure',
        org: org ? { id: org.id, name: org.name } : null,
        actor: user ? { id: user.id, name: user.name } : null,
        ip: req.ip,
        details: { reason },
      },
      { writeFirst: true },
    );
  }

  /**
   * Until when this node refuses the account's sign-ins because its failures spent the per-account budget (epoch
   * ms), or null. Not the org's lockout (persisted, `lockedUntil`): the brake of an org without one, which refuses a
   * right password as well, so the administrator's pages show it as a lock, with its Unlock.
   */
  failedSignInPauseUntil(userName: string, orgName: string, now = Date.now()): number | null {
    return this.guard.accountPausedUntil(accountKey(userName, orgName), now);
  }

  /** An administrator's unlock reaches this node's in-memory per-account budget too (sign-in-guard.ts). */
  forgetFailedSignIns(userName: string, orgName: string): void {
    this.guard.forgetAccount(accountKey(userName, orgName));
  }

  /**
   * The second step of a two-step sign-in (the portal's): an earlier `signIn` without a code verified the
   * password and answered TOTP_REQUIRED; the caller kept only the user's id and when that happened, never the
   * password. Same checks as `signIn` from there on (enabled user and org, endpoint, replay, lockout); a
   * password change or "end all sessions" since the first step voids it.
   */
  async completeSecondFactor(req: SecondFactorRequest): Promise<SignedIn> {
    const named = await this.store.getUser(req.userId);
    const orgOfNamed = named ? await this.store.getOrg(named.org_id) : undefined;
    if (!named || !orgOfNamed) throw badCredentials();
    // One code of an account checked at a time, as passwords are: a parallel burst of guesses would otherwise all be
    // checked before the first failure was counted, many more than the TOTP lockout's number.
    return this.guard.attempt(req.ip, accountKey(named.name, orgOfNamed.name), () => this.secondFactorTurn(req));
  }

  private async secondFactorTurn(req: SecondFactorRequest): Promise<SignedIn> {
    const user = await this.store.getUser(req.userId);
    const org = user ? await this.store.getOrg(user.org_id) : undefined;
    if (
      !user ||
      !org ||
      user.is_enabled !== 1 ||
      org.is_enabled !== 1 ||
      user.totp_enabled !== 1 ||
      (req.endpoint === 'provider') !== isSystemOrgName(org.name) ||
      Number(user.sessions_not_before) > req.firstFactorAt
    ) {
      throw badCredentials();
    }
    // Locked since the password step (by someone else's guesses, say): the lock holds here too.
    const lockedUntil = passwordLockedUntil(user, Date.now());
    if (lockedUntil !== null) throw accountLocked(lockedUntil);
    const signIn: SignInRequest = {
      userName: user.name,
      orgName: org.name,
      password: '',
      totpCode: req.totpCode,
      endpoint: req.endpoint,
      ip: req.ip,
    };
    await this.checkSecondFactor(user, org, signIn);
    // Claimed once the code is right, so a wrong code (a typo) leaves the step open for the next try; the code the
    // loser gave is spent all the same.
    if (!(await this.store.claimShownOnce(req.singleUse.id, req.singleUse.until))) throw new SecondStepSpent();
    return this.startSession(user, org, req.ip, req.firstFactorAt);
  }

  /**
   * Counts a wrong code and says whether it began a lockout. Atomic in the database: with a read-modify-write of the
   * row read at the start of the request, a parallel burst of guesses all wrote failures=1 and never reached it.
   */
  private async countSecondFactorFailure(userId: string, now: number): Promise<boolean> {
    const counted = await this.store.db
      .updateTable('users')
      .set((eb) => ({ totp_failures: eb('totp_failures', '+', 1) }))
      .where('id', '=', userId)
      .returning('totp_failures')
      .executeTakeFirst();
    const locked = Number(counted?.totp_failures ?? 0) >= this.config.totpMaxAttempts;
    if (locked) await this.store.updateUser(userId, { totp_failures: 0, totp_locked_until: now + this.config.totpLockoutSeconds * 1000 });
    return locked;
  }

  /**
   * A code from the user's app typed to prove it is them at an open session (turning two-factor off, new recovery
   * codes): the sign-in's rules, a fresh unused step, and its lockout. A wrong code counts towards the lockout, and
   * while it lasts every code is refused with 429 (until 2026-12-06 these forms counted nothing: a stolen session
   * could guess codes at the sign-in brake's rate, with no lockout). Returns the code's time step, or null when it
   * is wrong or already used; a right code is not spent here: the caller spends it with spendSecondFactorStep in the
   * transaction of the write it proves, after that write's session guard, so a write refused there (the session cut
   * off meanwhile, the other half of the proof wrong) leaves it usable. Until 2026-12-07 the code was spent here,
   * before that guard.
   *
   * One code of an account checked at a time, under the sign-in guard's turn as a sign-in's code is: side by side,
   * every code of a parallel burst read the user before the first failure locked it, and all were checked (until
   * 2026-12-07, twenty guesses per lockout from one address at the portal's recovery-codes form, which takes a code
   * alone, where the lockout allows five). Two right copies of one code both pass here; the conditional spend lets
   * only one of them write.
   */
  async freshSecondFactorStep(user: User, code: string, ip: string): Promise<number | null> {
    const org = await this.store.getOrg(user.org_id);
    if (!org) return null;
    return this.guard.attempt(ip, accountKey(user.name, org.name), () => this.freshSecondFactorStepTurn(user, code, ip));
  }

  private async freshSecondFactorStepTurn(user: User, code: string, ip: string): Promise<number | null> {
    const now = Date.now();
    const current = await this.store.getUser(user.id);
    if (!current?.totp_secret) return null;
    if (Number(current.totp_locked_until) > now) {
      throw tooManyRequests(
        Math.ceil((Number(current.totp_locked_until) - now) / 1000),
        'Too many failed verification codes; try again later',
      );
    }
    const secret = await this.recoveryCodes.openTotpSecret(current.id, current.totp_secret);
    const step = secret === null ? null : matchTotpStep(secret, code.trim(), now);
    if (step !== null && step > Number(current.totp_last_step)) return step;
    if (await this.countSecondFactorFailure(user.id, now)) {
      const org = await this.store.getOrg(user.org_id);
      await this.audit.record({
        type: 'totp.locked',
        outcome: 'failure',
        actor: { id: user.id, name: user.name },
        org: { id: user.org_id, name: org?.name ?? '' },
        ip,
        details: { reason: 'wrong verification code at an open session' },
      });
    }
    return null;
  }

  /**
   * Spends `step` (from freshSecondFactorStep) through `ex`, the caller's transaction: a conditional
   * update, so two requests with the same code cannot both win, nor one that read the user before a lockout began.
   * False when the step was used meanwhile (nothing is counted: the code was right when checked).
   */
  async spendSecondFactorStep(userId: string, step: number, ex: Executor): Promise<boolean> {
    const res = await ex
      .updateTable('users')
      .set({ totp_last_step: step, totp_failures: 0 })
      .where('id', '=', userId)
      .where('totp_last_step', '<', step)
      .where('totp_locked_until', '<=', Date.now())
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** The second step: a fresh, unused code, under a per-user attempt limit. */
  private async checkSecondFactor(user: User, org: Org, req: SignInRequest): Promise<void> {
    const now = Date.now();
    if (Number(user.totp_locked_until) > now) {
      const retryAfter = Math.ceil((Number(user.totp_locked_until) - now) / 1000);
      throw new TesseraError('TOTP_LOCKED', 'Too many failed verification codes; try again later', {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
    if (req.totpCode === null || req.totpCode === '') {
      throw new TesseraError('TOTP_REQUIRED', 'A verification code is required: send it in the X-Tessera-TOTP header', {
        headers: { 'X-Tessera-TOTP': 'required' },
      });
    }
    // A recovery code instead of the app's code: spent once; a wrong one counts as a failed second factor below,
    // under the same lockout (so recovery codes cannot be guessed faster than TOTP codes).
    const recovery = looksLikeRecoveryCode(req.totpCode);
    const account = accountKey(user.name, org.name);
    // Recovery-code attempts also go through the sign-in guard, as failed sign-ins when wrong (429 past its limit).
    if (recovery) this.guard.admit(req.ip, account);
    if (recovery && (await this.recoveryCodes.consume(user.id, req.totpCode))) {
      await this.store.updateUser(user.id, { totp_failures: 0 });
      await this.audit.record({
        type: 'totp.recoveryCodeUsed',
        actor: { id: user.id, name: user.name },
        org: { id: org.id, name: org.name },
        ip: req.ip,
        details: { remaining: await this.recoveryCodes.remaining(user.id) },
      });
      return;
    }
    const secret = recovery ? null : await this.recoveryCodes.openTotpSecret(user.id, user.totp_secret);
    const step = secret === null ? null : matchTotpStep(secret, req.totpCode.trim(), now);
    if (step !== null && step > Number(user.totp_last_step)) {
      // Conditional update: two concurrent requests with the same code cannot both win, and a request that read
      // the user before a lockout began (a parallel burst) cannot get in while it lasts.
      const res = await this.store.db
        .updateTable('users')
        .set({ totp_last_step: step, totp_failures: 0, totp_locked_until: 0 })
        .where('id', '=', user.id)
        .where('totp_last_step', '<', step)
        .where('totp_locked_until', '<=', now)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) return;
    }
    if (recovery) this.guard.failed(req.ip, account);
    const locked = await this.countSecondFactorFailure(user.id, now);
    await this.audit.record({
      type: locked ? 'totp.locked' : 'session.refused',
      outcome: 'failure',
      actor: { id: user.id, name: user.name },
      org: { id: org.id, name: org.name },
      ip: req.ip,
      details: { reason: recovery ? 'wrong recovery code' : step === null ? 'wrong verification code' : 'replayed verification code' },
    });
    if (locked) {
      throw new TesseraError('TOTP_LOCKED', 'Too many failed verification codes; try again later', {
        headers: { 'Retry-After': String(this.config.totpLockoutSeconds) },
      });
    }
    throw new TesseraError('TOTP_INVALID', 'The verification code is wrong or was already used');
  }

  /** `credentialsReadAt`: when the password (or first factor) was read; the session's `ims`, for revocations. */
  private async startSession(user: User, org: Org, ip: string, credentialsReadAt: number): Promise<SignedIn> {
    // A password sign-in (with its second factor, when enrolled) succeeded from here: a known address from now on.
    const known = withKnownAddress(user.sign_in_addresses, ip);
    if (known !== null) await this.store.updateUser(user.id, { sign_in_addresses: known });
    const { token } = await this.accessTokens.mint({
      userId: user.id,
      orgId: org.id,
      kind: 'password',
      apiTokenId: null,
      credentialsReadAt,
    });
    const principal = await this.authenticator.fromAccessToken(token);
    await this.audit.record({
      type: 'session.created',
      actor: { id: user.id, name: user.name },
      org: { id: org.id, name: org.name },
      ip,
      details: { sessionId: principal.sessionId },
    });
    return { principal, accessToken: token };
  }

  /** A 32-hex-character legacy session id (`x-vcloud-authorization`) bound to this access token. */
  async createLegacySessionId(principal: Principal, accessToken: string): Promise<string> {
    const id = randomBytes(16).toString('hex');
    await this.store.db
      .insertInto('legacy_sessions')
      .values({
        token_hash: hashLegacySessionId(id),
        session_id: principal.sessionId,
        user_id: principal.userId,
        access_token: sealLegacyAccessToken(id, accessToken), // never the bearer itself: see sealLegacyAccessToken
        expires_at: principal.expiresAt * 1000,
      })
      .execute();
    return id;
  }

  /**
   * Ends one session (sign-out). Effective on every node from the next request. The revocation is kept until the
   * session's signed end, which a node of a longer lifetime honours: until 2026-12-07 it was kept until this node's
   * end of it (`expiresAt`, cut to this node's horizon), and such a node restarted after the row was dropped accepted
   * the signed-out session again for the rest of its life.
   */
  async signOut(principal: Principal, ip: string): Promise<void> {
    const now = Date.now();
    const relevantUntil = Math.max(principal.expiresAt, principal.signedExpiresAt) * 1000;
    const event = await this.store.transaction(
      (trx) => this.store.recordRevocation(trx, 'session', principal.sessionId, now, relevantUntil),
      NO_INVENTORY_WRITE,
    );
    await this.store.bus.committed(event);
    await this.store.db.deleteFrom('legacy_sessions').where('session_id', '=', principal.sessionId).execute();
    const actor = { id: principal.userId, name: principal.userName };
    const org = { id: principal.orgId, name: principal.orgName };
    if (principal.kind === 'password') {
      // A person's sign-out: one event each, beside its session's own `session.created` (one per password sign-in,
      // each costing a password check under the sign-in brakes), so it at most doubles what sign-ins already write.
      await this.audit.record({ type: 'session.deleted', actor, org, ip, details: { sessionId: principal.sessionId } });
      return;
    }
    // A session made from an API token (or a service account): a script that exchanges and signs out in a loop ended
    // hundreds a minute, one row each, kept for ever (until 2026-12-06). One event per token (or account), address
    // and minute, counting them (AuditLog.coalesce); the session ids are not listed (the token is the event's).
    const from = principal.apiTokenId ?? `${principal.kind}:${principal.userId}`;
    this.audit.coalesce(
      `session.deleted|${from}|${principal.userId}|${ip}|success`,
      { type: 'session.deleted', actor, org, tokenId: principal.apiTokenId, ip, details: { kind: principal.kind } },
      { writeFirst: false },
    );
  }

  /**
   * RFC 7009 revocation by whoever holds the credential: an access token, or the 32-character legacy session id
   * (`x-vcloud-authorization`) bound to one, ends that session exactly as a sign-out (`DELETE /api/session`)
   * would, the id and the access token together. Anything else is ignored silently (the endpoint is no oracle).
   * An access token is always longer than 32 characters, so the length tells the two apart.
   */
  async endByPossession(token: string, ip: string): Promise<void> {
    let principal: Principal;
    try {
      principal = await this.authenticator.authenticate({ kind: token.length === 32 ? 'legacy' : 'access_token', value: token });
    } catch (error) {
      // Only "no such live session" is answered as done. A node that cannot tell (store or revocation feed down:
      // 503) must not answer 200, which RFC 7009 §2.2 reads as "revoked": until 2026-12-05 it did, and the session
      // went on working on every node. The 503 tells the client to retry (§2.2.1).
      if (error instanceof TesseraError && error.status === 401) return;
      throw error;
    }
    await this.signOut(principal, ip);
  }

  /**
   * Sessions of this user issued before now stop working (disable, delete, password change), except
   * `keepSessionId` when given: the session that changed the password keeps working.
   */
  async endAllSessionsOf(userId: string, keepSessionId: string | null = null): Promise<void> {
    const now = Date.now();
    const event = await this.store.transaction(async (trx) => {
      await this.store.updateUser(userId, { sessions_not_before: now }, trx);
      const relevantUntil = await this.accessTokens.recordedRevocationRelevantUntil(now, trx);
      return this.store.recordRevocation(trx, 'user', userId, now, relevantUntil, keepSessionId);
    }, NO_INVENTORY_WRITE);
    await this.store.bus.committed(event);
    this.identities.invalidate(userId);
    let legacy = this.store.db.deleteFrom('legacy_sessions').where('user_id', '=', userId);
    if (keepSessionId !== null) legacy = legacy.where('session_id', '!=', keepSessionId);
    await legacy.execute();
  }

  get idleTimeoutMinutes(): number {
    return this.config.sessionIdleTimeoutMinutes;
  }
}
