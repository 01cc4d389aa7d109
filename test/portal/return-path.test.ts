/**
 * The way back after signing in again (src/http/portal/return-path.ts): only a relative path of this portal, never
 * a URL to follow; after a form POST, the form's page.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { cameFromThisSite, returnPathFor, safeReturnPath } from '../../src/http/portal/return-path.js';
import { PROVIDER_PORTAL, tenantPortal } from '../../src/http/portal/portal-org.js';

const acme = tenantPortal('acme');

test('a path of this portal is kept as it is, query included', () => {
  for (const path of [
    '/tenant/acme/preferences',
    '/tenant/acme/preferences?ended=all',
    '/tenant/acme/tokens/0b6f0d0e-8f5e-4a52-9d1a-1f1e2d3c4b5a/revoke?from=user',
    '/tenant/acme/vms?search=web%20server&page=2',
    '/tenant/acme/administration/audit?who=alice&from=2026-12-01',
  ]) {
    assert.equal(safeReturnPath(path, acme), path);
  }
  assert.equal(safeReturnPath('/provider/administration/tokens?org=globex', PROVIDER_PORTAL), '/provider/administration/tokens?org=globex');
});

test('anything else is refused: other sites, other portals, tricks with slashes and dots, the sign-in pages', () => {
  for (const raw of [
    '',
    'https://evil.example/',
    '//evil.example/tenant/acme/',
    '/\\evil.example/',
    '\\\\evil.example',
    'javascript:alert(1)',
    'tenant/acme/preferences',
    '/tenant/acme',
    '/tenant/acmecorp/preferences',
    '/tenant/globex/preferences',
    '/provider/preferences',
    '/tenant/acme//evil.example',
    '/tenant/acme/../globex/preferences',
    '/tenant/acme/./preferences',
    '/tenant/acme/%2e%2e/globex/',
    '/tenant/acme/%2E./globex/',
    '/tenant/acme/%2f%2fevil.example',
    '/tenant/acme/%5cevil.example',
    '/tenant/acme/%zz',
    '/tenant/acme/preferences#fragment',
    '/tenant/acme/pre ferences',
    '/tenant/acme/"><script>',
    '/tenant/acme/preferences\r\nSet-Cookie: x=y',
    '/tenant/acme/login',
    '/tenant/acme/login/code',
    '/tenant/acme/sign-out',
    `/tenant/acme/${'a'.repeat(1100)}`,
  ]) {
    assert.equal(safeReturnPath(raw, acme), null, JSON.stringify(raw));
  }
  assert.equal(safeReturnPath('/tenant/acme/preferences', PROVIDER_PORTAL), null, "a tenant's page is not the provider's");
});

/** Just what returnPathFor and cameFromThisSite read of a request. */
function request(method: string, url: string, body: Record<string, string> = {}, headers: Record<string, string> = {}): FastifyRequest {
  const server = { tessera: { config: { publicUrl: null, host: '127.0.0.1', port: 8443 } } };
  return {
    method,
    url,
    body,
    headers,
    protocol: 'https',
    host: 'portal.example',
    server,
    raw: { socket: {} },
  } as unknown as FastifyRequest;
}

