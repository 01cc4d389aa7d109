/**
 * Two-factor recovery codes (issue 14 §4): ten single-use codes made when TOTP is enrolled, for the day the
 * authenticator app is lost. Each is 10 characters from a 32-letter alphabet without look-alikes (50 bits),
 * shown as `abcde-fghij`, once.
 *
 * Stored as HMAC-SHA256 under a server key kept in the store's meta table (`recovery_code_key`), never in clear.
 * A fast keyed hash is enough here (unlike passwords): the codes are random and long, guesses at the sign-in
 * form are counted as failed second factors (sessions.ts: the same lockout as a wrong TOTP code), and a copy of
 * the table alone, without the key, does not let anyone test candidates offline. Candidates are compared with
 * timingSafeEqual; a code is spent by a conditional update, so two requests cannot both use it.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Executor, Store } from '../store/store.js';
import type { Principal } from '../domain/principal.js';
import { assertSessionStands } from './session-stands.js';

export const RECOVERY_CODE_COUNT = 10;
// 32 symbols, so a random byte maps without bias (byte % 32): no i, l or o (read as 1 and 0), and no 1.
const SYMBOLS = 'abcdefghjkmnpqrstuvwxyz023456789';
const CODE_LENGTH = 10;
const META_KEY = 'recovery_code_key';
/** A sealed TOTP key in `users.totp_secret`; a value without it is a base32 key stored by a version before 2026-12-06. */
const SEALED_TOTP_PREFIX = 'v1.';

/** `abcde-fghij`: lower case, a dash in the middle. */
export const RECOVERY_CODE_PATTERN = /^[a-z0-9]{5}-?[a-z0-9]{5}$/;

/** What a user typed, normalized: trimmed, lower case, spaces and the dash removed. Null when it cannot be a code. */
export function normalizeRecoveryCode(input: string): string | null {
  const compact = input.trim().toLowerCase().replace(/[\s-]/g, '');
  return /^[a-z0-9]{10}$/.test(compact) ? compact : null;
}

export function looksLikeRecoveryCode(input: string): boolean {
  return normalizeRecoveryCode(input) !== null && !/^\d+$/.test(input.trim());
}

function newCode(): string {
  const bytes = randomBytes(CODE_LENGTH);
  let out = '';
  for (let i = 0; i < CODE_LENGTH; i++) out += SYMBOLS[bytes[i]! % 32];
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}

export class RecoveryCodeService {
  private readonly store: Store;
  private key: Buffer | null = null;

  constructor(deps: { store: Store }) {
    this.store = deps.store;
  }

  /**
   * The HMAC key: created once, shared by every node (the first insert wins, everyone reads it back). Read at the
   * node's start (`prepare`), so a store makes it at its first start, with the signing key, rather than at its first
   * TOTP enrolment (a PostgreSQL statement log turned on later would have held it beside that enrolment's sealed key).
   */
  private async hmacKey(): Promise<Buffer> {
    if (this.key) return this.key;
    let stored = await this.store.getMeta(META_KEY);
    if (stored === undefined || stored === null) {
      await this.store.db
        .insertInto('meta')
        .values({ key: META_KEY, value: randomBytes(32).toString('base64url') })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      stored = await this.store.getMeta(META_KEY);
    }
    this.key = Buffer.from(stored!, 'base64url');
    return this.key;
  }

  /** Reads (or, on a new store, makes) the server key, and seals any TOTP key an older version stored: at the node's start. */
  async prepare(): Promise<void> {
    await this.hmacKey();
    await this.sealLegacyTotpSecrets();
  }

  /**
   * Seals every `totp_secret` still stored as the base32 key itself (enrolled before 2026-12-06). Until then such a
   * row kept working unsealed for as long as the user stayed enrolled, so the users table, a backup or a dump
   * without the meta table still held their second factor. Each row is replaced only if it still holds the value
   * read (another node starting at the same moment, or a re-enrolment, wins), so running it on every node is safe.
   */
  async sealLegacyTotpSecrets(): Promise<number> {
    const rows = await this.store.db
      .selectFrom('users')
      .select(['id', 'totp_secret'])
      .where('totp_secret', 'is not', null)
      .where('totp_secret', '!=', '')
      .where('totp_secret', 'not like', `${SEALED_TOTP_PREFIX}%`)
      .execute();
    let sealed = 0;
    for (const row of rows) {
      const res = await this.store.db
        .updateTable('users')
        .set({ totp_secret: await this.sealTotpSecret(row.id, row.totp_secret!) })
        .where('id', '=', row.id)
        .where('totp_secret', '=', row.totp_secret)
        .executeTakeFirst();
      sealed += Number(res.numUpdatedRows);
    }
    return sealed;
  }

  private async hash(normalized: string): Promise<string> {
    return createHmac('sha256', await this.hmacKey())
      .update(normalized, 'utf8')
      .digest('hex');
  }

