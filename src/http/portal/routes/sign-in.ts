/**
 * Sign-in, the verification-code step, and sign-out:
 *   GET  {base}/login        the form (user name, password only)
 *   POST {base}/login        password right and no TOTP: a session; with TOTP: the half-signed-in cookie
 *   GET  {base}/login/code   the code form (only with a valid half-signed-in cookie)
 *   POST {base}/login/code   a session
 *   POST {base}/sign-out     ends the session everywhere (revoked, not only forgotten by this browser)
 * The sign-in pages and forms need no session (`security: []` in the OpenAPI document). Their form fields are
 * optional in the schema, so that the CSRF check runs first and the handler says what is missing.
 *
 * `?from=` (return-path.ts): where the session that ended was. The sign-in page keeps it in a hidden field through
 * the password and code steps (and their errors), and the new session lands there instead of on Home; a value that
 * is not a path of this portal is dropped.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { Type } from 'typebox';
import { TesseraError } from '../../../domain/errors.js';
import { SecondStepSpent, type SignedIn } from '../../../auth/sessions.js';
import type { PortalDeps } from '../deps.js';
import type { PortalOrg } from '../portal-org.js';
import { PENDING_SIGN_IN_SECONDS, SIGN_IN_FORM_SECONDS, clearCookie, readCookie, setBrowserSessionCookie, setCookie } from '../cookies.js';
import { newPendingSignIn, requireSignedIn, sealPendingSignIn } from '../portal-session.js';
import { formField, queryField, seeOther, sendPage } from '../respond.js';
import { FORM, SIGN_IN_FORM, SIGN_IN_PAGE } from '../responses.js';
import { signInPage, verificationCodePage } from '../views/sign-in.js';
import { looksLikeRecoveryCode } from '../../../auth/recovery-codes.js';
import { RETURN_PARAM, safeReturnPath } from '../return-path.js';
import { signInAccount } from '../../../domain/user-name.js';

const Csrf = Type.Optional(Type.String({ maxLength: 200 }));
const ReturnPath = Type.Optional(Type.String({ maxLength: 2048, description: 'Where to go once signed in: a path of this portal' }));
const SignInBody = Type.Object({
  _csrf: Csrf,
  from: ReturnPath,
  username: Type.Optional(Type.String({ maxLength: 256 })),
  password: Type.Optional(Type.String({ maxLength: 1024 })),
});
const CodeBody = Type.Object({
  _csrf: Csrf,
  from: ReturnPath,
  code: Type.Optional(Type.String({ maxLength: 128, description: 'The 6-digit code, or a recovery code (abcde-fghij)' })),
});

const NOTICES: Readonly<Record<string, string>> = {
  'signed-out': 'You have signed out.',
  expired: 'Your session has ended. Sign in again to continue.',
  'code-expired': 'The sign-in took too long. Enter your password again.',
};

export function signInRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { services } = deps;
  const org = (request: FastifyRequest): PortalOrg => request.portal!.org;
  /** The `from` of the query (GET) or the form (POST), when it is a path of this portal; else null. */
  const returnPath = (request: FastifyRequest): string | null =>
    safeReturnPath(request.method === 'POST' ? formField(request, RETURN_PARAM) : queryField(request, RETURN_PARAM), org(request));
  const withReturn = (path: string, from: string | null) => (from ? `${path}?${RETURN_PARAM}=${encodeURIComponent(from)}` : path);

  /**
   * The sign-in form's CSRF binding: a random id in its own cookie, created with the first form and renewed (set again
   * for a fresh 12 hours) with every sign-in page. Until 2026-12-05 a page reused the cookie without setting it again,
   * so a page loaded near the cookie's end failed at submit with 403 and the typed password was lost. The id is kept
   * while the cookie lives: other sign-in pages open in this browser carry tokens bound to it (a new id would void
   * them), and renewing its lifetime tells no one the id, which the browser alone holds (HttpOnly, SameSite=Strict).
   */
  const signInFormBinding = (request: FastifyRequest, reply: FastifyReply): string => {
    const existing = readCookie(request, 'signInForm');
    const id = existing && /^[A-Za-z0-9_-]{22}$/.test(existing) ? existing : randomBytes(16).toString('base64url');
    setCookie(request, reply, 'signInForm', id, SIGN_IN_FORM_SECONDS);
    return id;
  };

  const renderSignIn = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: { userName?: string; error?: string; notice?: string; elsewhere?: { userName: string; orgName: string; basePath: string } },
  ) =>
    sendPage(
      reply,
      signInPage({
        org: org(request),
        csrfToken: deps.csrf.issue('signIn', signInFormBinding(request, reply)),
        returnTo: returnPath(request),
        ...extra,
      }),
      status,
    );

  /**
   * Starts the session: the cookie holds the access token; any earlier session of this browser is ended. It lands
   * where the ended session was (`from`), else on Home.
   */
  const startPortalSession = async (request: FastifyRequest, reply: FastifyReply, signedIn: SignedIn) => {
    await endPreviousSession(request);
    // A browser-session cookie: the access token's exp ends it on the server, and the browser never writes it to disk.
    setBrowserSessionCookie(request, reply, 'session', signedIn.accessToken);
    clearCookie(request, reply, 'pending');
    // The sign-in form's binding stays (it expires by itself): clearing it voided every other sign-in page open in
    // this browser, so after a session ended in all tabs, signing in from one made each other answer 403 "Not
    // allowed" (until 2026-12-05). It guards against login CSRF only, which a second form of this browser is not.
    return seeOther(reply, returnPath(request) ?? `${org(request).basePath}/`);
  };

  /** A browser holds one portal session: signing in (perhaps to another org) ends the one it had. */
  const endPreviousSession = async (request: FastifyRequest) => {
    const previous = readCookie(request, 'session');
    if (!previous) return;
    try {
      const principal = await services.authenticator.fromAccessToken(previous);
      if (principal.kind === 'password') await services.sessions.signOut(principal, request.ip);
    } catch {
      // Already expired or revoked: nothing to end.
    }
  };

  app.get('/login', { schema: { security: [], response: SIGN_IN_PAGE } }, async (request, reply) => {
    if (request.portal!.principal) return seeOther(reply, returnPath(request) ?? `${org(request).basePath}/`);
    const elsewhere = request.portal!.signedInElsewhere ?? null;
    const notice = NOTICES[queryField(request, 'notice')];
    // Whether signed in elsewhere comes from the cookie's session, not from the URL (the URL only asks to say it).
    if (elsewhere) return renderSignIn(request, reply, 200, { elsewhere });
    return renderSignIn(request, reply, 200, notice ? { notice } : {});
  });

  app.post(
    '/login',
    { config: { csrf: 'signIn', signInForm: true }, schema: { security: [], body: SignInBody, response: SIGN_IN_FORM } },
    async (request, reply) => {
      const portalOrg = org(request);
      const userName = formField(request, 'username').trim();
      // The form's CSRF token no longer matched its cookie (it expired, or was cleared) on a post the browser says
      // came from this site (checkCsrf): the form again with a fresh token, the user name kept and no credential
      // checked, rather than a 403 page that threw the typed password away (until 2026-12-05).
      if (request.portal!.signInFormExpired === true) {
        return renderSignIn(request, reply, 403, { userName, error: 'The sign-in form had expired; sign in again.' });
      }
      const password = formField(request, 'password');
      if (userName === '' || password === '') {
        return renderSignIn(request, reply, 400, { userName, error: 'Enter your user name and password.' });
      }
      const tried = signInAccount(userName, portalOrg.orgName);
      const retryAfter = services.limits.signIn.hit(request.ip, tried);
      if (retryAfter > 0) {
        reply.header('Retry-After', String(retryAfter));
        return renderSignIn(request, reply, 429, { userName, error: 'Too many sign-in attempts. Wait a minute and try again.' });
      }
      try {
        const signedIn = await services.sessions.signIn({
          userName,
          orgName: portalOrg.orgName,
          password,
          totpCode: null,
          endpoint: portalOrg.kind,
          ip: request.ip,
        });
        // As in src/http/sign-in.ts: the limit counts attempts that did not succeed.
        services.limits.signIn.forgive(request.ip, tried);
        return await startPortalSession(request, reply, signedIn);
      } catch (error) {
        if (!(error instanceof TesseraError)) throw error;
        if (error.code === 'TOTP_REQUIRED') return startCodeStep(request, reply, userName);
        if (error.code === 'TOTP_LOCKED') {
          return renderSignIn(request, reply, 429, { userName, error: `Too many wrong verification codes. ${tryAgainIn(reply, error)}` });
        }
        // The org's account lockout: says so, who can help, and when it ends (the message is the API's, made for
        // people: auth/sessions.ts explains why a locked account is told apart from a wrong password).
        if (error.code === 'ACCOUNT_LOCKED') return renderSignIn(request, reply, 401, { userName, error: error.message });
        if (error.code === 'UNAUTHORIZED') {
          return renderSignIn(request, reply, 401, { userName, error: 'The user name or password is incorrect.' });
        }
        // The failed sign-in budgets of the address or the account (auth/sign-in-guard.ts): the form again, with
        // when to retry, rather than the generic error page.
        if (error.code === 'TOO_MANY_REQUESTS') {
          return renderSignIn(request, reply, 429, { userName, error: `Too many failed sign-in attempts. ${tryAgainIn(reply, error)}` });
        }
        throw error;
      }
    },
  );

  /** The password was right and the user has TOTP: remember that (signed, short-lived), never the password. */
  const startCodeStep = async (request: FastifyRequest, reply: FastifyReply, userName: string) => {
    const portalOrg = org(request);
    const orgRow = await services.store.getOrgByName(portalOrg.orgName);
    const user = orgRow ? await services.store.getUserByName(orgRow.id, userName) : undefined;
    if (!orgRow || !user) throw new TesseraError('INTERNAL_SERVER_ERROR', 'The user vanished during sign-in');
    const pending = newPendingSignIn(
      { userId: user.id, org: portalOrg.orgName.toLowerCase(), endpoint: portalOrg.kind, firstFactorAt: Date.now() },
      PENDING_SIGN_IN_SECONDS,
    );
    setBrowserSessionCookie(request, reply, 'pending', sealPendingSignIn(deps, pending));
    return seeOther(reply, withReturn(`${portalOrg.basePath}/login/code`, returnPath(request)));
  };

  app.get('/login/code', { schema: { security: [], response: SIGN_IN_PAGE } }, async (request, reply) => {
    const state = request.portal!;
    const from = returnPath(request);
    if (state.principal) return seeOther(reply, from ?? `${state.org.basePath}/`);
    // No pending sign-in, or one whose code step is done (a copy of its cookie): what the form's POST would answer,
    // "the sign-in took too long", rather than a form that can only fail (until 2026-12-07 the spent one showed it).
    // Only read: the claim is the POST's (completeSecondFactor), so that loading the page twice spends nothing.
    const pending = state.pending;
    const spent = pending !== null && (await services.store.isShownOnceClaimed(pendingSignInOnceId(pending.nonce)));
    if (!pending || spent) {
      if (spent) clearCookie(request, reply, 'pending');
      return seeOther(
        reply,
        `${state.org.basePath}/login?notice=code-expired${from ? `&${RETURN_PARAM}=${encodeURIComponent(from)}` : ''}`,
      );
    }
    return sendPage(reply, verificationCodePage({ org: state.org, csrfToken: deps.csrf.issue('pending', pending.nonce), returnTo: from }));
  });

  app.post(
    '/login/code',
    { config: { csrf: 'pending' }, schema: { security: [], body: CodeBody, response: SIGN_IN_FORM } },
    async (request, reply) => {
      const state = request.portal!;
      const pending = state.pending!; // the CSRF check has already required it
      const code = formField(request, 'code').replace(/\s+/g, '').slice(0, 64);
      const renderCode = (status: number, error: string) =>
        sendPage(
          reply,
          verificationCodePage({
            org: state.org,
            csrfToken: deps.csrf.issue('pending', pending.nonce),
            error,
            returnTo: returnPath(request),
          }),
          status,
        );
      // A 6-digit code from the app, or one of the recovery codes (abcde-fghij) shown at enrolment.
      if (!/^\d{6}$/.test(code) && !looksLikeRecoveryCode(code))
        return renderCode(400, 'Enter the 6-digit code from your authenticator app, or a recovery code.');
      try {
        const signedIn = await services.sessions.completeSecondFactor({
          userId: pending.userId,
          totpCode: code,
          endpoint: pending.endpoint,
          firstFactorAt: pending.firstFactorAt,
          ip: request.ip,
          singleUse: { id: pendingSignInOnceId(pending.nonce), until: pending.expiresAt },
        });
        return await startPortalSession(request, reply, signedIn);
      } catch (error) {
        if (!(error instanceof TesseraError)) throw error;
        // A copy of a pending cookie whose sign-in is done: as if it had expired (the portal's error handler sends
        // the 401 to the sign-in page saying the sign-in took too long, `from` kept).
        if (error instanceof SecondStepSpent) {
          clearCookie(request, reply, 'pending');
          throw error;
        }
        if (error.code === 'TOTP_INVALID') {
          // Waiting helps with an app's code (the next one), never with a recovery code (each works once).
          return renderCode(
            401,
            looksLikeRecoveryCode(code)
              ? 'That recovery code is wrong or was already used: each works once. Try another of your recovery codes.'
              : 'The code is wrong or was already used. Wait for the next code and try again.',
          );
        }
        if (error.code === 'ACCOUNT_LOCKED') {
          clearCookie(request, reply, 'pending');
          return renderSignIn(request, reply, 401, { error: error.message });
        }
        if (error.code === 'TOTP_LOCKED' || error.code === 'TOO_MANY_REQUESTS' || error.code === 'UNAUTHORIZED') {
          clearCookie(request, reply, 'pending');
          const message =
            error.code === 'TOTP_LOCKED' || error.code === 'TOO_MANY_REQUESTS'
              ? `Too many wrong verification codes. ${tryAgainIn(reply, error)}`
              : 'The sign-in could not be completed. Sign in again.';
          return renderSignIn(request, reply, error.code === 'UNAUTHORIZED' ? 401 : 429, { error: message });
        }
        throw error;
      }
    },
  );

  app.post('/sign-out', { config: { csrf: 'session', signOut: true }, schema: { response: FORM } }, async (request, reply) => {
    const state = requireSignedIn(request);
    await services.sessions.signOut(state.principal, request.ip);
    clearCookie(request, reply, 'session');
    return seeOther(reply, `${state.org.basePath}/login?notice=signed-out`);
  });
}

/** The pending sign-in's id in `shown_once`, apart from the shown-once pages' UUIDs. */
function pendingSignInOnceId(nonce: string): string {
  return `pending-sign-in:${nonce}`;
}

/**
 * "Try again in N minutes." from a refusal's Retry-After, which the answer carries too (until 2026-12-06 the
 * second-factor lockout said "in a few minutes" and sent no Retry-After, though its end was known).
 */
function tryAgainIn(reply: FastifyReply, error: TesseraError): string {
  const retryAfter = error.headers['Retry-After'];
  if (retryAfter !== undefined) reply.header('Retry-After', retryAfter);
  const minutes = Math.max(1, Math.ceil(Number(retryAfter ?? 60) / 60));
  return `Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}
