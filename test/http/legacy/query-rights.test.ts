/**
 * `type=right`: the rights catalogue through the query service, as pyvcloud's Org.list_rights_available_in_vcd and
 * get_right_record (`vcd right list`) read it. Expected rights come from the catalogue (domain/rights.ts), never
 * from the server's answers: a tenant sees the rights its orgs may be given, the provider every right.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { RIGHT_CATALOGUE, rightBundleKey, rightId, rightType } from '../../../src/domain/rights.js';
import { JSON_ACCEPT, get, parseXml, queryRecords, startDemoServer, xmlError, type DemoSessions } from './support.js';

let server: TesseraHandle;
let s: DemoSessions;

before(async () => {
  ({ server, s } = await startDemoServer());
});
after(async () => server?.stop());

const tenantRights = RIGHT_CATALOGUE.filter((r) => !r.providerOnly);
const all = (session: string, query = '') => queryRecords(server, `type=right&pageSize=128${query}`, session, 'RightRecord');

test('a tenant lists the rights its org may be given, the provider every right; each record is the catalogue right', async () => {
  const tenant = await all(s.alice);
  assert.equal(tenant.root.attrs.total, String(tenantRights.length));
  assert.deepEqual(
    tenant.records.map((r) => r.attrs.name),
    tenantRights.map((r) => r.name).sort(),
    'sorted by name, as every query by default',
  );
  for (const record of tenant.records) {
    const right = RIGHT_CATALOGUE.find((r) => r.name === record.attrs.name)!;
    assert.equal(record.attrs.description, right.label);
    assert.equal(record.attrs.category, right.category);
    assert.equal(record.attrs.bundleKey, rightBundleKey(right.name));
    assert.equal(record.attrs.rightType, rightType(right.name));
    assert.equal(record.attrs.href, `${server.baseUrl}/api/admin/right/${rightId(right.name)}`);
  }
  const provider = await all(s.admin);
  assert.equal(provider.root.attrs.total, String(RIGHT_CATALOGUE.length));
  assert.ok(RIGHT_CATALOGUE.length > tenantRights.length, 'the catalogue has provider-only rights to hide');
});

test("get_right_record's name filter, a sort, paging, idrecords and JSON; the record's href is the Right document", async () => {
  const wanted = tenantRights[0]!;
  const one = await all(s.alice, `&filter=${encodeURIComponent(`name==${wanted.name}`)}`);
  assert.deepEqual(
    one.records.map((r) => r.attrs.name),
    [wanted.name],
  );
  const doc = parseXml((await get(server, new URL(one.records[0]!.attrs.href!).pathname, s.alice)).text);
  assert.equal(doc.name, 'Right');
  assert.equal(doc.attrs.name, wanted.name);

  const views = await all(s.alice, `&filter=${encodeURIComponent('rightType==VIEW')}&sortDesc=name`);
  const expectedViews = tenantRights
    .filter((r) => rightType(r.name) === 'VIEW')
    .map((r) => r.name)
    .sort()
    .reverse();
  assert.deepEqual(
    views.records.map((r) => r.attrs.name),
    expectedViews,
  );
  const page2 = await queryRecords(server, 'type=right&pageSize=5&page=2', s.alice, 'RightRecord');
  assert.deepEqual(
    page2.records.map((r) => r.attrs.name),
    tenantRights
      .map((r) => r.name)
      .sort()
      .slice(5, 10),
  );
  const ids = await queryRecords(
    server,
    `type=right&format=idrecords&filter=${encodeURIComponent(`name==${wanted.name}`)}`,
    s.alice,
    'RightRecord',
  );
  assert.equal(ids.records[0]!.attrs.id, `urn:vcloud:right:${rightId(wanted.name)}`);
  const byId = await all(s.alice, `&filter=${encodeURIComponent(`id==urn:vcloud:right:${rightId(wanted.name)}`)}`);
  assert.equal(byId.root.attrs.total, '1');
  const json = await get(server, '/api/query?type=right&pageSize=3', s.alice, JSON_ACCEPT);
  assert.equal(json.status, 200, json.text);
  assert.ok((json.json().record as Array<{ _type: string }>).every((r) => r._type === 'QueryResultRightRecordType'));
});

test('a provider-only right is not found by a tenant; bad filters are 400; who may not read roles is refused', async () => {
  // (A name without a comma: FIQL's `,` is "or", in VCD's filters as here.)
  const providerOnly = RIGHT_CATALOGUE.find((r) => r.providerOnly && !r.name.includes(','))!;
  const hidden = await all(s.alice, `&filter=${encodeURIComponent(`name==${providerOnly.name}`)}`);
  assert.equal(hidden.root.attrs.total, '0');
  const seen = await all(s.admin, `&filter=${encodeURIComponent(`name==${providerOnly.name}`)}`);
  assert.equal(seen.root.attrs.total, '1');
  xmlError(await get(server, `/api/query?type=right&filter=${encodeURIComponent('rightType==EXECUTE')}`, s.alice), 400, 'BAD_REQUEST');
  xmlError(await get(server, `/api/query?type=right&filter=${encodeURIComponent('nope==1')}`, s.alice), 400, 'BAD_REQUEST');
  xmlError(await get(server, '/api/query?type=right&sortAsc=nope', s.alice), 400, 'BAD_REQUEST');
  // bob (vApp Author) has no "Role: View", as for type=role.
  assert.equal((await get(server, '/api/query?type=right', s.bob)).status, (await get(server, '/api/query?type=role', s.bob)).status);
  assert.equal((await get(server, '/api/query?type=right', null)).status, 401);
});
