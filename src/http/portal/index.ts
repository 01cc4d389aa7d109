/**
 * The tenant portal (issue 6): server-rendered pages, one stylesheet and one script, per org:
 *   /tenant/{org}/...  a tenant organization's portal      /provider/...  the System org's
 *   /, /tenant         which organization?                 /static/...    app.css, app.js
 * Sign-in with TOTP, User preferences (password, two-factor, Access Tokens), Administration (users, tokens).
 * See docs/portal.md.
 *
 * Everything here is encapsulated in this plugin: the security headers (helmet), the cookie session, the
 * CSRF check and the HTML error pages apply to portal routes only; the API areas are untouched.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import { Type } from 'typebox';
import { TesseraError, forbidden, unauthenticated, notFound } from '../../domain/errors.js';
import { isServerError, toTesseraError } from '../error-handler.js';
import { isSystemOrgName } from '../../domain/rights.js';
import type { PortalDeps } from './deps.js';
import { loadPortalKeys } from './crypto/keys.js';
import { CSRF_FIELD, CsrfTokens } from './csrf.js';
import { PORTAL_HELMET_OPTIONS } from './security-headers.js';
import { PROVIDER_PORTAL, tenantPortal, type PortalOrg } from './portal-org.js';
import { resolvePortalState, type PortalRequestState, type SignedInState } from './portal-session.js';
import { RETURN_PARAM, cameFromThisSite, returnPathFor, safeReturnPath } from './return-path.js';
import { readCookie } from './cookies.js';
import { signedInFrame } from './page-frame.js';
import { formField, queryField, seeOther, sendPage } from './respond.js';
import type { PageFrame } from './views/layout.js';
import { errorPage } from './views/error-page.js';
import { invalidRequestWording } from './invalid-request.js';
import { organizationChooserPage } from './views/sign-in.js';
import { CHOOSER, STATIC_FILE, withOrgParam } from './responses.js';
import { resolveChosenOrg } from './org-chooser.js';
import { signInRoutes } from './routes/sign-in.js';
import { preferencesRoutes } from './routes/preferences.js';
import { passwordRoutes } from './routes/password.js';
import { timeZoneRoutes } from './routes/time-zone.js';
import { tokenRoutes } from './routes/tokens.js';
import { administrationRoutes } from './routes/administration.js';
import { serviceAccountRoutes } from './routes/service-accounts.js';
import { inventoryRoutes } from './routes/inventory.js';
import { userAdminRoutes } from './routes/user-admin.js';
import { auditRoutes } from './routes/audit.js';
import { tokenPolicyRoutes } from './routes/token-policy.js';
import { organizationRoutes } from './routes/organizations.js';

const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
// "." and ".." are no org's name (orgs start with a letter or digit): in a path they are dot segments, and
// `/?org=..` sent the browser to `/tenant/../`, which is `/`.
const ORG_NAME = /^(?!\.\.?$)[^\u0000-\u001f\u007f/]{1,128}$/;

/** `?org=`: the organization chooser's one field (its value is checked by the handler, which says what is wrong). */
const ChooserQuery = Type.Object({
  org: Type.Optional(Type.String({ maxLength: 1024, description: 'The organization: its name or display name, any case' })),
});

/** The static route is @fastify/static's, which takes no schema: its contract is added as it is registered. */
const StaticParams = Type.Object({
  '*': Type.String({ maxLength: 200, description: 'The file: app.css or app.js' }),
});

