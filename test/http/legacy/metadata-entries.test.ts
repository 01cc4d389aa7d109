/**
 * One metadata entry by key (`<href>/metadata/[SYSTEM/]{key}`): every MetadataEntry href that a VDC's, a vApp's or a
 * VM's Metadata document names resolves to that entry's MetadataValue, as go-vcloud-director's GetMetadataByKey
 * reads it; a key the entity lacks, or lacks in that domain, is a 403 naming it; PRIVATE entries are the provider's.
 * Expected values come from the demo spec, never from the server's answers.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { DEMO_INVENTORY, demoVms } from '../../../src/inventory/demo-spec.js';
import {
  JSON_ACCEPT,
  child,
  childrenNamed,
  get,
  links,
  parseXml,
  queryRecords,
  startDemoServer,
  xmlError,
  type DemoSessions,
} from './support.js';

let server: TesseraHandle;
let s: DemoSessions;

before(async () => {
  ({ server, s } = await startDemoServer());
});
after(async () => server?.stop());

/** A VDC, a vApp and a VM of acme that the demo gives metadata, with their entries. */
function demoEntities() {
  const vdc = DEMO_INVENTORY.acme.vdcs.find((v) => v.metadata.length > 0)!;
  const placement = demoVms(DEMO_INVENTORY.acme).find((p) => !p.vapp.template && p.vm.metadata.length > 0)!;
  return { vdc, vm: placement.vm, vappName: placement.vapp.name };
}

async function hrefOf(type: string, element: string, name: string): Promise<string> {
  const { records } = await queryRecords(server, `type=${type}&filter=${encodeURIComponent(`name==${name}`)}`, s.alice, element);
  assert.equal(records.length, 1, `${type} ${name}`);
  return records[0]!.attrs.href!;
}

test("every entry a Metadata document names is served at its href, with the entity's value", async () => {
  const { vdc, vm, vappName } = demoEntities();
  assert.ok(vdc && vm, 'the demo has a VDC and a VM with metadata');
  const entities: Array<[string, readonly { key: string; value: string }[]]> = [
    [await hrefOf('orgVdc', 'OrgVdcRecord', vdc.name), vdc.metadata],
    [await hrefOf('vm', 'VMRecord', vm.name), vm.metadata],
  ];
  const vapp = await hrefOf('vApp', 'VAppRecord', vappName);
  entities.push([vapp, []]);
  for (const [entityHref, expected] of entities) {
    const doc = parseXml((await get(server, `${entityHref}/metadata`, s.alice)).text);
    const entries = childrenNamed(doc, 'MetadataEntry');
    for (const want of expected)
      assert.ok(
        entries.some((e) => child(e, 'Key').text === want.key),
        `${entityHref} lists ${want.key}`,
      );
    for (const entry of entries) {
      const key = child(entry, 'Key').text;
      const reply = await get(server, entry.attrs.href!, s.alice);
      assert.equal(reply.status, 200, `${entry.attrs.href}: ${reply.text}`);
      assert.match(String(reply.headers.get('content-type')), /^application\/vnd\.vmware\.vcloud\.metadata\.value\+xml/);
      const value = parseXml(reply.text);
      assert.equal(value.name, 'MetadataValue');
      assert.equal(value.attrs.href, entry.attrs.href);
      assert.equal(links(value, 'up')[0]!.attrs.href, `${entityHref}/metadata`);
      assert.equal(child(child(value, 'TypedValue'), 'Value').text, child(child(entry, 'TypedValue'), 'Value').text, key);
      const spec = expected.find((e) => e.key === key);
      if (spec) assert.equal(child(child(value, 'TypedValue'), 'Value').text, spec.value, key);
      const json = await get(server, entry.attrs.href!, s.alice, JSON_ACCEPT);
      assert.equal(json.status, 200, json.text);
      assert.equal((JSON.parse(json.text) as { typedValue: { value: unknown } }).typedValue.value !== undefined, true);
    }
  }
});

test('a missing key, a key in the other domain and another org are refused; PRIVATE entries are the provider’s', async () => {
  const { vdc, vm } = demoEntities();
  const vdcHref = await hrefOf('orgVdc', 'OrgVdcRecord', vdc.name);
  const vmHref = await hrefOf('vm', 'VMRecord', vm.name);
  const key = vdc.metadata[0]!.key;
  assert.match(
    xmlError(await get(server, `${vdcHref}/metadata/no-such-key`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN'),
    /no-such-key/,
  );
  xmlError(await get(server, `${vdcHref}/metadata/SYSTEM/${encodeURIComponent(key)}`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(await get(server, `${vdcHref}/metadata/${encodeURIComponent(key)}`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(
    await get(server, `${vmHref}/metadata/${encodeURIComponent(vm.metadata[0]!.key)}`, s.hank),
    403,
    'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
  );
  assert.equal((await get(server, `${vdcHref}/metadata/${encodeURIComponent(key)}`, null)).status, 401);

  // A SYSTEM entry and a PRIVATE one on the VM, written as the provider would.
  const vmId = vmHref.split('vm-').at(-1)!;
  const orgId = (await server.store.getOrgByName('acme'))!.id;
  for (const [domain, visibility, name] of [
    ['SYSTEM', 'READONLY', 'system-entry'],
    ['GENERAL', 'PRIVATE', 'private-entry'],
  ] as const) {
    await server.store.db
      .insertInto('metadata')
      .values({
        entity_kind: 'vm',
        entity_id: vmId,
        org_id: orgId,
        domain,
        key: name,
        value: 'v',
        value_type: 'MetadataStringValue',
        visibility,
      })
      .execute();
  }
  const system = await get(server, `${vmHref}/metadata/SYSTEM/system-entry`, s.alice);
  assert.equal(system.status, 200, system.text);
  assert.equal(child(parseXml(system.text), 'Domain').text, 'SYSTEM');
  xmlError(await get(server, `${vmHref}/metadata/system-entry`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(await get(server, `${vmHref}/metadata/private-entry`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  assert.equal((await get(server, `${vmHref}/metadata/private-entry`, s.admin)).status, 200);
});

test("the GENERAL domain named in the path, as pyvcloud's get_metadata_value asks (<metadata href>/GENERAL/<key>): the same entry", async () => {
  const { vdc, vm, vappName } = demoEntities();
  const vdcHref = await hrefOf('orgVdc', 'OrgVdcRecord', vdc.name);
  const vmHref = await hrefOf('vm', 'VMRecord', vm.name);
  for (const [entityHref, key] of [
    [vdcHref, vdc.metadata[0]!.key],
    [vmHref, vm.metadata[0]!.key],
  ] as const) {
    const plain = await get(server, `${entityHref}/metadata/${encodeURIComponent(key)}`, s.alice);
    const named = await get(server, `${entityHref}/metadata/GENERAL/${encodeURIComponent(key)}`, s.alice);
    assert.equal(named.status, 200, named.text);
    assert.equal(named.text, plain.text, `${entityHref}: the same MetadataValue, at the entry's own href`);
    xmlError(
      await get(server, `${entityHref}/metadata/GENERAL/${encodeURIComponent(key)}`, s.hank),
      403,
      'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
    );
  }
  // A SYSTEM entry is not in GENERAL; a key named GENERAL is still a key.
  xmlError(await get(server, `${vmHref}/metadata/GENERAL/system-entry`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  assert.match(xmlError(await get(server, `${vdcHref}/metadata/GENERAL`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN'), /"GENERAL"/);
  const vapp = await hrefOf('vApp', 'VAppRecord', vappName);
  xmlError(await get(server, `${vapp}/metadata/GENERAL/no-such-key`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
});
