/**
 * Form bodies (src/http/form-body.ts): strict UTF-8 and %-escapes, a null-prototype object, repeats as arrays; and
 * through the server, a form whose bytes are not UTF-8 is refused (the OAuth endpoints here; the portal's forms go
 * through the same parser, and until 2026-12-05 one created a user with U+FFFD, or the escape kept, in the name).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { parseFormBody } from '../../src/http/form-body.js';
import { foldedParameters } from '../../src/http/oauth/index.js';
import { TesseraError } from '../../src/domain/errors.js';
import { parseJsonBody } from '../../src/http/json-body.js';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';

test('one key repeated 200,000 times is read in one pass, as a form and as the OAuth fold of a text body', { timeout: 10_000 }, () => {
  // Until 2026-12-05 each repeat copied the array of the ones before: a 64 KiB body of `a&a&...` (32,000 repeats)
  // held the event loop for 5 s before any route or authentication, and this input, quadratic, for minutes. The
  // test's timeout is the bound: linear, it takes milliseconds.
  const body = Array.from({ length: 200_000 }, () => 'a=1').join('&');
  const form = parseFormBody(body);
  assert.equal((form.a as string[]).length, 200_000);
  const folded = foldedParameters(body, undefined) as Record<string, string[]>;
  assert.equal(folded.a!.length, 200_000);
  assert.deepEqual(foldedParameters('a=1&a=2&b=3', { b: '3', c: '4' }), { a: ['1', '2'], b: '3', c: '4' });
});

test('parseFormBody: decodes + and %-escapes, keeps repeats, and refuses what is not UTF-8', () => {
  const parsed = parseFormBody('grant_type=refresh_token&name=Zo%C3%AB+B&flag&x=1&x=2&__proto__=p');
  assert.equal(Object.getPrototypeOf(parsed), null);
  assert.equal(parsed.grant_type, 'refresh_token');
  assert.equal(parsed.name, 'Zoë B');
  assert.equal(parsed.flag, '');
  assert.deepEqual(parsed.x, ['1', '2']);
  assert.equal(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value, 'p');
  assert.deepEqual({ ...parseFormBody('') }, {});
  for (const bad of ['name=Zo%EB%FF', 'name=50%', 'name=%zz', 'na%ZZme=x', 'name=Zo\uFFFD']) {
    assert.throws(
      () => parseFormBody(bad),
      (e: unknown) => e instanceof TesseraError && e.status === 400,
      bad,
    );
  }
});

let t: TesseraHandle;
before(async () => {
  t = await startTessera({ demo: true });
});
after(() => t.stop());

/** A raw form POST (fetch would re-encode the bytes). */
function postRaw(path: string, body: Buffer, contentType = 'application/x-www-form-urlencoded'): Promise<{ status: number; text: string }> {
  const url = new URL(`${t.baseUrl}${path}`);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: { 'Content-Type': contentType, 'Content-Length': body.length },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('a form whose bytes are not UTF-8 is a 400 in the API\u2019s format, and changes nothing', async () => {
  const raw = Buffer.concat([Buffer.from('grant_type=refresh_token&refresh_token=Zo'), Buffer.from([0xeb, 0xff])]);
  const token = await postRaw('/oauth/tenant/acme/token', raw);
  assert.equal(token.status, 400, token.text);
  assert.equal(JSON.parse(token.text).minorErrorCode, 'invalid_request');
  const escaped = await postRaw('/oauth/tenant/acme/revoke', Buffer.from('token=Zo%EB%FF'));
  assert.equal(escaped.status, 400, escaped.text);
  assert.equal(JSON.parse(escaped.text).error, 'invalid_request');
});

test('a form declaring a charset other than UTF-8 is read when it is ASCII, and a 415 naming the charset when it is not', async () => {
  // Until 2026-12-07 a latin1 form was "not valid UTF-8", without a word about the charset it declared.
  const latin1 = Buffer.concat([Buffer.from('grant_type=refresh_token&refresh_token=Zo'), Buffer.from([0xeb])]);
  for (const [contentType, named] of [
    ['application/x-www-form-urlencoded; charset=latin1', 'charset=latin1'],
    ['application/x-www-form-urlencoded;charset="ISO-8859-1"', 'charset=ISO-8859-1'],
  ] as const) {
    const res = await postRaw('/oauth/tenant/acme/token', latin1, contentType);
    assert.equal(res.status, 415, res.text);
    assert.equal(JSON.parse(res.text).error, 'invalid_request');
    assert.equal(
      JSON.parse(res.text).error_description,
      `The form is declared as ${named} and holds characters beyond ASCII: forms are read as UTF-8 only. Send the text in UTF-8, with charset=utf-8 or no charset`,
    );
  }
  // A %-escape of a byte over 0x7F means another character in each charset: refused as well, not guessed at.
  const escaped = await postRaw(
    '/oauth/tenant/acme/revoke',
    Buffer.from('token=Zo%C3%AB'),
    'application/x-www-form-urlencoded; charset=windows-1252',
  );
  assert.equal(escaped.status, 415, escaped.text);
  // ASCII reads the same in every charset (Apache HttpClient labels every form ISO-8859-1): read, as UTF-8 is.
  for (const contentType of ['application/x-www-form-urlencoded; charset=ISO-8859-1', 'application/x-www-form-urlencoded; charset=UTF-8']) {
    const ascii = await postRaw('/oauth/tenant/acme/token', Buffer.from('grant_type=refresh_token&refresh_token=not-a-token'), contentType);
    assert.equal(JSON.parse(ascii.text).minorErrorCode, 'invalid_grant', `${contentType}: ${ascii.text}`);
  }
  const utf8 = await postRaw(
    '/oauth/tenant/acme/token',
    Buffer.from('grant_type=refresh_token&refresh_token=Zo%C3%AB'),
    'application/x-www-form-urlencoded; charset=utf-8',
  );
  assert.equal(JSON.parse(utf8.text).minorErrorCode, 'invalid_grant', utf8.text);
});

test('any other body that is not UTF-8 while declaring another charset is a 415 naming it; one that is UTF-8 is read', async () => {
  // Until 2026-12-08 `text/plain; charset=latin1` under /oauth (and JSON so labelled) got the plain "not valid UTF-8".
  const latin1 = Buffer.concat([Buffer.from('grant_type=refresh_token&refresh_token=Zo'), Buffer.from([0xeb])]);
  const said = (charset: string) =>
    `The request body is declared as charset=${charset} and is not UTF-8: bodies are read as UTF-8 only. Send the text in UTF-8, with charset=utf-8 or no charset`;
  const text = await postRaw('/oauth/tenant/acme/token', latin1, 'text/plain; charset=latin1');
  assert.equal(text.status, 415, text.text);
  assert.equal(JSON.parse(text.text).error_description, said('latin1'));
  const json = await postRaw(
    '/cloudapi/1.0.0/groups',
    Buffer.from([0x7b, 0x22, 0xeb, 0x22, 0x7d]),
    'application/json; charset=windows-1252',
  );
  assert.equal(json.status, 415, json.text);
  assert.equal(JSON.parse(json.text).message, said('windows-1252'));
  // No charset declared: the bytes are simply not UTF-8, a 400 as before.
  const bare = await postRaw('/oauth/tenant/acme/token', latin1, 'text/plain');
  assert.equal(bare.status, 400, bare.text);
  assert.equal(JSON.parse(bare.text).error_description, 'The request body is not valid UTF-8');
  // UTF-8 under another label is read as the UTF-8 it is: the exchange goes on to refuse the token itself.
  const utf8 = await postRaw(
    '/oauth/tenant/acme/token',
    Buffer.from('grant_type=refresh_token&refresh_token=Zo\u00eb'),
    'text/plain; charset=latin1',
  );
  assert.equal(JSON.parse(utf8.text).minorErrorCode, 'invalid_grant', utf8.text);
});

test('a body with a Content-Encoding is 415 (nothing is decompressed), in the API\u2019s format, and creates nothing', async () => {
  const alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  for (const coding of ['gzip', 'br', 'deflate, gzip']) {
    const res = await http(`${t.baseUrl}/cloudapi/1.0.0/groups`, {
      method: 'POST',
      headers: {
        ...bearer(alice),
        'Content-Type': 'application/json',
        'Content-Encoding': coding,
        Accept: 'application/json;version=36.1',
      },
      body: JSON.stringify({ name: `coded-${coding}` }),
    });
    assert.equal(res.status, 415, `${coding}: ${res.text}`);
    assert.equal(res.json().minorErrorCode, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal(res.headers.get('accept-encoding'), 'identity');
  }
  const groups = await http(`${t.baseUrl}/cloudapi/1.0.0/groups?filter=name==coded-*`, {
    headers: { ...bearer(alice), Accept: 'application/json;version=36.1' },
  });
  assert.equal(groups.json().resultTotal, 0, 'no group was created');
  const identity = await http(`${t.baseUrl}/api/org`, { headers: { ...bearer(alice), 'Content-Encoding': 'identity' } });
  assert.equal(identity.status, 200, 'identity is no coding');
});

test('one leading byte order mark is ignored in a form, in JSON and in an OAuth text body; a second one is kept', async () => {
  // Until 2026-12-07 a body saved by a Windows tool with a BOM made the first key `\uFEFFgrant_type` and JSON invalid.
  assert.equal(parseFormBody('\uFEFFgrant_type=refresh_token').grant_type, 'refresh_token');
  assert.deepEqual(
    parseJsonBody('\uFEFF{"a":1}', () => new TesseraError('BAD_REQUEST', 'not JSON')),
    { a: 1 },
  );
  assert.deepEqual(foldedParameters('\uFEFFgrant_type=x', undefined), { grant_type: 'x' });
  assert.ok('\uFEFFb' in parseFormBody('\uFEFF\uFEFFb=1'), 'only one is a byte order mark');
  assert.throws(() => parseJsonBody('\uFEFF\uFEFF{}', () => new TesseraError('BAD_REQUEST', 'not JSON')), TesseraError);

  const grant = '\uFEFFgrant_type=refresh_token&refresh_token=not-a-token';
  for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'application/json']) {
    const res = await http(`${t.baseUrl}/oauth/tenant/acme/token`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: grant,
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json().minorErrorCode, 'invalid_grant', `${contentType}: grant_type read: ${res.text}`);
  }
  const alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  for (const contentType of ['application/json', 'text/plain']) {
    const reg = await http(`${t.baseUrl}/oauth/tenant/acme/register`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${alice}`, 'content-type': contentType },
      body: `\uFEFF{"client_name":"bom-${contentType.replace('/', '-')}"}`,
    });
    assert.equal(reg.status, 200, `${contentType}: ${reg.text}`);
  }
});
