/**
 * Time zones for showing and entering dates (issue 14 §5): a user's preferred IANA zone, validated against the
 * runtime's own list (`Intl.supportedValuesOf('timeZone')`), and the conversions the portal needs. Pure: Intl is
 * part of the language, no I/O. UTC is the default and is always accepted (some runtimes list only `Etc/UTC`).
 */

/** The zone of a user who chose none. */
export const DEFAULT_TIME_ZONE = 'UTC';

/** Longest zone name accepted from a form (the longest IANA name is about 30 characters). */
export const MAX_TIME_ZONE_LENGTH = 64;

let zones: readonly string[] | null = null;
let zoneSet: ReadonlySet<string> | null = null;

/** Every zone the runtime knows, UTC first, then alphabetical (the list the preference page offers). */
export function supportedTimeZones(): readonly string[] {
  if (zones === null) {
    const listed = Intl.supportedValuesOf('timeZone').filter((z) => z !== DEFAULT_TIME_ZONE);
    zones = [DEFAULT_TIME_ZONE, ...listed.sort()];
    zoneSet = new Set(zones);
  }
  return zones;
}

/** Exactly one of the runtime's names (case-sensitive, no aliases guessed): anything else is refused. */
export function isSupportedTimeZone(name: unknown): name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_TIME_ZONE_LENGTH) return false;
  supportedTimeZones();
  return zoneSet!.has(name);
}

/** A stored zone, or UTC when none is stored or the runtime no longer knows it (never throws on render). */
export function effectiveTimeZone(stored: string | null | undefined): string {
  return isSupportedTimeZone(stored) ? stored : DEFAULT_TIME_ZONE;
}

export interface ZonedParts {
  /** `YYYY-MM-DD` in the zone. */
  date: string;
  /** `HH:MM`, 24-hour, in the zone. */
  time: string;
  /** The zone's abbreviation at that instant when it has a well-known one (`CET`, `EST`), else its offset (`UTC+05:30`). */
  label: string;
  /** Minutes east of UTC at that instant. */
  offsetMinutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string, locale: 'en-US' | 'en-GB' = 'en-US'): Intl.DateTimeFormat {
  const key = `${locale} ${zone}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'short',
    });
    formatters.set(key, f);
  }
  return f;
}

function partsOf(ms: number, zone: string, locale: 'en-US' | 'en-GB' = 'en-US'): Record<string, string> {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone, locale).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return parts;
}

/** The wall-clock parts of an instant in a zone, and the zone's label there. */
export function zonedParts(ms: number, zone: string): ZonedParts {
  const parts = partsOf(ms, zone);
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  const second = Number(parts.second);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const offsetMinutes = Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  // en-US knows the American abbreviations (EST, PST); en-GB the European ones (CET, BST); elsewhere the offset.
  let short = parts.timeZoneName ?? '';
  if (!isAbbreviation(short)) short = partsOf(ms, zone, 'en-GB').timeZoneName ?? '';
  return {
    date: `${pad(year, 4)}-${pad(month)}-${pad(day)}`,
    time: `${pad(hour)}:${pad(minute)}`,
    label: zoneLabel(zone, short, offsetMinutes),
    offsetMinutes,
  };
}

const isAbbreviation = (short: string) => /^[A-Z]{2,5}$/.test(short) && short !== 'GMT' && short !== 'UTC';

/** `UTC`, an alphabetic abbreviation (`CET`, `PST`), else the offset: `UTC+05:30` (never en-US's `GMT+5:30`). */
function zoneLabel(zone: string, short: string, offsetMinutes: number): string {
  if (zone === DEFAULT_TIME_ZONE || zone === 'Etc/UTC') return 'UTC';
  if (isAbbreviation(short)) return short;
  return offsetLabel(offsetMinutes);
}

export function offsetLabel(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'UTC';
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** `2026-12-02 14:05 CET`: how the portal shows an instant. */
export function formatInstant(ms: number, zone: string): string {
  const p = zonedParts(ms, zone);
  return `${p.date} ${p.time} ${p.label}`;
}

/** `YYYY-MM-DD` of an instant, in a zone. */
export function dateInZone(ms: number, zone: string): string {
  return zonedParts(ms, zone).date;
}

/**
 * The UTC instant of a wall-clock time in a zone. The offsets just before and after the wall time are tried: a wall
 * time that exists once gives its instant; one that exists twice (clocks going back) the earlier; one that does
 * not exist (clocks going forward, e.g. a midnight skipped) the first instant after the gap.
 */
export function instantOfWallTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millisecond: number,
  zone: string,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  const before = wall - zonedParts(wall - 86_400_000, zone).offsetMinutes * 60_000;
  const after = wall - zonedParts(wall + 86_400_000, zone).offsetMinutes * 60_000;
  const shows = (instant: number) => {
    const p = zonedParts(instant, zone);
    return Date.parse(`${p.date}T${p.time}:00Z`) === wall - (wall % 60_000);
  };
  const valid = [before, after].filter(shows);
  if (valid.length > 0) return Math.min(...valid);
  return before;
}

/**
 * The last millisecond of a calendar day in a zone: the instant before the next day begins there. On a day whose last
 * hour repeats (clocks going back at midnight, America/Santiago in April) that is the second 23:59:59.999, which
 * `instantOfWallTime` (the earlier of two) missed by an hour until 2026-12-06.
 */
export function endOfDayInZone(year: number, month: number, day: number, zone: string): number {
  const next = new Date(Date.UTC(year, month - 1, day + 1));
  return startOfDayInZone(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), zone) - 1;
}

/** The first millisecond of a calendar day in a zone (00:00 there). */
export function startOfDayInZone(year: number, month: number, day: number, zone: string): number {
  return instantOfWallTime(year, month, day, 0, 0, 0, 0, zone);
}
