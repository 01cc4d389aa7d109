/**
 * NSX-T edge gateways (`GET /cloudapi/1.0.0/edgeGateways`): Tessera holds none, so the list is an empty page for
 * every reader of VDCs, with the filters govcd sends (Org.GetNsxtEdgeGatewayByName: `name==`; Vdc's: `ownerRef.id==`
 * and `name==`), where it used to be the 404 of an unknown path (src/http/cloudapi/empty-lists.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { http, bearer, accessTokenFrom, createApiToken } from '../../helpers/api.js';
import { demoIds } from '../../../src/inventory/demo.js';
import { startDemoServer, type DemoSessions } from '../legacy/support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;
let aliceToken: string;

before(async () => {
  ({ server, s, acmeId } = await startDemoServer());
  const { apiToken } = await createApiToken(server.baseUrl, s.alice, 'acme', 'edge-gateways');
  aliceToken = await accessTokenFrom(server.baseUrl, 'acme', apiToken);
});
after(async () => server?.stop());

const list = (query: string, token: string | null) =>
  http(`${server.baseUrl}/cloudapi/1.0.0/edgeGateways${query}`, { headers: token ? bearer(token) : {} });

test("an empty page for the clients' own filters, for a tenant, its API token and the provider", async () => {
  const vdcUrn = `urn:vcloud:vdc:${demoIds.vdc(acmeId, 'acme-prod')}`;
  for (const token of [s.alice, s.bob, aliceToken, s.admin]) {
    for (const filter of [
      '',
      `?filter=${encodeURIComponent('name==edge-1')}`,
      `?filter=${encodeURIComponent(`ownerRef.id==${vdcUrn};name==edge-1`)}`,
    ]) {
      const reply = await list(`${filter}${filter ? '&' : '?'}pageSize=32&sortAsc=name`, token);
      assert.equal(reply.status, 200, reply.text);
      const body = reply.json();
      assert.deepEqual([body.resultTotal, body.pageCount, body.page, body.pageSize, body.values], [0, 0, 1, 32, []], filter);
    }
  }
});

test("VCD's fields only: an unknown filter or sort field and a malformed reference are 400; no session is 401", async () => {
  for (const query of ['?filter=nope==1', '?sortAsc=nope', `?filter=${encodeURIComponent('ownerRef.id==not-an-id')}`]) {
    const reply = await list(query, s.alice);
    assert.equal(reply.status, 400, query);
    assert.equal(reply.json().minorErrorCode, 'BAD_REQUEST');
  }
  assert.equal((await list('', null)).status, 401);
  assert.equal((await http(`${server.baseUrl}/cloudapi/1.0.0/edgeGateways`, { method: 'POST', headers: bearer(s.admin) })).status, 405);
});
