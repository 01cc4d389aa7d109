import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  parseFiql,
  formatFiql,
  fiqlSelectors,
  FiqlSyntaxError,
  FIQL_MAX_DEPTH,
  FIQL_OPERATORS,
  type FiqlNode,
  type FiqlComparison,
} from '../../src/domain/fiql.js';

const cmp = (selector: string, operator: FiqlComparison['operator'], value: string, wildcard: string[] | null = null) =>
  ({ kind: 'comparison', selector, operator, value, wildcard }) as const;

test('a single comparison with each operator', () => {
  for (const op of FIQL_OPERATORS) {
    assert.deepEqual(parseFiql(`numberOfCpus${op}4`), cmp('numberOfCpus', op, '4'));
  }
});

test('; is AND and , is OR, with AND binding tighter', () => {
  assert.deepEqual(parseFiql('a==1;b==2,c==3'), {
    kind: 'or',
    children: [{ kind: 'and', children: [cmp('a', '==', '1'), cmp('b', '==', '2')] }, cmp('c', '==', '3')],
  });
  assert.deepEqual(parseFiql('a==1;b==2;c==3'), {
    kind: 'and',
    children: [cmp('a', '==', '1'), cmp('b', '==', '2'), cmp('c', '==', '3')],
  });
});

test('parentheses group', () => {
  assert.deepEqual(parseFiql('a==1;(b==2,c==3)'), {
    kind: 'and',
    children: [cmp('a', '==', '1'), { kind: 'or', children: [cmp('b', '==', '2'), cmp('c', '==', '3')] }],
  });
  assert.deepEqual(parseFiql('((a==1))'), cmp('a', '==', '1'));
});

test('what govcd sends: a raw href value with ":" "/" and a port', () => {
  const href = 'https://vcd.example.com:443/api/vdc/0d3b7d6c-1f54-4bb8-9a3e-3a0d3c1d2e4f';
  assert.deepEqual(parseFiql(`isVAppTemplate==false;vdc==${href}`), {
    kind: 'and',
    children: [cmp('isVAppTemplate', '==', 'false'), cmp('vdc', '==', href)],
  });
  assert.deepEqual(parseFiql('orgName==my-org;name==vdc1'), {
    kind: 'and',
    children: [cmp('orgName', '==', 'my-org'), cmp('name', '==', 'vdc1')],
  });
});

test('dotted and prefixed field names', () => {
  assert.equal((parseFiql('owner.name==alice') as FiqlComparison).selector, 'owner.name');
  assert.equal((parseFiql('metadata:env==prod') as FiqlComparison).selector, 'metadata:env');
});

test('values may hold "=" and spaces', () => {
  assert.deepEqual(parseFiql('description==a=b c'), cmp('description', '==', 'a=b c'));
});

test('wildcards split the value into literal pieces; escaped * is literal', () => {
  assert.deepEqual(parseFiql('name==web*'), cmp('name', '==', 'web*', ['web', '']));
  assert.deepEqual(parseFiql('name==*a\\*b*'), cmp('name', '==', '*a*b*', ['', 'a*b', '']));
  assert.deepEqual(parseFiql('name==a\\*b'), cmp('name', '==', 'a*b', null));
});

test('backslash escapes the separators and parentheses', () => {
  assert.deepEqual(parseFiql('name==a\\;b\\,c\\(d\\)\\\\'), cmp('name', '==', 'a;b,c(d)\\'));
});

test('balanced parentheses inside a value are literal', () => {
  assert.deepEqual(parseFiql('guestOs==Ubuntu Linux (64-bit)'), cmp('guestOs', '==', 'Ubuntu Linux (64-bit)'));
  assert.deepEqual(parseFiql('(guestOs==Linux (64-bit),name==x)'), {
    kind: 'or',
    children: [cmp('guestOs', '==', 'Linux (64-bit)'), cmp('name', '==', 'x')],
  });
});

const badFilters: Array<[string, RegExp]> = [
  ['', /empty/],
  ['name', /expected an operator/],
  ['name=foo', /expected an operator/],
  ['name=xx=1', /unknown operator "=xx="/],
  ['name==', /missing value after "name=="/],
  ['==x', /expected a field name at position 0/],
  ['a==1;', /expected a field name at position 5, found the end/],
  ['a==1,,b==2', /expected a field name/],
  ['(a==1', /never closed/],
  ['a==1)', /unbalanced "\)"/],
  ['a==x\\', /escapes nothing/],
  ['a==f(x', /unbalanced "\("/],
  ['na me==x', /expected an operator/],
];

test("bad filters fail with VCD's message and a precise detail", () => {
  for (const [filter, detail] of badFilters) {
    assert.throws(
      () => parseFiql(filter),
      (err: unknown) => {
        assert.ok(err instanceof FiqlSyntaxError, `${filter}: ${String(err)}`);
        assert.ok(err.message.startsWith('Cannot parse the supplied filter: '), err.message);
        assert.match(err.detail, detail, `filter ${JSON.stringify(filter)} gave "${err.detail}"`);
        return true;
      },
    );
  }
});

test('nesting deeper than the limit is refused, at the limit it parses', () => {
  const nested = (n: number) => '('.repeat(n) + 'a==1' + ')'.repeat(n);
  assert.deepEqual(parseFiql(nested(FIQL_MAX_DEPTH)), cmp('a', '==', '1'));
  assert.throws(() => parseFiql(nested(FIQL_MAX_DEPTH + 1)), /nested deeper/);
});

test('fiqlSelectors lists the fields in order', () => {
  assert.deepEqual(fiqlSelectors(parseFiql('a==1;(b==2,a==3)')), ['a', 'b', 'a']);
});

// ------------------------------------------------------------------ properties

const selectorArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.:-]{0,11}$/);
const operatorArb = fc.constantFrom(...FIQL_OPERATORS);
// Any printable text, including every special character, so escaping is exercised.
const pieceArb = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '=', ':', '/', ';', ',', '(', ')', '*', '\\', 'é'), maxLength: 8 });

const comparisonArb: fc.Arbitrary<FiqlNode> = fc
  .tuple(selectorArb, operatorArb, fc.array(pieceArb, { minLength: 1, maxLength: 3 }))
  .filter(([, , pieces]) => pieces.length > 1 || pieces[0]!.length > 0)
  .map(([selector, operator, pieces]) =>
    pieces.length === 1
      ? { kind: 'comparison', selector, operator, value: pieces[0]!, wildcard: null }
      : { kind: 'comparison', selector, operator, value: pieces.join('*'), wildcard: pieces },
  );

const nodeArb: fc.Arbitrary<FiqlNode> = fc.letrec<{ node: FiqlNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparisonArb,
    // Built as a plain object: fc.record may produce null-prototype objects, which deepEqual tells apart.
    fc
      .tuple(fc.constantFrom('and' as const, 'or' as const), fc.array(tie('node'), { minLength: 2, maxLength: 3 }))
      .map(([kind, children]): FiqlNode => ({ kind, children })),
  ),
})).node;

test('property: parse(format(ast)) == ast', () => {
  fc.assert(
    fc.property(nodeArb, (ast) => {
      assert.deepEqual(parseFiql(formatFiql(ast)), ast);
    }),
    { numRuns: 500 },
  );
});

test('property: the parser never throws anything but FiqlSyntaxError', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom('a', '=', '!', ';', ',', '(', ')', '*', '\\', 'l', 't', ' '), maxLength: 20 }),
      (text) => {
        try {
          parseFiql(text);
        } catch (err) {
          assert.ok(err instanceof FiqlSyntaxError, String(err));
        }
      },
    ),
    { numRuns: 2000 },
  );
});
