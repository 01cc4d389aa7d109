import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFilter } from '../../src/http/portal/token-filter.js';
import { NO_FILTER } from '../../src/http/portal/token-queries.js';

test('describeFilter: for the page each name and the search are isolated; the audit event keeps them as they are', () => {
  const input = { filter: NO_FILTER, search: '\u202Eabc', orgName: 'acme', userName: 'שלום' };
  assert.equal(describeFilter(input), 'organization: acme; owner: שלום; search: "\u202Eabc"');
  // On the bulk revoke's page: a search typed with an override cannot turn the rest of the sentence around.
  assert.equal(describeFilter({ ...input, isolate: true }), 'organization: acme; owner: \u2068שלום\u2069; search: "\u2068\u202Eabc\u2069"');
  assert.equal(describeFilter({ filter: NO_FILTER, search: '', isolate: true }), 'no filter');
  // The System administrator's list of every org: an owner's name is each org's user of that name.
  assert.equal(describeFilter({ filter: { ...NO_FILTER, owner: 'bob' }, search: '', everyOrg: true }), 'every organization; owner: bob');
  assert.equal(describeFilter({ filter: NO_FILTER, search: '', everyOrg: true }), 'every organization, no filter');
});
