/**
 * /api entity documents as VCD JSON for `Accept: application/*+json;version=V` (vcd-wire §9.3): the `+json`
 * media type, typed values, `link` arrays and lists; the same 403 for other orgs; the XML answer unchanged.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import type { Reply } from '../../helpers/api.js';
import { DEMO_INVENTORY } from '../../../src/inventory/demo-spec.js';
import { demoIds } from '../../../src/inventory/demo.js';
import { child, get, links, startDemoServer, xmlRoot, type DemoSessions } from './support.js';

const JSON_37 = 'application/*+json;version=37.0';
const XML_37 = 'application/*+xml;version=37.0';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;
let globexId: string;

before(async () => {
  ({ server, s, acmeId, globexId } = await startDemoServer());
});
after(async () => server?.stop());

const pathOf = (href: string) => new URL(href).pathname;

/** A JSON document reply: status 200 and exactly `application/vnd.vmware.<kind>+json;version=37.0`. */
function jsonDoc(reply: Reply, kind: string): any {
  assert.equal(reply.status, 200, reply.text.slice(0, 400));
  assert.equal(reply.headers.get('content-type'), `application/vnd.vmware.${kind}+json;version=37.0`);
  const body = reply.json();
  assert.deepEqual(body.otherAttributes, {});
  assert.ok(Array.isArray(body.link), 'a link array');
  return body;
}

