/**
 * JSON answers carry VCD's content types byte for byte: no `; charset=utf-8` or other parameter added by the
 * framework (strict clients and the seed's scripts compare them), and a Content-Length that counts the UTF-8
 * bytes of a body with non-ASCII text. The JSON senders share one helper (src/http/context.ts, sendExactText).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, DEMO_PASSWORD, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, createApiToken, exchange, http, signIn, type Reply } from '../helpers/api.js';

let t: TesseraHandle;
let session: string;
let apiToken: string;
const NAME = 'CI – déploiement ✓';

before(async () => {
  t = await startTessera({ demo: true });
  session = await signIn(t.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  ({ apiToken } = await createApiToken(t.baseUrl, session, 'acme', NAME));
});
after(() => t.stop());

function assertExact(reply: Reply, status: number, contentType: string): void {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.headers.get('content-type'), contentType);
  assert.equal(Number(reply.headers.get('content-length')), Buffer.byteLength(reply.text, 'utf8'));
  JSON.parse(reply.text);
}

test('the token exchange and its errors are exactly application/json', async () => {
  const ok = await exchange(t.baseUrl, 'acme', apiToken);
  assertExact(ok, 200, 'application/json');
  assert.equal(ok.json().token_type, 'Bearer');
  assertExact(await exchange(t.baseUrl, 'acme', 'not-a-token'), 400, 'application/json');
});

test('cloudapi JSON keeps its version parameter alone, and counts UTF-8 bytes', async () => {
  const list = await http(`${t.baseUrl}/cloudapi/1.0.0/tokens?filter=${encodeURIComponent(`name==${NAME}`)}`, { headers: bearer(session) });
  assertExact(list, 200, 'application/json;version=37.0');
  assert.deepEqual(
    list.json().values.map((v: { name: string }) => v.name),
    [NAME],
  );
  assert.ok(Buffer.byteLength(list.text, 'utf8') > list.text.length, 'the body holds multi-byte characters');
  assertExact(
    await http(`${t.baseUrl}/cloudapi/1.0.0/tokens/urn:vcloud:token:nope`, { headers: bearer(session) }),
    403,
    'application/json',
  );
});

test("/api's VCD JSON documents, query lists and errors keep their +json types", async () => {
  const json = 'application/*+json;version=36.1';
  assertExact(
    await http(`${t.baseUrl}/api/session`, { headers: bearer(session, json) }),
    200,
    'application/vnd.vmware.vcloud.session+json;version=36.1',
  );
  assertExact(
    await http(`${t.baseUrl}/api/query`, { headers: bearer(session, json) }),
    200,
    'application/vnd.vmware.vcloud.query.queryList+json;version=36.1',
  );
  assertExact(
    await http(`${t.baseUrl}/api/query?type=vm&pageSize=2`, { headers: bearer(session, json) }),
    200,
    'application/vnd.vmware.vcloud.query.records+json;version=36.1',
  );
  assertExact(
    await http(`${t.baseUrl}/api/query?type=nosuchtype`, { headers: bearer(session, json) }),
    400,
    'application/vnd.vmware.vcloud.error+json;version=36.1',
  );
});
