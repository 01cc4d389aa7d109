/**
 * Home and User preferences, with two-factor set-up and turning it off:
 *   GET  {base}/                          home
 *   GET  {base}/preferences               user details, password, two-factor status, Access Tokens
 *   POST {base}/preferences/totp/start    new secret (not yet enabled) -> the set-up page
 *   GET  {base}/preferences/totp          the set-up page: QR code, key, first-code form
 *   POST {base}/preferences/totp/confirm  a first code enables it
 *   GET  {base}/preferences/totp/disable  the form to turn it off: password and a current code
 *   POST {base}/preferences/totp/disable  turns it off
 * The rules (replay, audit, who may) are TotpEnrolmentService's (src/auth/totp-enrolment.ts), shared with the
 * cloudapi; this file words the outcomes for the pages.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PortalDeps } from '../deps.js';
import { requireSignedIn } from '../portal-session.js';
import { signedInFrame } from '../page-frame.js';
import { formField, queryField, seeOther, sendPage } from '../respond.js';
import { canChangeOwnPassword, canCreateOwnToken, hasAccessTokensSection } from '../access.js';
import { listApiTokens } from '../token-queries.js';
import { badRequest } from '../../../domain/errors.js';
import type { TotpEnrolment } from '../../../auth/totp-enrolment.js';
import { homePage } from '../views/home.js';
import { preferencesPage } from '../views/preferences.js';
import { totpDisablePage, totpEnrolmentPage } from '../views/totp-enrolment.js';
import { passwordAttemptsExceeded } from './password.js';

/** Messages after a redirect (`?done=`): fixed texts chosen by key, never text from the URL. */
export const DONE_NOTICES: Readonly<Record<string, string>> = {
  revoked: 'The API token was revoked.',
  'totp-enabled': 'Two-factor authentication is on. Signing in now asks for a code after your password.',
  'totp-disabled': 'Two-factor authentication is off. Signing in now asks for your password only.',
  'password-changed': 'Your password was changed. Your other sessions were signed out; this one stays signed in.',
};

/**
 * The notice for `?done=`; after a password change that revoked the API tokens, `&tokens=` carries how many
 * (digits only, placed in a fixed sentence).
 */
export function doneNotice(request: FastifyRequest): string | null {
  const done = queryField(request, 'done');
  const notice = DONE_NOTICES[done];
  if (!notice) return null;
  const tokens = queryField(request, 'tokens');
  if (done !== 'password-changed' || !/^\d{1,6}$/.test(tokens)) return notice;
  const count = Number(tokens);
  const revoked =
    count === 0 ? 'You had no API tokens to revoke.' : count === 1 ? '1 API token was revoked.' : `${count} API tokens were revoked.`;
  return `${notice} ${revoked}`;
}

/** The QR code as an <img> source: the CSP allows data: images, and no markup from a library is inlined. */
function forPage(enrolment: TotpEnrolment): { secret: string; qrCodeDataUri: string } {
  return {
    secret: enrolment.secret,
    qrCodeDataUri: `data:image/svg+xml;base64,${Buffer.from(enrolment.qrCodeSvg, 'utf8').toString('base64')}`,
  };
}

export function preferencesRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { services } = deps;
  const totp = services.totpEnrolment;

  app.get('/', async (request, reply) => {
    const state = requireSignedIn(request);
    const { principal } = state;
    const [user, org] = await Promise.all([services.store.getUser(principal.userId), services.store.getOrg(principal.orgId)]);
    const liveTokens = hasAccessTokensSection(principal)
      ? (await listApiTokens(services, { kind: 'user', userId: principal.userId })).items.length
      : null;
    // Sign-in lands here: an administrator's reset of the user's two-factor authentication is told once (issue 14).
    const twoFactorResetAt = await services.users.takeTwoFactorResetNotice(principal.userId);
    return sendPage(
      reply,
      homePage(signedInFrame(state, deps, 'home'), {
        fullName: user?.full_name ?? '',
        orgFullName: org?.full_name || principal.orgName,
        liveTokens,
        twoFactorResetAt,
      }),
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
        canChangePassword: canChangeOwnPassword(principal),
        totp: await totp.status(principal),
        tokens,
        notice: doneNotice(request),
      }),
    );
  });

  app.post('/preferences/totp/start', { config: { csrf: 'session' } }, async (request, reply) => {
    const state = requireSignedIn(request);
    const started = await totp.start(state.principal);
    if (!started.ok) throw badRequest('Two-factor authentication is already enabled');
    return seeOther(reply, `${state.org.basePath}/preferences/totp`);
  });

  app.get('/preferences/totp', async (request, reply) => {
    const state = requireSignedIn(request);
    const enrolment = await totp.inProgress(state.principal);
    if (!enrolment) return seeOther(reply, `${state.org.basePath}/preferences#two-factor`);
    return sendPage(reply, totpEnrolmentPage(signedInFrame(state, deps, 'preferences'), { ...forPage(enrolment), error: null }));
  });

  app.post('/preferences/totp/confirm', { config: { csrf: 'session' } }, async (request, reply) => {
    const state = requireSignedIn(request);
    const confirmed = await totp.confirm(state.principal, formField(request, 'code'), request.ip);
    if (confirmed.ok) return seeOther(reply, `${state.org.basePath}/preferences?done=totp-enabled#two-factor`);
    const enrolment = confirmed.reason === 'wrong-code' ? await totp.inProgress(state.principal) : null;
    if (!enrolment) return seeOther(reply, `${state.org.basePath}/preferences#two-factor`);
    const error = 'The code is wrong. Check that the time on your device is right, then enter the code it shows now.';
    return sendPage(reply, totpEnrolmentPage(signedInFrame(state, deps, 'preferences'), { ...forPage(enrolment), error }), 400);
  });

  app.get('/preferences/totp/disable', async (request, reply) => {
    const state = requireSignedIn(request);
    if ((await totp.status(state.principal)) !== 'enabled') return seeOther(reply, `${state.org.basePath}/preferences#two-factor`);
    return sendPage(reply, totpDisablePage(signedInFrame(state, deps, 'preferences'), { error: null }));
  });

  app.post('/preferences/totp/disable', { config: { csrf: 'session' } }, async (request, reply) => {
    const state = requireSignedIn(request);
    const { principal } = state;
    const password = formField(request, 'password');
    const code = formField(request, 'code').replace(/\s+/g, '');
    const rerender = (status: number, error: string) =>
      sendPage(reply, totpDisablePage(signedInFrame(state, deps, 'preferences'), { error }), status);
    if (password === '' || code === '') return rerender(400, 'Enter your password and the 6-digit code your authenticator app shows now.');
    const retryAfter = passwordAttemptsExceeded(services, request, principal);
    if (retryAfter > 0) {
      reply.header('Retry-After', String(retryAfter));
      return rerender(429, 'Too many attempts. Wait a minute and try again.');
    }
    const disabled = await totp.disable(principal, password, code, request.ip);
    if (disabled.ok) return seeOther(reply, `${state.org.basePath}/preferences?done=totp-disabled#two-factor`);
    if (disabled.reason === 'not-enabled') return seeOther(reply, `${state.org.basePath}/preferences#two-factor`);
    return rerender(
      400,
      'The password is wrong, or the code is wrong or was already used. Enter your password and the code your app shows now; if you have just used a code, wait for the next one.',
    );
  });
}
