/**
 * Malformed requests at the token endpoint: each gets a clear OAuth error in VCD's envelope, never a 500, and
 * nothing about whether an org or token exists.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { createApiToken, exchange, http, signIn } from '../../helpers/api.js';

let t: TesseraHandle;
before(async () => {
  t = await startTessera({ demo: true, config: { tokenRateLimitPerIp: 100_000 } });
});
after(() => t.stop());

const post = (path: string, contentType: string, body: string) =>
  http(`${t.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

const cases: Array<[string, string, string, string, string]> = [
  ['invalid JSON body', '/oauth/tenant/acme/token', 'application/json', '{bad', 'invalid_request'],
  [
    'JSON body with a bad token',
    '/oauth/tenant/acme/token',
    'application/json',
    '{"grant_type":"refresh_token","refresh_token":"tsr_x"}',
    'invalid_grant',
  ],
  [
    // JSON.parse keeps the last value; something in front of the server may have read the first.
    'a JSON body that gives refresh_token twice',
    '/oauth/tenant/acme/token',
    'application/json',
    '{"grant_type":"refresh_token","refresh_token":"a","refresh_token":"b"}',
    'invalid_request',
  ],
  [
    'a registration sent as text/plain that gives client_name twice',
    '/oauth/tenant/acme/register',
    'text/plain',
    '{"client_name":"a","client_name":"b"}',
    'invalid_request',
  ],
  [
    'an org name with % (no double decoding)',
    '/oauth/tenant/100%25/token',
    'application/x-www-form-urlencoded',
    'grant_type=refresh_token&refresh_token=x',
    'invalid_grant',
  ],
  [
    'an org that does not exist',
    '/oauth/tenant/no-such-org/token',
    'application/x-www-form-urlencoded',
    'grant_type=refresh_token&refresh_token=x',
    'invalid_grant',
  ],
  [
    'an unsupported grant type',
    '/oauth/tenant/acme/token',
    'application/x-www-form-urlencoded',
    'grant_type=password&username=a&password=b',
    'unsupported_grant_type',
  ],
  ['an empty body', '/oauth/tenant/acme/token', 'application/x-www-form-urlencoded', '', 'invalid_request'],
  [
    'a jwt-bearer grant without an assertion',
    '/oauth/tenant/acme/token',
    'application/x-www-form-urlencoded',
    'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&client_id=0a3b7c1e-5d2f-4e8a-9b61-2c4d6e8f0a1b',
    'invalid_request',
  ],
  [
    'a jwt-bearer grant with a bad client_id',
    '/oauth/tenant/acme/token',
    'application/x-www-form-urlencoded',
    'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&client_id=NOT-A-UUID&assertion=x',
    'invalid_request',
  ],
];

for (const [name, path, contentType, body, expected] of cases) {
  test(`token endpoint: ${name} -> 400 ${expected}`, async () => {
    const res = await post(path, contentType, body);
    assert.equal(res.status, 400, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const json = res.json();
    assert.equal(json.minorErrorCode, expected);
    assert.equal(typeof json.message, 'string');
    assert.equal(json.stackTrace, null);
  });
}

test('a body of another media type (multipart, XML) is a 415 naming the form type, and is not read', async () => {
  // Until 2026-12-07 such a body was read as a form: a multipart body that sent grant_type was told it was required,
  // and an XML-labelled form revoked a token that a proxy reading XML saw no parameter in.
  const alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  const { apiToken } = await createApiToken(t.baseUrl, alice, 'acme', 'media-types');
  const boundary = 'b0undary';
  const multipart = (fields: Record<string, string>) =>
    Object.entries(fields)
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('') + `--${boundary}--\r\n`;
  const bodies: Array<[string, string, string]> = [
    ['token', `multipart/form-data; boundary=${boundary}`, multipart({ grant_type: 'refresh_token', refresh_token: apiToken })],
    ['token', 'application/xml', `grant_type=refresh_token&refresh_token=${apiToken}`],
    ['revoke', `multipart/form-data; boundary=${boundary}`, multipart({ token: apiToken })],
    ['revoke', 'application/xml', `token=${apiToken}`],
    ['revoke', 'Text/XML; charset=utf-8', `token=${apiToken}`],
    ['introspect', 'text/xml', `token=${apiToken}`],
  ];
  for (const [endpoint, contentType, body] of bodies) {
    const res = await http(`${t.baseUrl}/oauth/tenant/acme/${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': contentType, Authorization: `Bearer ${alice}` },
      body,
    });
    const what = `${endpoint} ${contentType}`;
    assert.equal(res.status, 415, `${what}: ${res.text}`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/, what);
    const json = res.json();
    assert.equal(json.error, 'invalid_request', what);
    assert.match(json.error_description, /application\/x-www-form-urlencoded/, what);
    assert.ok(!res.text.includes(apiToken), `${what}: nothing of the body echoed`);
  }
  // Nothing was revoked.
  assert.equal((await exchange(t.baseUrl, 'acme', apiToken)).status, 200);
});
