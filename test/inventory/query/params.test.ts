import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  filterValuesDecoded,
  parseQueryString,
  queryParametersKey,
  queryParametersOf,
  readQueryParameters,
} from '../../../src/inventory/query/params.js';
import { parseFiql } from '../../../src/domain/fiql.js';
import { TesseraError } from '../../../src/domain/errors.js';

const read = (qs: string, fixed?: string) => readQueryParameters(parseQueryString(qs), fixed);

test('what govcd sends: a leading &, type twice, filterEncoded, an unencoded filter', () => {
  const p = read('&filterEncoded=true&type=vm&type=vm&filter=isVAppTemplate==false;vdc==https://h:443/api/vdc/x');
  assert.equal(p.type, 'vm');
  assert.equal(p.filter, 'isVAppTemplate==false;vdc==https://h:443/api/vdc/x');
  assert.deepEqual([p.page, p.pageSize, p.format, p.sort, p.fields], [1, 25, 'records', null, null]);
});

test('decoding: percent-escapes once, + is a space, empty values are absent', () => {
  const p = read('type=vm&filter=name%3D%3Dmy+vm%2A&sortAsc=&sortDesc=name&fields=name,%20status');
  assert.equal(p.filter, 'name==my vm*');
  assert.deepEqual(p.sort, { field: 'name', direction: 'desc' });
  assert.deepEqual(p.fields, ['name', 'status']);
});

test('page size is clamped to 128; a packaged path fixes the type', () => {
  assert.equal(read('pageSize=1000').pageSize, 128);
  assert.equal(read('type=user', 'vm').type, 'vm');
  assert.equal(read('format=REFERENCES').format, 'references');
});

test('bad values are 400 with the parameter named', () => {
  for (const [qs, message] of [
    ['page=0', /"page"/],
    ['page=-1', /"page"/],
    ['page=1.5', /"page"/],
    ['pageSize=0', /"pageSize"/],
    ['offset=1', /"offset" is supported only as 0/],
    ['format=xml', /"format"/],
    ['type=vm&type=adminVM', /"type" is given more than once/],
    ['sortAsc=a&sortDesc=b', /either sortAsc or sortDesc/],
    ['filter=%ZZ', /not valid URL encoding/],
  ] as const) {
    assert.throws(
      () => read(qs),
      (e: unknown) => e instanceof TesseraError && e.code === 'BAD_REQUEST' && message.test(e.message),
      qs,
    );
  }
});

test('queryParametersOf: one parse per query string and fixed type, frozen, the same answer as a fresh parse', () => {
  const qs = 'type=vm&filter=isVAppTemplate%3D%3Dfalse&page=19&sortDesc=name&fields=name,status';
  const first = queryParametersOf(qs);
  assert.deepEqual(first, read(qs));
  assert.equal(queryParametersOf(qs), first, 'the repeated string is not parsed again');
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.sort) && Object.isFrozen(first.fields), 'shared between requests');
  // The fixed type of a packaged path is part of the key: the same string under another path is another answer.
  assert.equal(queryParametersOf(qs, 'adminVM').type, 'adminVM');
  assert.equal(queryParametersOf(qs).type, 'vm');
  assert.equal(queryParametersKey(first), JSON.stringify(read(qs)));
  // A query string longer than any client's is parsed every time, not kept (until 2026-12-05 up to 2 KiB ones were,
  // 2,000 per type: one user filled 157 MB).
  const long = `type=vm&filter=${encodeURIComponent(`name==${'x'.repeat(600)}`)}`;
  assert.notEqual(queryParametersOf(long), queryParametersOf(long));
  assert.deepEqual(queryParametersOf(long), read(long));
  // Failures are not kept: every request with a bad value is a 400.
  for (let i = 0; i < 2; i++) {
    assert.throws(
      () => queryParametersOf('type=vm&page=0'),
      (e: unknown) => e instanceof TesseraError && e.code === 'BAD_REQUEST',
    );
  }
});

test('filterEncoded=true below API 35.0: each filter value is URL-decoded once more, as pyvcloud < 35 relies on', () => {
  // pyvcloud at 34.0: qfilter "guestOs==Ubuntu%20Linux%20%2864-bit%29;name==a%2Cb*" encoded once more on the wire.
  const wire = `type=vm&filterEncoded=true&filter=${encodeURIComponent('guestOs==Ubuntu%20Linux%20%2864-bit%29;name==a%2Cb*')}`;
  const p = filterValuesDecoded(read(wire), '34.0');
  assert.equal(p.filterEncoded, false);
  assert.deepEqual(parseFiql(p.filter!), {
    kind: 'and',
    children: [
      { kind: 'comparison', selector: 'guestOs', operator: '==', value: 'Ubuntu Linux (64-bit)', wildcard: null },
      { kind: 'comparison', selector: 'name', operator: '==', value: 'a,b*', wildcard: ['a,b', ''] },
    ],
  });
  // The decoded filter is written with its special characters escaped, so a nextPage link reads back the same.
  assert.equal(p.filter, 'guestOs==Ubuntu Linux \\(64-bit\\);name==a\\,b*');
  assert.equal(filterValuesDecoded(read('type=vm&filterEncoded=true&filter=name==my+vm'), '33.0').filter, 'name==my vm');
});

test('filterEncoded=true from API 35.0 on, without a version, or absent: the filter is taken as sent', () => {
  const encoded = read('type=vm&filterEncoded=true&filter=guestOs==Ubuntu%2520Linux');
  for (const version of ['35.0', '36.0', '37.0', '39.1', null]) {
    assert.equal(filterValuesDecoded(encoded, version), encoded, `at ${version}`);
  }
  const plain = read('type=vm&filter=guestOs==Ubuntu%2520Linux');
  assert.equal(plain.filterEncoded, false);
  assert.equal(filterValuesDecoded(plain, '34.0'), plain);
});

test('filterEncoded=true below API 35.0 with a value that is not URL encoding: 400, the filter named', () => {
  assert.throws(
    () => filterValuesDecoded(read('type=vm&filterEncoded=true&filter=name==%25zz'), '34.0'),
    (err: unknown) => err instanceof TesseraError && err.status === 400 && /Cannot parse the supplied filter.*%zz/.test(err.message),
  );
});
