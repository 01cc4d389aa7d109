/**
 * A request body with a transfer coding before the final `chunked` (`Transfer-Encoding: gzip, chunked`): Node takes
 * the chunking off and hands over the rest as it came, and until 2026-12-07 that rest was read as if it were plain,
 * so a plain body labelled gzip was acted on (a token exchanged, a group created). Now it is a 400 in each area's
 * format, as Node's own answer to `Transfer-Encoding: gzip` alone is, and nothing is done; `chunked` alone is read.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, createApiToken, http, signIn } from '../helpers/api.js';
import { connect } from 'node:net';

let t: TesseraHandle;
let port: number;
let session: string;
let apiToken: string;

before(async () => {
  t = await startTessera({ demo: true });
  port = Number(new URL(t.baseUrl).port);
  session = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  ({ apiToken } = await createApiToken(t.baseUrl, session, 'acme', 'transfer-coding'));
});
after(() => t.stop());

/**
 * One request with its body sent in one chunk, under the given Transfer-Encoding; the answer read until the server
 * closes (`Connection: close`). The client does not half-close first: an answer that waits on the store would find
 * its socket ended (helpers/raw-bytes.ts ends it at once).
 */
function chunked(target: string, coding: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const size = Buffer.byteLength(body).toString(16);
  const request = `${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: ${coding}\r\n${head}Connection: close\r\n\r\n${size}\r\n${body}\r\n0\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0), text: data }));
    socket.on('error', reject);
  });
}

const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
const MESSAGE = 'Transfer-Encoding can only be chunked';

test('the token exchange refuses a body under another transfer coding with OAuth\u2019s invalid_request, and issues nothing', async () => {
  const grant = `grant_type=refresh_token&refresh_token=${apiToken}`;
  for (const coding of ['gzip, chunked', 'deflate, chunked', 'GZIP , chunked']) {
    const res = await chunked('POST /oauth/tenant/acme/token', coding, form, grant);
    assert.equal(res.status, 400, `${coding}: ${res.text}`);
    assert.match(res.text, /\r\ncontent-type: application\/json\r\n/i);
    const body = JSON.parse(res.text.slice(res.text.indexOf('\r\n\r\n') + 4));
    assert.equal(body.error, 'invalid_request', coding);
    assert.match(body.error_description, new RegExp(MESSAGE));
    assert.equal(body.access_token, undefined, 'no token was issued');
  }
  const plain = await chunked('POST /oauth/tenant/acme/token', 'chunked', form, grant);
  assert.equal(plain.status, 200, 'chunked alone is read');
  assert.match(plain.text, /"access_token"/);
});

test('/cloudapi, /api (XML and JSON) and the portal refuse it in their own formats, and nothing is created', async () => {
  const group = JSON.stringify({ name: 'coded-transfer' });
  const cloudapi = await chunked(
    'POST /cloudapi/1.0.0/groups',
    'gzip, chunked',
    { ...bearer(session, 'application/json;version=36.1'), 'Content-Type': 'application/json' },
    group,
  );
  assert.equal(cloudapi.status, 400, cloudapi.text);
  assert.match(cloudapi.text, /"minorErrorCode":"BAD_REQUEST","message":"Transfer-Encoding can only be chunked/);
  const groups = await http(`${t.baseUrl}/cloudapi/1.0.0/groups?filter=name==coded-*`, {
    headers: bearer(session, 'application/json;version=36.1'),
  });
  assert.equal(groups.json().resultTotal, 0, 'no group was created');

  const xml = await chunked('POST /api/sessions', 'gzip, chunked', { Accept: 'application/*+xml;version=36.1' }, '<x/>');
  assert.equal(xml.status, 400, xml.text);
  assert.match(xml.text, /\r\ncontent-type: application\/vnd\.vmware\.vcloud\.error\+xml;version=36\.1\r\n/i);
  assert.match(xml.text, /<Error [^>]*minorErrorCode="BAD_REQUEST"[^>]*message="\[ [^\]]+ \] Transfer-Encoding can only be chunked/);

  const json = await chunked('POST /api/sessions', 'gzip, chunked', { Accept: 'application/*+json;version=36.1' }, '{}');
  assert.equal(json.status, 400, json.text);
  assert.match(json.text, /\r\ncontent-type: application\/vnd\.vmware\.vcloud\.error\+json;version=36\.1\r\n/i);
  assert.match(json.text, /"majorErrorCode":400/);

  const portal = await chunked('POST /tenant/acme/login', 'gzip, chunked', form, 'username=alice&password=x');
  assert.equal(portal.status, 400, portal.text);
  assert.match(portal.text, /\r\ncontent-type: text\/html; charset=utf-8\r\n/i);
  assert.match(portal.text, /Transfer-Encoding can only be chunked/);
});

/**
 * The refused request and a second one sent after it on the same kept-alive connection, in one write; every byte the
 * server sends read until it closes (or a second passes).
 */
function pipelined(first: string, second: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(first + second));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    const timer = setTimeout(() => socket.destroy(), 1000);
    socket.on('close', () => (clearTimeout(timer), resolve(data)));
    socket.on('error', reject);
  });
}

test('the connection of a refused transfer coding is closed after its answer: a request pipelined behind it is not read', async () => {
  const grant = `grant_type=refresh_token&refresh_token=${apiToken}`;
  const size = Buffer.byteLength(grant).toString(16);
  const next =
    `POST /oauth/tenant/acme/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
    `Content-Length: ${Buffer.byteLength(grant)}\r\n\r\n${grant}`;
  // `Transfer-Encoding:` empty then `chunked` (a proxy that reads the first sees no body), and `gzip, chunked`.
  for (const coding of ['\r\nTransfer-Encoding: chunked', 'gzip, chunked']) {
    const first =
      `POST /oauth/tenant/acme/token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: ${coding}\r\n` +
      `Content-Type: application/x-www-form-urlencoded\r\n\r\n${size}\r\n${grant}\r\n0\r\n\r\n`;
    const text = await pipelined(first, next);
    const answers = text.match(/^HTTP\/1\.1 \d{3}/gm) ?? [];
    assert.deepEqual(answers, ['HTTP/1.1 400'], `${JSON.stringify(coding)}: one answer, the refusal: ${text}`);
    assert.match(text, /\r\nconnection: close\r\n/i, JSON.stringify(coding));
    // Node 24's parser refuses the empty Transfer-Encoding itself, before any route (its 400 "not valid HTTP/1.1",
    // client-errors.ts); Node 20's lets it through to Tessera's refusal. Either way one 400, and nothing read after it.
    assert.match(text, new RegExp(`${MESSAGE}|The request is not valid HTTP/1\\.1`));
    assert.doesNotMatch(text, /access_token/, 'the request behind it was not read');
  }
});
