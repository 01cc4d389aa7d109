/** src/http/nul-guard.ts on a bare fastify: where a NUL is found, how it is named, and what is left alone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { declaringNoNul, installNulGuard, NO_NUL_PATTERN, pathOfNul } from '../../src/http/nul-guard.js';

test('pathOfNul names a string or property name holding U+0000', () => {
  assert.equal(pathOfNul(undefined), null);
  assert.equal(pathOfNul('plain text'), null);
  assert.equal(pathOfNul('a\u0000b'), '');
  assert.equal(pathOfNul({ a: [{ b: 'x' }, { c: ['y', 'z\u0000'] }], d: 'w' }), '/a/1/c/1');
  assert.ok(['/a/0', '/d'].includes(pathOfNul({ a: ['\u0000'], d: 'w\u0000' })!), 'either one');
  assert.equal(pathOfNul(Object.assign(Object.create(null), { grant_type: 'refresh_token', token: 'a\u0000' })), '/token');
  assert.equal(pathOfNul({ ['k\u0000']: 1 }), '/k\\0');
  assert.equal(pathOfNul({ a: 1, b: true, c: null, d: Buffer.from([0, 0]), e: 'NUL spelled \\u0000' }), null);
  // Far deeper than the call stack allows a recursive walk (about 10,000 frames).
  let deep: unknown = 'end\u0000';
  for (let i = 0; i < 300_000; i++) deep = [deep];
  assert.equal(pathOfNul(deep), '/0'.repeat(300_000));
});

test('the hook refuses a NUL in a querystring or a body before the handler runs, and lets the rest through', async () => {
  const app = Fastify();
  installNulGuard(app);
  let handled = 0;
  app.post('/echo', async () => {
    handled++;
    return 'ok';
  });
  await app.ready();
  const inQuery = await app.inject({ method: 'POST', url: '/echo?page=1&note=a%00b', payload: { n: 5 } });
  assert.equal(inQuery.statusCode, 400);
  assert.match(inQuery.body, /Invalid request: querystring\/note must not contain a NUL character/);
  const inJson = await app.inject({ method: 'POST', url: '/echo', payload: { a: ['x', 'y\u0000'] } });
  assert.match(inJson.body, /body\/a\/1 must not contain a NUL character/);
  const inText = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'text/plain' }, payload: 'a\u0000' });
  assert.match(inText.body, /Invalid request: body must not contain a NUL character/);
  assert.equal(handled, 0);
  const fine = await app.inject({ method: 'POST', url: '/echo?q=%C3%A6', payload: { a: 'NUL spelled \\u0000' } });
  assert.equal(fine.statusCode, 200);
  assert.equal(handled, 1);
  await app.close();
});

test('declaringNoNul adds the pattern to unconstrained strings only, on a copy', () => {
  const schema = {
    type: 'object',
    properties: {
      free: { type: 'string', maxLength: 8 },
      id: { type: 'string', format: 'uuid' },
      code: { type: 'string', pattern: '^[0-9]{6}$' },
      kind: { type: 'string', enum: ['a', 'b'] },
      either: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      count: { type: 'integer' },
    },
  };
  const declared = declaringNoNul(schema);
  assert.deepEqual(declared.properties.free, { type: 'string', maxLength: 8, pattern: NO_NUL_PATTERN });
  assert.deepEqual(declared.properties.either.anyOf[0], { type: 'string', pattern: NO_NUL_PATTERN });
  assert.deepEqual(declared.properties.id, schema.properties.id);
  assert.deepEqual(declared.properties.code, schema.properties.code);
  assert.deepEqual(declared.properties.kind, schema.properties.kind);
  assert.deepEqual(declared.properties.count, schema.properties.count);
  assert.deepEqual(schema.properties.free, { type: 'string', maxLength: 8 }, 'the route schema itself is not changed');
  const pattern = new RegExp(NO_NUL_PATTERN, 'u');
  assert.ok(pattern.test('any text, even æŒË') && !pattern.test('a\u0000b'));
});
