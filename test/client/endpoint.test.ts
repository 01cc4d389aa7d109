import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isProviderOrg, normalizeEndpoint, oauthBasePath, requireApiVersion, sessionsPath } from '../../src/client/endpoint.js';

test('normalizeEndpoint accepts what people and clients pass', () => {
  assert.equal(normalizeEndpoint('https://vcd.example.com'), 'https://vcd.example.com');
  assert.equal(normalizeEndpoint('https://vcd.example.com/'), 'https://vcd.example.com');
  assert.equal(normalizeEndpoint('https://vcd.example.com/api'), 'https://vcd.example.com');
  assert.equal(normalizeEndpoint('https://vcd.example.com/api/'), 'https://vcd.example.com');
  assert.equal(normalizeEndpoint('vcd.example.com:8443'), 'https://vcd.example.com:8443');
  assert.equal(normalizeEndpoint(' http://127.0.0.1:8080/tenant-proxy/api '), 'http://127.0.0.1:8080/tenant-proxy');
});

test('normalizeEndpoint rejects what cannot be an endpoint', () => {
  assert.throws(() => normalizeEndpoint(''), TypeError);
  assert.throws(() => normalizeEndpoint('ftp://vcd.example.com'), /http\(s\)/);
  assert.throws(() => normalizeEndpoint('https://vcd.example.com/?x=1'), /query/);
  assert.throws(() => normalizeEndpoint('https://'), /not a URL/);
});

test('System in any case is the provider, with its own paths', () => {
  for (const org of ['System', 'system', 'SYSTEM']) {
    assert.ok(isProviderOrg(org));
    assert.equal(oauthBasePath(org), '/oauth/provider');
    assert.equal(sessionsPath(org), '/cloudapi/1.0.0/sessions/provider');
  }
  assert.equal(isProviderOrg('systems'), false);
  assert.equal(oauthBasePath('acme'), '/oauth/tenant/acme');
  assert.equal(oauthBasePath('a b/c'), '/oauth/tenant/a%20b%2Fc');
  assert.equal(sessionsPath('acme'), '/cloudapi/1.0.0/sessions');
});

test('requireApiVersion defaults to 37.0 and checks the shape', () => {
  assert.equal(requireApiVersion(undefined), '37.0');
  assert.equal(requireApiVersion('36.1'), '36.1');
  assert.throws(() => requireApiVersion('37'), TypeError);
  assert.throws(() => requireApiVersion('latest'), TypeError);
});
