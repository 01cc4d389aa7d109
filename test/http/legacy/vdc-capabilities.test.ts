/**
 * What govcd reads of a Vdc beyond its capacities: the VM affinity rules link and document (Vdc.GetAllVmAffinityRuleList
 * finds `rel="down"` of type vmaffinityrules+xml and decodes `types.VmAffinityRules`; Terraform's data
 * "vcd_vm_affinity_rule" failed with "no link with VM affinity rule found" without it), and the Capabilities'
 * SupportedHardwareVersion, decoded as a `types.Reference` whose Name GetHighestHardwareVersion reads. Tessera keeps
 * no affinity rules, and serves no VirtualHardwareVersion document, so the reference names no href (docs/design.md).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { demoIds } from '../../../src/inventory/demo.js';
import {
  JSON_ACCEPT,
  VCLOUD_NS,
  child,
  childrenNamed,
  get,
  links,
  startDemoServer,
  xmlError,
  xmlRoot,
  type DemoSessions,
} from './support.js';

let server: TesseraHandle;
let s: DemoSessions;
let prodId: string;
let globexVdcId: string;

before(async () => {
  let acmeId: string;
  let globexId: string;
  ({ server, s, acmeId, globexId } = await startDemoServer());
  prodId = demoIds.vdc(acmeId, 'acme-prod');
  globexVdcId = (await server.store.db.selectFrom('vdcs').select('id').where('org_id', '=', globexId).executeTakeFirstOrThrow()).id;
});
after(async () => server?.stop());

const AFFINITY = 'application/vnd.vmware.vcloud.vmaffinityrules+xml';

test('both views of the Vdc link its VM affinity rules as govcd looks for them, and the link answers an empty list', async () => {
  for (const path of [`/api/vdc/${prodId}`, `/api/admin/vdc/${prodId}`]) {
    const vdc = xmlRoot(await get(server, path, s.alice), 200, /vdc\+xml/);
    const found = links(vdc, 'down').filter((l) => l.attrs.type === AFFINITY);
    assert.equal(found.length, 1, path);
    assert.equal(found[0]!.attrs.href, `${server.baseUrl}/api/vdc/${prodId}/vmAffinityRules/`);
  }
  const rules = xmlRoot(
    await get(server, `/api/vdc/${prodId}/vmAffinityRules/`, s.alice),
    200,
    /^application\/vnd\.vmware\.vcloud\.vmaffinityrules\+xml/,
  );
  assert.equal(rules.name, 'VmAffinityRules');
  assert.equal(rules.attrs.xmlns, VCLOUD_NS);
  assert.equal(rules.attrs.href, `${server.baseUrl}/api/vdc/${prodId}/vmAffinityRules/`);
  assert.equal(rules.attrs.type, AFFINITY);
  assert.deepEqual(childrenNamed(rules, 'VmAffinityRule'), [], 'no rules');
  assert.deepEqual(
    links(rules).map((l) => [l.attrs.rel, l.attrs.href]),
    [['up', `${server.baseUrl}/api/vdc/${prodId}`]],
    'no rel="add": nothing can be created here',
  );

  const json = await get(server, `/api/vdc/${prodId}/vmAffinityRules`, s.alice, JSON_ACCEPT);
  assert.equal(json.status, 200, json.text);
  assert.match(json.headers.get('content-type') ?? '', /^application\/vnd\.vmware\.vcloud\.vmaffinityrules\+json/);
  const body = json.json();
  assert.deepEqual(body.vmAffinityRule, []);
  assert.equal(body.type, 'application/vnd.vmware.vcloud.vmaffinityrules+json');
});

test("read like the VDC: another org's VDC and a malformed id are the same 403, no session is 401", async () => {
  xmlError(await get(server, `/api/vdc/${globexVdcId}/vmAffinityRules/`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(await get(server, '/api/vdc/not-a-vdc/vmAffinityRules/', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(await get(server, `/api/vdc/${prodId}/vmAffinityRules/`, null), 401, 'UNAUTHORIZED');
  assert.equal((await get(server, `/api/vdc/${globexVdcId}/vmAffinityRules/`, s.hank)).status, 200);
  assert.equal((await get(server, `/api/vdc/${prodId}/vmAffinityRules/`, s.admin)).status, 200);
});

test("SupportedHardwareVersion is VCD's reference (name, type, default) with the version as its text, and no href", async () => {
  const vdc = xmlRoot(await get(server, `/api/vdc/${prodId}`, s.alice), 200, /vdc\+xml/);
  const versions = childrenNamed(child(child(vdc, 'Capabilities'), 'SupportedHardwareVersions'), 'SupportedHardwareVersion');
  assert.equal(versions.length, 1);
  assert.equal(versions[0]!.text, 'vmx-19');
  assert.deepEqual(versions[0]!.attrs, {
    default: 'true',
    name: 'vmx-19',
    type: 'application/vnd.vmware.vcloud.virtualHardwareVersion+xml',
  });

  const json = (await get(server, `/api/vdc/${prodId}`, s.alice, JSON_ACCEPT)).json();
  assert.deepEqual(json.capabilities.supportedHardwareVersions.supportedHardwareVersion, [
    {
      otherAttributes: {},
      default: true,
      name: 'vmx-19',
      type: 'application/vnd.vmware.vcloud.virtualHardwareVersion+json',
      value: 'vmx-19',
    },
  ]);
});
