/** A rights bundle's JSON columns (src/domain/rights-bundle.ts): read as stored, and a damaged value grants and publishes nothing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundlePublishedTo, bundleReaches, bundleRights } from '../../src/domain/rights-bundle.js';

test('rights and publication as stored', () => {
  assert.deepEqual(bundleRights({ rights: '["vApp: View","Organization: View"]' }), ['vApp: View', 'Organization: View']);
  assert.equal(bundlePublishedTo({ published_to: '"all"' }), 'all');
  assert.deepEqual(bundlePublishedTo({ published_to: '["org-a","org-b"]' }), ['org-a', 'org-b']);
  assert.equal(bundleReaches({ published_to: '"all"' }, 'org-z'), true);
  assert.equal(bundleReaches({ published_to: '["org-a"]' }, 'org-a'), true);
  assert.equal(bundleReaches({ published_to: '["org-a"]' }, 'org-b'), false);
});

test('a damaged value grants nothing and publishes the bundle nowhere', () => {
  for (const damaged of ['', 'not json', '{"all":true}', '"some"', '42', 'null', '[1, {"x": 2}]']) {
    assert.deepEqual(bundleRights({ rights: damaged }), [], damaged);
    assert.deepEqual(bundlePublishedTo({ published_to: damaged }), [], damaged);
    assert.equal(bundleReaches({ published_to: damaged }, 'org-a'), false, damaged);
  }
  // Non-string entries are dropped, the rest kept.
  assert.deepEqual(bundleRights({ rights: '["vApp: View", 3, null]' }), ['vApp: View']);
});
