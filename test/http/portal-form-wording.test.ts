import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inFormWords } from '../../src/http/portal/form-wording.js';

test("a service's field name at the start becomes the form's label; a longer name is not mistaken for it", () => {
  const labels = { FullName: 'The full name', Name: 'The user name', client_name: 'The name' };
  assert.equal(inFormWords('FullName must not contain control characters', labels), 'The full name must not contain control characters');
  assert.equal(inFormWords('Name must not be empty', labels), 'The user name must not be empty');
  assert.equal(
    inFormWords('fullName must not be empty', labels),
    'The full name must not be empty',
    'whatever the first letter\u2019s case',
  );
  assert.equal(inFormWords('client_name is required', labels), 'The name is required');
  assert.equal(inFormWords('NameServer is down', labels), 'NameServer is down', 'a word that only begins with a field name');
  assert.equal(inFormWords('the role is unknown', labels), 'The role is unknown', 'others become a sentence');
});