  /**
   * The user's TOTP key as `users.totp_secret` keeps it: AES-256-GCM under a key derived from this service's server
   * key (never rotated, like the codes' HMACs), with the user's id as associated data (a sealed key copied to another
   * row does not open). So the row, a PostgreSQL statement log of the enrolment's UPDATE (`log_statement = 'all'`, or
   * a slow one under `log_min_duration_statement`) and a dump without the meta table hold no second factor. Until
   * 2026-12-06 the base32 key was stored and sent to the database as it is.
   */
  async sealTotpSecret(userId: string, secret: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.totpSealKey(), iv).setAAD(Buffer.from(userId, 'utf8'));
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return SEALED_TOTP_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  /** The base32 key of a stored `totp_secret` (sealed, or as an older version stored it); null when it does not open. */
  async openTotpSecret(userId: string, stored: string | null): Promise<string | null> {
    if (stored === null || stored === '') return null;
    if (!stored.startsWith(SEALED_TOTP_PREFIX)) return stored;
    return openTotpSecretWith(await this.totpSealKey(), userId, stored);
  }

  private totpKey: Buffer | null = null;

  private async totpSealKey(): Promise<Buffer> {
    this.totpKey ??= totpSealKeyOf(await this.hmacKey());
    return this.totpKey;
  }

  /**
   * A new set for the user, replacing the old one (all of it, used or not). Returns the codes: show them once.
   * `session`, when the user's own session asks for the set: refused (401) unless it still stands (session-stands.ts).
   * `spendProof`, the spend of what proved it is the user (a code from their app), in the same transaction after
   * that guard: null, and nothing written, when it is refused (the code used meanwhile).
   */
  async issue(userId: string, session?: Principal): Promise<string[]>;
  async issue(userId: string, session: Principal, spendProof: (trx: Executor) => Promise<boolean>): Promise<string[] | null>;
  async issue(userId: string, session?: Principal, spendProof?: (trx: Executor) => Promise<boolean>): Promise<string[] | null> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
    const hashes = await Promise.all(codes.map((c) => this.hash(normalizeRecoveryCode(c)!)));
    const now = Date.now();
    const issued = await this.store.transaction(async (trx) => {
      // One set at a time per user: on PostgreSQL the user's row is locked first, so that a second issue waits, then
      // deletes the set the first one wrote (two at once both stayed valid until 2026-12-06: each delete saw only the
      // rows committed before it began). SQLite's single writer already takes them one after the other.
      if (session !== undefined) await assertSessionStands(this.store, trx, session);
      else if (this.store.dialect === 'postgres') {
        await trx.selectFrom('users').select('id').where('id', '=', userId).forNoKeyUpdate().execute();
      }
      if (spendProof !== undefined && !(await spendProof(trx))) return false;
      await trx.deleteFrom('totp_recovery_codes').where('user_id', '=', userId).execute();
      await trx
        .insertInto('totp_recovery_codes')
        .values(hashes.map((code_hash) => ({ id: randomUUID(), user_id: userId, code_hash, created_at: now, used_at: null })))
        .execute();
      return true;
    });
    return issued ? codes : null;
  }

  /** Unused codes left. */
  async remaining(userId: string): Promise<number> {
    const row = await this.store.db
      .selectFrom('totp_recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Spends the code if it is one of the user's unused ones; true exactly once per code. */
  async consume(userId: string, input: string): Promise<boolean> {
    const normalized = normalizeRecoveryCode(input);
    if (normalized === null) return false;
    const presented = Buffer.from(await this.hash(normalized), 'hex');
    const rows = await this.store.db
      .selectFrom('totp_recovery_codes')
      .select(['id', 'code_hash'])
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .execute();
    // Compare with every unused code, in constant time each, and do not stop at the first match.
    let match: string | null = null;
    for (const row of rows) {
      const stored = Buffer.from(row.code_hash, 'hex');
      if (stored.length === presented.length && timingSafeEqual(stored, presented)) match = row.id;
    }
    if (match === null) return false;
    const spent = await this.store.db
      .updateTable('totp_recovery_codes')
      .set({ used_at: Date.now() })
      .where('id', '=', match)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(spent.numUpdatedRows) === 1;
  }

  /** Drops every code of the user (two-factor turned off or reset). */
  async clear(userId: string, ex: Executor = this.store.db): Promise<void> {
    await ex.deleteFrom('totp_recovery_codes').where('user_id', '=', userId).execute();
  }
}

/** The key TOTP keys are sealed under, from the store's `recovery_code_key` (meta, base64url-decoded). */
export function totpSealKeyOf(serverKey: Buffer): Buffer {
  return createHmac('sha256', serverKey).update('tessera users.totp_secret v1').digest();
}

/**
 * The base32 key of a stored `totp_secret` under `sealKey` (totpSealKeyOf): a sealed value opened, an unsealed one
 * (an older version's) as it is, null when it does not open. Also for `tessera admin restore`, which compares the
 * keys of two stores rather than their sealed forms (the same key sealed twice differs: a random IV).
 */
export function openTotpSecretWith(sealKey: Buffer | null, userId: string, stored: string | null): string | null {
  if (stored === null || stored === '') return null;
  if (!stored.startsWith(SEALED_TOTP_PREFIX)) return stored;
  if (sealKey === null) return null;
  const raw = Buffer.from(stored.slice(SEALED_TOTP_PREFIX.length), 'base64url');
  if (raw.length <= 28) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealKey, raw.subarray(0, 12)).setAAD(Buffer.from(userId, 'utf8'));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
