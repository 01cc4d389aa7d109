/**
 * `--expires` values: a duration from now (`30m`, `12h`, `90d`, `2w`, `1y`) or an absolute ISO date/date-time
 * (`2027-01-31`, `2027-01-31T12:00:00Z`). Pure: `now` is passed in.
 */
import { parseIsoDateTime } from '../../domain/instant.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 } as const;

export function parseExpiry(text: string, now: number): Date {
  const value = text.trim();
  const duration = /^(\d{1,6})\s*(m|h|d|w|y)$/i.exec(value);
  if (duration) {
    const amount = Number(duration[1]);
    if (amount === 0) throw new TypeError(`--expires must be in the future, got "${text}"`);
    return new Date(now + amount * UNIT_MS[duration[2]!.toLowerCase() as keyof typeof UNIT_MS]);
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    // A bare date is midnight UTC; a date-time without a zone is local time. 2027-02-30 or T24:00 is no date at all.
    const at = parseIsoDateTime(value, { bareDate: true, zoneRequired: false });
    if (at === null) throw new TypeError(`--expires is not a valid date: "${text}"`);
    if (at <= now) throw new TypeError(`--expires must be in the future, got "${text}"`);
    return new Date(at);
  }
  throw new TypeError(`--expires takes a duration (30m, 12h, 90d, 2w, 1y) or a date (2027-01-31), got "${text}"`);
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
  const seconds = (Number(duration[1]) * UNIT_MS[duration[2]!.toLowerCase() as keyof typeof UNIT_MS]) / 1000;
  if (seconds > MAX_GRACE_SECONDS) throw new TypeError(`--grace is at most 7 days, got "${text}"`);
  return seconds;
}
