/**
 * A Content-Type header that is no media type (`;;;`, an empty value, `application`, two types in a list): fastify
 * refuses it with a 415 before any route runs. Each area answers it in its own format, says the header cannot be
 * read (until 2026-12-07: "Unsupported Content-Type", which sent clients looking for a type the server would
 * take), and nothing is done.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, createApiToken, http, signIn } from '../helpers/api.js';
import { PortalClient, csrfFrom } from '../portal/portal-client.js';

let t: TesseraHandle;
let port: number;
let session: string;
let apiToken: string;

before(async () => {
  t = await startTessera({ demo: true });
  port = Number(new URL(t.baseUrl).port);
  session = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  ({ apiToken } = await createApiToken(t.baseUrl, session, 'acme', 'content-type-header'));
});
after(() => t.stop());

/** The request as written (fetch would refuse or fix such a header); the answer read until the server closes. */
function send(
  target: string,
  contentType: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; head: string; body: string }> {
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const request = `${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\n${head}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    socket.on('close', () => {
      const split = data.indexOf('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0), head: data.slice(0, split), body: data.slice(split + 4) });
    });
    socket.on('error', reject);
  });
}

const MALFORMED = [';;;', '', 'application', 'application/json, application/x-www-form-urlencoded'];
const SAYS = /The Content-Type header is not a media type \(type\/subtype, such as application\/json\); nothing was read/;

test('under /oauth: 415 with OAuth\u2019s error fields, and no token is issued', async () => {
  for (const type of MALFORMED) {
    const res = await send('POST /oauth/tenant/acme/token', type, {}, `grant_type=refresh_token&refresh_token=${apiToken}`);
    assert.equal(res.status, 415, `${JSON.stringify(type)}: ${res.body}`);
    assert.match(res.head, /\r\ncontent-type: application\/json\r\n/i);
    const body = JSON.parse(res.body);
    assert.equal(body.error, 'invalid_request');
    assert.match(body.error_description, SAYS);
    assert.equal(body.access_token, undefined);
  }
});

test('under /cloudapi: 415 in its JSON envelope, and nothing is created', async () => {
  for (const type of MALFORMED) {
    const res = await send(
      'POST /cloudapi/1.0.0/groups',
      type,
      bearer(session, 'application/json;version=36.1'),
      JSON.stringify({ name: 'typed' }),
    );
    assert.equal(res.status, 415, `${JSON.stringify(type)}: ${res.body}`);
    const body = JSON.parse(res.body);
    assert.equal(body.minorErrorCode, 'UNSUPPORTED_MEDIA_TYPE');
    assert.match(body.message, SAYS);
  }
  const groups = await http(`${t.baseUrl}/cloudapi/1.0.0/groups?filter=name==typed`, {
    headers: bearer(session, 'application/json;version=36.1'),
  });
  assert.equal(groups.json().resultTotal, 0, 'no group was created');
});

test('under /api: VCD\u2019s Error in XML, or in JSON when asked; the portal: its HTML page', async () => {
  const xml = await send('POST /api/sessions', ';;;', { Accept: 'application/*+xml;version=36.1' }, '');
  assert.equal(xml.status, 415, xml.body);
  assert.match(xml.head, /\r\ncontent-type: application\/vnd\.vmware\.vcloud\.error\+xml;version=36\.1\r\n/i);
  assert.match(xml.body, /minorErrorCode="UNSUPPORTED_MEDIA_TYPE"/);
  assert.match(xml.body, SAYS);
  const json = await send('POST /api/sessions', '', { Accept: 'application/*+json;version=36.1' }, '');
  assert.equal(json.status, 415, json.body);
  assert.match(json.head, /\r\ncontent-type: application\/vnd\.vmware\.vcloud\.error\+json;version=36\.1\r\n/i);
  assert.match(JSON.parse(json.body).message, SAYS);
  const portal = await send('POST /tenant/acme/login', 'application', {}, 'username=alice');
  assert.equal(portal.status, 415, portal.body);
  assert.match(portal.head, /\r\ncontent-type: text\/html; charset=utf-8\r\n/i);
  assert.match(portal.body, /The Content-Type header is not a media type/);
});

test('two Content-Type headers that differ are a 400 in the area\u2019s format, and nothing is done; two that agree are one', async () => {
  const grant = `grant_type=refresh_token&refresh_token=${apiToken}`;
  // Node reads the first; a proxy or WAF in front may have read the body as the second says.
  const twice = { 'Content-Type': 'text/plain' };
  const oauth = await send('POST /oauth/tenant/acme/token', 'application/x-www-form-urlencoded', twice, grant);
  assert.equal(oauth.status, 400, oauth.body);
  const refused = JSON.parse(oauth.body);
  assert.equal(refused.error, 'invalid_request');
  assert.match(refused.error_description, /two Content-Type headers that differ/);
  assert.equal(refused.access_token, undefined, 'no token was issued');

  const cloudapi = await send(
    'POST /cloudapi/1.0.0/groups',
    'application/json',
    { ...bearer(session, 'application/json;version=36.1'), 'Content-Type': 'application/xml' },
    JSON.stringify({ name: 'typed-twice' }),
  );
  assert.equal(cloudapi.status, 400, cloudapi.body);
  assert.equal(JSON.parse(cloudapi.body).minorErrorCode, 'BAD_REQUEST');
  const groups = await http(`${t.baseUrl}/cloudapi/1.0.0/groups?filter=name==typed-twice`, {
    headers: bearer(session, 'application/json;version=36.1'),
  });
  assert.equal(groups.json().resultTotal, 0, 'no group was created');

  const portal = await send(
    'POST /tenant/acme/login',
    'application/x-www-form-urlencoded',
    { 'Content-Type': 'application/json' },
    'username=alice',
  );
  assert.equal(portal.status, 400, portal.body);
  assert.match(portal.head, /\r\ncontent-type: text\/html; charset=utf-8\r\n/i);

  const agree = await send(
    'POST /oauth/tenant/acme/token',
    'application/x-www-form-urlencoded',
    { 'content-type': 'Application/X-WWW-Form-Urlencoded ' },
    grant,
  );
  assert.equal(agree.status, 200, agree.body);
  assert.ok(JSON.parse(agree.body).access_token);
});

test('a portal form sent as text, multipart or with no type is a 415 page naming the form type, and changes nothing', async () => {
  const alice = new PortalClient(t.server.app);
  await alice.signIn('/tenant/acme', 'alice', t.demoPassword);
  const csrf = csrfFrom((await alice.get('/tenant/acme/preferences/tokens/new')).body);
  const cookie = [...alice.cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('; ');
  for (const [type, says] of [
    ['text/plain', 'not text/plain'],
    ['multipart/form-data; boundary=x', 'not multipart/form-data'],
    [undefined, 'not as a body without a Content-Type'],
  ] as const) {
    const res = await t.server.app.inject({
      method: 'POST',
      url: '/tenant/acme/preferences/tokens',
      headers: { cookie, accept: 'text/html', ...(type ? { 'content-type': type } : {}) },
      payload: `_csrf=${encodeURIComponent(csrf)}&name=not-a-form`,
    });
    assert.equal(res.statusCode, 415, `${type}: ${res.body.slice(0, 300)}`);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(res.body, /<span class="error-status">415<\/span> Not a form/);
    assert.ok(res.body.includes(`A portal form is sent as application/x-www-form-urlencoded, ${says}; nothing was read`), res.body);
  }
  const tokens = await http(`${t.baseUrl}/cloudapi/1.0.0/tokens?filter=name==not-a-form`, {
    headers: bearer(session, 'application/json;version=36.1'),
  });
  assert.equal(tokens.json().resultTotal, 0, 'no token was created');
  // The sign-in form too, before any password is read.
  const signIn = await send('POST /tenant/acme/login', 'text/plain', {}, `username=alice&password=${t.demoPassword}`);
  assert.equal(signIn.status, 415, signIn.body);
  assert.match(signIn.head, /\r\ncontent-type: text\/html; charset=utf-8\r\n/i);
  assert.doesNotMatch(signIn.head, /set-cookie: /i, 'no session');
});