export const portalRoutes: FastifyPluginAsync = async (app) => {
  const services = app.tessera;
  const keys = await loadPortalKeys(services.store);
  const deps: PortalDeps = { services, keys, csrf: new CsrfTokens(keys.csrf) };

  // Cookies are the portal's alone: registered here, their hooks do not run on every API request.
  await app.register(cookie);
  app.addHook('onRoute', (route) => {
    // The forms post `application/x-www-form-urlencoded` (what the OpenAPI document says). Declared for the
    // document only: fastify keeps validating a body of any content type against the one schema.
    if (route.schema?.body && [route.method].flat().includes('POST')) route.schema = { ...route.schema, consumes: [FORM_CONTENT_TYPE] };
    if (route.url === '/static/*') {
      route.schema = {
        ...route.schema,
        hide: false,
        summary: "The portal's stylesheet and script",
        security: [],
        params: StaticParams,
        response: STATIC_FILE,
      };
    }
  });
  await app.register(helmet, PORTAL_HELMET_OPTIONS);
  await app.register(fastifyStatic, { root: STATIC_DIR, prefix: '/static/', index: false, list: false, decorateReply: false });
  app.decorateRequest('portal', null);
  // A portal form comes as application/x-www-form-urlencoded (JSON, an object of the same fields, reads as well). A
  // body the server keeps as text (text/plain, multipart/form-data, XML, a body with no type) met each form's schema
  // or the CSRF check instead: "Invalid request: body must be object", which named nothing its sender could change
  // (until 2026-12-07). Now a 415 that names the type, before the CSRF check and any handler: nothing is read.
  app.addHook('preValidation', async (request) => {
    if (typeof request.body !== 'string') return;
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().slice(0, 100);
    throw new TesseraError(
      'UNSUPPORTED_MEDIA_TYPE',
      `A portal form is sent as application/x-www-form-urlencoded, not ${type === '' ? 'as a body without a Content-Type' : type}; nothing was read`,
    );
  });
  app.addHook('preHandler', async (request) => checkCsrf(request, deps));
  app.setErrorHandler(async (error, request, reply) => {
    const tesseraError = toTesseraError(error);
    if (isServerError(tesseraError)) request.log.error({ err: error }, 'portal request failed');
    for (const [name, value] of Object.entries(tesseraError.headers)) reply.header(name, value);
    const state = request.portal;
    // Not signed in (or the session ended): to the sign-in page, after a GET and after a POST alike.
    if (tesseraError.status === 401 && state) return seeOther(reply, signInUrlAfter401(request, state, app));
    // A value its schema refuses (a hand-edited address, a hand-made form): which one and what it takes, in words.
    const worded =
      tesseraError.status === 400
        ? invalidRequestWording(error, request.routeOptions?.schema, {
            querystring: request.query,
            params: request.params,
            body: request.body,
            headers: request.headers,
          })
        : null;
    return sendPage(reply, errorPage(frameOf(request, deps), tesseraError.status, worded ?? tesseraError.message), tesseraError.status);
  });

  const chooser = async (request: FastifyRequest, reply: FastifyReply) => {
    const org = queryField(request, 'org').trim();
    if (org === '') return sendPage(reply, organizationChooserPage({}));
    if (!ORG_NAME.test(org))
      return sendPage(reply, organizationChooserPage({ error: 'That is not an organization name.', value: org }), 400);
    // Each look-up counts against the address's budget (services.ts ORG_LOOKUPS_PER_MINUTE): a name that leads to
    // an org's portal says the org exists, so guessing names in bulk is refused.
    const retryAfter = services.limits.orgChooser.hit(request.ip);
    if (retryAfter > 0) {
      reply.header('retry-after', String(retryAfter));
      return sendPage(
        reply,
        organizationChooserPage({
          error: `Too many organization look-ups from your address. Try again in ${retryAfter} seconds, or open your organization's portal address (/tenant/short-name) directly.`,
          value: org,
        }),
        429,
      );
    }
    // The name or the display name, any case (org-chooser.ts).
    const chosen = await resolveChosenOrg(services.store, org);
    if (chosen.kind === 'ambiguous') {
      return sendPage(
        reply,
        organizationChooserPage({
          error:
            "Several organizations have that display name. Enter the organization's short name, as in its portal address (/tenant/short-name).",
          value: org,
        }),
        400,
      );
    }
    return seeOther(reply, isSystemOrgName(chosen.name) ? '/provider/' : `${tenantPortal(chosen.name).basePath}/`);
  };
  // Public (no session needed): `security: []` says so in the OpenAPI document, where portal pages default to the cookie.
  const chooserSchema = { summary: 'Which organization? (the portal chooser)', security: [], querystring: ChooserQuery, response: CHOOSER };
  app.get('/', { schema: chooserSchema }, chooser);
  app.get('/tenant', { schema: chooserSchema }, chooser);

  await app.register(
    orgPortal(deps, (request) => tenantPortal((request.params as { org: string }).org)),
    { prefix: '/tenant/:org' },
  );
  await app.register(
    orgPortal(deps, () => PROVIDER_PORTAL),
    { prefix: '/provider' },
  );
};

