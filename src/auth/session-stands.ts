/**
 * Whether the session asking for a write still stands, read from the store inside the write's transaction rather
 * than from this node's revocation view. A session is checked once, at its bearer check, against that view; a
 * password change, a disable or "end all sessions" committed on another node reaches it a few ms later (PostgreSQL
 * NOTIFY), so a write that passed its bearer check just before could still commit after the owner had cut the
 * session off. Every write that outlives the session or hands something to whoever holds it (a token, a service
 * account's grant, a second factor and its recovery codes, a password, a user) reads the row again here, and the
 * rights of the role it names: the session's rights come from this node's identity cache, up to 5 s old.
 */
import type { Executor, Store } from '../store/store.js';
import type { Principal } from '../domain/principal.js';
import { type TesseraError, forbidden, unauthenticated } from '../domain/errors.js';

export type OwnerState = 'ok' | 'owner disabled or deleted' | 'session ended' | 'rights taken';

/**
 * In a write transaction that gives a user a token (its registration, its secret, a regeneration): locks the
 * user's row on PostgreSQL (SQLite's single writer already excludes other writers) and says whether the user and
 * their org are enabled, and whether `session`, the session asking, still stands. A disable, a password change
 * and "end all sessions" write that row (`is_enabled`, `sessions_not_before`) before they revoke the user's
 * tokens, so the two take turns: a token written first is among those revoked, and one that comes after sees the
 * change and is refused. Until 2026-12-06 a registration or a mint on another node, whose cache still held the
 * user enabled, could commit after the disable had read the tokens to revoke: the token lived on, refused while
 * the user stayed disabled, and worked again once they were enabled. Likewise, until 2026-12-06, a session ended by
 * a password change "with its API tokens revoked" (a stolen session the owner meant to cut off), already past its
 * bearer check, could still register, mint or regenerate a token the change's revocation never saw. NO KEY UPDATE:
 * the lock must not stop inserts that merely refer to the row. `lock: false` reads without locking, for a write
 * that the cut-off does not undo (nothing for the two to take turns over) and that locks another row first.
 */
export async function lockEnabledOwner(
  store: Store,
  trx: Executor,
  userId: string,
  session: Principal,
  options: { lock?: boolean } = {},
): Promise<OwnerState> {
  const owner = trx
    .selectFrom('users')
    .innerJoin('orgs', 'orgs.id', 'users.org_id')
    .select([
      'users.is_enabled as userEnabled',
      'orgs.is_enabled as orgEnabled',
      'users.sessions_not_before as sessionsNotBefore',
      'users.role_id as roleId',
    ])
    .where('users.id', '=', userId);
  const lock = options.lock !== false && store.dialect === 'postgres';
  const row = await (lock ? owner.forNoKeyUpdate('users') : owner).executeTakeFirst();
  if (row === undefined || Number(row.userEnabled) !== 1 || Number(row.orgEnabled) !== 1) return 'owner disabled or deleted';
  // As the revocation view judges a session (RevocationView.isRevoked), from the row itself rather than the
  // view, which may not have heard of a cut-off committed on another node a moment ago.
  if (session.userId === userId && session.credentialsReadAtMs <= Number(row.sessionsNotBefore)) {
    const cutOff = await trx
      .selectFrom('revocations')
      .select('keep_session')
      .where('kind', '=', 'user')
      .where('subject', '=', userId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (cutOff?.keep_session !== session.sessionId) return 'session ended';
  }
  if (session.userId === userId && !(await rightsStillHeld(trx, row.roleId, session.rights))) return 'rights taken';
  return 'ok';
}

/**
 * Whether the user's role, as stored now, still holds every right the session was judged with. Those came from this
 * node's identity cache, which hears of a right taken from a role, or of the user moved to another role, on another
 * node only within its 5 s (identity-cache.ts); a write that outlives those seconds must not ride on them. Until
 * 2026-12-07 an organization administrator demoted on one node could, for up to 5 s on another, still create a user
 * with the administrator role, make another user administrator or create a role with the rights just lost, and a
 * user who had just lost "Manage user's own API token" could still create a token there, which then lived on (an
 * exchange asks for no right). A right gained meanwhile refuses nothing. Reading the user's row first (above) also
 * orders this after a role change being written to it.
 */
async function rightsStillHeld(trx: Executor, roleId: string, rights: ReadonlySet<string>): Promise<boolean> {
  if (rights.size === 0) return true;
  const held = await trx
    .selectFrom('role_rights')
    .select('right_name')
    .where('role_id', '=', roleId)
    .where('right_name', 'in', [...rights])
    .execute();
  return held.length === rights.size;
}

/** The answer to a session whose write lockEnabledOwner refused: 403 for rights taken meanwhile, else 401. */
export function ownerRefusal(state: Exclude<OwnerState, 'ok'>): TesseraError {
  return state === 'rights taken'
    ? forbidden('Your rights were changed a moment ago and no longer allow this operation')
    : unauthenticated();
}

/**
 * Inside a write's transaction: refuses (401) a session that no longer stands (its user or org disabled or gone, or
 * ended by a password change or "end all sessions", wherever committed), and (403) one holding a right its role, as
 * stored now, no longer holds. A service account's session is judged from the account's row the same way
 * (serviceAccountStands).
 */
export async function assertSessionStands(
  store: Store,
  trx: Executor,
  session: Principal,
  options: { lock?: boolean } = {},
): Promise<void> {
  const state =
    session.kind === 'service_account'
      ? await serviceAccountStands(store, trx, session, options)
      : await lockEnabledOwner(store, trx, session.userId, session, options);
  if (state !== 'ok') throw ownerRefusal(state);
}

/**
 * lockEnabledOwner for a service account's session (its `userId` is the account's id): the account still ACTIVE in an
 * enabled org, not cut off since the session was made (a revoke, a delete or a refresh token's reuse records a
 * user-level revocation on the account's id, as RevocationView.isRevoked judges it; a re-authorization makes the
 * account ACTIVE again, so the status alone does not say), and its role, as stored now, still holding every right the
 * session was judged with. Until 2026-12-07 a service account's session was judged by its bearer check alone: a
 * System service account whose role lost "General: Administrator Control" or "Inventory: Sync" on one node (or that
 * was moved to another role) could, for up to 5 s on another, still create, change or disable orgs, write their
 * metadata, tear down or sync the inventory.
 */
async function serviceAccountStands(store: Store, trx: Executor, session: Principal, options: { lock?: boolean }): Promise<OwnerState> {
  const account = trx
    .selectFrom('service_accounts')
    .innerJoin('orgs', 'orgs.id', 'service_accounts.org_id')
    .select(['service_accounts.status as status', 'service_accounts.role_id as roleId', 'orgs.is_enabled as orgEnabled'])
    .where('service_accounts.id', '=', session.userId);
  const lock = options.lock !== false && store.dialect === 'postgres';
  const row = await (lock ? account.forNoKeyUpdate('service_accounts') : account).executeTakeFirst();
  if (row === undefined || row.status !== 'ACTIVE' || Number(row.orgEnabled) !== 1) return 'owner disabled or deleted';
  const cutOff = await trx
    .selectFrom('revocations')
    .select('seq')
    .where('kind', '=', 'user')
    .where('subject', '=', session.userId)
    .where('at', '>=', session.credentialsReadAtMs)
    .limit(1)
    .executeTakeFirst();
  if (cutOff !== undefined) return 'session ended';
  if (!(await rightsStillHeld(trx, row.roleId, session.rights))) return 'rights taken';
  return 'ok';
}
