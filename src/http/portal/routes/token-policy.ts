/**
 * Administration > API Token Policy of the portal's own org (issue 14 §2), through ApiTokenPolicyService (the
 * same rules and audit event as the cloudapi's /orgs/{id}/apiTokenPolicy):
 *   GET  {base}/administration/tokenPolicy     the policy; the form for who may change it
 *   POST {base}/administration/tokenPolicy     maxLifetimeDays: 1-3650, or empty for no limit
 * The provider sets each tenant's policy on its Organizations page (routes/organizations.ts).
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { PortalDeps } from '../deps.js';
import { requireSignedIn } from '../portal-session.js';
import { signedInFrame } from '../page-frame.js';
import { seeOther, sendPage } from '../respond.js';
import { FORM, PAGE } from '../responses.js';
import { TesseraError, forbidden } from '../../../domain/errors.js';
import { canViewTokenPolicy } from '../access.js';
import { MAX_POLICY_DAYS } from '../../../auth/api-token-policy.js';
import { tokenPolicyPage } from '../views/admin-more.js';

export const PolicyBody = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  maxLifetimeDays: Type.Optional(Type.String({ maxLength: 12 })),
});
const PolicyQuery = Type.Object({ done: Type.Optional(Type.String({ maxLength: 40 })) });

/** '' is no limit; anything else must be digits (the service checks the range). */
export function policyDaysOf(text: string | undefined): number | null | 'invalid' {
  const t = (text ?? '').trim();
  if (t === '') return null;
  return /^\d{1,6}$/.test(t) ? Number(t) : 'invalid';
}

/** The policy field's error, in the form's words (the service's names `maxLifetimeDays` and `null`). */
export function policyDaysMessage(ceiling: number | null = null): string {
  if (ceiling !== null)
    return `Enter a whole number of days from 1 to ${ceiling}: this installation allows no more, and no token without an expiry.`;
  return `Enter a whole number of days from 1 to ${MAX_POLICY_DAYS}, or leave it empty for no limit.`;
}

export function tokenPolicyRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { services } = deps;
  const path = '/administration/tokenPolicy';

  const load = async (request: Parameters<typeof requireSignedIn>[0]) => {
    const state = requireSignedIn(request);
    if (!canViewTokenPolicy(state.principal)) throw forbidden('The API token policy needs the right "Organization: Edit Properties".');
    const org = await services.store.getOrg(state.principal.orgId);
    if (!org) throw forbidden();
    return { state, org };
  };

  app.get<{ Querystring: Static<typeof PolicyQuery> }>(
    path,
    { schema: { querystring: PolicyQuery, response: PAGE } },
    async (request, reply) => {
      const { state, org } = await load(request);
      const policy = services.apiTokenPolicy.read(state.principal, org);
      return sendPage(
        reply,
        tokenPolicyPage(signedInFrame(state, deps), {
          orgName: org.name,
          maxLifetimeDays: policy.maxLifetimeDays,
          ceiling: policy.installationMaxLifetimeDays,
          canChange: services.apiTokenPolicy.mayChange(state.principal, org.id),
          action: `${state.org.basePath}${path}`,
          notice: request.query.done === 'saved' ? 'The API token policy was saved.' : null,
          error: null,
          maxDays: services.apiTokenPolicy.ceiling ?? MAX_POLICY_DAYS,
        }),
      );
    },
  );

  app.post<{ Body: Static<typeof PolicyBody> }>(
    path,
    { schema: { body: PolicyBody, response: FORM }, config: { csrf: 'session' } },
    async (request, reply) => {
      const { state, org } = await load(request);
      if (!services.apiTokenPolicy.mayChange(state.principal, org.id))
        throw forbidden('Changing the policy needs "Organization: Edit Properties".');
      const days = policyDaysOf(request.body.maxLifetimeDays);
      try {
        await services.apiTokenPolicy.change(state.principal, org, days === 'invalid' ? Number.NaN : days, request.ip);
      } catch (error) {
        if (!(error instanceof TesseraError) || error.status !== 400) throw error;
        return sendPage(
          reply,
          tokenPolicyPage(signedInFrame(state, deps), {
            orgName: org.name,
            maxLifetimeDays: org.max_token_lifetime_days,
            ceiling: services.apiTokenPolicy.ceiling,
            canChange: true,
            action: `${state.org.basePath}${path}`,
            notice: null,
            error: policyDaysMessage(services.apiTokenPolicy.ceiling),
            typed: (request.body.maxLifetimeDays ?? '').trim(),
            maxDays: services.apiTokenPolicy.ceiling ?? MAX_POLICY_DAYS,
          }),
          400,
        );
      }
      return seeOther(reply, `${state.org.basePath}${path}?done=saved`);
    },
  );
}