test('the way back from a page is the page; from a form, the form: its /new page, itself, or the page it is on', () => {
  const pages = new Set([
    '/tenant/acme/preferences',
    '/tenant/acme/preferences/password',
    '/tenant/acme/preferences/tokens/new',
    '/tenant/acme/preferences/totp',
    '/tenant/acme/administration/users',
    '/tenant/acme/administration/users/new',
    '/tenant/acme/administration/users/u1',
    '/tenant/acme/tokens/t1/revoke',
  ]);
  const hasPage = (path: string) => pages.has(path);
  const cases: Array<[FastifyRequest, string | null]> = [
    [request('GET', '/tenant/acme/preferences?ended=all'), '/tenant/acme/preferences?ended=all'],
    [request('GET', '/tenant/acme/'), null],
    [request('POST', '/tenant/acme/preferences/password'), '/tenant/acme/preferences/password'],
    [request('POST', '/tenant/acme/preferences/tokens'), '/tenant/acme/preferences/tokens/new'],
    [request('POST', '/tenant/acme/administration/users'), '/tenant/acme/administration/users/new'],
    [request('POST', '/tenant/acme/administration/users/u1/disable'), '/tenant/acme/administration/users/u1'],
    [request('POST', '/tenant/acme/preferences/totp/confirm'), '/tenant/acme/preferences/totp'],
    [request('POST', '/tenant/acme/tokens/t1/revoke', { from: 'tokens' }), '/tenant/acme/tokens/t1/revoke?from=tokens'],
    [request('POST', '/tenant/acme/tokens/t1/revoke', { from: '//evil.example' }), '/tenant/acme/tokens/t1/revoke?from=preferences'],
    // A revoke from a page of a searched list: back to its confirmation with that page and search (checked, encoded).
    [
      request('POST', '/tenant/acme/tokens/t1/revoke', { from: 'tokens', search: 'ci & cd', page: '3' }),
      '/tenant/acme/tokens/t1/revoke?from=tokens&search=ci+%26+cd&page=3',
    ],
    [
      request('POST', '/tenant/acme/tokens/t1/revoke', { from: 'org-tokens', page: '2' }),
      '/tenant/acme/tokens/t1/revoke?from=org-tokens&page=2',
    ],
    [
      request('POST', '/tenant/acme/tokens/t1/revoke', { from: 'user', search: 'x'.repeat(129), page: '//evil.example' }),
      '/tenant/acme/tokens/t1/revoke?from=user',
    ],
    [request('POST', '/tenant/acme/sign-out'), null],
    [request('POST', '/tenant/acme/nowhere/at/all'), null],
  ];
  for (const [req, expected] of cases) assert.equal(returnPathFor(req, acme, hasPage), expected, `${req.method} ${req.url}`);
  // A path with doubled slashes reaches the same page (the router collapses them): the way back is that page.
  for (const url of ['//tenant/acme/vms?page=2', '/tenant//acme/vms?page=2', '/tenant/acme//vms?page=2', '//provider//vms?page=2']) {
    const portal = url.includes('provider') ? PROVIDER_PORTAL : acme;
    assert.equal(returnPathFor(request('GET', url), portal, hasPage), `${portal.basePath}/vms?page=2`, url);
  }
  // The org as the URL spells it, whatever its encoding there: the base path is the portal's own.
  assert.equal(returnPathFor(request('GET', '/tenant/ACME/vms'), tenantPortal('ACME'), hasPage), '/tenant/ACME/vms');
  assert.equal(returnPathFor(request('GET', '/provider/vms?page=2'), PROVIDER_PORTAL, hasPage), '/provider/vms?page=2');
});

test('from this site: a same-origin Referer, or Sec-Fetch-Site: same-origin when there is no Referer', () => {
  assert.equal(cameFromThisSite(request('GET', '/x', {}, { referer: 'https://portal.example/tenant/acme/' })), true);
  assert.equal(cameFromThisSite(request('GET', '/x', {}, { referer: 'https://portal.example:8443/' })), false);
  assert.equal(cameFromThisSite(request('GET', '/x', {}, { referer: 'http://portal.example/' })), false);
  assert.equal(cameFromThisSite(request('GET', '/x', {}, { referer: 'not a url' })), false);
  assert.equal(cameFromThisSite(request('GET', '/x', {}, { 'sec-fetch-site': 'same-origin' })), true);
  assert.equal(cameFromThisSite(request('GET', '/x', {}, { 'sec-fetch-site': 'same-site' })), false);
  assert.equal(cameFromThisSite(request('GET', '/x', {}, { 'sec-fetch-site': 'none' })), false);
  assert.equal(cameFromThisSite(request('GET', '/x')), false);
});
