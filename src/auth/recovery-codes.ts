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
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/store.js';

export const RECOVERY_CODE_COUNT = 10;
// 32 symbols, so a random byte maps without bias (byte % 32): no i, l or o (read as 1 and 0), and no 1.
const SYMBOLS = 'abcdefghjkmnpqrstuvwxyz023456789';
const CODE_LENGTH = 10;
const META_KEY = 'recovery_code_key';

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

  /** The HMAC key: created once, shared by every node (the first insert wins, everyone reads it back). */
  private async hmacKey(): Promise<Buffer> {
    if (this.key) return this.key;
    await this.store.db
      .insertInto('meta')
      .values({ key: META_KEY, value: randomBytes(32).toString('base64url') })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    this.key = Buffer.from((await this.store.getMeta(META_KEY))!, 'base64url');
    return this.key;
  }

  private async hash(normalized: string): Promise<string> {
    return createHmac('sha256', await this.hmacKey())
      .update(normalized, 'utf8')
      .digest('hex');
  }

  /** A new set for the user, replacing the old one (all of it, used or not). Returns the codes: show them once. */
  async issue(userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
    const hashes = await Promise.all(codes.map((c) => this.hash(normalizeRecoveryCode(c)!)));
    const now = Date.now();
    await this.store.transaction(async (trx) => {
      // One set at a time per user: on PostgreSQL the user's row is locked first, so that a second issue waits, then
      // deletes the set the first one wrote (two at once both stayed valid until 2026-12-06: each delete saw only the
      // rows committed before it began). SQLite's single writer already takes them one after the other.
      if (this.store.dialect === 'postgres') {
        await trx.selectFrom('users').select('id').where('id', '=', userId).forNoKeyUpdate().execute();
      }
      await trx.deleteFrom('totp_recovery_codes').where('user_id', '=', userId).execute();
      await trx
        .insertInto('totp_recovery_codes')
        .values(hashes.map((code_hash) => ({ id: randomUUID(), user_id: userId, code_hash, created_at: now, used_at: null })))
        .execute();
    });
    return codes;
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
  async clear(userId: string): Promise<void> {
    await this.store.db.deleteFrom('totp_recovery_codes').where('user_id', '=', userId).execute();
  }
}
