/**
 * `tessera token list|revoke --owner/--state/--unused-days`: the FIQL each shorthand compiles to (src/cli/token-filter.ts),
 * parsed by the server's own FIQL parser. What they match, against the portal's filters, is test/cli/token-bulk.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { combinedFiql, fiqlLiteral, shorthandFiql, unusedDaysArgument } from '../../src/cli/token-filter.js';
import { parseFiql } from '../../src/domain/fiql.js';

const NOW = Date.parse('2026-12-06T12:00:00.000Z');

describe('token list shorthands as FIQL', () => {
  test('each state, the days unused and the owner', () => {
    assert.equal(shorthandFiql({ state: 'active' }, NOW), '(expirationTimeUtc==null,expirationTimeUtc=gt=2026-12-13T12:00:00.000Z)');
    assert.equal(
      shorthandFiql({ state: 'expiring' }, NOW),
      'expirationTimeUtc=gt=2026-12-06T12:00:00.000Z;expirationTimeUtc=le=2026-12-13T12:00:00.000Z',
    );
    assert.equal(shorthandFiql({ state: 'expired' }, NOW), 'expirationTimeUtc=le=2026-12-06T12:00:00.000Z');
    assert.equal(
      shorthandFiql({ state: 'never-used' }, NOW),
      'lastUsedTimeUtc==null;(expirationTimeUtc==null,expirationTimeUtc=gt=2026-12-06T12:00:00.000Z)',
    );
    assert.equal(
      shorthandFiql({ unusedDays: 90 }, NOW),
      '(expirationTimeUtc==null,expirationTimeUtc=gt=2026-12-06T12:00:00.000Z);' +
        '(lastUsedTimeUtc=lt=2026-09-07T12:00:00.000Z,(lastUsedTimeUtc==null;createdTimeUtc=lt=2026-09-07T12:00:00.000Z))',
    );
    assert.equal(shorthandFiql({ owner: ' bob ' }, NOW), 'owner.name==bob');
    assert.equal(shorthandFiql({}, NOW), null);
  });

  test('an owner name with FIQL syntax in it is a literal, not a wildcard or a second condition', () => {
    assert.equal(fiqlLiteral('a*b;c,d(e)\\'), 'a\\*b\\;c\\,d\\(e\\)\\\\');
    const ast = parseFiql(shorthandFiql({ owner: 'x*;y==z' }, NOW)!);
    assert.deepEqual(ast, { kind: 'comparison', selector: 'owner.name', operator: '==', value: 'x*;y==z', wildcard: null });
  });

  test('with --filter, all apply (AND), and the whole parses', () => {
    const fiql = combinedFiql({ filter: 'name==a,name==b', owner: 'bob', state: 'expired' }, NOW)!;
    assert.equal(fiql, '(name==a,name==b);owner.name==bob;expirationTimeUtc=le=2026-12-06T12:00:00.000Z');
    const ast = parseFiql(fiql);
    assert.equal(ast.kind, 'and');
    assert.equal(ast.kind === 'and' && ast.children[0]!.kind, 'or');
    for (const state of ['active', 'expiring', 'never-used'] as const) parseFiql(combinedFiql({ state, unusedDays: 30 }, NOW)!);
    assert.equal(combinedFiql({}, NOW), undefined);
  });

  test('--unused-days takes 1 to 3650, as the portal does', () => {
    assert.equal(unusedDaysArgument('1'), 1);
    assert.equal(unusedDaysArgument('3650'), 3650);
    for (const bad of ['0', '3651', '-1', '1.5', '90d', '']) assert.throws(() => unusedDaysArgument(bad), /1 to 3650/, bad);
  });
});
