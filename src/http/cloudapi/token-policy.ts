/**
 * An org's API-token policy (a Tessera extension): the longest lifetime a new API token may be given.
 *   GET /cloudapi/1.0.0/orgs/{id}/apiTokenPolicy   {"maxLifetimeDays": 90 | null}
 *   PUT /cloudapi/1.0.0/orgs/{id}/apiTokenPolicy   same body; null = no limit (VCD's default: tokens never expire)
 * The rules live in ApiTokenPolicyService (auth/api-token-policy.ts), shared with the portal.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { requirePrincipal, sendCloudapiJson } from '../context.js';
import { badRequest, forbidden } from '../../domain/errors.js';
import { can } from '../../domain/policy.js';
import { MAX_POLICY_DAYS } from '../../auth/api-token-policy.js';

const ORG_URN = /^(?:urn:vcloud:org:)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
export { MAX_POLICY_DAYS };

export const cloudapiTokenPolicyRoutes: FastifyPluginAsync = async (app) => {
  const { store, apiTokenPolicy } = app.tessera;
  const path = '/cloudapi/1.0.0/orgs/:id/apiTokenPolicy';

  const loadOrg = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const principal = requirePrincipal(request);
    const m = ORG_URN.exec(request.params.id);
    const org = m ? await store.getOrg(m[1]!) : undefined;
    if (!org || !can(principal, 'org.view', { orgId: org.id })) throw forbidden();
    return { principal, org };
  };

  app.get<{ Params: { id: string } }>(path, async (request, reply) => {
    const { principal, org } = await loadOrg(request);
    return sendCloudapiJson(request, reply, 200, apiTokenPolicy.read(principal, org));
  });

  app.put<{ Params: { id: string }; Body: unknown }>(path, async (request, reply) => {
    const { principal, org } = await loadOrg(request);
    if (!apiTokenPolicy.mayChange(principal, org.id)) throw forbidden();
    const body = request.body as { maxLifetimeDays?: unknown } | undefined;
    if (!body || typeof body !== 'object' || !('maxLifetimeDays' in body)) {
      throw badRequest('The body must be {"maxLifetimeDays": <days from 1 to 3650, or null for no limit>}');
    }
    return sendCloudapiJson(request, reply, 200, await apiTokenPolicy.change(principal, org, body.maxLifetimeDays, request.ip));
  });
};
