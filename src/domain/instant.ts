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

/**
 * An ISO 8601 calendar date-time: `2027-01-31T23:59:59Z`, seconds and a fraction optional, the zone `Z` or an
 * offset (`+02:00`, `+0200`), `T` or `t` (a space only where a caller allows it).
 */
const ISO_FIELDS = /^(\d{4})-(\d{2})-(\d{2})(?:([Tt ])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** Whether year-month-day names a day of the proleptic Gregorian calendar (month 1-12, the month's length, leap years). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day) || month < 1 || month > 12 || day < 1) return false;
  return day <= (month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!);
}

export interface IsoDateTimeShape {
  /** A bare date (`2027-01-31`) is accepted, as midnight UTC (ECMAScript's reading of it). Default: no. */
  bareDate?: boolean;
  /**
   * A date-time must carry its zone (default), else one without is local time (ECMAScript's reading) and a space
   * may stand for the `T`.
   */
  zoneRequired?: boolean;
}

/**
 * The one parser of ISO 8601 dates and date-times that people and clients send (token expiry, filters, the
 * portal's date fields, the CLI's --expires): epoch milliseconds, or null when the text is not of that shape or
 * names a moment that does not exist. Every field must round-trip: month 1-12, a day the month has in that year
 * (leap years included), hour 0-23, minute and second 0-59, an offset of at most 23:59. Date.parse rolls the
 * impossible over instead (2027-02-30 is March 2, T24:00 the next day) and would give an instant nobody asked for.
 * A fraction past milliseconds is cut. Pure, but for the local time of a zone-less date-time where it is allowed.
 */
export function parseIsoDateTime(text: string, shape: IsoDateTimeShape = {}): number | null {
  const m = ISO_FIELDS.exec(text);
  if (!m) return null;
  const [, y, mo, d, sep, h, mi, s, frac, z, sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (!isCalendarDate(year, month, day)) return null;
  const at = new Date(0);
  if (sep === undefined) {
    if (!shape.bareDate) return null;
    at.setUTCFullYear(year, month - 1, day); // not Date.UTC: it reads years 0-99 as 1900-1999
    return at.getTime();
  }
  const zoned = z !== undefined || sign !== undefined;
  const zoneRequired = shape.zoneRequired ?? true;
  if ((zoneRequired && !zoned) || (sep === ' ' && zoneRequired)) return null;
  const [hour, minute, second] = [Number(h), Number(mi), Number(s ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return null;
  const ms = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
  if (!zoned) {
    at.setFullYear(year, month - 1, day);
    at.setHours(hour, minute, second, ms);
    return at.getTime();
  }
  const [offsetHours, offsetMinutes] = [Number(oh ?? 0), Number(om ?? 0)];
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  at.setUTCFullYear(year, month - 1, day);
  at.setUTCHours(hour, minute, second, ms);
  const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000 * (sign === '-' ? -1 : 1);
  return at.getTime() - offsetMs;
}

/**
 * Parses an instant given as an ISO 8601 date-time with a zone, or as epoch milliseconds (a safe integer).
 * Returns null when it is neither, or names a date or time that does not exist; range checks are the caller's.
 */
export function parseInstant(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? raw : null;
  if (typeof raw !== 'string' || raw.length > 64) return null;
  if (/^\d{1,16}$/.test(raw)) return Number.isSafeInteger(Number(raw)) ? Number(raw) : null;
  return parseIsoDateTime(raw);
}
