/**
 * What Node's parser refuses before fastify sees a request (src/http/client-errors.ts) is answered in the format
 * of the area its request line names: VCD's XML Error under /api, the portal's error page under its pages, the
 * JSON envelope elsewhere (static files included); with a Content-Length that counts the body's bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientErrorResponse } from '../../src/http/client-errors.js';

function answer(requestLine: string, code = 'HPE_INVALID_HEADER_TOKEN') {
  const error = Object.assign(new Error('Parse Error'), {
    code,
    rawPacket: Buffer.from(`${requestLine}\r\nHost: x\r\nBad Header\r\n\r\n`, 'latin1'),
  });
  const raw = clientErrorResponse(error);
  const [head, body] = raw.split('\r\n\r\n', 2) as [string, string];
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(head)?.[1];
  assert.equal(Number(header('Content-Length')), Buffer.byteLength(body, 'utf8'));
  return { status: Number(head.split(' ')[1]), type: header('Content-Type'), body };
}

test('each area answers in its own format', () => {
  const api = answer('GET /api/org HTTP/1.1');
  assert.equal(api.status, 400);
  assert.match(api.type!, /^application\/vnd\.vmware\.vcloud\.error\+xml;version=/);
  assert.match(api.body, /<Error [^>]*minorErrorCode="BAD_REQUEST"/);

  for (const target of ['/tenant/acme/tokens', '/provider/', '/']) {
    const page = answer(`POST ${target} HTTP/1.1`, 'HPE_HEADER_OVERFLOW');
    assert.equal(page.status, 431, target);
    assert.equal(page.type, 'text/html; charset=utf-8', target);
    assert.match(page.body, /^<!doctype html>.*<h1>431<\/h1><p>The request head is larger than 64 KiB<\/p>/, target);
  }

  // A raw space in the target (govcd's QueryWithNotEncodedParams with a value as given): still the /api area.
  const spaced = answer('GET /api/query?type=role&filter=name==vApp Author&filterEncoded=true HTTP/1.1', 'HPE_INVALID_CONSTANT');
  assert.equal(spaced.status, 400);
  assert.match(spaced.type!, /^application\/vnd\.vmware\.vcloud\.error\+xml;version=/);
  assert.match(spaced.body, /<Error [^>]*minorErrorCode="BAD_REQUEST"/);
  assert.match(spaced.body, /its URL holds a space; encode each space as %20/);
  assert.doesNotMatch(api.body, /space/);

  const oauth = answer('POST /oauth/tenant/acme/token HTTP/1.1');
  assert.equal(oauth.type, 'application/json');
  assert.equal(JSON.parse(oauth.body).minorErrorCode, 'invalid_request');

  for (const target of ['/cloudapi/1.0.0/sessions', '/static/app.css']) {
    const json = answer(`GET ${target} HTTP/1.1`);
    assert.equal(json.type, 'application/json', target);
    assert.equal(JSON.parse(json.body).minorErrorCode, 'BAD_REQUEST', target);
  }
});
