/**
 * What Terraform's vcd_org_vdc and vcd_storage_profile read of a VDC (resource_vcd_org_vdc.go setOrgVdcData,
 * datasource_vcd_storage_profile.go): the Vdc document's VdcStorageProfiles and DefaultComputePolicy (dereferenced
 * without a nil check: the provider panicked without it), each profile at `/api/vdcStorageProfile/{id}` as govcd's
 * GetStorageProfileByHref decodes it, and the profile's (empty) Metadata. Tenants see their own org's profiles
 * only; a token session reads them like its user.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { type TesseraHandle } from '../../helpers/tessera.js';
import { accessTokenFrom, createApiToken } from '../../helpers/api.js';
import { DEMO_INVENTORY, demoVms } from '../../../src/inventory/demo-spec.js';
import { demoIds } from '../../../src/inventory/demo.js';
import { SYSTEM_DEFAULT_POLICY_ID } from '../../../src/inventory/compute-policies.js';
import { UUID, child, childrenNamed, get, links, startDemoServer, xmlError, xmlRoot, JSON_ACCEPT, type DemoSessions } from './support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;
let globexId: string;
let aliceToken: string;

before(async () => {
  ({ server, s, acmeId, globexId } = await startDemoServer());
  const { apiToken } = await createApiToken(server.baseUrl, s.alice, 'acme', 'vdc-storage-profiles');
  aliceToken = await accessTokenFrom(server.baseUrl, 'acme', apiToken);
});
after(async () => server?.stop());

const PROD = DEMO_INVENTORY.acme.vdcs.find((v) => v.name === 'acme-prod')!;
const prodId = () => demoIds.vdc(acmeId, PROD.name);
const usedOn = (profile: string) =>
  demoVms({ vdcs: [PROD], metadata: [] })
    .filter((p) => p.vm.storageProfile === profile)
    .reduce((n, p) => n + p.vm.diskMb, 0);

/** The VdcStorageProfile references of acme-prod's Vdc document, as the given caller reads them. */
async function profileRefs(token: string) {
  const vdc = xmlRoot(await get(server, `/api/vdc/${prodId()}`, token), 200, /vcloud\.vdc\+xml/);
  return childrenNamed(child(vdc, 'VdcStorageProfiles'), 'VdcStorageProfile');
}

describe('the Vdc document (decoded by govcd into types.AdminVdc for vcd_org_vdc)', () => {
  test('lists every storage profile of the VDC, the default first, at /api/vdcStorageProfile/<uuid>', async () => {
    const refs = await profileRefs(s.alice);
    assert.deepEqual(
      refs.map((r) => r.attrs.name),
      PROD.storageProfiles.map((p) => p.name),
    );
    for (const r of refs) {
      assert.match(r.attrs.href!, new RegExp(`^${server.baseUrl}/api/vdcStorageProfile/${UUID}$`));
      assert.equal(r.attrs.id, `urn:vcloud:vdcstorageProfile:${r.attrs.href!.split('/').pop()}`);
      assert.equal(r.attrs.type, 'application/vnd.vmware.vcloud.vdcStorageProfile+xml');
    }
  });

  test('names VCD\'s "System Default" compute policy as DefaultComputePolicy, in VdcType\'s order of elements', async () => {
    const vdc = xmlRoot(await get(server, `/api/vdc/${prodId()}`, s.admin), 200, /vcloud\.vdc\+xml/);
    const policy = child(vdc, 'DefaultComputePolicy');
    assert.equal(policy.attrs.id, `urn:vcloud:vdcComputePolicy:${SYSTEM_DEFAULT_POLICY_ID}`);
    assert.equal(policy.attrs.name, 'System Default');
    assert.equal(
      policy.attrs.href,
      `${server.baseUrl}/cloudapi/1.0.0/vdcComputePolicies/urn:vcloud:vdcComputePolicy:${SYSTEM_DEFAULT_POLICY_ID}`,
    );
    const order = vdc.children.map((c) => c.name);
    const at = (name: string) => order.indexOf(name);
    assert.ok(at('IsEnabled') < at('VdcStorageProfiles') && at('VdcStorageProfiles') < at('DefaultComputePolicy'), order.join());
    assert.ok(at('DefaultComputePolicy') < at('VCpuInMhz2'), order.join());
  });

  test('VCD JSON carries both too', async () => {
    const res = await get(server, `/api/vdc/${prodId()}`, s.alice, JSON_ACCEPT);
    assert.equal(res.status, 200);
    const body = res.json();
    assert.equal(body.defaultComputePolicy.name, 'System Default');
    assert.deepEqual(
      body.vdcStorageProfiles.vdcStorageProfile.map((p: { name: string }) => p.name),
      PROD.storageProfiles.map((p) => p.name),
    );
  });
});

describe('GET /api/vdcStorageProfile/{id}', () => {
  test("answers each profile as govcd decodes it: Enabled, Units, Limit, Default, StorageUsedMB (its VMs' disks)", async () => {
    const refs = await profileRefs(s.alice);
    for (const [i, spec] of PROD.storageProfiles.entries()) {
      const root = xmlRoot(await get(server, refs[i]!.attrs.href!, s.alice), 200, /vcloud\.vdcStorageProfile\+xml/);
      assert.equal(root.name, 'VdcStorageProfile');
      assert.equal(root.attrs.name, spec.name);
      assert.equal(root.attrs.href, refs[i]!.attrs.href);
      assert.equal(child(root, 'Enabled').text, 'true');
      assert.equal(child(root, 'Units').text, 'MB');
      assert.equal(child(root, 'Limit').text, String(spec.limitMb));
      assert.equal(child(root, 'Default').text, String(i === 0));
      assert.equal(child(root, 'StorageUsedMB').text, String(usedOn(spec.name)));
      assert.equal(links(root, 'up')[0]!.attrs.href, `${server.baseUrl}/api/vdc/${prodId()}`);
    }
    assert.ok(usedOn('Silver') > 0, 'the demo keeps VMs on the second profile');
  });

  test("its Metadata is VCD's empty document (govcd appends /metadata/)", async () => {
    const [gold] = await profileRefs(s.alice);
    const root = xmlRoot(await get(server, `${gold!.attrs.href}/metadata/`, s.alice), 200, /vcloud\.metadata\+xml/);
    assert.equal(root.name, 'Metadata');
    assert.equal(childrenNamed(root, 'MetadataEntry').length, 0);
    assert.equal(links(root, 'up')[0]!.attrs.href, gold!.attrs.href);
  });

  test('a token session and the System administrator read it; another org, a malformed or unknown id is 403', async () => {
    const [gold] = await profileRefs(s.alice);
    const href = gold!.attrs.href!;
    assert.equal((await get(server, href, aliceToken)).status, 200);
    assert.equal((await get(server, href, s.admin)).status, 200);
    xmlError(await get(server, href, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await get(server, `${href}/metadata`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await get(server, '/api/vdcStorageProfile/not-a-uuid', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await get(server, `/api/vdcStorageProfile/${acmeId}`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    // globex's own profile is hank's to read, not alice's.
    const globexVdc = demoIds.vdc(globexId, DEMO_INVENTORY.globex.vdcs[0]!.name);
    const globexRef = childrenNamed(
      child(xmlRoot(await get(server, `/api/vdc/${globexVdc}`, s.hank), 200, /vdc/), 'VdcStorageProfiles'),
      'VdcStorageProfile',
    )[0]!;
    assert.equal((await get(server, globexRef.attrs.href!, s.hank)).status, 200);
    xmlError(await get(server, globexRef.attrs.href!, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  });
});
