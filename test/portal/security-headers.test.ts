/**
 * The portal's security headers (helmet, scoped to the portal plugin) and what its pages may contain under
 * that CSP; the API areas must answer exactly as before, with none of these headers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { PortalClient } from './portal-client.js';

const EXPECTED_CSP =
  "default-src 'none';script-src 'self';style-src 'self';img-src 'self' data:;connect-src 'self';form-action 'self';frame-ancestors 'none';base-uri 'none'";

/** Headers that helmet adds; an API response must carry none of them. */
const HELMET_HEADERS = [
  'content-security-policy',
  'x-frame-options',
  'strict-transport-security',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'x-content-type-options',
  'referrer-policy',
  'origin-agent-cluster',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

/** Inline script or style in any form the CSP would block (and that we therefore must never write). */
function inlineCodeIn(page: string): string[] {
  const problems: string[] = [];
  for (const m of page.matchAll(/<script\b([^>]*)>/gi)) if (!/\bsrc="\/static\/app\.js"/.test(m[1]!)) problems.push(m[0]);
  if (/<style\b/i.test(page)) problems.push('<style>');
  for (const m of page.matchAll(/\s(style|on[a-z]+)\s*=/gi)) problems.push(m[0].trim());
  if (/javascript:/i.test(page)) problems.push('javascript: URL');
  return problems;
}

describe('portal security headers', () => {
  let server: TesseraHandle;
  let alice: PortalClient;

  before(async () => {
    server = await startTessera({ demo: true });
    alice = new PortalClient(server.server.app);
    await alice.signIn('/tenant/acme', 'alice', server.demoPassword);
    await alice.createToken('/tenant/acme', 'ci');
  });
  after(async () => server?.stop());

  test('every kind of portal response carries the strict CSP and the helmet headers', async () => {
    const anonymous = new PortalClient(server.server.app);
    const responses = {
      'sign-in page': await anonymous.get('/tenant/acme/login'),
      'organization chooser': await anonymous.get('/'),
      'redirect to sign-in': await anonymous.get('/tenant/acme/preferences'),
      'portal 404': await anonymous.get('/tenant/acme/no-such-page'),
      stylesheet: await anonymous.get('/static/app.css'),
      script: await anonymous.get('/static/app.js'),
      'signed-in page': await alice.get('/tenant/acme/preferences'),
      'provider sign-in': await anonymous.get('/provider/login'),
    };
    for (const [what, res] of Object.entries(responses)) {
      assert.equal(res.headers['content-security-policy'], EXPECTED_CSP, what);
      assert.equal(res.headers['x-frame-options'], 'DENY', what);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
      assert.equal(res.headers['referrer-policy'], 'no-referrer', what);
    }
    assert.equal(responses['portal 404'].statusCode, 404);
    assert.equal(responses.stylesheet.statusCode, 200);
    assert.match(String(responses.script.headers['content-type']), /javascript/);
  });

  test('pages are never cached', async () => {
    for (const url of [
      '/tenant/acme/',
      '/tenant/acme/preferences',
      '/tenant/acme/preferences/tokens/new',
      '/tenant/acme/administration/tokens',
    ]) {
      const res = await alice.get(url);
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers['cache-control'], 'no-store', url);
    }
  });

  test('no page contains inline script or inline style', async () => {
    const anonymous = new PortalClient(server.server.app);
    const pages = [
      (await anonymous.get('/tenant/acme/login')).body,
      (await anonymous.get('/')).body,
      (await alice.get('/tenant/acme/')).body,
      (await alice.get('/tenant/acme/preferences')).body,
      (await alice.get('/tenant/acme/preferences/tokens/new')).body,
      (await alice.get('/tenant/acme/administration/users')).body,
      (await alice.get('/tenant/acme/administration/tokens')).body,
      (await alice.get('/tenant/acme/no-such-page')).body,
    ];
    await alice.submit('/tenant/acme/preferences', '/tenant/acme/preferences/totp/start', {});
    pages.push((await alice.get('/tenant/acme/preferences/totp')).body);
    for (const page of pages) {
      assert.match(page, /<link rel="stylesheet" href="\/static\/app\.css">/);
      assert.deepEqual(inlineCodeIn(page), [], page.slice(0, 200));
    }
    assert.match(
      pages.at(-1)!,
      /<img class="qr-code" src="data:image\/svg\+xml;base64,/,
      'the QR code is an image, allowed by img-src data:',
    );
  });

  test('the API areas answer without any of the portal headers', async () => {
    const inject = (method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}) =>
      server.server.app.inject({ method, url, headers: { accept: 'application/*+xml;version=37.0', ...headers } });
    const responses = {
      '/api/versions': await inject('GET', '/api/versions'),
      '/api/query unauthenticated': await inject('GET', '/api/query?type=vm'),
      '/cloudapi sessions/current': await inject('GET', '/cloudapi/1.0.0/sessions/current', { accept: 'application/json;version=37.0' }),
      '/oauth token error': await inject('POST', '/oauth/tenant/acme/token', { 'content-type': 'application/x-www-form-urlencoded' }),
      '/health': await inject('GET', '/health'),
      'unknown API path': await inject('GET', '/api/no-such-thing'),
    };
    assert.equal(responses['/api/versions'].statusCode, 200);
    for (const [what, res] of Object.entries(responses)) {
      // nosniff is the one header the API areas share with the portal, on their own terms (test/http/nosniff.test.ts).
      for (const header of HELMET_HEADERS.filter((h) => h !== 'x-content-type-options')) {
        assert.equal(res.headers[header], undefined, `${what}: ${header}`);
      }
    }
  });
});
