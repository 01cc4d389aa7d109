import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExpiry, parseGrace } from '../../../src/cli/format/expiry.js';

const NOW = Date.parse('2030-01-01T00:00:00.000Z');

test('durations from now', () => {
  assert.equal(parseExpiry('90d', NOW).toISOString(), '2030-04-01T00:00:00.000Z');
  assert.equal(parseExpiry('12h', NOW).toISOString(), '2030-01-01T12:00:00.000Z');
  assert.equal(parseExpiry('30m', NOW).toISOString(), '2030-01-01T00:30:00.000Z');
  assert.equal(parseExpiry('2w', NOW).toISOString(), '2030-01-15T00:00:00.000Z');
  assert.equal(parseExpiry('1Y', NOW).toISOString(), '2031-01-01T00:00:00.000Z');
});

test('absolute dates and date-times', () => {
  // A bare date is the whole day (UTC), as the portal's date field: until 2026-12-05 it was the day's first instant.
  assert.equal(parseExpiry('2031-06-30', NOW).toISOString(), '2031-06-30T23:59:59.999Z');
  assert.equal(parseExpiry('2030-01-01', NOW).toISOString(), '2030-01-01T23:59:59.999Z', 'today is in the future until its end');
  assert.equal(parseExpiry('9999-12-31', NOW).toISOString(), '9999-12-31T23:59:59.999Z');
  assert.equal(parseExpiry('2031-06-30T00:00:00Z', NOW).toISOString(), '2031-06-30T00:00:00.000Z');
  assert.equal(parseExpiry('2031-06-30T12:00:00+02:00', NOW).toISOString(), '2031-06-30T10:00:00.000Z');
});

test('refuses the past, zero, nonsense', () => {
  assert.throws(() => parseExpiry('0d', NOW), /future/);
  assert.throws(() => parseExpiry('2020-01-01', NOW), /future/);
  assert.throws(() => parseExpiry('2031-02-30x', NOW), /duration/);
  assert.throws(() => parseExpiry('90 days', NOW), /duration/);
  assert.throws(() => parseExpiry('-5d', NOW), /duration/);
  assert.throws(() => parseExpiry('2031-13-45', NOW), /valid date/);
  // `M` could be months: refused rather than read as minutes (until 2026-12-05 `3M` expired in 3 minutes).
  assert.throws(() => parseExpiry('3M', NOW), /"M" could be minutes or months/);
  assert.throws(() => parseGrace('30M'), /"M" could be minutes or months/);
  // Past the year 9999 the server refuses any expiry: said here, as a bad value (until 2026-12-05 sent as +011026-...).
  assert.throws(() => parseExpiry('9000y', NOW), /before 10000-01-01/);
  assert.throws(() => parseExpiry('999999y', NOW), /before 10000-01-01/);
  assert.equal(parseExpiry('7000y', NOW).getUTCFullYear(), 9025);
});

test('regenerate --grace: 0 or a duration up to 7 days, in seconds', () => {
  assert.equal(parseGrace('0'), 0);
  assert.equal(parseGrace('30m'), 1800);
  assert.equal(parseGrace('1h'), 3600);
  assert.equal(parseGrace('1d'), 86_400);
  assert.equal(parseGrace('7d'), 604_800);
  assert.equal(parseGrace('1W'), 604_800);
  assert.throws(() => parseGrace('8d'), /at most 7 days/);
  assert.throws(() => parseGrace('2w'), /at most 7 days/);
  assert.throws(() => parseGrace('1y'), /0 or a duration/);
  assert.throws(() => parseGrace('-1h'), /0 or a duration/);
  assert.throws(() => parseGrace('soon'), /0 or a duration/);
});

test('impossible calendar dates are refused, not rolled over (2031-02-30 is not March 2)', () => {
  for (const bad of [
    '2031-02-30',
    '2031-02-29',
    '2031-04-31',
    '2031-02-30T00:00:00Z',
    '2031-01-01T24:00:00Z',
    '2031-01-01T23:60Z',
    '2031-01-01 23:59:60',
  ]) {
    assert.throws(() => parseExpiry(bad, NOW), /--expires is not a valid date/, bad);
  }
  assert.equal(parseExpiry('2032-02-29', NOW).toISOString(), '2032-02-29T23:59:59.999Z', 'a leap day');
  assert.equal(parseExpiry('2031-01-01T23:59:59Z', NOW).toISOString(), '2031-01-01T23:59:59.000Z');
});
