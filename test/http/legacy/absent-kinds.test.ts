/**
 * Query types of the kinds of entity Tessera's inventory holds none of: independent disks (`disk`, `adminDisk`) and
 * edge gateways (`edgeGateway`). Served with no records, so the clients that list them to find one by name say "not
 * found" instead of failing on an unknown type (src/inventory/query/catalogue.ts). The requests are the clients' own:
 * govcd's Vdc.QueryDisks (`name==<name>;vdc==<vdc id>`, under Terraform's vcd_independent_disk) and
 * Vdc.QueryEdgeGatewayList (`orgVdcName==<name>`, under vcd_edgegateway and vcd_resource_list).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { JSON_ACCEPT, childrenNamed, get, links, parseXml, queryRecords, startDemoServer, xmlError, type DemoSessions } from './support.js';

let server: TesseraHandle;
let s: DemoSessions;

before(async () => {
  ({ server, s } = await startDemoServer());
});
after(async () => server?.stop());

async function firstVdc(session: string): Promise<{ name: string; href: string }> {
  const { records } = await queryRecords(server, 'type=orgVdc&pageSize=1', session, 'OrgVdcRecord');
  return { name: records[0]!.attrs.name!, href: records[0]!.attrs.href! };
}

test("disks and edge gateways: no records for the clients' own queries, in every format; not an unknown type", async () => {
  const vdc = await firstVdc(s.alice);
  const vdcId = vdc.href.split('/').at(-1)!;
  const cases = [
    ['disk', s.alice, 'DiskRecord', `name==data-disk;vdc==urn:vcloud:vdc:${vdcId}`],
    ['disk', s.bob, 'DiskRecord', `name==data-disk;vdc==${vdc.href}`],
    ['adminDisk', s.admin, 'AdminDiskRecord', `name==data-disk;vdc==urn:vcloud:vdc:${vdcId}`],
    ['edgeGateway', s.alice, 'EdgeGatewayRecord', `orgVdcName==${vdc.name}`],
    ['edgeGateway', s.admin, 'EdgeGatewayRecord', `orgVdcName==${vdc.name}`],
  ] as const;
  for (const [type, session, element, filter] of cases) {
    for (const format of ['records', 'idrecords', 'references']) {
      const { root, records } = await queryRecords(
        server,
        `type=${type}&format=${format}&filter=${encodeURIComponent(filter)}`,
        session,
        element,
      );
      assert.equal(root.attrs.total, '0', `${type} ${format}`);
      assert.equal(records.length, 0);
    }
    const json = await get(server, `/api/query?type=${type}&filter=${encodeURIComponent(filter)}&sortAsc=name`, session, JSON_ACCEPT);
    assert.equal(json.status, 200, json.text);
    assert.deepEqual([json.json().total, json.json().record], [0, []], type);
  }
});

test("their fields are VCD's: any of them filters and sorts, an unknown one is a 400; adminDisk is the provider's", async () => {
  const disks = await queryRecords(
    server,
    `type=disk&filter=${encodeURIComponent('sizeMb=gt=1024;isAttached==false;storageProfileName==Gold*')}&sortDesc=sizeMb&fields=name,sizeMb,busType`,
    s.alice,
    'DiskRecord',
  );
  assert.equal(disks.root.attrs.total, '0');
  const gateways = await queryRecords(
    server,
    `type=edgeGateway&filter=${encodeURIComponent('isBusy==false;numberOfOrgNetworks=ge=1')}&sortAsc=gatewayStatus`,
    s.alice,
    'EdgeGatewayRecord',
  );
  assert.equal(gateways.root.attrs.total, '0');
  for (const type of ['disk', 'edgeGateway']) {
    xmlError(await get(server, `/api/query?type=${type}&filter=nope==1`, s.alice), 400, 'BAD_REQUEST');
    xmlError(await get(server, `/api/query?type=${type}&sortAsc=nope`, s.alice), 400, 'BAD_REQUEST');
  }
  // Like the other admin types: the System administrator's. A tenant asking is refused, whatever it would find.
  xmlError(await get(server, '/api/query?type=adminDisk', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  assert.equal((await get(server, '/api/query?type=disk', null)).status, 401);
  const offered = new Set(links(parseXml((await get(server, '/api/query', s.alice)).text)).map((l) => l.attrs.name));
  for (const type of ['disk', 'edgeGateway']) assert.ok(offered.has(type), `the QueryList offers ${type}`);
});

test("a VDC links its edge gateways (pyvcloud's VDC.list_edge_gateways): no records, read like the VDC", async () => {
  for (const session of [s.alice, s.admin]) {
    const vdc = await firstVdc(session);
    const doc = parseXml((await get(server, vdc.href, session)).text);
    const [link, ...more] = links(doc, 'edgeGateways');
    assert.equal(more.length, 0);
    assert.equal(link!.attrs.type, 'application/vnd.vmware.vcloud.query.records+xml');
    assert.equal(link!.attrs.href, `${server.baseUrl}/api/admin/vdc/${vdc.href.split('/').at(-1)}/edgeGateways`);
    const reply = await get(server, link!.attrs.href!, session);
    assert.equal(reply.status, 200, reply.text);
    const root = parseXml(reply.text);
    assert.equal(root.name, 'QueryResultRecords');
    assert.equal(root.attrs.name, 'edgeGateway');
    assert.equal(root.attrs.total, '0');
    assert.equal(childrenNamed(root, 'EdgeGatewayRecord').length, 0);
    const json = await get(server, link!.attrs.href!, session, JSON_ACCEPT);
    assert.deepEqual([json.json().total, json.json().record], [0, []]);
  }
  // Another org's VDC, an unknown or malformed id: the same 403 as the VDC itself.
  const acmeVdc = await firstVdc(s.alice);
  const id = acmeVdc.href.split('/').at(-1)!;
  for (const [path, session] of [
    [`/api/admin/vdc/${id}/edgeGateways`, s.hank],
    ['/api/admin/vdc/00000000-0000-4000-8000-000000000000/edgeGateways', s.alice],
    ['/api/admin/vdc/not-an-id/edgeGateways', s.alice],
  ] as const) {
    xmlError(await get(server, path, session), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  }
  xmlError(await get(server, `/api/admin/vdc/${id}/edgeGateways?filter=nope==1`, s.alice), 400, 'BAD_REQUEST');
});

test("VDC templates: no records for govcd's GetVdcTemplateByName (tenant's and provider's type), not an unknown type", async () => {
  // Terraform's data "vcd_org_vdc_template" failed on the 400 until 2026-12-05; now it says "not found".
  const cases = [
    ['orgVdcTemplate', s.alice, 'OrgVdcTemplateRecord'],
    ['adminOrgVdcTemplate', s.admin, 'AdminOrgVdcTemplateRecord'],
  ] as const;
  for (const [type, session, element] of cases) {
    for (const format of ['records', 'idrecords', 'references']) {
      // govcd's own request: the name as a filter, `filterEncode=true`.
      const { root, records } = await queryRecords(
        server,
        `type=${type}&format=${format}&filter=name==notemplate&filterEncode=true`,
        session,
        element,
      );
      assert.equal(root.attrs.total, '0', `${type} ${format}`);
      assert.equal(records.length, 0);
    }
    const json = await get(server, `/api/query?type=${type}&sortAsc=name`, session, JSON_ACCEPT);
    assert.deepEqual([json.status, json.json().total, json.json().record], [200, 0, []], type);
    xmlError(await get(server, `/api/query?type=${type}&filter=nope==1`, session), 400, 'BAD_REQUEST');
  }
  const tenantFilter = await queryRecords(
    server,
    `type=orgVdcTemplate&filter=${encodeURIComponent('description==x*')}&sortDesc=name`,
    s.bob,
    'OrgVdcTemplateRecord',
  );
  assert.equal(tenantFilter.root.attrs.total, '0');
  const adminFields = `filter=${encodeURIComponent('networkBackingType==NSX_T;tenantVisibleName==Gold*')}&sortAsc=tenantVisibleName`;
  assert.equal(
    (await queryRecords(server, `type=adminOrgVdcTemplate&${adminFields}`, s.admin, 'AdminOrgVdcTemplateRecord')).root.attrs.total,
    '0',
  );
  xmlError(await get(server, '/api/query?type=adminOrgVdcTemplate', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
});