/** One org's portal: the same pages under /tenant/{org} and under /provider. */
function orgPortal(deps: PortalDeps, orgOf: (request: FastifyRequest) => PortalOrg): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    // /tenant/{org}: every page under it takes the org from the path; its params schema says so once, here.
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/tenant/:org')) route.schema = { ...route.schema, params: withOrgParam(route.schema?.params as never) };
    });
    app.addHook('onRequest', async (request, reply) => {
      const org = orgOf(request);
      if (org.kind === 'tenant') {
        if (isSystemOrgName(org.orgName)) return seeOther(reply, '/provider/');
        if (!ORG_NAME.test(org.orgName)) throw notFound('No such organization portal');
      }
      request.portal = await resolvePortalState(request, org, deps);
      // The portal is driven by its cookie alone: whatever an Authorization header said does not count here.
      request.principal = request.portal.principal;
      request.authError = null;
    });
    app.setNotFoundHandler(async (request, reply) => {
      // A page asked with a method it does not take (PUT, DELETE, TRACE, OPTIONS on a page): 405 and what it takes
      // (RFC 9110 §15.5.6), as the API areas answer; until 2026-12-05 a 403 "Not allowed" or a 404 for a page that exists.
      const path = request.url.split('?', 1)[0]!;
      const allowed = ['GET', 'HEAD', 'POST'].filter((method) => app.findRoute({ method: method as 'GET', url: path }) !== null);
      if (allowed.length > 0) {
        reply.header('Allow', allowed.join(', '));
        return sendPage(reply, errorPage(frameOf(request, deps), 405, `This page takes ${allowed.join(', ')} only.`), 405);
      }
      return sendPage(reply, errorPage(frameOf(request, deps), 404, 'There is no such page in the portal.'), 404);
    });
    signInRoutes(app, deps);
    preferencesRoutes(app, deps);
    passwordRoutes(app, deps);
    timeZoneRoutes(app, deps);
    tokenRoutes(app, deps);
    administrationRoutes(app, deps);
    serviceAccountRoutes(app, deps);
    inventoryRoutes(app, deps);
    userAdminRoutes(app, deps);
    auditRoutes(app, deps);
    tokenPolicyRoutes(app, deps);
    organizationRoutes(app, deps);
  };
}

/**
 * Every state-changing request must carry the right `_csrf` field for what its route is bound to (see
 * csrf.ts). Runs in preHandler: the urlencoded body is parsed by then. A POST route that declares no binding
 * is refused, so a new form cannot ship unprotected by mistake.
 */
