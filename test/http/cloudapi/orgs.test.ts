/**
 * /cloudapi/1.0.0/orgs and /vdcs: the paged envelope, FIQL filters and sorting, Link headers, and isolation
 * (a tenant sees its own org; foreign or unknown ids are 403, vcd-wire §7).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { http, bearer } from '../../helpers/api.js';
import { DEMO_INVENTORY, demoVms } from '../../../src/inventory/demo-spec.js';
import { startDemoServer, type DemoSessions } from '../legacy/support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;
let globexId: string;

before(async () => {
  ({ server, s, acmeId, globexId } = await startDemoServer());
});
after(async () => server?.stop());

const list = async (path: string, token: string) => {
  const reply = await http(`${server.baseUrl}/cloudapi/1.0.0/${path}`, { headers: bearer(token) });
  return { reply, body: reply.status === 200 ? reply.json() : null };
};

test('GET /orgs: a tenant sees its own org, in the paged envelope with counts', async () => {
  const { reply, body } = await list('orgs', s.alice);
  assert.equal(reply.status, 200);
  assert.match(reply.headers.get('content-type') ?? '', /^application\/json;version=37\.0/);
  assert.deepEqual([body.resultTotal, body.pageCount, body.page, body.pageSize, body.associations], [1, 1, 1, 25, []]);
  const acme = body.values[0];
  assert.deepEqual([acme.id, acme.name, acme.displayName, acme.isEnabled], [`urn:vcloud:org:${acmeId}`, 'acme', 'Acme Corporation', true]);
  assert.equal(acme.orgVdcCount, DEMO_INVENTORY.acme.vdcs.length);
  assert.equal(acme.runningVMCount, demoVms(DEMO_INVENTORY.acme).filter((p) => p.vm.status === 'POWERED_ON').length);
  assert.equal(acme.userCount, 2);
  // Catalogs: the distinct catalogs of the org's templates, as the query service's OrgRecord counts them.
  const catalogs = new Set(DEMO_INVENTORY.acme.vdcs.flatMap((v) => v.vapps.filter((a) => a.template).map((a) => a.catalog)));
  assert.ok(catalogs.size >= 2);
  assert.equal(acme.catalogCount, catalogs.size);
});

test('GET /orgs as System: every org, FIQL filter and sort, Link header paging', async () => {
  assert.deepEqual(
    (await list('orgs?sortDesc=name', s.admin)).body.values.map((o: { name: string }) => o.name),
    ['globex', 'acme', 'System'],
  );
  assert.deepEqual(
    (await list('orgs?filter=name==glob*', s.admin)).body.values.map((o: { name: string }) => o.name),
    ['globex'],
  );
  const { reply, body } = await list('orgs?pageSize=1&page=2&sortAsc=name', s.admin);
  assert.deepEqual([body.resultTotal, body.pageCount, body.values.length], [3, 3, 1]);
  const link = reply.headers.get('link') ?? '';
  assert.match(link, /rel="nextPage"/);
  assert.match(link, /rel="previousPage"/);
  // A path with its slashes doubled reaches the handler; its links are this server's (until 2026-12-05 their host
  // was "cloudapi": `//cloudapi/...` resolved as a URL with a host).
  const doubled = await http(`${server.baseUrl}//cloudapi/1.0.0//orgs?pageSize=1&page=2&sortAsc=name`, { headers: bearer(s.admin) });
  assert.equal(doubled.status, 200);
  const next = /<([^>]+)>;rel="nextPage"/.exec(doubled.headers.get('link') ?? '')?.[1];
  assert.equal(next, `${server.baseUrl}/cloudapi/1.0.0/orgs?pageSize=1&page=3&sortAsc=name`);
});

test('GET /orgs/{id}: own org by URN or UUID; another or unknown org is 403', async () => {
  for (const id of [`urn:vcloud:org:${acmeId}`, acmeId]) {
    const reply = await http(`${server.baseUrl}/cloudapi/1.0.0/orgs/${id}`, { headers: bearer(s.alice) });
    assert.equal(reply.status, 200);
    assert.equal(reply.json().name, 'acme');
  }
  for (const id of [`urn:vcloud:org:${globexId}`, 'urn:vcloud:org:00000000-0000-4000-8000-000000000000', 'nonsense']) {
    const reply = await http(`${server.baseUrl}/cloudapi/1.0.0/orgs/${id}`, { headers: bearer(s.alice) });
    assert.equal(reply.status, 403, id);
    assert.equal(reply.json().minorErrorCode, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  }
});

test('GET /vdcs: own VDCs only; filters on allocationType and org.name', async () => {
  const mine = (await list('vdcs', s.alice)).body;
  assert.deepEqual(mine.values.map((v: { name: string }) => v.name).sort(), DEMO_INVENTORY.acme.vdcs.map((v) => v.name).sort());
  assert.ok(
    mine.values.every((v: { org: { id: string; name: string } }) => v.org.id === `urn:vcloud:org:${acmeId}` && v.org.name === 'acme'),
  );
  const prod = mine.values.find((v: { name: string }) => v.name === 'acme-prod');
  assert.equal(prod.numberOfVMs, demoVms(DEMO_INVENTORY.acme).filter((p) => p.vdc.name === 'acme-prod').length);
  assert.deepEqual(
    (await list('vdcs?filter=allocationType==Flex', s.alice)).body.values.map((v: { name: string }) => v.name),
    ['acme-prod'],
  );
  assert.equal((await list('vdcs?filter=org.name==globex', s.alice)).body.resultTotal, 0, 'a tenant cannot reach another org by filtering');
  assert.equal((await list('vdcs?filter=org.name==globex', s.admin)).body.resultTotal, DEMO_INVENTORY.globex.vdcs.length);
});

test('bad filters and sort fields are 400 in the CloudAPI envelope', async () => {
  for (const path of ['orgs?filter=name=', 'orgs?filter=colour==red', 'vdcs?sortAsc=colour', 'vdcs?filter=allocationType==Elastic']) {
    const reply = await http(`${server.baseUrl}/cloudapi/1.0.0/${path}`, { headers: bearer(s.alice) });
    assert.equal(reply.status, 400, path);
    assert.equal(reply.json().minorErrorCode, 'BAD_REQUEST');
  }
});

test("GET /vdcs/{id}: another org's VDC is 403", async () => {
  const globexVdc = (await list('vdcs', s.hank)).body.values[0].id as string;
  assert.equal((await http(`${server.baseUrl}/cloudapi/1.0.0/vdcs/${globexVdc}`, { headers: bearer(s.hank) })).status, 200);
  assert.equal((await http(`${server.baseUrl}/cloudapi/1.0.0/vdcs/${globexVdc}`, { headers: bearer(s.alice) })).status, 403);
});
