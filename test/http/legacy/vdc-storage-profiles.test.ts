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

describe('the admin views: GET /api/admin/vdc/{id} and /api/admin/vdcStorageProfile/{id}', () => {
  test("the AdminVdc (pyvcloud's Org.get_vdc(is_admin_operation=True)): the Vdc's elements, linked to the AdminOrg and the Vdc", async () => {
    const path = `/api/admin/vdc/${prodId()}`;
    const adminVdc = xmlRoot(await get(server, path, s.alice), 200, /admin\.vdc\+xml/);
    assert.equal(adminVdc.name, 'AdminVdc');
    assert.equal(adminVdc.attrs.href, `${server.baseUrl}${path}`);
    assert.equal(adminVdc.attrs.id, `urn:vcloud:vdc:${prodId()}`);
    assert.equal(adminVdc.attrs.name, PROD.name);
    assert.equal(links(adminVdc, 'up')[0]!.attrs.href, `${server.baseUrl}/api/admin/org/${acmeId}`);
    assert.equal(links(adminVdc, 'alternate')[0]!.attrs.href, `${server.baseUrl}/api/vdc/${prodId()}`);
    const vdc = xmlRoot(await get(server, `/api/vdc/${prodId()}`, s.alice), 200, /vcloud\.vdc\+xml/);
    for (const element of ['AllocationModel', 'ComputeCapacity', 'VdcStorageProfiles', 'DefaultComputePolicy', 'VCpuInMhz2', 'IsEnabled']) {
      assert.deepEqual(child(adminVdc, element), child(vdc, element), element);
    }
    const order = adminVdc.children.map((c) => c.name);
    assert.equal(order.at(-1), 'VCpuInMhz', "AdminVdcType's own element after VdcType's");
    assert.equal(child(adminVdc, 'VCpuInMhz').text, '1000');
    // The metadata link is one that answers.
    const metadataHref = links(adminVdc, 'down').find((l) => l.attrs.type === 'application/vnd.vmware.vcloud.metadata+xml')!.attrs.href!;
    assert.equal((await get(server, new URL(metadataHref).pathname, s.alice)).status, 200);

    const json = await get(server, path, s.alice, JSON_ACCEPT);
    assert.equal(json.status, 200, json.text);
    assert.match(String(json.headers.get('content-type')), /^application\/vnd\.vmware\.admin\.vdc\+json/);
    assert.equal(json.json().name, PROD.name);

    // Read like the AdminOrg (the authorization matrix checks a role without that view is refused): the System
    // administrator, a token session and bob as for acme's AdminOrg; another org and unknown ids are 403.
    assert.equal((await get(server, path, s.admin)).status, 200);
    assert.equal((await get(server, path, aliceToken)).status, 200);
    assert.equal((await get(server, path, s.bob)).status, (await get(server, `/api/admin/org/${acmeId}`, s.bob)).status);
    xmlError(await get(server, path, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await get(server, `/api/admin/vdc/${globexId}`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await get(server, '/api/admin/vdc/not-a-uuid', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  });

  test("the AdminVdcStorageProfile (govcd's GetStorageProfileById, pyvcloud's get_default_storage_profile): the profile's elements", async () => {
    const [ref] = await profileRefs(s.alice);
    const id = ref!.attrs.href!.split('/').pop()!;
    const path = `/api/admin/vdcStorageProfile/${id}`;
    const admin = xmlRoot(await get(server, path, s.alice), 200, /admin\.vdcStorageProfile\+xml/);
    const plain = xmlRoot(await get(server, `/api/vdcStorageProfile/${id}`, s.alice), 200, /vcloud\.vdcStorageProfile\+xml/);
    assert.equal(admin.name, 'AdminVdcStorageProfile');
    assert.equal(admin.attrs.href, `${server.baseUrl}${path}`);
    assert.equal(admin.attrs.id, plain.attrs.id);
    for (const element of ['Enabled', 'Units', 'Limit', 'Default', 'StorageUsedMB', 'IopsAllocated']) {
      assert.deepEqual(child(admin, element), child(plain, element), element);
    }
    assert.equal(links(admin, 'up')[0]!.attrs.href, `${server.baseUrl}/api/admin/vdc/${prodId()}`);
    assert.equal(links(admin, 'alternate')[0]!.attrs.href, ref!.attrs.href);
    xmlError(await get(server, path, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    assert.equal((await get(server, path, s.admin)).status, 200);
    assert.equal((await get(server, path, aliceToken)).status, 200);
  });
});

test("a VDC's compute policies (pyvcloud's VDC.list_compute_policies): linked from both views, VCD's System Default", async () => {
  const linkType = 'application/vnd.vmware.vcloud.vdcComputePolicyReferences+xml';
  for (const path of [`/api/vdc/${prodId()}`, `/api/admin/vdc/${prodId()}`]) {
    const vdc = xmlRoot(await get(server, path, s.alice), 200, /vdc\+xml/);
    const link = links(vdc, 'down').filter((l) => l.attrs.type === linkType);
    assert.deepEqual(
      link.map((l) => l.attrs.href),
      [`${server.baseUrl}/api/admin/vdc/${prodId()}/computePolicies`],
      path,
    );
  }
  for (const session of [s.alice, s.bob, aliceToken, s.admin]) {
    const refs = xmlRoot(await get(server, `/api/admin/vdc/${prodId()}/computePolicies`, session), 200, /vdcComputePolicyReferences\+xml/);
    assert.equal(refs.name, 'VdcComputePolicyReferences');
    const policies = childrenNamed(refs, 'VdcComputePolicyReference');
    assert.deepEqual(
      policies.map((p) => [p.attrs.name, p.attrs.id]),
      [['System Default', `urn:vcloud:vdcComputePolicy:${SYSTEM_DEFAULT_POLICY_ID}`]],
    );
    // The same policy the VDC names as its default, readable at its href.
    assert.equal(
      policies[0]!.attrs.href,
      child(xmlRoot(await get(server, `/api/vdc/${prodId()}`, session), 200, /vdc\+xml/), 'DefaultComputePolicy').attrs.href,
    );
  }
  xmlError(await get(server, `/api/admin/vdc/${prodId()}/computePolicies`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
});
