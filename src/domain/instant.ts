/**
 * Instants as Tessera stores them (epoch milliseconds) and shows them (ISO 8601, UTC). Stored values come
 * from many writers over many versions; rendering one must never fail a whole list, so out-of-range values
 * are clamped to what a Date can hold rather than thrown.
 */

/** The latest expiry Tessera accepts: the last millisecond of year 9999, the last a four-digit ISO year shows. */
export const LATEST_EXPIRY_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** ECMAScript's Date range (±100,000,000 days from the epoch). */
const DATE_LIMIT_MS = 8.64e15;

/** ISO 8601 in UTC for any stored number; null when there is none (or it is not a number at all). */
export function isoInstant(ms: number | string | bigint | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  const n = Number(ms);
  if (Number.isNaN(n)) return null;
  return new Date(Math.max(-DATE_LIMIT_MS, Math.min(DATE_LIMIT_MS, n))).toISOString();
}

/** `2026-11-27T14:03:00Z`-style date-times (a zone is required: a bare local time would be ambiguous). */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Parses an instant given as an ISO 8601 date-time with a zone, or as epoch milliseconds (a safe integer).
 * Returns null when it is neither; range checks are the caller's.
 */
export function parseInstant(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? raw : null;
  if (typeof raw !== 'string' || raw.length > 64) return null;
  if (/^\d{1,16}$/.test(raw)) return Number.isSafeInteger(Number(raw)) ? Number(raw) : null;
  if (!ISO_DATE_TIME.test(raw)) return null;
  const ms = Date.parse(raw);
  return Number.isFinite(ms) ? ms : null;
}