async function checkCsrf(request: FastifyRequest, deps: PortalDeps): Promise<void> {
  if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return;
  // No route: the not-found handler answers (404, or 405 for a page's other methods); it changes nothing.
  if (request.is404) return;
  const binding = request.routeOptions.config.csrf;
  const state = request.portal;
  if (!binding || !state) throw forbidden('This request is not accepted by the portal.');
  // A post the browser marks as sent by another site (Fetch Metadata): refused before anything reads the session. The
  // SameSite=Strict cookie is dropped on such a post, and it used to count as a session that ended, so another site
  // could auto-post a form to put the portal's "Your session has ended. Sign in again" in front of a signed-in user
  // (until 2026-12-05). The portal's own forms always post same-origin; a browser without Fetch Metadata sends none.
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') {
    throw forbidden('The form did not come from this site: nothing was changed. Open the portal and try again there.');
  }
  let boundTo: string | null;
  if (binding === 'session') {
    if (!state.principal) throw unauthenticated('Sign in to continue');
    boundTo = state.principal.sessionId;
  } else if (binding === 'pending') {
    if (!state.pending) throw unauthenticated('The sign-in took too long');
    boundTo = state.pending.nonce;
  } else {
    boundTo = readCookie(request, 'signInForm') ?? null;
  }
  if (!deps.csrf.verify(binding, boundTo, formField(request, CSRF_FIELD))) {
    // Sign-out from a page of an earlier session of this browser (signed out and in again in another tab): its token
    // is bound to that old session, and a 403 left the user signed in, thinking otherwise. A request the browser itself
    // says came from this very origin (Fetch Metadata) may end the session anyway: a forged one, even from a sibling
    // subdomain, is not same-origin, and ending the session is all it can do. Until 2026-12-05: 403.
    if (request.routeOptions.config.signOut === true && request.headers['sec-fetch-site'] === 'same-origin') return;
    // The sign-in form left open past its cookie's 12 hours (or the cookie was cleared): from a page of this site, the
    // form again with a fresh token and the user name kept (routes/sign-in.ts), no credential checked, so a forged
    // post still signs no one in. Until 2026-12-05: 403, the typed password lost.
    if (request.routeOptions.config.signInForm === true && cameFromThisSite(request)) {
      request.portal = { ...state, signInFormExpired: true };
      return;
    }
    throw forbidden('The form has expired or did not come from this site. Go back, reload the page and try again.');
  }
}

/**
 * Where a request that needs a session goes without one. Signed in to another org: that org's notice. The code
 * step's form without its pending record: "the sign-in took too long". Otherwise "Your session has ended" when
 * there was one: the cookie is there but its session is over, or there is no cookie (it expired with the session,
 * or another tab signed out) and the request is a form POST or a page opened from this site (cameFromThisSite; a
 * typed address or a bookmark gets the plain sign-in page). Either way `from` brings the user back after signing
 * in: the page, or the page of the form that was posted (return-path.ts).
 */
function signInUrlAfter401(request: FastifyRequest, state: PortalRequestState, app: FastifyInstance): string {
  const login = `${state.org.basePath}/login`;
  if (state.signedInElsewhere) {
    // A link to this portal opened while signed in to another org leads there too once signed in here (until
    // 2026-12-07 this sign-in landed on Home).
    const from = returnPathFor(request, state.org, (path) => app.findRoute({ method: 'GET', url: path }) !== null);
    return `${login}?notice=other-org${from ? `&${RETURN_PARAM}=${encodeURIComponent(from)}` : ''}`;
  }
  if (request.routeOptions.config?.csrf === 'pending') {
    // The code step's form carries `from`: kept, as the code step's own pages keep it (until 2026-12-05 it was lost).
    const from = safeReturnPath(formField(request, RETURN_PARAM), state.org);
    return `${login}?notice=code-expired${from ? `&${RETURN_PARAM}=${encodeURIComponent(from)}` : ''}`;
  }
  const from = returnPathFor(request, state.org, (path) => app.findRoute({ method: 'GET', url: path }) !== null);
  // A page opened from this site says so only when there is a page to come back to: the portal's root is where the
  // org chooser, the brand link and "Back to the portal" lead signed-out visitors who never had a session.
  const ended = readCookie(request, 'session') !== undefined || request.method === 'POST' || (from !== null && cameFromThisSite(request));
  const query = [ended ? 'notice=expired' : null, from ? `${RETURN_PARAM}=${encodeURIComponent(from)}` : null].filter(Boolean);
  return query.length > 0 ? `${login}?${query.join('&')}` : login;
}

function frameOf(request: FastifyRequest, deps: PortalDeps): PageFrame {
  const state = request.portal;
  if (state?.principal && state.accessToken) return signedInFrame(state as SignedInState, deps);
  return { org: state?.org ?? null, user: null, csrfToken: '', showAdministration: false };
}
