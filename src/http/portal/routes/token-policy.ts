/**
 * Administration > API Token Policy of the portal's own org (issue 14 §2), through ApiTokenPolicyService (the
 * same rules and audit event as the cloudapi's /orgs/{id}/apiTokenPolicy):
 *   GET  {base}/administration/tokenPolicy     the policy; the form for who may change it
 *   POST {base}/administration/tokenPolicy     maxLifetimeDays, maxIdleDays: 1-3650, or empty for no limit
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
import { MAX_POLICY_DAYS, type ApiTokenPolicyChange } from '../../../auth/api-token-policy.js';
import { tokenPolicyPage, type PolicyFormState } from '../views/admin-more.js';
import type { Services } from '../../context.js';
import type { Org } from '../../../store/store.js';

export const PolicyBody = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  maxLifetimeDays: Type.Optional(Type.String({ maxLength: 12 })),
  maxIdleDays: Type.Optional(Type.String({ maxLength: 12 })),
});
const PolicyQuery = Type.Object({ done: Type.Optional(Type.String({ maxLength: 40 })) });

/** '' is no limit; anything else must be digits (the service checks the range). */
export function policyDaysOf(text: string | undefined): number | null | 'invalid' {
  const t = (text ?? '').trim();
  if (t === '') return null;
  return /^\d{1,6}$/.test(t) ? Number(t) : 'invalid';
}

/**
 * The form's change: a field the form did not send keeps its value (a page from before the idle limit existed, or a
 * script posting one field); what is not digits reaches the service as NaN, which it refuses.
 */
export function policyChangeOf(body: Static<typeof PolicyBody>): ApiTokenPolicyChange {
  const value = (text: string) => {
    const days = policyDaysOf(text);
    return days === 'invalid' ? Number.NaN : days;
  };
  return {
    ...(body.maxLifetimeDays === undefined ? {} : { maxLifetimeDays: value(body.maxLifetimeDays) }),
    ...(body.maxIdleDays === undefined ? {} : { maxIdleDays: value(body.maxIdleDays) }),
  };
}

/** The policy form as saved. */
export function savedPolicyForm(services: Services, org: Org): PolicyFormState {
  return {
    lifetime: String(org.max_token_lifetime_days ?? ''),
    idle: String(org.max_token_idle_days ?? ''),
    errorField: null,
    ceiling: services.apiTokenPolicy.ceiling,
    idleCeiling: services.apiTokenPolicy.idleCeiling,
  };
}

/**
 * A refused change, in the form's words (the service's speak of `maxLifetimeDays` and `null`), on the field it is
 * about, with what was typed in both.
 */
export function refusedPolicyForm(services: Services, org: Org, body: Static<typeof PolicyBody>): { form: PolicyFormState; text: string } {
  const policy = services.apiTokenPolicy;
  const field = policy.problemWith(policyChangeOf(body), org) === 'maxIdleDays' ? 'idle' : 'days';
  const form: PolicyFormState = {
    lifetime: (body.maxLifetimeDays ?? String(org.max_token_lifetime_days ?? '')).trim(),
    idle: (body.maxIdleDays ?? String(org.max_token_idle_days ?? '')).trim(),
    errorField: field,
    ceiling: policy.ceiling,
    idleCeiling: policy.idleCeiling,
  };
  return { form, text: field === 'idle' ? idleDaysMessage(policy.idleCeiling) : policyDaysMessage(policy.ceiling) };
}

/** The policy field's error, in the form's words (the service's names `maxLifetimeDays` and `null`). */
export function policyDaysMessage(ceiling: number | null = null): string {
  if (ceiling !== null)
    return `Enter a whole number of days from 1 to ${ceiling}: this installation allows no more, and no token without an expiry.`;
  return `Enter a whole number of days from 1 to ${MAX_POLICY_DAYS}, or leave it empty for no limit.`;
}

/** The idle field's error, in the form's words. */
export function idleDaysMessage(ceiling: number | null): string {
  if (ceiling !== null)
    return `Enter after how many unused days a token is revoked, a whole number from 1 to ${ceiling}: this installation revokes tokens unused for longer.`;
  return `Enter after how many unused days a token is revoked, a whole number from 1 to ${MAX_POLICY_DAYS}, or leave it empty for never.`;
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
          maxIdleDays: policy.maxIdleDays,
          form: savedPolicyForm(services, org),
          canChange: services.apiTokenPolicy.mayChange(state.principal, org.id),
          action: `${state.org.basePath}${path}`,
          notice: request.query.done === 'saved' ? 'The API token policy was saved.' : null,
          error: null,
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
      try {
        await services.apiTokenPolicy.change(state.principal, org, policyChangeOf(request.body), request.ip);
      } catch (error) {
        if (!(error instanceof TesseraError) || error.status !== 400) throw error;
        const refused = refusedPolicyForm(services, org, request.body);
        return sendPage(
          reply,
          tokenPolicyPage(signedInFrame(state, deps), {
            orgName: org.name,
            maxLifetimeDays: org.max_token_lifetime_days,
            maxIdleDays: org.max_token_idle_days,
            form: refused.form,
            canChange: true,
            action: `${state.org.basePath}${path}`,
            notice: null,
            error: refused.text,
          }),
          400,
        );
      }
      return seeOther(reply, `${state.org.basePath}${path}?done=saved`);
    },
  );
}
