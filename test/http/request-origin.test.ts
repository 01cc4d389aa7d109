/**
 * A malformed Host header is the client's error: 400 in the envelope of the API area called, never a 500 from
 * building an href (src/http/request-origin.ts). A well-formed one still names the hrefs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { rawBytes } from '../helpers/raw-bytes.js';
import { startTessera, DEMO_PASSWORD } from '../helpers/tessera.js';
import { signIn, bearer } from '../helpers/api.js';
import { isValidHost, repeatedSingletonHeader } from '../../src/http/request-origin.js';
import { raw, XML_37, JSON_37 } from '../security/support.js';

test('isValidHost', () => {
  for (const ok of ['vcd.example.com', 'vcd.example.com:443', '127.0.0.1:8080', '[::1]', '[::1]:8443', 'localhost', 'a_b.internal'])
    assert.ok(isValidHost(ok), ok);
  for (const bad of ['[::1', '::1', 'a b', 'a/b', 'a:b:c', 'host:99999', 'host:', '[zz::1]', 'a\tb', 'a@b', '.', '-x'])
    assert.ok(!isValidHost(bad), bad);
});

test('a malformed Host header answers 400 in each area envelope, never 500', async (t) => {
  const handle = await startTessera({ backend: 'sqlite' });
  t.after(() => handle.stop());
  const port = Number(new URL(handle.baseUrl).port);
  const session = await signIn(handle.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const get = (path: string, host: string, headers: Record<string, string>) =>
    new Promise<{ status: number; contentType: string; text: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, headers: { ...headers, Host: host }, agent: false }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), text }));
      });
      req.on('error', reject);
      req.end();
    });

  for (const host of ['[::1', 'a b', 'x/y', '[::1]:99999']) {
    const api = await get('/api/versions', host, { Accept: XML_37 });
    assert.equal(api.status, 400, `${host}: ${api.text}`);
    assert.match(api.contentType, /application\/vnd\.vmware\.vcloud\.error\+xml/);
    assert.match(api.text, /minorErrorCode="BAD_REQUEST"/);

    const cloudapi = await get('/cloudapi/1.0.0/tokens?page=1&pageSize=1', host, bearer(session, JSON_37));
    assert.equal(cloudapi.status, 400, `${host}: ${cloudapi.text}`);
    assert.equal(JSON.parse(cloudapi.text).minorErrorCode, 'BAD_REQUEST');

    const oauth = await get('/oauth/tenant/acme/.well-known/openid-configuration', host, {});
    assert.notEqual(oauth.status, 500);
    assert.ok(oauth.status === 400 || oauth.status === 404, `${host}: ${oauth.status}`);

    const portal = await get('/tenant/acme', host, { Accept: 'text/html' });
    assert.equal(portal.status, 400, `${host}: ${portal.status}`);
  }

  // Control characters: Node's parser refuses them itself (400), before Tessera sees the request.
  const ctl = await rawBytes(port, 'GET /api/versions HTTP/1.1\r\nHost: a\x01b\r\nConnection: close\r\n\r\n');
  assert.equal(ctl.status, 400);

  // Two Host headers (RFC 9112 §3.2): refused, in the area's format, whichever one a proxy would have routed by.
  const twoHosts = await rawBytes(port, 'GET /api/versions HTTP/1.1\r\nHost: a.example\r\nhost: b.example\r\nConnection: close\r\n\r\n');
  assert.equal(twoHosts.status, 400, twoHosts.text.slice(0, 300));
  assert.match(twoHosts.text, /minorErrorCode="BAD_REQUEST"[^>]*message="[^"]*more than one Host header/);
  assert.equal(repeatedSingletonHeader(['Host', 'a', 'Accept', 'x', 'X-Host', 'b']), null);
  assert.equal(repeatedSingletonHeader(['host', 'a', 'HOST', 'a']), 'host', 'even with one value');

  // A good Host still names the hrefs; none at all (HTTP/1.0) falls back to the listen address.
  const good = await raw(`${handle.baseUrl}/api/versions`, { headers: { Host: 'vcd.example.com:9443', Accept: XML_37 } });
  assert.equal(good.status, 200);
  assert.match(good.text, /http:\/\/vcd\.example\.com:9443\/api\//);
  const http10 = await rawBytes(port, 'GET /api/versions HTTP/1.0\r\nAccept: application/*+xml;version=37.0\r\n\r\n');
  assert.equal(http10.status, 200, http10.text.slice(0, 300));
  assert.match(http10.text, /http:\/\/127\.0\.0\.1:\d+\/api\//);
});
