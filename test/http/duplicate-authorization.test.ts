/**
 * Two `Authorization` headers with two different credentials: Node keeps the first and drops the other, while a
 * gateway in front may have authorized or logged the request by the other, so Tessera would act as a principal the
 * layers before it never saw. Refused with a 401 in the area's format (src/auth/authenticator.ts). The same
 * credential twice (the old CSI driver's `Bearer T` and `bearer Bearer T`) is served as before. Until 2026-12-07
 * the first header counted, whatever the other held.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rawBytes } from '../helpers/raw-bytes.js';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { basic, signIn } from '../helpers/api.js';
import { authorizationsAgree } from '../../src/auth/authenticator.js';
import { repeatedSingletonHeader } from '../../src/http/request-origin.js';

let t: TesseraHandle;
let port: number;
let alice: string;
let bob: string;

before(async () => {
  t = await startTessera({ config: { signInRateLimit: 1000 } });
  port = Number(new URL(t.baseUrl).port);
  [alice, bob] = await Promise.all([signIn(t.baseUrl, 'alice', 'acme', t.demoPassword), signIn(t.baseUrl, 'bob', 'acme', t.demoPassword)]);
});
after(() => t.stop());

const request = (method: string, path: string, headers: string, body = '') =>
  rawBytes(port, `${method} ${path} HTTP/1.1\r\nHost: x\r\n${headers}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);

test('two Authorization headers with two different bearers are a 401 in the area\u2019s format, whichever comes first', async () => {
  for (const two of [
    `Authorization: Bearer ${alice}\r\nauthorization: Bearer ${bob}\r\n`,
    `Authorization: Bearer ${bob}\r\nAuthorization: bearer Bearer ${alice}\r\n`,
  ]) {
    const cloudapi = await request('GET', '/cloudapi/1.0.0/sessions/current', `Accept: application/json;version=37.0\r\n${two}`);
    assert.equal(cloudapi.status, 401, cloudapi.text.slice(0, 300));
    assert.match(
      cloudapi.text,
      /"minorErrorCode":"UNAUTHORIZED","message":"The request has two Authorization headers with two different credentials"/,
    );
    const api = await request('GET', '/api/org', `Accept: application/*+xml;version=37.0\r\n${two}`);
    assert.equal(api.status, 401, api.text.slice(0, 300));
    assert.match(api.text, /<Error [^>]*minorErrorCode="UNAUTHORIZED"[^>]*two different credentials/);
    const oauth = await request(
      'POST',
      '/oauth/tenant/acme/introspect',
      `Content-Type: application/x-www-form-urlencoded\r\n${two}`,
      `token=${encodeURIComponent(bob)}`,
    );
    assert.equal(oauth.status, 401, oauth.text.slice(0, 300));
    assert.match(oauth.text, /"error":"invalid_token"/);
    assert.ok(!api.text.includes(alice) && !cloudapi.text.includes(bob), 'no credential echoed');
  }
});

test('a bearer and an X-VMWARE-VCLOUD-ACCESS-TOKEN with two different tokens are a 401; the same token in both (govcd) is served', async () => {
  const two = `Authorization: Bearer ${bob}\r\nX-VMWARE-VCLOUD-ACCESS-TOKEN: ${alice}\r\n`;
  const cloudapi = await request('GET', '/cloudapi/1.0.0/sessions/current', `Accept: application/json;version=37.0\r\n${two}`);
  assert.equal(cloudapi.status, 401, cloudapi.text.slice(0, 300));
  assert.match(
    cloudapi.text,
    /"minorErrorCode":"UNAUTHORIZED","message":"Authorization and X-VMWARE-VCLOUD-ACCESS-TOKEN carry two different/,
  );
  const api = await request('GET', '/api/org', `Accept: application/*+xml;version=37.0\r\n${two}`);
  assert.equal(api.status, 401, api.text.slice(0, 300));
  assert.ok(!cloudapi.text.includes(alice) && !api.text.includes(bob), 'no credential echoed');
  // govcd: `bearer` in lower case, VCD's header and the token type, one token throughout.
  const govcd = `authorization: bearer ${alice}\r\nX-Vmware-Vcloud-Access-Token: ${alice}\r\nX-Vmware-Vcloud-Token-Type: Bearer\r\n`;
  const served = await request('GET', '/cloudapi/1.0.0/sessions/current', `Accept: application/json;version=37.0\r\n${govcd}`);
  assert.equal(served.status, 200, served.text.slice(0, 300));
  assert.match(served.text, /"name":"alice"/);
  // A legacy session id beside a bearer names a session, not a token: not compared (the bearer is read).
  const legacy = await request(
    'GET',
    '/cloudapi/1.0.0/sessions/current',
    `Accept: application/json;version=37.0\r\nAuthorization: Bearer ${alice}\r\nx-vcloud-authorization: 0123456789abcdef0123456789abcdef\r\n`,
  );
  assert.equal(legacy.status, 200, legacy.text.slice(0, 300));
});

test('a sign-in with two different Basic credentials is refused and makes no session', async () => {
  const two = `Authorization: ${basic('alice', 'acme', t.demoPassword)}\r\nAuthorization: ${basic('bob', 'acme', t.demoPassword)}\r\n`;
  const res = await request('POST', '/cloudapi/1.0.0/sessions', `Accept: application/json;version=37.0\r\n${two}`);
  assert.equal(res.status, 401, res.text.slice(0, 300));
  assert.doesNotMatch(res.text, /x-vmware-vcloud-access-token/i);
  const legacy = await request('POST', '/api/sessions', `Accept: application/*+xml;version=37.0\r\n${two}`);
  assert.equal(legacy.status, 401, legacy.text.slice(0, 300));
  assert.doesNotMatch(legacy.text, /x-vcloud-authorization/i);
});

test('the same credential twice, however its scheme is written, is served as one', async () => {
  for (const same of [
    `Authorization: Bearer ${alice}\r\nAuthorization: bearer Bearer ${alice}\r\n`,
    `Authorization: Bearer ${alice}\r\nAuthorization: BEARER  ${alice} \r\n`,
  ]) {
    const res = await request('GET', '/cloudapi/1.0.0/sessions/current', `Accept: application/json;version=37.0\r\n${same}`);
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assert.match(res.text, /"name":"alice"/);
  }
  assert.equal(repeatedSingletonHeader(['Host', 'a', 'Authorization', 'x', 'Cache-Control', 'y', 'X-Authorization', 'c']), null);
  assert.equal(repeatedSingletonHeader(['authorization', 'a', 'Host', 'h', 'AUTHORIZATION', 'b']), 'authorization');
  assert.equal(repeatedSingletonHeader(['authorization', 'a', 'AUTHORIZATION', 'b', 'host', 'h', 'Host', 'h']), 'host');
  assert.equal(
    repeatedSingletonHeader(['Content-Type', 'a/b', 'authorization', 'x', 'content-type', ' A/B ', 'Authorization', 'y']),
    'authorization',
  );
  assert.equal(repeatedSingletonHeader(['Content-Type', 'a/b', 'content-type', 'a/c', 'Authorization', 'x']), 'content-type');
  assert.ok(authorizationsAgree(['Authorization', 'Basic YQ==', 'authorization', 'basic YQ==']));
  assert.ok(!authorizationsAgree(['Authorization', 'Basic YQ==', 'authorization', 'Basic Yg==']));
  assert.ok(!authorizationsAgree(['Authorization', 'Bearer a', 'authorization', 'Basic a']));
});

test('the token endpoint, which reads no bearer, still answers with two stale ones', async () => {
  const res = await request(
    'POST',
    '/oauth/tenant/acme/token',
    `Content-Type: application/x-www-form-urlencoded\r\nAuthorization: Bearer stale\r\nAuthorization: Bearer stale2\r\n`,
    'grant_type=refresh_token&refresh_token=nope',
  );
  assert.equal(res.status, 400);
  assert.match(res.text, /"minorErrorCode":"invalid_grant"/);
});
