import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInstant, parseIsoDateTime } from '../../src/domain/instant.js';

/** Dates and times whose fields do not exist: Date.parse rolls them over (2027-02-30 -> March 2, T24:00 -> next day). */
const IMPOSSIBLE = [
  '2027-02-30T00:00:00Z',
  '2027-02-29T00:00:00Z', // 2027 is not a leap year
  '2100-02-29T00:00:00Z', // nor is 2100 (a century)
  '2027-04-31T00:00:00Z',
  '2027-06-31T12:00:00Z',
  '2027-09-31T12:00:00Z',
  '2027-11-31T12:00:00Z',
  '2027-01-32T00:00:00Z',
  '2027-00-10T00:00:00Z',
  '2027-13-01T00:00:00Z',
  '2027-01-00T00:00:00Z',
  '2027-01-01T24:00:00Z',
  '2027-01-01T24:00Z',
  '2027-01-01T25:00:00Z',
  '2027-01-01T23:60:00Z',
  '2027-01-01T23:59:60Z', // no leap second either
  '2027-01-01T00:00:00+24:00',
  '2027-01-01T00:00:00+01:60',
];

test('parseIsoDateTime: real dates and times, leap years included, to epoch milliseconds', () => {
  assert.equal(parseIsoDateTime('2027-01-31T23:59:59Z'), Date.UTC(2027, 0, 31, 23, 59, 59));
  assert.equal(parseIsoDateTime('2028-02-29T00:00:00Z'), Date.UTC(2028, 1, 29));
  assert.equal(parseIsoDateTime('2000-02-29T12:00:00Z'), Date.UTC(2000, 1, 29, 12));
  assert.equal(parseIsoDateTime('2027-12-31T23:59:59.999Z'), Date.UTC(2027, 11, 31, 23, 59, 59, 999));
  assert.equal(parseIsoDateTime('2027-12-31T23:59:59.123456789Z'), Date.UTC(2027, 11, 31, 23, 59, 59, 123), 'beyond ms: cut');
  assert.equal(parseIsoDateTime('2027-06-30T12:00:00+02:00'), Date.UTC(2027, 5, 30, 10));
  assert.equal(parseIsoDateTime('2027-06-30T12:00-0530'), Date.UTC(2027, 5, 30, 17, 30));
  assert.equal(parseIsoDateTime('2027-06-30t12:00:00z'), Date.UTC(2027, 5, 30, 12));
  assert.equal(parseIsoDateTime('2027-01-01T00:00:00+23:59'), Date.UTC(2026, 11, 31, 0, 1));
  assert.equal(parseIsoDateTime('0001-01-01T00:00:00Z'), Date.parse('0001-01-01T00:00:00Z'), 'years below 100 are not 19xx');
  assert.equal(parseIsoDateTime('9999-12-31T23:59:59.999Z'), Date.UTC(9999, 11, 31, 23, 59, 59, 999));
});

test('parseIsoDateTime: impossible fields are null, whatever Date.parse makes of them', () => {
  for (const text of IMPOSSIBLE) assert.equal(parseIsoDateTime(text), null, text);
  for (const text of ['2027-02-30', '2027-02-29', '2027-13-01', '2027-00-01', '2027-01-00']) {
    assert.equal(parseIsoDateTime(text, { bareDate: true }), null, text);
  }
});

test('parseIsoDateTime: the shapes each caller allows', () => {
  assert.equal(parseIsoDateTime('2027-01-31'), null, 'a bare date only when asked for');
  assert.equal(parseIsoDateTime('2027-01-31', { bareDate: true }), Date.UTC(2027, 0, 31), 'midnight UTC, as Date.parse');
  assert.equal(parseIsoDateTime('2027-01-31T12:00:00'), null, 'a zone is required unless waived');
  assert.equal(
    parseIsoDateTime('2027-01-31T12:00:00', { zoneRequired: false }),
    new Date(2027, 0, 31, 12).getTime(),
    'without a zone: local time, as Date.parse',
  );
  assert.equal(parseIsoDateTime('2027-01-31 12:00:00Z', { zoneRequired: false }), Date.UTC(2027, 0, 31, 12), 'a space for T');
  for (const text of [
    '',
    'tomorrow',
    'Jan 31 2027',
    '2027/01/31',
    '27-01-31T00:00:00Z',
    '2027-1-31T00:00:00Z',
    '2027-01-31T1:00:00Z',
    '2027-01-31T12Z',
    '+002027-01-31T00:00:00Z',
    '2027-01-31T12:00:00.Z',
    '2027-01-31T12:00:00.1234567890Z',
  ]) {
    assert.equal(parseIsoDateTime(text, { bareDate: true, zoneRequired: false }), null, text);
  }
});

test('parseInstant: a real instant only (docs/security.md), epoch milliseconds as before', () => {
  for (const text of IMPOSSIBLE) assert.equal(parseInstant(text), null, text);
  assert.equal(parseInstant('2028-02-29T23:59:59Z'), Date.UTC(2028, 1, 29, 23, 59, 59));
  assert.equal(parseInstant('2027-01-31T23:59:59+01:00'), Date.UTC(2027, 0, 31, 22, 59, 59));
  assert.equal(parseInstant('2027-01-31T23:59Z'), Date.UTC(2027, 0, 31, 23, 59));
  assert.equal(parseInstant(1_800_000_000_000), 1_800_000_000_000);
  assert.equal(parseInstant('1800000000000'), 1_800_000_000_000);
  assert.equal(parseInstant('2027-01-31'), null, 'a zone is required');
  assert.equal(parseInstant('2027-01-31T12:00:00'), null, 'a zone is required');
});
