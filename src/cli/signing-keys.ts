/**
 * What a restore must not bring back, and `tessera admin rotate-signing-key`.
 *
 * The store's `meta.signing_key` signs every access token (and so every session, legacy `x-vcloud-authorization`
 * ids included: they resolve to a stored access token), and `meta.portal_secret` keys the portal's cookies (CSRF,
 * half-signed-in, shown-once). Both come back with a backup: until 2026-12-06 every session signed before a restore
 * kept working after it (sessions of tokens revoked since, signed out, of users disabled since), and every copy
 * restored from one backup accepted the others' sessions (a staging copy's administrator was one on production).
 * A restore and this command write new ones; `recovery_code_key` is never touched (the stored recovery codes are
 * HMACs under it). API tokens and service accounts' refresh tokens are stored hashed: they are unaffected.
 *
 * Also here: what a restore undid, read from the replaced database (kept as `.bak-`) against the restored one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type BetterSqlite3 from 'better-sqlite3';
import { timeOrderedUuid } from '../domain/time-ordered-id.js';
import { openTotpSecretWith, totpSealKeyOf } from '../auth/recovery-codes.js';

export const ROTATED_META_KEYS = ['signing_key', 'portal_secret'] as const;

/** New values for the rotated meta rows, in the format the server reads (store.ts, portal/crypto/keys.ts). */
export function freshKeyRows(): Array<[string, string]> {
  return [
    ['signing_key', JSON.stringify({ kid: randomUUID(), secret: randomBytes(32).toString('base64url') })],
    ['portal_secret', randomBytes(32).toString('base64url')],
  ];
}

const hasTable = (db: BetterSqlite3.Database, name: string) =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;

export const SIGNING_KEY_ROTATED = 'signingKey.rotated';

/** What a rotation's audit event says besides who and where: the command, the operator's reason, the rest. */
export type RotationDetails = { via: string; reason: string | null } & Record<string, string | number | boolean | null>;

/**
 * The `signingKey.rotated` event's details: the command and reason, and who ran it where (the OS user, the host,
 * the process). There is no Tessera user: the command works on the store, not through a server, so the event has
 * no actor and no org, and only System administrators (who read every org's events) see it.
 */
export function rotationEventDetails(details: RotationDetails): string {
  let osUser: string | null = null;
  try {
    osUser = userInfo().username;
  } catch {
    // No passwd entry for this uid (a container's arbitrary uid): the uid says who.
    osUser = typeof process.getuid === 'function' ? `uid ${process.getuid()}` : null;
  }
  return JSON.stringify({ ...details, osUser, host: hostname(), pid: process.pid });
}

/**
 * Replaces the signing key and the portal secret of an SQLite store nobody else holds, and forgets the legacy
 * session ids (their access tokens no longer verify), in one transaction with its `signingKey.rotated` audit event.
 */
export function rotateSqliteKeys(db: BetterSqlite3.Database, details: RotationDetails, now = Date.now()): void {
  const upsert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  db.transaction(() => {
    for (const [key, value] of freshKeyRows()) upsert.run(key, value);
    if (hasTable(db, 'legacy_sessions')) db.prepare('DELETE FROM legacy_sessions').run();
    if (hasTable(db, 'audit_events')) {
      db.prepare(
        `INSERT INTO audit_events (id, at, event_type, outcome, actor_id, actor_name, org_id, org_name, token_id, ip, details)
         VALUES (?, ?, ?, 'success', NULL, NULL, NULL, NULL, NULL, NULL, ?)`,
      ).run(timeOrderedUuid(), now, SIGNING_KEY_ROTATED, rotationEventDetails(details));
    }
  })();
}

/** The newest audit event's time (epoch ms), or null when there is none. */
export function newestAuditEvent(db: BetterSqlite3.Database): number | null {
  if (!hasTable(db, 'audit_events')) return null;
  const row = db.prepare('SELECT max(at) AS at FROM audit_events').get() as { at: number | null } | undefined;
  return row?.at === null || row?.at === undefined ? null : Number(row.at);
}

export interface RevokedSince {
  id: string;
  name: string;
  org: string;
  owner: string;
  /** When the kept database says it was revoked (epoch ms). */
  revokedAt: number;
  revokedBy: string | null;
}

export interface UndoneSinceBackup {
  /** Live in the restored store, revoked in the replaced one. */
  tokens: RevokedSince[];
  /** Enabled in the restored store, disabled in the replaced one ("user@org"). */
  disabledUsers: string[];
  /**
   * Password changed in the replaced store since the backup ("user@org"): its hash differs and its sessions were
   * cut off after the restored store's cut-off. A hash that differs alone is a rehash of the same password (a
   * sign-in upgrading a hash of the raw text to the NFKC form, auth/password-lockout.ts), which leaves sessions
   * alone and undoes nothing: the old hash and the new one accept the same password.
   */
  passwordsChanged: string[];
  /** TOTP enrolment differs between the two ("user@org"). */
  totpChanged: string[];
  /** Service accounts whose refresh-token chain moved on after the backup: they must be authorized again (name@org). */
  serviceAccounts: string[];
}

