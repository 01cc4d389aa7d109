/**
 * A query string that is not percent-encoded UTF-8 (`%C3%28`, `%FF`, an encoded surrogate, `%G1`) is a 400 in every
 * area, in that area's format (src/http/query-encoding.ts). Until 2026-12-06 only `/api/query` refused it: the
 * cloudapi's lists answered `filter=name==%C3%28` with an empty list and `?x=%FF` with the list, the portal a page.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';
import { PortalClient } from '../portal/portal-client.js';
import { invalidQueryPiece } from '../../src/http/query-encoding.js';

const BROKEN = ['%C3%28', '%FF', '%ED%A0%80', '%G1', '%', '%E2%82', 'caf%E9'];

test('invalidQueryPiece names the first piece that encodes no UTF-8 text, and passes every well-formed one', () => {
  for (const b of BROKEN) assert.equal(invalidQueryPiece(`/x?a=1&filter=name==${b}&c=%FF`), `filter=name==${b}`, b);
  for (const url of ['/x', '/x?', '/x?a=1&b=caf%C3%A9', '/x?q=%F0%9F%94%91+key', '/x?a=%25', '/x?filter=name==*%2A'])
    assert.equal(invalidQueryPiece(url), null, url);
});

describe('a query string that is not UTF-8, in every area', () => {
  let t: TesseraHandle;
  let alice: string;
  before(async () => {
    t = await startTessera();
    alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  });
  after(async () => t?.stop());

  test('the cloudapi: its JSON error, for a filter and for any other parameter', async () => {
    for (const b of BROKEN) {
      for (const url of [
        `/cloudapi/1.0.0/users?filter=name==${b}`,
        `/cloudapi/1.0.0/tokens?filter=name==${b}`,
        `/cloudapi/1.0.0/roles?x=${b}`,
      ]) {
        const res = await http(`${t.baseUrl}${url}`, { headers: { ...bearer(alice), Accept: 'application/json;version=37.0' } });
        assert.equal(res.status, 400, `${url}: ${res.text.slice(0, 200)}`);
        assert.equal(res.json().minorErrorCode, 'BAD_REQUEST');
        assert.match(res.json().message, /The query string is not valid URL encoding/);
      }
    }
  });

  test('/api: VCD Error, in XML or JSON as asked; /api/query as before', async () => {
    const xml = await http(`${t.baseUrl}/api/org?x=%FF`, { headers: { ...bearer(alice), Accept: 'application/*+xml;version=36.1' } });
    assert.equal(xml.status, 400);
    assert.match(xml.text, /<Error [^>]*minorErrorCode="BAD_REQUEST"[^>]*not valid URL encoding[^>]*majorErrorCode="400"/);
    const json = await http(`${t.baseUrl}/api/query?type=vm&filter=name==%C3%28`, {
      headers: { ...bearer(alice), Accept: 'application/*+json;version=36.1' },
    });
    assert.equal(json.status, 400);
    assert.equal(json.json().majorErrorCode, 400);
  });

  test('/oauth: the OAuth envelope (RFC 6749 §5.2 invalid_request)', async () => {
    const res = await http(`${t.baseUrl}/oauth/tenant/acme/token?x=%FF`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=x',
    });
    assert.equal(res.status, 400);
    assert.equal(res.json().error, 'invalid_request');
    assert.match(res.json().error_description, /not valid URL encoding/);
  });

  test('the portal: its 400 page', async () => {
    const portal = new PortalClient(t.server.app);
    await portal.signIn('/tenant/acme', 'alice', t.demoPassword);
    for (const url of ['/tenant/acme/administration/users?search=%C3%28', '/tenant/acme/login?next=%FF']) {
      const res = await portal.get(url);
      assert.equal(res.statusCode, 400, url);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body, /The query string is not valid URL encoding near &quot;/);
    }
    // A well-formed search in any script is searched, not refused.
    assert.equal((await portal.get(`/tenant/acme/administration/users?search=${encodeURIComponent('Zoë 🔑')}`)).statusCode, 200);
  });
});
