/** The ajv and serializer decisions of src/http/validation.ts, on a bare fastify with the same compilers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { Type } from 'typebox';
import { installSchemaCompilers } from '../../../src/http/validation.js';

async function app() {
  const app = Fastify();
  installSchemaCompilers(app);
  app.post(
    '/strict',
    {
      schema: {
        body: Type.Object({ n: Type.Integer() }, { additionalProperties: false }),
        querystring: Type.Object({ page: Type.Optional(Type.Integer()) }),
      },
    },
    async (request) => ({ body: request.body, query: request.query }),
  );
  app.get('/declared', { schema: { response: { 200: Type.Object({ a: Type.String() }) } } }, async () => ({ a: 'x', readByClients: 1 }));
  await app.ready();
  return app;
}

test('bodies are not coerced and extra properties are refused, never stripped', async () => {
  const a = await app();
  const coerced = await a.inject({ method: 'POST', url: '/strict', payload: { n: '5' } });
  assert.equal(coerced.statusCode, 400);
  assert.match(coerced.json().message, /^body\/n must be integer/);
  const extra = await a.inject({ method: 'POST', url: '/strict', payload: { n: 5, x: 1 } });
  assert.equal(extra.statusCode, 400);
  const ok = await a.inject({ method: 'POST', url: '/strict?page=2', payload: { n: 5 } });
  assert.deepEqual(ok.json(), { body: { n: 5 }, query: { page: 2 } }, 'querystrings are coerced from their text');
  await a.close();
});

test('a declared response schema never drops a field the handler returned', async () => {
  const a = await app();
  assert.deepEqual((await a.inject({ method: 'GET', url: '/declared' })).json(), { a: 'x', readByClients: 1 });
  await a.close();
});