/** The JSON 403 a JSON client gets for anything outside its org. */
function jsonForbidden(reply: Reply) {
  assert.equal(reply.status, 403, reply.text);
  assert.match(reply.headers.get('content-type') ?? '', /^application\/vnd\.vmware\.vcloud\.error\+json/);
  assert.equal(reply.json().minorErrorCode, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
}

const acmeVdcId = () => demoIds.vdc(acmeId, DEMO_INVENTORY.acme.vdcs[0]!.name);

describe('JSON entity documents', () => {
  test('OrgList: an org array with href, name and +json type', async () => {
    const body = jsonDoc(await get(server, '/api/org', s.alice, JSON_37), 'vcloud.orgList');
    assert.deepEqual(body.org, [
      { otherAttributes: {}, href: `${server.baseUrl}/api/org/${acmeId}`, name: 'acme', type: 'application/vnd.vmware.vcloud.org+json' },
    ]);
    const all = jsonDoc(await get(server, '/api/org', s.admin, JSON_37), 'vcloud.orgList');
    assert.deepEqual(
      all.org.map((o: { name: string }) => o.name),
      ['System', 'acme', 'globex'],
    );
  });

  test('Org: name, id, href, typed isEnabled, and a link per VDC', async () => {
    const body = jsonDoc(await get(server, `/api/org/${acmeId}`, s.bob, JSON_37), 'vcloud.org');
    assert.equal(body.name, 'acme');
    assert.equal(body.id, `urn:vcloud:org:${acmeId}`);
    assert.equal(body.href, `${server.baseUrl}/api/org/${acmeId}`);
    assert.equal(body.type, 'application/vnd.vmware.vcloud.org+json');
    assert.equal(body.fullName, 'Acme Corporation');
    assert.equal(body.isEnabled, true);
    const vdcLinks = body.link.filter((l: { type: string }) => l.type === 'application/vnd.vmware.vcloud.vdc+json');
    assert.deepEqual(
      vdcLinks.map((l: { rel: string; name: string; href: string }) => [l.rel, l.name, l.href]),
      DEMO_INVENTORY.acme.vdcs.map((v) => ['down', v.name, `${server.baseUrl}/api/vdc/${demoIds.vdc(acmeId, v.name)}`]).sort(),
    );
    for (const l of body.link) assert.deepEqual(Object.keys(l).sort(), ['href', 'name', 'otherAttributes', 'rel', 'type']);
  });

  test('AdminOrg: settings typed, users and vdcs as arrays', async () => {
    const body = jsonDoc(await get(server, `/api/admin/org/${acmeId}`, s.alice, JSON_37), 'admin.organization');
    assert.equal(body.name, 'acme');
    assert.equal(body.href, `${server.baseUrl}/api/admin/org/${acmeId}`);
    assert.equal(typeof body.settings.orgGeneralSettings.deployedVMQuota, 'number');
    assert.equal(body.settings.orgGeneralSettings.canPublishCatalogs, false);
    assert.equal(body.settings.vAppLeaseSettings.storageLeaseSeconds, 0);
    assert.ok(body.users.userReference.some((u: { name: string }) => u.name === 'alice'));
    assert.equal(body.vdcs.vdc.length, DEMO_INVENTORY.acme.vdcs.length);
    assert.deepEqual(body.groups.groupReference, []);
  });

  test('Metadata: the up link and typed entries', async () => {
    const body = jsonDoc(await get(server, `/api/admin/org/${acmeId}/metadata`, s.alice, JSON_37), 'vcloud.metadata');
    assert.equal(body.href, `${server.baseUrl}/api/admin/org/${acmeId}/metadata`);
    assert.equal(body.link[0].rel, 'up');
    assert.equal(body.link[0].type, 'application/vnd.vmware.admin.organization+json');
    assert.ok(Array.isArray(body.metadataEntry));
    for (const e of body.metadataEntry) {
      assert.equal(typeof e.key, 'string');
      assert.ok(e.href.startsWith(`${body.href}/`));
      if (e.typedValue._type === 'MetadataNumberValue') assert.equal(typeof e.typedValue.value, 'number');
    }
  });

  test('Vdc: allocationModel a string, capacities numbers, resource entities an array', async () => {
    const body = jsonDoc(await get(server, `/api/vdc/${acmeVdcId()}`, s.alice, JSON_37), 'vcloud.vdc');
    assert.equal(body.id, `urn:vcloud:vdc:${acmeVdcId()}`);
    assert.equal(body.status, 1);
    assert.equal(typeof body.allocationModel, 'string');
    for (const c of [body.storageCapacity, body.computeCapacity.cpu, body.computeCapacity.memory]) {
      for (const k of ['allocated', 'limit', 'reserved', 'used']) assert.equal(typeof c[k], 'number', k);
    }
    assert.equal(typeof body.vmQuota, 'number');
    assert.equal(body.isEnabled, true);
    assert.ok(body.resourceEntities.resourceEntity.length > 0);
    assert.ok(body.link.some((l: { rel: string; href: string }) => l.rel === 'up' && l.href === `${server.baseUrl}/api/org/${acmeId}`));
  });

  test('VApp: children VMs as an array; Vm on its own; numbers and booleans typed', async () => {
    const vdc = jsonDoc(await get(server, `/api/vdc/${acmeVdcId()}`, s.alice, JSON_37), 'vcloud.vdc');
    const entity = vdc.resourceEntities.resourceEntity.find((e: { type: string }) => e.type === 'application/vnd.vmware.vcloud.vApp+json');
    const vapp = jsonDoc(await get(server, pathOf(entity.href), s.alice, JSON_37), 'vcloud.vApp');
    assert.equal(vapp.name, entity.name);
    assert.equal(typeof vapp.status, 'number');
    assert.equal(typeof vapp.deployed, 'boolean');
    assert.ok(Array.isArray(vapp.children.vm) && vapp.children.vm.length > 0);
    const first = vapp.children.vm[0];
    assert.equal(typeof first.vmSpecSection.numCpus, 'number');
    assert.equal(typeof first.vmSpecSection.memoryResourceMb.configured, 'number');

    const vm = jsonDoc(await get(server, pathOf(first.href), s.alice, JSON_37), 'vcloud.vm');
    assert.equal(vm.id, first.id);
    assert.equal(vm.name, first.name);
    assert.ok(vm.link.some((l: { rel: string; href: string }) => l.rel === 'up' && l.href === entity.href));
    assert.ok(Array.isArray(vm.networkConnectionSection.networkConnection));
    assert.equal(vm.xmlns, undefined);
  });

  test('Session: org, user, links and the authorized location', async () => {
    const body = jsonDoc(await get(server, '/api/session', s.alice, JSON_37), 'vcloud.session');
    assert.equal(body.org, 'acme');
    assert.equal(body.user, 'alice');
    assert.match(body.userId, /^urn:vcloud:user:/);
    assert.equal(body.type, 'application/vnd.vmware.vcloud.session+json');
    assert.ok(body.link.some((l: { type: string }) => l.type === 'application/vnd.vmware.vcloud.orgList+json'));
    assert.equal(body.authorizedLocations.location[0].orgName, 'acme');
  });

  test('isolation: a tenant gets the JSON 403 for another org', async () => {
    const globexVdc = demoIds.vdc(globexId, DEMO_INVENTORY.globex.vdcs[0]!.name);
    for (const path of [
      `/api/org/${globexId}`,
      `/api/admin/org/${globexId}`,
      `/api/admin/org/${globexId}/metadata`,
      `/api/vdc/${globexVdc}`,
    ]) {
      jsonForbidden(await get(server, path, s.alice, JSON_37));
    }
  });
});

describe('the XML answer of the same URLs is unchanged', () => {
  test('Org, Vdc and Session still answer the XML the existing suites read', async () => {
    const org = xmlRoot(
      await get(server, `/api/org/${acmeId}`, s.bob, XML_37),
      200,
      /^application\/vnd\.vmware\.vcloud\.org\+xml;version=37\.0$/,
    );
    assert.equal(org.name, 'Org');
    assert.equal(child(org, 'IsEnabled').text, 'true');
    assert.ok(links(org, 'down').some((l) => l.attrs.type === 'application/vnd.vmware.vcloud.vdc+xml'));
    const vdc = xmlRoot(
      await get(server, `/api/vdc/${acmeVdcId()}`, s.alice, XML_37),
      200,
      /^application\/vnd\.vmware\.vcloud\.vdc\+xml;version=37\.0$/,
    );
    assert.equal(vdc.name, 'Vdc');
    assert.equal(vdc.attrs.status, '1');
    const session = await get(server, '/api/session', s.alice, XML_37);
    assert.equal(session.headers.get('content-type'), 'application/vnd.vmware.vcloud.session+xml;version=37.0');
    assert.match(
      session.text,
      /^<\?xml version="1\.0" encoding="UTF-8" standalone="yes"\?>\n<Session xmlns="http:\/\/www\.vmware\.com\/vcloud\/v1\.5"/,
    );
  });
});
