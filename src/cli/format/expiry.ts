/**
 * `--expires` values: a duration from now (`30m`, `12h`, `90d`, `2w`, `1y`) or an absolute ISO date/date-time
 * (`2027-01-31`, `2027-01-31T12:00:00Z`). Pure: `now` is passed in.
 */
import { LATEST_EXPIRY_MS, parseIsoDateTime } from '../../domain/instant.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 } as const;

/**
 * `M` is refused, not read as `m`: `3M` was 3 minutes (until 2026-12-05) where its writer may well have meant 3 months,
 * which is no unit here. The other units mean one thing in either case (`1Y`, `2W`).
 */
function refuseAmbiguousMonth(option: string, text: string, unit: string): void {
  if (unit === 'M')
    throw new TypeError(`${option}: "M" could be minutes or months; write m for minutes, or days (90d) for months; got "${text}"`);
}

export function parseExpiry(text: string, now: number): Date {
  const value = text.trim();
  const duration = /^(\d{1,6})\s*(m|h|d|w|y)$/i.exec(value);
  let at: number;
  if (duration) {
    refuseAmbiguousMonth('--expires', text, duration[2]!);
    const amount = Number(duration[1]);
    if (amount === 0) throw new TypeError(`--expires must be in the future, got "${text}"`);
    at = now + amount * UNIT_MS[duration[2]!.toLowerCase() as keyof typeof UNIT_MS];
  } else if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    // A bare date is the whole of that day, in UTC: the token stops at 23:59:59.999Z, as the portal's date field
    // ends it (until 2026-12-05 it was that day's first instant, so `--expires 2027-01-31` was dead on the 31st, and
    // today was "not in the future"). A date-time without a zone is local time. 2027-02-30 or T24:00 is no date.
    const parsed = parseIsoDateTime(value, { bareDate: true, zoneRequired: false });
    if (parsed === null) throw new TypeError(`--expires is not a valid date: "${text}"`);
    if (value.length === 10) at = parsed + 86_400_000 - 1;
    else at = parsed;
    if (at <= now) throw new TypeError(`--expires must be in the future, got "${text}"`);
  } else {
    throw new TypeError(`--expires takes a duration (30m, 12h, 90d, 2w, 1y) or a date (2027-01-31), got "${text}"`);
  }
  // The server takes expiries before the year 10000 (domain/instant.ts); `9000y` was sent as `+011026-...` and
  // refused by it (exit 1), `999999y` failed as "expiresAt must be a valid Date" (until 2026-12-05).
  if (at > LATEST_EXPIRY_MS) throw new TypeError(`--expires must be before 10000-01-01, got "${text}"`);
  return new Date(at);
}

/** The longest `--grace` of `token regenerate`: 7 days, as the portal and the server allow. */
export const MAX_GRACE_SECONDS = 7 * 86_400;

/**
 * `token regenerate --grace`: how long the old token keeps working, as `0` (stops at once) or a duration
 * (`30m`, `12h`, `1d`, `7d`, `1w`), at most 7 days. Returns seconds.
 */
export function parseGrace(text: string): number {
  const value = text.trim();
  if (value === '0') return 0;
  const duration = /^(\d{1,6})\s*(m|h|d|w)$/i.exec(value);
  if (!duration) throw new TypeError(`--grace takes 0 or a duration (30m, 12h, 1d, 7d), got "${text}"`);
  refuseAmbiguousMonth('--grace', text, duration[2]!);
  const seconds = (Number(duration[1]) * UNIT_MS[duration[2]!.toLowerCase() as keyof typeof UNIT_MS]) / 1000;
  if (seconds > MAX_GRACE_SECONDS) throw new TypeError(`--grace is at most 7 days, got "${text}"`);
  return seconds;
}
