/**
 * Home and User preferences, with two-factor set-up and turning it off:
 *   GET  {base}/                          home
 *   GET  {base}/preferences               user details, password, two-factor status, Access Tokens
 *   POST {base}/preferences/totp/start    new secret (not yet enabled) -> the set-up page
 *   GET  {base}/preferences/totp          the set-up page: QR code, key, first-code form
 *   POST {base}/preferences/totp/confirm  a first code enables it
 *   GET  {base}/preferences/totp/disable  the form to turn it off: password and a current code
 *   POST {base}/preferences/totp/disable  turns it off
 *   GET  {base}/preferences/totp/recovery-codes      the new recovery codes, once (after set-up or a new set)
 *   GET  {base}/preferences/totp/recovery-codes/new  the form for a new set (password or a current code)
 *   POST {base}/preferences/totp/recovery-codes/new  makes the new set; the old one stops working
 * The rules (replay, audit, who may) are TotpEnrolmentService's (src/auth/totp-enrolment.ts), shared with the
 * cloudapi; this file words the outcomes for the pages.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PortalDeps } from '../deps.js';
import { plainText } from '../html.js';
import { requireSignedIn } from '../portal-session.js';
import { signedInFrame } from '../page-frame.js';
import { formField, queryField, seeOther, sendPage } from '../respond.js';
import { FORM, PAGE } from '../responses.js';
import { canChangeOwnPassword, canCreateOwnToken, hasAccessTokensSection } from '../access.js';
import { listApiTokensPage, listOwnApiTokens, NO_FILTER, RECENT_ENDED_SHOWN, TOKEN_LIST_LIMIT } from '../token-queries.js';
import { MAX_LIST_PAGE } from '../return-path.js';
import { badRequest } from '../../../domain/errors.js';
import type { TotpEnrolment } from '../../../auth/totp-enrolment.js';
import type { Services } from '../../context.js';
import type { Principal } from '../../../domain/principal.js';
import { can } from '../../../domain/policy.js';
import { Type, type Static } from 'typebox';
import { clearCookie, readCookie, recoveryCodesPath, setRecoveryCodesCookie } from '../cookies.js';
import { openShownOnce, sealShownOnce } from '../shown-once.js';
import { newRecoveryCodesPage, recoveryCodesPage } from '../views/recovery-codes.js';
import { isLive, tokenStatus } from '../token-queries.js';
import type { SignedInState } from '../portal-session.js';
import type { FastifyReply } from 'fastify';
import { homePage } from '../views/home.js';
import { preferencesPage, type PreferencesSection } from '../views/preferences.js';
import { totpDisablePage, totpEnrolmentPage } from '../views/totp-enrolment.js';
import { lockedOrBraked, passwordAttemptsExceeded } from './password.js';
import { DEFAULT_TIME_ZONE, formatInstant } from '../../../domain/time-zone.js';

/** Messages after a redirect (`?done=`): fixed texts chosen by key, never text from the URL. */
export const DONE_NOTICES: Readonly<Record<string, string>> = {
  revoked: 'The API token was revoked.',
  'regenerated-already': 'The API token was already regenerated; its replacement is in the list.',
  'totp-enabled': 'Two-factor authentication is on. Signing in now asks for a code after your password.',
  'totp-disabled': 'Two-factor authentication is off. Signing in now asks for your password only.',
  'totp-lapsed':
    'The set-up was started more than 15 minutes ago and has lapsed. Two-factor authentication is still off: set it up again, and remove the old Tessera entry from your authenticator app.',
  'password-changed': 'Your password was changed. Your other sessions were signed out; this one stays signed in.',
  'time-zone': 'Your time zone was saved. Dates are now shown in it.',
};

/**
 * Where on User preferences each notice is shown: in the section the redirect's fragment scrolls to
 * (`#access-tokens`, `#password`, ...), since a notice at the top of the page would be out of view there.
 */
export const DONE_SECTIONS: Readonly<Record<string, PreferencesSection>> = {
  revoked: 'access-tokens',
  'regenerated-already': 'access-tokens',
  'totp-enabled': 'two-factor',
  'totp-disabled': 'two-factor',
  'totp-lapsed': 'two-factor',
  'password-changed': 'password',
  'time-zone': 'time-zone',
};

