/**
 * The served OpenAPI document (GET /tessera/openapi.json) is the committed docs/openapi.json, apart from the server
 * URL; and it says what it promises: OpenAPI 3.1, every /api operation VCD's, the security schemes of each caller.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { committedDocument, isVcdOperation } from '../../../src/http/openapi.js';
import { NO_NUL_PATTERN } from '../../../src/http/nul-guard.js';
import { COMPONENT_KEYWORD, RESPONSE_KEYWORD } from '../../../src/http/contract/components.js';
import { startContractApp } from './support.js';

type Operation = { 'x-tessera-extension'?: boolean; tags?: string[]; security?: unknown[]; responses?: object };
type Document = {
  openapi: string;
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
};

test('the served OpenAPI document is the committed one, and says what it promises', { timeout: 120_000 }, async () => {
  const contract = await startContractApp();
  try {
    const res = await contract.app.inject({ method: 'GET', url: '/tessera/openapi.json', headers: { host: 'tessera.example:8443' } });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const served = res.json() as Document;
    assert.deepEqual(served.servers, [{ url: 'http://tessera.example:8443' }]);
    const committed = JSON.parse(readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8')) as Document;
    assert.deepEqual(committedDocument(served as never), committed, 'docs/openapi.json is out of date: run npm run openapi');

    assert.equal(served.openapi, '3.1.0');
    assert.deepEqual(Object.keys(served.components.securitySchemes).sort(), ['basicSignIn', 'portalCookie', 'vcdBearer', 'vcloudSession']);
    const operations = Object.entries(served.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    for (const { path, method, op } of operations) {
      assert.equal(typeof op['x-tessera-extension'], 'boolean', `${method} ${path} is not classified`);
      assert.ok(op.tags && op.tags.length > 0, `${method} ${path} has no tag`);
      if (path.startsWith('/api/')) assert.equal(op['x-tessera-extension'], false, `${method} ${path} is VCD's`);
    }
    assert.equal(served.paths['/tessera/openapi.json']?.get?.['x-tessera-extension'], true);
    assert.deepEqual(served.paths['/api/sessions']?.post?.security, [{ basicSignIn: [] }]);
    assert.deepEqual(served.paths['/api/org/{id}']?.get?.security, [{ vcdBearer: [] }, { vcloudSession: [] }]);
    assert.deepEqual(served.paths['/api/versions']?.get?.security, []);
    // The OAuth form endpoints as every VCD client calls them: a form (or JSON), or nothing but the query string;
    // 413 and 503 declared (until 2026-12-06: JSON only, a required body, and neither status).
    for (const path of [
      '/oauth/tenant/{org}/token',
      '/oauth/provider/token',
      '/oauth/tenant/{org}/revoke',
      '/oauth/tenant/{org}/introspect',
    ]) {
      const op = served.paths[path]?.post as unknown as { requestBody: { required: boolean; content: object }; responses: object };
      assert.deepEqual(Object.keys(op.requestBody.content), ['application/x-www-form-urlencoded', 'application/json'], path);
      assert.equal(op.requestBody.required, false, path);
      for (const status of ['413', '503']) assert.ok(Object.hasOwn(op.responses, status), `${path} declares ${status}`);
    }

    // What is refused before any handler runs is declared on every operation: 413, 415, 417 (until 2026-12-07 none
    // declared its 417, and the five that declare no error of their own, /health among them, declared none of them).
    for (const { path, method, op } of operations) {
      for (const status of ['400', '413', '415', '417']) {
        assert.ok(Object.hasOwn(op.responses ?? {}, status), `${method} ${path} declares ${status}`);
      }
    }
    const health = served.paths['/health']?.get?.responses as Record<string, { content: Record<string, { schema: unknown }> }>;
    assert.deepEqual(health['415']?.content, { 'application/json': { schema: { $ref: '#/components/schemas/JsonError' } } });
    const coded = await contract.app.inject({ method: 'GET', url: '/health', headers: { 'content-encoding': 'gzip' } });
    assert.equal(coded.statusCode, 415, 'what the document now declares');
    assert.deepEqual(Object.keys(coded.json()).sort(), ['message', 'minorErrorCode', 'stackTrace']);

    // Shared schemas are listed once and referred to: every $ref resolves, no marker is left, no inline copies.
    const text = JSON.stringify(served);
    assert.ok(!text.includes(COMPONENT_KEYWORD) && !text.includes(RESPONSE_KEYWORD), 'a component marker was published');
    const components = served.components as unknown as Record<'schemas' | 'responses', Record<string, unknown>>;
    const refs = [...text.matchAll(/"\$ref":"#\/components\/(schemas|responses)\/([^"]+)"/g)];
    assert.ok(refs.length > 500, `only ${refs.length} references: are the shared schemas still shared?`);
    for (const [, kind, name] of refs)
      assert.ok(Object.hasOwn(components[kind as 'schemas'], name!), `$ref to a missing component ${kind}/${name}`);
    assert.ok(['JsonError', 'UserPage', 'VcdJsonError'].every((name) => Object.hasOwn(components.schemas, name)));
    assert.ok(['CloudApiForbidden', 'VcdForbidden'].every((name) => Object.hasOwn(components.responses, name)));
    assert.equal(
      text.split('"minorErrorCode":{"type":"string"}').length - 1,
      3,
      'the three error envelopes (cloudapi, OAuth, /api JSON) once each',
    );

    // The NUL rule (src/http/nul-guard.ts) is declared on every querystring and body string that does not already
    // constrain its characters; path parameters are the routes' own.
    const unconstrained = (node: unknown): number =>
      Array.isArray(node)
        ? node.reduce((n: number, item) => n + unconstrained(item), 0)
        : node !== null && typeof node === 'object'
          ? Object.values(node).reduce((n: number, value) => n + unconstrained(value), 0) +
            ((node as Record<string, unknown>).type === 'string' && !['pattern', 'format', 'enum', 'const'].some((k) => k in node) ? 1 : 0)
          : 0;
    const requestParts = operations.flatMap(({ op }) => {
      const o = op as Operation & { parameters?: Array<{ in: string }>; requestBody?: unknown };
      return [...(o.parameters ?? []).filter((p) => p.in === 'query'), o.requestBody ?? null];
    });
    assert.ok(requestParts.length > 200);
    assert.equal(unconstrained(requestParts), 0, 'a querystring or body string in the document allows NUL');
    assert.ok(text.includes(JSON.stringify(NO_NUL_PATTERN)));
  } finally {
    await contract.stop();
  }
});

test('the VCD-or-extension rule', () => {
  assert.equal(isVcdOperation('GET', '/api/org/:id'), true);
  assert.equal(isVcdOperation('POST', '/oauth/tenant/:org/token'), true);
  assert.equal(isVcdOperation('POST', '/oauth/tenant/:org/revoke'), false);
  assert.equal(isVcdOperation('PUT', '/cloudapi/1.0.0/orgs/:id/apiTokenPolicy'), false);
  assert.equal(isVcdOperation('GET', '/cloudapi/1.0.0/users/current/totp'), false);
  assert.equal(isVcdOperation('GET', '/cloudapi/1.0.0/tokens'), true);
  assert.equal(isVcdOperation('POST', '/cloudapi/x-tessera/inventory/sources/:source/batches'), false);
  assert.equal(isVcdOperation('GET', '/cloudapi/1.0.0/sessions/:id/token'), false);
  assert.equal(isVcdOperation('GET', '/health'), false);
  assert.equal(isVcdOperation('GET', '/login'), false);
});
