/**
 * Home and User preferences, with two-factor set-up:
 *   GET  {base}/                          home
 *   GET  {base}/preferences               user details, two-factor status, Access Tokens
 *   POST {base}/preferences/totp/start    new secret (not yet enabled) -> the set-up page
 *   GET  {base}/preferences/totp          the set-up page: QR code, key, first-code form
 *   POST {base}/preferences/totp/confirm  a first code enables it
 */
import type { FastifyInstance } from 'fastify';
import type { PortalDeps } from '../deps.js';
import { requireSignedIn } from '../portal-session.js';
import { signedInFrame } from '../page-frame.js';
import { formField, queryField, seeOther, sendPage } from '../respond.js';
import { canCreateOwnToken, hasAccessTokensSection } from '../access.js';
import { listApiTokens } from '../token-queries.js';
import { confirmTotpEnrolment, enrolmentInProgress, startTotpEnrolment, totpState } from '../totp-enrolment.js';
import { homePage } from '../views/home.js';
import { preferencesPage } from '../views/preferences.js';
import { totpEnrolmentPage } from '../views/totp-enrolment.js';

/** Messages after a redirect (`?done=`): fixed texts chosen by key, never text from the URL. */
export const DONE_NOTICES: Readonly<Record<string, string>> = {
  revoked: 'The API token was revoked.',
  'totp-enabled': 'Two-factor authentication is on. Signing in now asks for a code after your password.',
};

export function preferencesRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { services } = deps;

  app.get('/', async (request, reply) => {
    const state = requireSignedIn(request);
    const { principal } = state;
    const [user, org] = await Promise.all([services.store.getUser(principal.userId), services.store.getOrg(principal.orgId)]);
    const liveTokens = hasAccessTokensSection(principal)
      ? (await listApiTokens(services, { kind: 'user', userId: principal.userId })).items.length
      : null;
    return sendPage(
      reply,
      homePage(signedInFrame(state, deps, 'home'), { fullName: user?.full_name ?? '', orgFullName: org?.full_name || principal.orgName, liveTokens }),
    );
  });

  app.get('/preferences', async (request, reply) => {
    const state = requireSignedIn(request);
    const { principal } = state;
    const user = await services.store.getUser(principal.userId);
    const tokens = hasAccessTokensSection(principal)
      ? { ...(await listApiTokens(services, { kind: 'user', userId: principal.userId })), canCreate: canCreateOwnToken(principal) }
      : null;
    return sendPage(
      reply,
      preferencesPage(signedInFrame(state, deps, 'preferences'), {
        fullName: user?.full_name ?? '',
        email: user?.email ?? '',
        totp: await totpState(services, principal),
        tokens,
        notice: DONE_NOTICES[queryField(request, 'done')] ?? null,
      }),
    );
  });

  app.post('/preferences/totp/start', { config: { csrf: 'session' } }, async (request, reply) => {
    const state = requireSignedIn(request);
    await startTotpEnrolment(services, state.principal);
    return seeOther(reply, `${state.org.basePath}/preferences/totp`);
  });

  app.get('/preferences/totp', async (request, reply) => {
    const state = requireSignedIn(request);
    const enrolment = await enrolmentInProgress(services, state.principal);
    if (!enrolment) return seeOther(reply, `${state.org.basePath}/preferences#two-factor`);
    return sendPage(reply, totpEnrolmentPage(signedInFrame(state, deps, 'preferences'), { ...enrolment, error: null }));
  });

  app.post('/preferences/totp/confirm', { config: { csrf: 'session' } }, async (request, reply) => {
    const state = requireSignedIn(request);
    if (await confirmTotpEnrolment(services, state.principal, formField(request, 'code'), request.ip)) {
      return seeOther(reply, `${state.org.basePath}/preferences?done=totp-enabled#two-factor`);
    }
    const enrolment = await enrolmentInProgress(services, state.principal);
    if (!enrolment) return seeOther(reply, `${state.org.basePath}/preferences#two-factor`);
    const error = 'The code is wrong. Check that the time on your device is right, then enter the code it shows now.';
    return sendPage(reply, totpEnrolmentPage(signedInFrame(state, deps, 'preferences'), { ...enrolment, error }), 400);
  });
}