/**
 * The notice for `?done=`; after a password change that revoked the API tokens, `&tokens=` carries how many
 * (digits only, placed in a fixed sentence). After a revoke, `&token=` carries the token's id: the notice names
 * the token when the viewer may see it (its name is read from the store, never taken from the URL); so does
 * `done=regenerated-already`, after a Regenerate of a token that was already replaced.
 */
export async function doneNoticeFor(services: Services, request: FastifyRequest, principal: Principal): Promise<string | null> {
  const done = queryField(request, 'done');
  const id = queryField(request, 'token');
  if (done === 'revoked' && UUID.test(id)) {
    const row = await services.store.getApiToken(id);
    if (row && can(principal, 'apiToken.view', { orgId: row.org_id, ownerId: row.user_id })) {
      return plainText`The API token "${row.name}" was revoked. Scripts using it, and their sessions, stopped working.`;
    }
  }
  // A Regenerate from a second tab or a stale list (routes/tokens.ts): the token was replaced already.
  if (done === 'regenerated-already' && UUID.test(id)) {
    const row = await services.store.getApiToken(id);
    if (row && can(principal, 'apiToken.view', { orgId: row.org_id, ownerId: row.user_id })) {
      return plainText`The API token "${row.name}" was already regenerated; its replacement is in the list.`;
    }
  }
  return doneNotice(request);
}

/**
 * The notices after an action (doneNoticeFor), `ended=all`, which lists every revoked token kept, and the Access
 * Tokens list's name search and page (as Administration's token lists: their bounds, their 400 page).
 */
