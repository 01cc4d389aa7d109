import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dateInZone,
  effectiveTimeZone,
  endOfDayInZone,
  formatInstant,
  isSupportedTimeZone,
  startOfDayInZone,
  supportedTimeZones,
  zonedParts,
} from '../../src/domain/time-zone.js';

test('the list is the runtime\u2019s IANA names, UTC first; anything else is refused', () => {
  const zones = supportedTimeZones();
  assert.equal(zones[0], 'UTC');
  assert.ok(zones.length > 300, `${zones.length}`);
  for (const ok of ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'Australia/Lord_Howe']) assert.ok(isSupportedTimeZone(ok), ok);
  for (const bad of ['', 'europe/paris', 'Mars/Olympus', 'Europe/Paris ', '<script>', 'x'.repeat(65), 42, null, undefined]) {
    assert.equal(isSupportedTimeZone(bad), false, String(bad));
  }
  assert.equal(effectiveTimeZone(null), 'UTC');
  assert.equal(effectiveTimeZone('Not/AZone'), 'UTC', 'a stored name the runtime no longer knows shows UTC');
  assert.equal(effectiveTimeZone('Europe/Paris'), 'Europe/Paris');
});

test('instants are shown in the zone with its abbreviation, or its offset when it has none', () => {
  const winter = Date.UTC(2026, 11, 2, 13, 5); // 2026-12-02 13:05 UTC
  const summer = Date.UTC(2026, 6, 1, 13, 5);
  assert.equal(formatInstant(winter, 'UTC'), '2026-12-02 13:05 UTC');
  assert.equal(formatInstant(winter, 'Europe/Paris'), '2026-12-02 14:05 CET');
  assert.equal(formatInstant(summer, 'Europe/Paris'), '2026-07-01 15:05 CEST');
  assert.equal(formatInstant(winter, 'America/New_York'), '2026-12-02 08:05 EST');
  assert.equal(formatInstant(winter, 'Asia/Kathmandu'), '2026-12-02 18:50 UTC+05:45');
  assert.equal(formatInstant(winter, 'Asia/Tokyo'), '2026-12-02 22:05 UTC+09:00');
  assert.equal(formatInstant(Date.UTC(2026, 11, 2, 23, 30), 'Asia/Tokyo'), '2026-12-03 08:30 UTC+09:00', 'the date moves too');
  assert.equal(zonedParts(winter, 'America/St_Johns').offsetMinutes, -210);
  assert.equal(dateInZone(Date.UTC(2026, 11, 2, 2, 0), 'America/Los_Angeles'), '2026-12-01');
});

test('a typed day is read in the zone and stored as the UTC instant', () => {
  assert.equal(new Date(endOfDayInZone(2030, 12, 31, 'UTC')).toISOString(), '2030-12-31T23:59:59.999Z');
  assert.equal(new Date(endOfDayInZone(2030, 12, 31, 'Europe/Paris')).toISOString(), '2030-12-31T22:59:59.999Z');
  assert.equal(new Date(endOfDayInZone(2030, 7, 1, 'Europe/Paris')).toISOString(), '2030-07-01T21:59:59.999Z');
  assert.equal(new Date(endOfDayInZone(2030, 12, 31, 'Pacific/Kiritimati')).toISOString(), '2030-12-31T09:59:59.999Z');
  assert.equal(new Date(startOfDayInZone(2030, 12, 31, 'America/New_York')).toISOString(), '2030-12-31T05:00:00.000Z');
  // Across a change of offset: the day's end is after the change (Paris, 2030-03-31 is a 23-hour day).
  assert.equal(new Date(endOfDayInZone(2030, 3, 31, 'Europe/Paris')).toISOString(), '2030-03-31T21:59:59.999Z');
  // A midnight that does not exist (Santiago springs forward at 00:00): the first instant of the day there.
  const start = startOfDayInZone(2030, 9, 8, 'America/Santiago');
  assert.equal(dateInZone(start, 'America/Santiago'), '2030-09-08');
  assert.equal(dateInZone(start - 1, 'America/Santiago'), '2030-09-07');
  // A day whose last hour repeats (Santiago falls back at 24:00 on 2027-04-03): it ends at the second 23:59:59.999,
  // 03:59:59.999Z, not the first (until 2026-12-06 an expiry chosen for that day ended an hour early).
  const end = endOfDayInZone(2027, 4, 3, 'America/Santiago');
  assert.equal(new Date(end).toISOString(), '2027-04-04T03:59:59.999Z');
  assert.equal(dateInZone(end, 'America/Santiago'), '2027-04-03');
  assert.equal(dateInZone(end + 1, 'America/Santiago'), '2027-04-04');
});
