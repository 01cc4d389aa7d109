/**
 * VDC compute policies: every VDC has VCD's one "System Default" VM sizing policy and no other.
 * `GET /cloudapi/2.0.0/vdcs/{id}/computePolicies` is what govcd's GetAllAssignedVdcComputePoliciesV2 reads on every
 * vcd_org_vdc read (the provider sorts the policies by isSizingOnly / isVgpuPolicy); the policy itself answers at
 * the href of the Vdc document's DefaultComputePolicy. Foreign and unknown ids are VCD's 403.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { http, bearer, accessTokenFrom, createApiToken } from '../../helpers/api.js';
import { demoIds } from '../../../src/inventory/demo.js';
import { SYSTEM_DEFAULT_POLICY_ID } from '../../../src/inventory/compute-policies.js';
import { startDemoServer, type DemoSessions } from '../legacy/support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;
let aliceToken: string;

before(async () => {
  ({ server, s, acmeId } = await startDemoServer());
  const { apiToken } = await createApiToken(server.baseUrl, s.alice, 'acme', 'compute-policies');
  aliceToken = await accessTokenFrom(server.baseUrl, 'acme', apiToken);
});
after(async () => server?.stop());

const POLICY_URN = `urn:vcloud:vdcComputePolicy:${SYSTEM_DEFAULT_POLICY_ID}`;
const prodUrn = () => `urn:vcloud:vdc:${demoIds.vdc(acmeId, 'acme-prod')}`;
const call = (path: string, token: string) => http(`${server.baseUrl}/cloudapi/${path}`, { headers: bearer(token) });

test("a VDC's assigned policies (2.0.0): the System Default sizing policy, in the paged envelope", async () => {
  for (const token of [s.alice, aliceToken, s.admin]) {
    const reply = await call(`2.0.0/vdcs/${prodUrn()}/computePolicies?pageSize=128`, token);
    assert.equal(reply.status, 200, reply.text);
    const body = reply.json();
    assert.deepEqual([body.resultTotal, body.pageCount, body.page, body.pageSize], [1, 1, 1, 128]);
    const [policy] = body.values;
    assert.equal(policy.id, POLICY_URN);
    assert.equal(policy.name, 'System Default');
    assert.equal(policy.isSizingOnly, true); // Terraform files it under vm_sizing_policy_ids
    assert.equal(policy.isVgpuPolicy, false);
    assert.equal(policy.policyType, 'VdcVmPolicy');
    assert.equal(policy.memory, null);
    assert.equal(policy.cpuCount, null);
  }
});

test('the list filters like every cloudapi list; a bad filter is 400, never ignored', async () => {
  const none = await call(`2.0.0/vdcs/${prodUrn()}/computePolicies?filter=name==gold`, s.alice);
  assert.equal(none.json().resultTotal, 0);
  const one = await call(`2.0.0/vdcs/${prodUrn()}/computePolicies?filter=isSizingOnly==true`, s.alice);
  assert.equal(one.json().resultTotal, 1);
  const bad = await call(`2.0.0/vdcs/${prodUrn()}/computePolicies?filter=nope==1`, s.alice);
  assert.equal(bad.status, 400);
  assert.equal(bad.json().minorErrorCode, 'BAD_REQUEST');
});

test("another org's, an unknown or a malformed VDC id is 403", async () => {
  for (const path of [
    `2.0.0/vdcs/${prodUrn()}/computePolicies`,
    `2.0.0/vdcs/urn:vcloud:vdc:${acmeId}/computePolicies`,
    '2.0.0/vdcs/not-an-id/computePolicies',
  ]) {
    const reply = await call(path, s.hank);
    assert.equal(reply.status, 403, path);
    assert.equal(reply.json().minorErrorCode, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  }
});

test('the policy at the DefaultComputePolicy href (1.0.0); any other id is 403', async () => {
  const reply = await call(`1.0.0/vdcComputePolicies/${POLICY_URN}`, s.bob);
  assert.equal(reply.status, 200, reply.text);
  const policy = reply.json();
  assert.deepEqual([policy.id, policy.name, policy.isSizingOnly], [POLICY_URN, 'System Default', true]);
  assert.equal('policyType' in policy, false, '1.0.0 has no policyType');
  const other = await call(`1.0.0/vdcComputePolicies/urn:vcloud:vdcComputePolicy:${acmeId}`, s.alice);
  assert.equal(other.status, 403);
});

test('every policy (1.0.0 and 2.0.0 lists): that one, found by name as Terraform\'s data "vcd_vm_sizing_policy" asks', async () => {
  for (const token of [s.bob, aliceToken, s.admin]) {
    const v1 = await call(`1.0.0/vdcComputePolicies?filter=${encodeURIComponent('name==System Default')}`, token);
    assert.equal(v1.status, 200, v1.text);
    assert.equal(v1.json().resultTotal, 1);
    // The list's entity is the one at its href, field for field.
    assert.deepEqual(v1.json().values[0], (await call(`1.0.0/vdcComputePolicies/${POLICY_URN}`, token)).json());
    const v2 = await call('2.0.0/vdcComputePolicies', token);
    assert.equal(v2.status, 200, v2.text);
    assert.deepEqual(
      v2.json().values.map((p: { id: string; policyType: string }) => [p.id, p.policyType]),
      [[POLICY_URN, 'VdcVmPolicy']],
    );
  }
  assert.equal((await call(`1.0.0/vdcComputePolicies?filter=${encodeURIComponent('name==gold')}`, s.alice)).json().resultTotal, 0);
  // Version 1 has no policyType: a filter on it is a 400 there, as on any unknown field; version 2 takes it.
  assert.equal((await call('1.0.0/vdcComputePolicies?filter=policyType==VdcVmPolicy', s.alice)).status, 400);
  assert.equal((await call('2.0.0/vdcComputePolicies?filter=policyType==VdcVmPolicy', s.alice)).json().resultTotal, 1);
  assert.equal((await http(`${server.baseUrl}/cloudapi/1.0.0/vdcComputePolicies`)).status, 401);
});