const PreferencesQuery = Type.Object({
  done: Type.Optional(Type.String({ maxLength: 40 })),
  token: Type.Optional(Type.String({ maxLength: 64 })),
  ended: Type.Optional(Type.Literal('all')),
  search: Type.Optional(Type.String({ maxLength: 128 })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIST_PAGE })),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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

  app.get('/', { schema: { response: PAGE } }, async (request, reply) => {
    const state = requireSignedIn(request);
    const { principal } = state;
    const [user, org] = await Promise.all([services.store.getUser(principal.userId), services.store.getOrg(principal.orgId)]);
    const tokens = hasAccessTokensSection(principal) ? (await listOwnApiTokens(services, principal.userId, { endedShown: 0 })).items : null;
    // Sign-in lands here: an administrator's reset of the user's two-factor authentication is told once (issue 14).
    const twoFactorResetAt = await services.users.takeTwoFactorResetNotice(principal.userId);
    const now = Date.now();
    return sendPage(
      reply,
      homePage(signedInFrame(state, deps, 'home'), {
        fullName: user?.full_name ?? '',
        orgFullName: org?.full_name || principal.orgName,
        liveTokens: tokens === null ? null : tokens.filter((t) => isLive(t, now)).length,
        expiringSoon: (tokens ?? [])
          .filter((t) => tokenStatus(t, now) === 'expiring-soon' && !t.replaced)
          .map((t) => ({ name: t.name, expiresAt: t.expiresAt! })),
        twoFactorResetAt,
      }),
    );
  });

  app.get<{ Querystring: Static<typeof PreferencesQuery> }>(
    '/preferences',
    { schema: { querystring: PreferencesQuery, response: PAGE } },
    async (request, reply) => {
      const state = requireSignedIn(request);
      const { principal } = state;
      const user = await services.store.getUser(principal.userId);
      const search = (request.query.search ?? '').trim();
      const page = request.query.page ?? 1;
      const tokens = hasAccessTokensSection(principal)
        ? {
            // `?ended=all`: every ended token kept, not only the most recent (the page links to it when some are hidden).
            ...(await listOwnApiTokens(services, principal.userId, {
              endedShown: request.query.ended === 'all' ? TOKEN_LIST_LIMIT : RECENT_ENDED_SHOWN,
              search,
              page,
            })),
            search,
            page,
            endedAll: request.query.ended === 'all',
            // The notice names every live token that expires within 7 days, whichever page it is on (up to the
            // TOKEN_LIST_LIMIT Home names: a page of the list's size named 25 and counted 25 however many there were).
            expiringSoon: (
              await listApiTokensPage(
                services,
                { kind: 'user', userId: principal.userId },
                {
                  search: '',
                  page: 1,
                  pageSize: TOKEN_LIST_LIMIT,
                  filter: { ...NO_FILTER, state: 'expiring' },
                },
              )
            ).items
              .filter((t) => !t.replaced)
              .map((t) => ({ name: t.name, expiresAt: t.expiresAt! })),
            canCreate: canCreateOwnToken(principal),
          }
        : null;
      return sendPage(
        reply,
        preferencesPage(signedInFrame(state, deps, 'preferences'), {
          fullName: user?.full_name ?? '',
          email: user?.email ?? '',
          canChangePassword: canChangeOwnPassword(principal),
          timeZone: state.timeZone ?? 'UTC',
          totp: await totp.status(principal),
          recoveryCodesLeft: await totp.recoveryCodesLeft(principal),
          tokens,
          notice: await doneNoticeFor(services, request, principal),
          noticeSection: DONE_SECTIONS[queryField(request, 'done')] ?? null,
        }),
      );
    },
  );

  /** New recovery codes go to the one page that shows them, in a cookie sealed to this session (as new tokens do). */
  const showRecoveryCodes = (request: FastifyRequest, reply: FastifyReply, state: SignedInState, codes: string[]) => {
    const sealed = sealShownOnce(deps.keys.createdToken, { recoveryCodes: codes, at: Date.now() }, `recovery:${state.principal.sessionId}`);
    setRecoveryCodesCookie(request, reply, state.org.basePath, sealed);
    return seeOther(reply, recoveryCodesPath(state.org.basePath));
  };

  app.get('/preferences/totp/recovery-codes', { schema: { response: PAGE } }, async (request, reply) => {
    const state = requireSignedIn(request);
    // A HEAD (a link checker, a prefetcher) shows nothing, so it must not spend the one showing either.
    if (request.method === 'HEAD') {
      return sendPage(reply, recoveryCodesPage(signedInFrame(state, deps, 'preferences'), { codes: null, generatedAt: '' }));
    }
    const sealed = readCookie(request, 'recoveryCodes');
    if (sealed) clearCookie(request, reply, 'recoveryCodes', recoveryCodesPath(state.org.basePath));
    const opened = (await openShownOnce(services.store, deps.keys.createdToken, sealed, `recovery:${state.principal.sessionId}`)) as {
      recoveryCodes?: unknown;
      at?: unknown;
    } | null;
    const codes =
      opened && Array.isArray(opened.recoveryCodes) && opened.recoveryCodes.every((c) => typeof c === 'string')
        ? (opened.recoveryCodes as string[])
        : null;
    const at = typeof opened?.at === 'number' ? opened.at : Date.now();
    return sendPage(
      reply,
      recoveryCodesPage(signedInFrame(state, deps, 'preferences'), {
        codes,
        generatedAt: formatInstant(at, state.timeZone ?? DEFAULT_TIME_ZONE),
      }),
    );
  });

  app.get('/preferences/totp/recovery-codes/new', { schema: { response: PAGE } }, async (request, reply) => {
    const state = requireSignedIn(request);
    if ((await totp.status(state.principal)) !== 'enabled') return seeOther(reply, `${state.org.basePath}/preferences#two-factor`);
    const remaining = await totp.recoveryCodesLeft(state.principal);
    return sendPage(reply, newRecoveryCodesPage(signedInFrame(state, deps, 'preferences'), { remaining, error: null }));
  });

  app.post(
    '/preferences/totp/recovery-codes/new',
    {
      config: { csrf: 'session' },
      schema: {
        response: FORM,
        body: Type.Object({
          _csrf: Type.Optional(Type.String({ maxLength: 200 })),
          username: Type.Optional(Type.String({ maxLength: 1024 })),
          password: Type.Optional(Type.String({ maxLength: 1024 })),
          code: Type.Optional(Type.String({ maxLength: 32 })),
        }),
      },
    },
    async (request, reply) => {
      const state = requireSignedIn(request);
      const { principal } = state;
      const password = formField(request, 'password');
      const code = formField(request, 'code').replace(/\s+/g, '');
      const rerender = async (status: number, error: string) =>
        sendPage(
          reply,
          newRecoveryCodesPage(signedInFrame(state, deps, 'preferences'), { remaining: await totp.recoveryCodesLeft(principal), error }),
          status,
        );
      if (password === '' && code === '') return rerender(400, 'Enter your password or the 6-digit code your authenticator app shows now.');
      const retryAfter = passwordAttemptsExceeded(services, request, principal);
      if (retryAfter > 0) {
        reply.header('Retry-After', String(retryAfter));
        return rerender(429, 'Too many attempts. Wait a minute and try again.');
      }
      const made = await lockedOrBraked(reply, () => totp.regenerateRecoveryCodes(principal, { password, code }, request.ip));
      if ('refused' in made) return rerender(429, `${made.refused}.`);
      if (made.ok) return showRecoveryCodes(request, reply, state, made.recoveryCodes);
      if (made.reason === 'not-enabled') return seeOther(reply, `${state.org.basePath}/preferences#two-factor`);
      return rerender(400, 'That password or code is not right. If you used a code, wait for the next one.');
    },
  );

  app.post('/preferences/totp/start', { config: { csrf: 'session' }, schema: { response: FORM } }, async (request, reply) => {
    const state = requireSignedIn(request);
    const started = await totp.start(state.principal);
    if (!started.ok) throw badRequest('Two-factor authentication is already enabled');
    return seeOther(reply, `${state.org.basePath}/preferences/totp`);
  });

  app.get('/preferences/totp', { schema: { response: PAGE } }, async (request, reply) => {
    const state = requireSignedIn(request);
    const enrolment = await totp.inProgress(state.principal);
    if (!enrolment) return seeOther(reply, `${state.org.basePath}/preferences#two-factor`);
    return sendPage(reply, totpEnrolmentPage(signedInFrame(state, deps, 'preferences'), { ...forPage(enrolment), error: null }));
  });

  app.post('/preferences/totp/confirm', { config: { csrf: 'session' }, schema: { response: FORM } }, async (request, reply) => {
    const state = requireSignedIn(request);
    const code = formField(request, 'code').trim();
    if (!/^[0-9]{6}$/.test(code)) {
      // A missing or malformed code is no wrong code: say what to enter, not to check the clock (as the sign-in
      // code step says), and spend no attempt on it.
      const enrolment = await totp.inProgress(state.principal);
      if (!enrolment) return seeOther(reply, `${state.org.basePath}/preferences#two-factor`);
      const error = 'Enter the 6-digit code your authenticator app shows for Tessera: six digits, nothing else.';
      return sendPage(reply, totpEnrolmentPage(signedInFrame(state, deps, 'preferences'), { ...forPage(enrolment), error }), 400);
    }
    const confirmed = await totp.confirm(state.principal, code, request.ip);
    // Enabled: the first recovery codes are shown once, before anything else.
    if (confirmed.ok) return showRecoveryCodes(request, reply, state, confirmed.recoveryCodes);
    if (confirmed.reason === 'lapsed') return seeOther(reply, `${state.org.basePath}/preferences?done=totp-lapsed#two-factor`);
    const enrolment = confirmed.reason === 'wrong-code' ? await totp.inProgress(state.principal) : null;
    if (!enrolment) return seeOther(reply, `${state.org.basePath}/preferences#two-factor`);
    const error = 'The code is wrong. Check that the time on your device is right, then enter the code it shows now.';
    return sendPage(reply, totpEnrolmentPage(signedInFrame(state, deps, 'preferences'), { ...forPage(enrolment), error }), 400);
  });

  app.get('/preferences/totp/disable', { schema: { response: PAGE } }, async (request, reply) => {
    const state = requireSignedIn(request);
    if ((await totp.status(state.principal)) !== 'enabled') return seeOther(reply, `${state.org.basePath}/preferences#two-factor`);
    return sendPage(reply, totpDisablePage(signedInFrame(state, deps, 'preferences'), { error: null }));
  });

  app.post('/preferences/totp/disable', { config: { csrf: 'session' }, schema: { response: FORM } }, async (request, reply) => {
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
    const disabled = await lockedOrBraked(reply, () => totp.disable(principal, password, code, request.ip));
    if ('refused' in disabled) return rerender(429, `${disabled.refused}.`);
    if (disabled.ok) return seeOther(reply, `${state.org.basePath}/preferences?done=totp-disabled#two-factor`);
    if (disabled.reason === 'not-enabled') return seeOther(reply, `${state.org.basePath}/preferences#two-factor`);
    return rerender(
      400,
      'The password is wrong, or the code is wrong or was already used. Enter your password and the code your app shows now; if you have just used a code, wait for the next one.',
    );
  });
}
