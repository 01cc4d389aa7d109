/**
 * The address blocks an account has signed in from with its password lately (`users.sign_in_addresses`, migration
 * 0026), so that the per-account brake on failed sign-ins (sign-in-guard.ts) stops strangers, not the account's
 * owner. The brake exists against one account guessed from many addresses; but anyone who knows a name can spend it
 * (ten wrong passwords for `administrator@System`, whose name is public, kept the provider out of password sign-in
 * for as long as the attacker renewed it, and `tessera admin reset-password` did not end it). While the budget is
 * spent, an attempt from a block the account signed in from in the last KNOWN_FOR_MS is let through to the password
 * check, still under its own address's budget (sign-in-guard.ts), so its guesses stay braked; every other address
 * stays refused. Kept in the user's row, so every node knows, across restarts; at most MAX_KNOWN blocks, newest
 * first. The OWASP "Blocking Brute Force Attacks" advice, with the address block in place of a device cookie (API
 * clients keep none).
 */
import { addressBlock } from '../domain/address-block.js';

export const KNOWN_FOR_MS = 30 * 86_400_000;
const MAX_KNOWN = 8;
/** A known block is dated again at most once a day: a sign-in does not write the user's row every time. */
const REDATE_AFTER_MS = 86_400_000;

type Known = Array<[block: string, at: number]>;

function parse(stored: string | null | undefined): Known {
  if (!stored) return [];
  try {
    const value: unknown = JSON.parse(stored);
    if (!Array.isArray(value)) return [];
    return value.filter((e): e is [string, number] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number');
  } catch {
    return [];
  }
}

/** Whether the account signed in with its password from `ip`'s block within KNOWN_FOR_MS. */
export function isKnownAddress(stored: string | null | undefined, ip: string, now = Date.now()): boolean {
  const block = addressBlock(ip);
  return parse(stored).some(([b, at]) => b === block && now - at < KNOWN_FOR_MS);
}

/** The list with `ip`'s block dated `now` (first), or null when it is already there and dated within the day. */
export function withKnownAddress(stored: string | null | undefined, ip: string, now = Date.now()): string | null {
  const block = addressBlock(ip);
  const known = parse(stored);
  const current = known.find(([b]) => b === block);
  if (current && now - current[1] < REDATE_AFTER_MS) return null;
  const kept = known.filter(([b, at]) => b !== block && now - at < KNOWN_FOR_MS);
  return JSON.stringify([[block, now], ...kept].slice(0, MAX_KNOWN));
}
