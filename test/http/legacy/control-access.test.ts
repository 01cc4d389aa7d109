/**
 * Who may use a vApp, a VDC or a catalog (`<href>/controlAccess`): govcd's GetAccessControl and pyvcloud's
 * get_access_settings. Tessera decides by role in the entity's org, so every answer is "shared with everyone in the
 * org, read only"; each entity links its document, readable like the entity, and other orgs' are the same 403.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { JSON_ACCEPT, child, get, links, parseXml, queryRecords, startDemoServer, xmlError, type DemoSessions } from './support.js';

let server: TesseraHandle;
let s: DemoSessions;

before(async () => {
  ({ server, s } = await startDemoServer());
});
after(async () => server?.stop());

const CONTROL_ACCESS = 'application/vnd.vmware.vcloud.controlAccess+xml';

async function firstHref(type: string, element: string): Promise<string> {
  const { records } = await queryRecords(server, `type=${type}&pageSize=1`, s.alice, element);
  return records[0]!.attrs.href!;
}

test('a vApp, a VDC and a catalog each link their ControlAccessParams: shared with everyone in the org, read only', async () => {
  for (const [type, element] of [
    ['vApp', 'VAppRecord'],
    ['orgVdc', 'OrgVdcRecord'],
    ['catalog', 'CatalogRecord'],
  ] as const) {
    const href = await firstHref(type, element);
    const entity = parseXml((await get(server, new URL(href).pathname, s.alice)).text);
    const link = links(entity, 'down').filter((l) => l.attrs.type === CONTROL_ACCESS);
    assert.deepEqual(
      link.map((l) => l.attrs.href),
      [`${href}/controlAccess/`],
      `${type} links it`,
    );
    for (const path of [`${new URL(href).pathname}/controlAccess`, `${new URL(href).pathname}/controlAccess/`]) {
      const reply = await get(server, path, s.bob);
      assert.equal(reply.status, 200, `${path}: ${reply.text}`);
      assert.match(String(reply.headers.get('content-type')), /^application\/vnd\.vmware\.vcloud\.controlAccess\+xml/);
      const params = parseXml(reply.text);
      assert.equal(params.name, 'ControlAccessParams');
      assert.equal(child(params, 'IsSharedToEveryone').text, 'true');
      assert.equal(child(params, 'EveryoneAccessLevel').text, 'ReadOnly');
      assert.deepEqual(
        params.children.map((c) => c.name),
        ['IsSharedToEveryone', 'EveryoneAccessLevel'],
        'no AccessSettings',
      );
    }
    const json = await get(server, `${new URL(href).pathname}/controlAccess`, s.alice, JSON_ACCEPT);
    assert.equal(json.status, 200, json.text);
    assert.equal(json.json().isSharedToEveryone, true);
    // Another org's is the 403 of any inventory entity; so is an unknown id.
    xmlError(await get(server, `${new URL(href).pathname}/controlAccess`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  }
  xmlError(
    await get(server, '/api/vdc/00000000-0000-4000-8000-000000000000/controlAccess', s.alice),
    403,
    'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
  );
  xmlError(await get(server, '/api/catalog/not-an-id/controlAccess', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
});

test("a VM has none of its own (VCD keeps a vApp's), nor does a vApp template", async () => {
  const vm = await firstHref('vm', 'VMRecord');
  xmlError(await get(server, `${new URL(vm).pathname}/controlAccess`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  const template = await firstHref('vAppTemplate', 'VAppTemplateRecord');
  const doc = parseXml((await get(server, new URL(template).pathname, s.alice)).text);
  assert.ok(!links(doc, 'down').some((l) => l.attrs.type === CONTROL_ACCESS), 'a template links none');
});
