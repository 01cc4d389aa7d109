/**
 * The JSON body reader (src/http/json-body.ts): a key given twice in one object is refused wherever the object
 * sits, keys compare as JSON.parse decodes them, and the scan is linear.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonBody, repeatedJsonKey } from '../../src/http/json-body.js';
import { TesseraError } from '../../src/domain/errors.js';

test('no repeated key: undefined, whatever the nesting, strings holding braces, commas and quotes included', () => {
  for (const text of [
    '{}',
    '[]',
    '"a"',
    '1',
    '{"a":1,"b":{"a":2,"b":[{"a":3},{"a":4}]},"c":"x,\\"a\\":{"}',
    '[{"a":1},{"a":1},[{"a":{"a":{}}}]]',
    '{"a":"}","b":"]","c":"{","d":"["}',
    '{"\\\\":1,"\\\\\\\\":2}',
  ]) {
    JSON.parse(text); // each is valid JSON
    assert.equal(repeatedJsonKey(text), undefined, text);
  }
});

test('a repeated key is found at the top, in a nested object, in an object inside an array, after a closed object', () => {
  assert.equal(repeatedJsonKey('{"a":1,"a":2}'), 'a');
  assert.equal(repeatedJsonKey('{"x":{"b":1,"c":2,"b":3}}'), 'b');
  assert.equal(repeatedJsonKey('[1,{"k":[],"k":{}}]'), 'k');
  assert.equal(repeatedJsonKey('{"a":{"z":1},"b":2,"a":3}'), 'a');
  assert.equal(repeatedJsonKey(' { "sp" : 1 , "sp" : 2 } '), 'sp');
});

test('keys compare decoded: an escape of the same characters is the same key', () => {
  assert.equal(repeatedJsonKey('{"a":1,"\\u0061":2}'), 'a');
  assert.equal(repeatedJsonKey('{"\\"q":1,"\\u0022q":2}'), '"q');
  assert.equal(repeatedJsonKey('{"a\\\\":1,"a":2}'), undefined);
});

test("parseJsonBody: the parsed value, or a BAD_REQUEST naming the key; invalid JSON gets the caller's error", () => {
  assert.deepEqual(
    parseJsonBody('{"a":[1,{"b":2}]}', () => new TesseraError('BAD_REQUEST', 'bad')),
    { a: [1, { b: 2 }] },
  );
  assert.throws(
    () => parseJsonBody('{"refresh_token":"a","refresh_token":"b"}', () => new TesseraError('BAD_REQUEST', 'bad')),
    (error: unknown) => error instanceof TesseraError && /"refresh_token" twice/.test(error.message),
  );
  assert.throws(
    () => parseJsonBody('{bad', () => new TesseraError('invalid_request', 'not JSON')),
    (error: unknown) => error instanceof TesseraError && error.message === 'not JSON',
  );
  assert.throws(() => parseJsonBody('{"a":"\\ud800"}', () => new TesseraError('BAD_REQUEST', 'bad')), /lone surrogate/);
});

test('linear: 200,000 keys in one object and 50,000 nested objects are scanned within the test timeout', () => {
  const keys = Array.from({ length: 200_000 }, (_, i) => `"k${i}":${i}`).join(',');
  assert.equal(repeatedJsonKey(`{${keys}}`), undefined);
  assert.equal(repeatedJsonKey(`{${keys},"k199999":0}`), 'k199999');
  const deep = '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000);
  assert.equal(repeatedJsonKey(deep), undefined);
});
