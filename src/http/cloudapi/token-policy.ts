/**
 * An org's API-token policy (a Tessera extension): the longest lifetime a new API token may be given, and how long
 * a token may go unused before it is revoked.
 *   GET /cloudapi/1.0.0/orgs/{id}/apiTokenPolicy   {"maxLifetimeDays": 90 | null, "maxIdleDays": 365 | null, ...}
 *   PUT /cloudapi/1.0.0/orgs/{id}/apiTokenPolicy   same body; null = no limit (VCD's default: tokens never expire);
 *                                                  maxIdleDays left out: unchanged
 * The rules live in ApiTokenPolicyService (auth/api-token-policy.ts), shared with the portal.
 */
import { contractValidatorCompiler } from '../contract/validator.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { IdParams, TokenPolicy, TokenPolicyBody, CloudApiErrors } from './schemas.js';
import { CLOUDAPI_BODY_ERRORS } from './responses.js';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { requirePrincipal, sendCloudapiJson } from '../context.js';
import { forbidden } from '../../domain/errors.js';
import { can } from '../../domain/policy.js';
import { MAX_POLICY_DAYS } from '../../auth/api-token-policy.js';

const ORG_URN = /^(?:urn:vcloud:org:)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
export { MAX_POLICY_DAYS };

export const cloudapiTokenPolicyRoutes: FastifyPluginAsync = async (plugin) => {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(contractValidatorCompiler);
  const { store, apiTokenPolicy } = app.tessera;
  const path = '/cloudapi/1.0.0/orgs/:id/apiTokenPolicy';

  const loadOrg = async (request: FastifyRequest & { params: { id: string } }) => {
    const principal = requirePrincipal(request);
    const m = ORG_URN.exec(request.params.id);
    const org = m ? await store.getOrg(m[1]!) : undefined;
    if (!org || !can(principal, 'org.view', { orgId: org.id })) throw forbidden();
    return { principal, org };
  };

  app.get(path, { schema: { params: IdParams, response: { ...CloudApiErrors, 200: TokenPolicy } } }, async (request, reply) => {
    const { principal, org } = await loadOrg(request);
    return sendCloudapiJson(request, reply, 200, apiTokenPolicy.read(principal, org));
  });

  const putSchema = { params: IdParams, body: TokenPolicyBody, response: { ...CLOUDAPI_BODY_ERRORS, 200: TokenPolicy } };
  app.put(path, { schema: putSchema }, async (request, reply) => {
    const { principal, org } = await loadOrg(request);
    if (!apiTokenPolicy.mayChange(principal, org.id)) throw forbidden();
    // The schema holds both limits to a whole number from 1 to MAX_POLICY_DAYS, or null; the service checks again.
    // maxIdleDays left out keeps its value (clients written before it existed send maxLifetimeDays alone).
    const { maxLifetimeDays, maxIdleDays } = request.body;
    const change = maxIdleDays === undefined ? { maxLifetimeDays } : { maxLifetimeDays, maxIdleDays };
    return sendCloudapiJson(request, reply, 200, await apiTokenPolicy.change(principal, org, change, request.ip));
  });
};
