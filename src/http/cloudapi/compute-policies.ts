/**
 * VDC compute policies, as far as Tessera has them: every VDC has VCD's one "System Default" VM sizing policy
 * (inventory/compute-policies.ts) and no other.
 *
 * - `GET /cloudapi/2.0.0/vdcs/{id}/computePolicies`: the policies assigned to a VDC (govcd's
 *   GetAllAssignedVdcComputePoliciesV2, which Terraform's vcd_org_vdc calls on every read). Whoever may read the
 *   VDC; unknown, malformed and other orgs' VDC ids are VCD's 403. filter, sort and paging as every list.
 * - `GET /cloudapi/1.0.0/vdcComputePolicies/{id}`: the policy at the href of the Vdc document's
 *   DefaultComputePolicy. Whoever may read VDCs; any other id is the 403.
 * - `GET /cloudapi/1.0.0/vdcComputePolicies` and `/cloudapi/2.0.0/vdcComputePolicies`: every policy, which is that one
 *   (govcd's GetAllVdcComputePolicies, which Terraform's `data "vcd_vm_sizing_policy"` calls with `name==...`, and
 *   GetAllVdcComputePoliciesV2). Whoever may read VDCs: every VDC has it, so every reader of one sees it.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { can } from '../../domain/policy.js';
import { forbidden } from '../../domain/errors.js';
import { mayRead } from '../../inventory/access.js';
import { SYSTEM_DEFAULT_POLICY_ID, systemDefaultPolicyV2 } from '../../inventory/compute-policies.js';
import { idFromPathSegment, urn } from '../../inventory/hrefs.js';
import { getVdc } from '../../inventory/repository.js';
import { contractValidatorCompiler } from '../contract/validator.js';
import { requirePrincipal, sendCloudapiJson } from '../context.js';
import { listPage, type ListFields } from './list-query.js';
import { VdcComputePolicy2Page, VdcComputePolicyEntity, VdcComputePolicyPage } from './responses.js';
import { byIdRoute, listByIdRoute, listRoute } from './schemas.js';

type PolicyV2 = ReturnType<typeof systemDefaultPolicyV2>;

const POLICY_FIELDS: ListFields<PolicyV2> = {
  id: { read: (p) => p.id, type: 'ref' },
  name: { read: (p) => p.name },
  description: { read: (p) => p.description },
  isSizingOnly: { read: (p) => p.isSizingOnly, type: 'boolean' },
  isVgpuPolicy: { read: (p) => p.isVgpuPolicy, type: 'boolean' },
  policyType: { read: (p) => p.policyType },
};

/** The 1.0.0 list's fields: version 2's without the fields version 2 added (a filter on them is a 400 there). */
const { policyType: _policyType, isVgpuPolicy: _isVgpuPolicy, ...POLICY_FIELDS_V1 } = POLICY_FIELDS;

/** The 1.0.0 entity: the 2.0.0 one without the fields version 2 added. */
function policyV1(policy: PolicyV2) {
  const { policyType, pvdcNamedVmGroupsMap, pvdcLogicalVmGroupsMap, pvdcVgpuClustersMap, isVgpuPolicy, vgpuProfiles, ...v1 } = policy;
  return v1;
}

export const cloudapiComputePolicyRoutes: FastifyPluginAsync = async (plugin) => {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(contractValidatorCompiler);
  const systemDefault = systemDefaultPolicyV2(urn('vdcComputePolicy', SYSTEM_DEFAULT_POLICY_ID));

  app.get('/cloudapi/2.0.0/vdcs/:id/computePolicies', listByIdRoute(VdcComputePolicy2Page), async (request, reply) => {
    const principal = requirePrincipal(request);
    const id = idFromPathSegment(request.params.id, 'vdc');
    const vdc = id ? await getVdc(app.tessera.store, id) : undefined;
    if (!vdc || !mayRead(principal, 'vdc', vdc.org_id)) throw forbidden();
    const page = await listPage(request, reply, [systemDefault], POLICY_FIELDS, (p) => p, 'VdcComputePolicy2s');
    return sendCloudapiJson(request, reply, 200, page);
  });

  app.get('/cloudapi/2.0.0/vdcComputePolicies', listRoute(VdcComputePolicy2Page), async (request, reply) => {
    if (!can(requirePrincipal(request), 'vdc.view')) throw forbidden();
    const page = await listPage(request, reply, [systemDefault], POLICY_FIELDS, (p) => p, 'VdcComputePolicy2s');
    return sendCloudapiJson(request, reply, 200, page);
  });

  app.get('/cloudapi/1.0.0/vdcComputePolicies', listRoute(VdcComputePolicyPage), async (request, reply) => {
    if (!can(requirePrincipal(request), 'vdc.view')) throw forbidden();
    const page = await listPage(request, reply, [systemDefault], POLICY_FIELDS_V1, policyV1, 'VdcComputePolicies');
    return sendCloudapiJson(request, reply, 200, page);
  });

  app.get('/cloudapi/1.0.0/vdcComputePolicies/:id', byIdRoute(VdcComputePolicyEntity), async (request, reply) => {
    const principal = requirePrincipal(request);
    if (!can(principal, 'vdc.view') || idFromPathSegment(request.params.id, 'vdcComputePolicy') !== SYSTEM_DEFAULT_POLICY_ID) {
      throw forbidden();
    }
    return sendCloudapiJson(request, reply, 200, policyV1(systemDefault));
  });
};