/**
 * Read access to a store for the comparison below, whatever its backend: SQL with `?` placeholders (the PostgreSQL
 * reader numbers them), and whether a table or column exists (a store of an older migration lacks some).
 */
export interface StoreReader {
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  hasTable(name: string): Promise<boolean>;
  hasColumn(table: string, column: string): Promise<boolean>;
}

/** An SQLite file as a StoreReader. */
export function sqliteReader(db: BetterSqlite3.Database): StoreReader {
  return {
    all: async <T>(sql: string, params: readonly unknown[] = []) => db.prepare(sql).all(...params) as T[],
    hasTable: async (name) => hasTable(db, name),
    hasColumn: async (table, column) =>
      (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).some((c) => c.name === column),
  };
}

/** A PostgreSQL connection (node-postgres' Client or Pool) as a StoreReader. */
export function postgresReader(client: { query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }> }): StoreReader {
  return {
    all: async <T>(sql: string, params: readonly unknown[] = []) => {
      let n = 0;
      return (
        await client.query(
          sql.replace(/\?/g, () => `$${++n}`),
          [...params],
        )
      ).rows as T[];
    },
    hasTable: async (name) =>
      ((await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [name])).rows[0] as { present: boolean }).present,
    hasColumn: async (table, column) =>
      (
        await client.query(
          'SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2',
          [table, column],
        )
      ).rows.length > 0,
  };
}

/** What the restore undid, SQLite files (see undoneBetween). */
export function undoneSinceBackup(kept: BetterSqlite3.Database, restored: BetterSqlite3.Database): Promise<UndoneSinceBackup> {
  return undoneBetween(sqliteReader(kept), sqliteReader(restored));
}

/**
 * What the restore undid: `kept` is the replaced store (read only), `restored` the backup being restored, on either
 * backend. Each list names rows by id/name only, never a secret or a hash.
 */
export async function undoneBetween(kept: StoreReader, restored: StoreReader): Promise<UndoneSinceBackup> {
  const orgNames = new Map<string, string>(
    (await restored.all<{ id: string; name: string }>('SELECT id, name FROM orgs')).map((o) => [o.id, o.name]),
  );
  type UserRow = {
    id: string;
    org_id: string;
    name: string;
    is_enabled: number;
    password_hash: string;
    sessions_not_before: number;
    totp_enabled: number;
    totp_secret: string | null;
  };
  const userRows = async (db: StoreReader) =>
    new Map(
      (
        await db.all<UserRow>(
          'SELECT id, org_id, name, is_enabled, password_hash, sessions_not_before, totp_enabled, totp_secret FROM users',
        )
      ).map((u) => [
        u.id,
        {
          ...u,
          is_enabled: Number(u.is_enabled),
          sessions_not_before: Number(u.sessions_not_before),
          totp_enabled: Number(u.totp_enabled),
        },
      ]),
    );
  const restoredUsers = await userRows(restored);
  const keptUsers = await userRows(kept);
  const who = (u: { name: string; org_id: string }) => `${u.name}@${orgNames.get(u.org_id) ?? u.org_id}`;
  // A TOTP key is compared opened: the same key is stored differently in the two files when one of them sealed it
  // since (a key enrolled before 2026-12-06 is sealed at the next start, with a random IV).
  const restoredSealKey = await totpSealKeyOfStore(restored);
  const keptSealKey = await totpSealKeyOfStore(kept);
  const sameTotpKey = (id: string, r: string | null, k: string | null): boolean => {
    if (r === k) return true;
    const opened = openTotpSecretWith(restoredSealKey, id, r);
    return opened !== null && opened === openTotpSecretWith(keptSealKey, id, k);
  };

  const live = new Map(
    (
      await restored.all<{ id: string; name: string; org_id: string; user_id: string }>(
        'SELECT id, name, org_id, user_id FROM api_tokens WHERE revoked_at IS NULL',
      )
    ).map((t) => [t.id, t]),
  );
  const revokedBy = await kept.hasColumn('api_tokens', 'revoked_by');
  const tokens: RevokedSince[] = [];
  const seen = new Set<string>();
  /** A token the kept file revoked, when it is live in the restored one (each once). */
  const noteRevoked = (id: string, revokedAt: number, revokedBy: string | null) => {
    const t = live.get(id);
    if (!t || seen.has(t.id)) return;
    seen.add(t.id);
    const owner = restoredUsers.get(t.user_id);
    tokens.push({
      id: t.id,
      name: t.name,
      org: orgNames.get(t.org_id) ?? t.org_id,
      owner: owner ? owner.name : t.user_id,
      revokedAt,
      revokedBy,
    });
  };
  for (const row of await kept.all<{ id: string; revoked_at: number | string; revoked_by: string | null }>(
    `SELECT id, revoked_at, ${revokedBy ? 'revoked_by' : 'NULL AS revoked_by'} FROM api_tokens WHERE revoked_at IS NOT NULL`,
  )) {
    noteRevoked(row.id, Number(row.revoked_at), row.revoked_by);
  }
  // A revoked token that housekeeping removed from the kept file since: its revocation is still in the audit log.
  if (await kept.hasTable('audit_events')) {
    for (const e of await kept.all<{ token_id: string; at: number | string }>(
      "SELECT token_id, max(at) AS at FROM audit_events WHERE event_type = 'apiToken.revoked' AND token_id IS NOT NULL GROUP BY token_id",
    )) {
      noteRevoked(e.token_id, Number(e.at), null);
    }
  }
  tokens.sort((a, b) => a.revokedAt - b.revokedAt || a.id.localeCompare(b.id));

  const disabledUsers: string[] = [];
  const passwordsChanged: string[] = [];
  const totpChanged: string[] = [];
  for (const [id, r] of restoredUsers) {
    const k = keptUsers.get(id);
    if (!k) continue;
    if (r.is_enabled === 1 && k.is_enabled === 0) disabledUsers.push(who(r));
    // Every password change ends the user's other sessions (UserService.update), so it moves sessions_not_before;
    // a rehash on sign-in does not.
    if (r.password_hash !== k.password_hash && k.sessions_not_before > r.sessions_not_before) passwordsChanged.push(who(r));
    if (r.totp_enabled !== k.totp_enabled || (r.totp_enabled === 1 && !sameTotpKey(id, r.totp_secret, k.totp_secret)))
      totpChanged.push(who(r));
  }

  const serviceAccounts: string[] = [];
  if ((await restored.hasTable('service_account_tokens')) && (await kept.hasTable('service_account_tokens'))) {
    const keptTokens = new Set((await kept.all<{ id: string }>('SELECT id FROM service_account_tokens')).map((t) => t.id));
    const keptLive = new Set(
      (await kept.all<{ id: string }>('SELECT id FROM service_account_tokens WHERE spent_at IS NULL AND revoked_at IS NULL')).map(
        (t) => t.id,
      ),
    );
    // A refresh token live in the restored store that the kept one spent or revoked (the chain moved on, or the
    // account was revoked): presenting the holder's newer token is refused, and the old one is no longer held.
    for (const row of await restored.all<{ id: string; name: string; org_id: string }>(
      `SELECT t.id, a.name, a.org_id FROM service_account_tokens t JOIN service_accounts a ON a.id = t.service_account_id
         WHERE t.spent_at IS NULL AND t.revoked_at IS NULL ORDER BY a.name`,
    )) {
      if (keptTokens.has(row.id) && !keptLive.has(row.id)) {
        const name = `${row.name}@${orgNames.get(row.org_id) ?? row.org_id}`;
        if (!serviceAccounts.includes(name)) serviceAccounts.push(name);
      }
    }
  }
  return { tokens, disabledUsers, passwordsChanged, totpChanged, serviceAccounts };
}

/**
 * Revokes again, in the restored store, the tokens the replaced one had revoked (with that revocation's time and
 * author), each with an `apiToken.revoked` event that says why. Returns how many.
 */
export function revokeAgain(restored: BetterSqlite3.Database, tokens: readonly RevokedSince[], now = Date.now()): number {
  const revokedBy = (restored.prepare('PRAGMA table_info(api_tokens)').all() as Array<{ name: string }>).some(
    (c) => c.name === 'revoked_by',
  );
  const update = restored.prepare(
    `UPDATE api_tokens SET revoked_at = ?${revokedBy ? ', revoked_by = ?' : ''} WHERE id = ? AND revoked_at IS NULL`,
  );
  const event = restored.prepare(
    `INSERT INTO audit_events (id, at, event_type, outcome, actor_id, actor_name, org_id, org_name, token_id, ip, details)
     SELECT ?, ?, 'apiToken.revoked', 'success', NULL, NULL, t.org_id, o.name, t.id, NULL, ?
     FROM api_tokens t LEFT JOIN orgs o ON o.id = t.org_id WHERE t.id = ?`,
  );
  let count = 0;
  restored.transaction(() => {
    for (const t of tokens) {
      const args = revokedBy ? [t.revokedAt, t.revokedBy, t.id] : [t.revokedAt, t.id];
      if (update.run(...args).changes === 0) continue;
      count++;
      const owner = restored.prepare('SELECT user_id FROM api_tokens WHERE id = ?').get(t.id) as { user_id: string };
      event.run(
        timeOrderedUuid(),
        now,
        JSON.stringify({ name: t.name, owner: owner.user_id, via: 'tessera admin restore --revoke-again (revoked after the backup)' }),
        t.id,
      );
    }
  })();
  return count;
}

/** The TOTP sealing key of a store (its meta `recovery_code_key`), or null when it has none. */
async function totpSealKeyOfStore(db: StoreReader): Promise<Buffer | null> {
  if (!(await db.hasTable('meta'))) return null;
  const [row] = await db.all<{ value: string }>("SELECT value FROM meta WHERE key = 'recovery_code_key'");
  return row ? totpSealKeyOf(Buffer.from(row.value, 'base64url')) : null;
}
