/**
 * Creating and revoking API tokens:
 *   GET  {base}/preferences/tokens/new      the New form
 *   POST {base}/preferences/tokens          register + mint (VCD's two steps), then 303 to the page below
 *   GET  {base}/preferences/tokens/created  shows the new token once (Cache-Control: no-store)
 *   GET  {base}/tokens/{id}/revoke          the confirmation
 *   POST {base}/tokens/{id}/revoke          revokes, then 303 back where the revoke started (a paged list: the same
 *                                           page and search)
 *   GET  {base}/tokens/{id}/regenerate      Regenerate: what happens, and the old token's grace period
 *   POST {base}/tokens/{id}/regenerate      a new secret for the same name, scope and expiry rule, shown once
 *
 * Expiry on the New form (issue 14): 30 days ahead by default, entered as an ISO date (YYYY-MM-DD) in the user's
 * time zone; the token stops at the end of that day there. The earliest date is today (its end is still ahead);
 * the latest, where the org's policy caps lifetimes, is the last day that ends within the cap (the service refuses
 * an expiry past `now + max days`, so the day that contains that instant is already too late). The page states both
 * bounds and the handler checks the same ones. "Never" is offered only where the org's policy has no maximum
 * lifetime, and the server refuses it otherwise; choosing it shows a warning (CSS only, no script).
 *
 * How the token reaches exactly one GET: the POST puts it in a cookie encrypted with the portal key and bound
 * to the session (AES-GCM, the session id as associated data), scoped to the path of the page that shows it
 * and alive for two minutes; that page clears the cookie as it reads it, and claims the cookie's one-time id in
 * the store (../shown-once.ts). A reload, the back button, a second tab or a replayed copy of the cookie are
 * told the token cannot be shown again. Nothing on the server holds the token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { PortalDeps } from '../deps.js';
import type { SignedInState } from '../portal-session.js';
import { requireSignedIn } from '../portal-session.js';
import { signedInFrame } from '../page-frame.js';
import { formField, queryField, seeOther, sendPage } from '../respond.js';
import { FORM, PAGE } from '../responses.js';
import { canCreateOwnToken } from '../access.js';
import { scopeRoleNames, toListItem } from '../token-queries.js';
import { can, effectiveRights } from '../../../domain/policy.js';
import { tokenUsageSnippets } from '../token-usage.js';
import { clearCookie, createdTokenPath, readCookie, setCreatedTokenCookie } from '../cookies.js';
import { openShownOnce, sealShownOnce } from '../shown-once.js';
import { baseUrl } from '../../context.js';
import { servesGeneratedCertificate } from '../../../tls.js';
import { TesseraError, forbidden } from '../../../domain/errors.js';
import { newTokenPage, regenerateConfirmPage, revokeConfirmPage, tokenCreatedPage, tokenGonePage } from '../views/token-pages.js';
import { MAX_REGENERATE_GRACE_SECONDS } from '../../../auth/api-tokens.js';
import { isLive } from '../token-queries.js';
import type { RevokeOrigin } from '../views/token-table.js';
import { listUrl } from '../views/paging.js';
import { listPlaceFrom, listPlaceParams, type ListPlace } from '../return-path.js';
import type { NewTokenField } from '../views/token-pages.js';
import { DEFAULT_TIME_ZONE, dateInZone, endOfDayInZone, zonedParts } from '../../../domain/time-zone.js';
import { LATEST_EXPIRY_MS, parseIsoDateTime } from '../../../domain/instant.js';

interface CreatedToken {
  name: string;
  token: string;
  expiresAt: number | null;
  /** Set when a Regenerate made it: when the replaced token stops (null: it already has). */
  regenerated?: { oldStopsAt: number | null };
}

/** The New form's default expiry: 30 days, as GitHub proposes. */
export const DEFAULT_TOKEN_LIFETIME_DAYS = 30;

/** The grace periods a Regenerate offers for the old token, in seconds (0: it stops at once). */
export const REGENERATE_GRACE_CHOICES: ReadonlyArray<{ seconds: number; label: string }> = [
  { seconds: 0, label: 'None: the old token stops now' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 7 * 86_400, label: '7 days' },
];

const UUID_PARAM = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }) });
const CSRF_FIELD_SCHEMA = Type.String({ maxLength: 200 });
const REGENERATE_BODY = Type.Object({
  _csrf: Type.Optional(CSRF_FIELD_SCHEMA),
  grace: Type.Optional(Type.String({ pattern: '^[0-9]{1,7}$' })),
  // The new token's expiry: as the old one's rule (keep, also when absent), a date, or never.
  expiry: Type.Optional(Type.Union([Type.Literal('keep'), Type.Literal('date'), Type.Literal('never')])),
  expiresOn: Type.Optional(Type.String({ maxLength: 64 })),
});
const NEW_TOKEN_BODY = Type.Object({
  _csrf: Type.Optional(CSRF_FIELD_SCHEMA),
  name: Type.Optional(Type.String({ maxLength: 1024 })),
  expiry: Type.Optional(Type.Union([Type.Literal('date'), Type.Literal('never')])),
  expiresOn: Type.Optional(Type.String({ maxLength: 64 })),
  scope: Type.Optional(Type.String({ maxLength: 512 })),
});

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * `YYYY-MM-DD` -> the end of that day in `zone` (the user's time zone, UTC by default), as a UTC ISO instant;
 * '' -> no expiry; null when it is not a date.
 */
export function expiryFromDate(date: string, zone = DEFAULT_TIME_ZONE): string | null | undefined {
  if (date === '') return undefined;
  const m = DATE_ONLY.exec(date);
  if (!m) return null;
  if (parseIsoDateTime(date, { bareDate: true }) === null) return null; // a day that exists: not 2026-02-31
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return new Date(endOfDayInZone(year, month, day, zone)).toISOString();
}

/**
 * The last day, in `zone`, whose end the service accepts as an expiry (LATEST_EXPIRY_MS: the end of the year 9999 in
 * UTC). Behind UTC, 9999-12-31 ends in the year 10000 there; no zone is more than a day from UTC.
 */
export function latestExpiryDate(zone: string): string {
  return endOfDayInZone(9999, 12, 31, zone) <= LATEST_EXPIRY_MS ? '9999-12-31' : '9999-12-30';
}

/** The service speaks OAuth field names; the form's user reads labels. */
function formMessage(message: string): string {
  return message.replace(/^client_name/, 'The name').replace(/^expirationTimeUtc/, 'The expiry date');
}

/** Which field of the New form a refusal of the service is about (its message names it). */
function fieldOfServiceMessage(message: string): NewTokenField {
  if (/^expirationTimeUtc|allows API tokens to live/.test(message)) return 'expiresOn';
  if (/^scope|rights its owner lacks/.test(message)) return 'scope';
  return 'name';
}

/** `YYYY-MM-DD` one calendar day earlier. */
function dayBefore(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) - 86_400_000).toISOString().slice(0, 10);
}

/**
 * The dates the New form accepts, in `zone`: from today (the token then stops at the end of today) to the last day
 * whose end falls within the org's maximum lifetime (null: no maximum).
 */
export function expiryDateBounds(now: number, zone: string, maxLifetimeDays: number | null): { earliest: string; latest: string | null } {
  const earliest = dateInZone(now, zone);
  if (maxLifetimeDays === null) return { earliest, latest: null };
  const latest = dayBefore(dateInZone(now + maxLifetimeDays * 86_400_000, zone));
  return { earliest, latest: latest < earliest ? earliest : latest };
}

function isCreatedToken(value: unknown): value is CreatedToken {
  const v = value as Record<string, unknown> | null;
  return !!v && typeof v.name === 'string' && typeof v.token === 'string' && (v.expiresAt === null || typeof v.expiresAt === 'number');
}

/** `YYYY-MM-DD` of the instant in the user's zone. */
const isoDate = (ms: number, zone: string) => dateInZone(ms, zone);

function parseOrigin(raw: string): RevokeOrigin {
  return raw === 'tokens' || raw === 'org-tokens' || raw === 'user' ? raw : 'preferences';
}

/**
 * Where a revoke returns, with `?done=revoked&token=` when it happened: built from the origin's name, the token's
 * own owner and org and, for Administration's paged lists, the page and search it started from (checked by
 * listPlaceFrom), never from a URL in the request (a narrowed list is narrowed to the token's org, whatever the
 * request says).
 */
function originPath(
  base: string,
  origin: RevokeOrigin,
  token: { ownerId: string; orgName: string; id: string },
  place: ListPlace,
  revoked = false,
): string {
  const done = revoked ? { done: 'revoked', token: token.id } : {};
  const at = listPlaceParams(place);
  if (origin === 'tokens') return listUrl(`${base}/administration/tokens`, { ...at, ...done });
  if (origin === 'org-tokens') return listUrl(`${base}/administration/tokens`, { org: token.orgName, ...at, ...done });
  if (origin === 'user') return listUrl(`${base}/administration/users/${token.ownerId}/tokens`, { ...at, ...done });
  // User preferences' list: its search and page (since 2026-12-07, when it became paged), without the admin filter.
  return `${listUrl(`${base}/preferences`, { search: at.search, page: at.page, ...done })}#access-tokens`;
}

/** The list place a revoke's page (its query) or form (its fields) carries. */
function placeOf(request: FastifyRequest): ListPlace {
  return listPlaceFrom((name) => (request.method === 'POST' ? formField(request, name) : queryField(request, name)));
}

export function tokenRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { services } = deps;

  const renderNewForm = async (
    state: SignedInState,
    input: {
      name: string;
      expiry: 'date' | 'never';
      expiresOn: string;
      scope: string;
      error: string | null;
      errorField?: NewTokenField | null;
    },
  ) => {
    const org = await services.store.getOrg(state.principal.orgId);
    const zone = state.timeZone ?? DEFAULT_TIME_ZONE;
    const maxLifetimeDays = services.apiTokenPolicy.maxDaysFor(org);
    const bounds = expiryDateBounds(Date.now(), zone, maxLifetimeDays);
    // Only roles the user could narrow a token to: every right of the role held (the server checks it again).
    const held = effectiveRights(state.principal);
    const roles = [];
    for (const role of await services.store.listRoles(state.principal.orgId)) {
      if ((await services.store.roleRights(role.id)).every((r) => held.has(r))) roles.push({ id: role.id, name: role.name });
    }
    return newTokenPage(signedInFrame(state, deps, 'preferences'), {
      ...input,
      roles,
      minDate: bounds.earliest,
      maxDate: bounds.latest,
      maxLifetimeDays,
      timeZone: zone,
      zoneLabel: zonedParts(Date.now(), zone).label,
    });
  };

  const requireCanCreate = (request: FastifyRequest): SignedInState => {
    const state = requireSignedIn(request);
    if (!canCreateOwnToken(state.principal)) throw forbidden('Creating API tokens needs the right "Manage user\'s own API token".');
    return state;
  };

  app.get('/preferences/tokens/new', { schema: { response: PAGE } }, async (request, reply) => {
    const state = requireCanCreate(request);
    const org = await services.store.getOrg(state.principal.orgId);
    // The default: 30 days from today, or the latest day the org's maximum allows when that is sooner.
    const zone = state.timeZone ?? DEFAULT_TIME_ZONE;
    const thirtyDays = isoDate(Date.now() + DEFAULT_TOKEN_LIFETIME_DAYS * 86_400_000, zone);
    const { latest } = expiryDateBounds(Date.now(), zone, services.apiTokenPolicy.maxDaysFor(org));
    const expiresOn = latest !== null && latest < thirtyDays ? latest : thirtyDays;
    return sendPage(reply, await renderNewForm(state, { name: '', expiry: 'date', expiresOn, scope: '', error: null }));
  });

  // The address a refused New token form shows (its POST target): opened again (Enter in the address bar, a
  // bookmark), it is the form, not an error page.
  app.get('/preferences/tokens', { schema: { response: PAGE } }, async (request, reply) => {
    const state = requireSignedIn(request);
    return seeOther(reply, `${state.org.basePath}/preferences/tokens/new`);
  });

  app.post(
    '/preferences/tokens',
    { config: { csrf: 'session' }, schema: { body: NEW_TOKEN_BODY, response: FORM } },
    async (request, reply) => {
      const state = requireCanCreate(request);
      const name = formField(request, 'name').trim();
      // The page always sends the choice. A form without it (an older page, a script posting the form) keeps the
      // earlier meaning: a date when one is given, else no expiry where the org allows it (the service then applies
      // the org's maximum lifetime, as for the API).
      const choice = formField(request, 'expiry');
      const expiry = choice === 'never' ? 'never' : 'date';
      const expiresOn = formField(request, 'expiresOn').trim();
      const scope = formField(request, 'scope').trim();
      const rerender = async (error: string, errorField: NewTokenField = 'name') =>
        sendPage(reply, await renderNewForm(state, { name, expiry, expiresOn, scope, error, errorField }), 400);
      if (name === '') return rerender('Enter a name for the token.');
      let expiresAt: string | undefined;
      if (expiry === 'never') {
        // The org's limit within the installation's ceiling, as the form that offered the choice (until 2026-12-06
        // the org's own limit alone: with only the ceiling set, a "never" posted anyway got the ceiling's expiry).
        const maxDays = services.apiTokenPolicy.maxDaysFor(await services.store.getOrg(state.principal.orgId));
        if (maxDays !== null) {
          return rerender(
            `Your organization does not allow tokens that never expire: choose a date at most ${maxDays} days ahead.`,
            'expiresOn',
          );
        }
      } else if (choice !== '' || expiresOn !== '') {
        const zone = state.timeZone ?? DEFAULT_TIME_ZONE;
        if (expiresOn === '') return rerender(`Enter the expiry date as YYYY-MM-DD (${zone}), or choose "Never".`, 'expiresOn');
        const parsed = expiryFromDate(expiresOn, zone);
        if (parsed === null || parsed === undefined)
          return rerender(`The expiry date must be a date such as 2030-12-31 (YYYY-MM-DD, ${zone}).`, 'expiresOn');
        // A date typed as the form asks whose end is past the year 9999 in UTC (9999-12-31 behind UTC): the form's own
        // words. Until 2026-12-05 it reached the service as `+010000-...` and the page said "must be an ISO 8601
        // date-time with a zone", the API's wording for a field the user never saw.
        const latestDay = latestExpiryDate(zone);
        if (expiresOn > latestDay) {
          return rerender(`The expiry date must be ${latestDay} or earlier (${zone}): a token ends before 10000-01-01 UTC.`, 'expiresOn');
        }
        // The bounds the page states (expiryDateBounds): today at the earliest, the org's last allowed day at the latest.
        const maxDays = services.apiTokenPolicy.maxDaysFor(await services.store.getOrg(state.principal.orgId));
        const bounds = expiryDateBounds(Date.now(), zone, maxDays);
        if (expiresOn < bounds.earliest) {
          return rerender(`The expiry date must be today (${bounds.earliest}) or later.`, 'expiresOn');
        }
        if (bounds.latest !== null && expiresOn > bounds.latest) {
          return rerender(
            `Your organization allows API tokens to live at most ${maxDays} days: choose ${bounds.latest} or earlier.`,
            'expiresOn',
          );
        }
        expiresAt = parsed;
      }

      let registered;
      try {
        registered = await services.apiTokens.register(state.principal, state.org.oauthPath, { name, expiresAt, scope }, request.ip);
      } catch (error) {
        if (error instanceof TesseraError && error.code === 'invalid_request') {
          return rerender(formMessage(error.message), fieldOfServiceMessage(error.message));
        }
        // A role beyond the user's rights (only a crafted form gets here): say so on the form.
        if (error instanceof TesseraError && error.code === 'ACCESS_TO_RESOURCE_IS_FORBIDDEN' && scope !== '') {
          return rerender(formMessage(error.message), 'scope');
        }
        throw error;
      }
      let minted;
      try {
        minted = await services.apiTokens.mint(state.org.oauthPath, registered.id, state.accessToken, request.ip);
      } catch (error) {
        // Do not leave a named token that can never be issued.
        await services.apiTokens.revoke(state.principal, registered.id, request.ip).catch(() => undefined);
        throw error;
      }
      const created: CreatedToken = {
        name: registered.name,
        token: minted.apiToken,
        expiresAt: registered.expires_at === null ? null : Number(registered.expires_at),
      };
      setCreatedTokenCookie(request, reply, state.org.basePath, sealShownOnce(deps.keys.createdToken, created, state.principal.sessionId));
      return seeOther(reply, createdTokenPath(state.org.basePath));
    },
  );

  app.get('/preferences/tokens/created', { schema: { response: PAGE } }, async (request, reply) => {
    const state = requireSignedIn(request);
    const frame = signedInFrame(state, deps, 'preferences');
    // A HEAD (a link checker, a prefetcher) shows nothing, so it must not spend the one showing either.
    if (request.method === 'HEAD') return sendPage(reply, tokenGonePage(frame));
    const sealed = readCookie(request, 'createdToken');
    if (sealed) clearCookie(request, reply, 'createdToken', createdTokenPath(state.org.basePath));
    const created = await openShownOnce(services.store, deps.keys.createdToken, sealed, state.principal.sessionId);
    if (!isCreatedToken(created)) return sendPage(reply, tokenGonePage(frame));
    const usage = tokenUsageSnippets(baseUrl(request), state.org.oauthUrlPath, {
      // The snippets must run as pasted: against the generated self-signed certificate that needs -k.
      insecure: servesGeneratedCertificate(services.config),
    });
    return sendPage(reply, tokenCreatedPage(frame, { ...created, usage, regenerated: created.regenerated ?? null }));
  });

  const loadForRevoke = async (request: FastifyRequest<{ Params: { id: string } }>, state: SignedInState) => {
    // The service applies the policy: missing, revoked and out of reach are the same 403.
    const row = await services.apiTokens.getVisible(state.principal, request.params.id);
    const [owner, org] = await Promise.all([services.store.getUser(row.user_id), services.store.getOrg(row.org_id)]);
    return toListItem(services, row, owner?.name ?? '', org?.name ?? '', await scopeRoleNames(services, [row]));
  };

  /**
   * Where a token already revoked goes, when the viewer may see it: back to its list, whose notice names it and whose
   * row says when and by whom. Two tabs, an administrator first, or "revoke all" on a password change got here; until
   * 2026-12-05 they got 403 "you need some or all of the following rights, or the entity does not exist".
   */
  const alreadyRevoked = async (request: FastifyRequest<{ Params: { id: string } }>, state: SignedInState): Promise<string | null> => {
    const row = await services.store.getApiToken(request.params.id);
    if (!row || row.revoked_at === null) return null;
    if (!can(state.principal, 'apiToken.view', { orgId: row.org_id, ownerId: row.user_id, tokenId: row.id })) return null;
    const origin = parseOrigin(request.method === 'POST' ? formField(request, 'from') : queryField(request, 'from'));
    const org = origin === 'org-tokens' ? await services.store.getOrg(row.org_id) : undefined;
    return originPath(state.org.basePath, origin, { ownerId: row.user_id, orgName: org?.name ?? '', id: row.id }, placeOf(request), true);
  };

  app.get<{ Params: { id: string } }>('/tokens/:id/revoke', { schema: { params: UUID_PARAM, response: PAGE } }, async (request, reply) => {
    const state = requireSignedIn(request);
    const gone = await alreadyRevoked(request, state);
    if (gone) return seeOther(reply, gone);
    const token = await loadForRevoke(request, state);
    const origin = parseOrigin(queryField(request, 'from'));
    const place = placeOf(request);
    return sendPage(
      reply,
      revokeConfirmPage(signedInFrame(state, deps, origin === 'preferences' ? 'preferences' : 'administration'), {
        token,
        showOwner: token.ownerId !== state.principal.userId,
        from: origin,
        place,
        // Back to the Access Tokens section itself, as New token and Regenerate go (not the top of User preferences);
        // back to the same page and search of a paged list.
        cancelHref: originPath(state.org.basePath, origin, token, place),
      }),
    );
  });

  app.post<{ Params: { id: string } }>(
    '/tokens/:id/revoke',
    { config: { csrf: 'session' }, schema: { params: UUID_PARAM, response: FORM } },
    async (request, reply) => {
      const state = requireSignedIn(request);
      const gone = await alreadyRevoked(request, state);
      if (gone) return seeOther(reply, gone);
      const token = await loadForRevoke(request, state);
      try {
        await services.apiTokens.revoke(state.principal, token.id, request.ip);
      } catch (error) {
        // Revoked by someone else between the two reads: the same answer as above.
        const revokedMeanwhile = await alreadyRevoked(request, state);
        if (revokedMeanwhile) return seeOther(reply, revokedMeanwhile);
        throw error;
      }
      // The notice names the token: the next page looks the id up (in the viewer's reach) instead of trusting a
      // name in the URL.
      return seeOther(reply, originPath(state.org.basePath, parseOrigin(formField(request, 'from')), token, placeOf(request), true));
    },
  );

  /**
   * Where a Regenerate of the caller's own token goes when it was already regenerated or revoked (a second tab, a list
   * loaded before): back to the Access Tokens list, whose notice names it ("its replacement is in the list"), as a
   * revoke in the same situation does. Until 2026-12-05 the owner was told 403 "Only the owner can regenerate a token
   * that still works". Anyone else's token, and a user without the right to own tokens, still get that 403.
   */
  const alreadyRegenerated = async (request: FastifyRequest<{ Params: { id: string } }>, state: SignedInState): Promise<string | null> => {
    const row = await services.store.getApiToken(request.params.id);
    if (!row || row.user_id !== state.principal.userId || row.org_id !== state.principal.orgId) return null;
    if (
      !canCreateOwnToken(state.principal) ||
      !can(state.principal, 'apiToken.view', { orgId: row.org_id, ownerId: row.user_id, tokenId: row.id })
    )
      return null;
    // Regenerated with no grace, the old token is revoked too: "regenerated" is what happened to it.
    const done = row.replaced_by !== null ? 'regenerated-already' : row.revoked_at !== null ? 'revoked' : null;
    return done && `${state.org.basePath}/preferences?done=${done}&token=${row.id}#access-tokens`;
  };

  /** The caller's own live token, not already replaced; anything else is the same 403. */
  const loadForRegenerate = async (request: FastifyRequest<{ Params: { id: string } }>, state: SignedInState) => {
    const token = await loadForRevoke(request, state);
    if (token.ownerId !== state.principal.userId || !canCreateOwnToken(state.principal) || token.replaced || !isLive(token)) {
      throw forbidden('Only the owner can regenerate a token that still works.');
    }
    return token;
  };

  /** The expiry the new token will get (the service's rule, for the page to say so). */
  const regeneratedExpiry = async (state: SignedInState, token: { expiresAt: number | null; createdAt: number }) => {
    const org = await services.store.getOrg(state.principal.orgId);
    const now = Date.now();
    let at = token.expiresAt === null ? null : now + Math.max(token.expiresAt - token.createdAt, 60_000);
    const maxDays = services.apiTokenPolicy.maxDaysFor(org);
    if (maxDays !== null) at = Math.min(at ?? Infinity, now + maxDays * 86_400_000);
    return at;
  };

  /** The Regenerate page: the expiry choices (keep the rule, a date, never where the org allows it) and the grace. */
  const renderRegenerate = async (
    state: SignedInState,
    token: Awaited<ReturnType<typeof loadForRegenerate>>,
    input: { expiry: 'keep' | 'date' | 'never'; expiresOn: string; error: string | null },
  ) => {
    const org = await services.store.getOrg(state.principal.orgId);
    const zone = state.timeZone ?? DEFAULT_TIME_ZONE;
    const maxLifetimeDays = services.apiTokenPolicy.maxDaysFor(org);
    const bounds = expiryDateBounds(Date.now(), zone, maxLifetimeDays);
    return regenerateConfirmPage(signedInFrame(state, deps, 'preferences'), {
      token,
      newExpiresAt: await regeneratedExpiry(state, token),
      graceChoices: REGENERATE_GRACE_CHOICES,
      error: input.error,
      expiry: input.expiry,
      expiresOn: input.expiresOn,
      minDate: bounds.earliest,
      maxDate: bounds.latest,
      neverAllowed: maxLifetimeDays === null,
      timeZone: zone,
    });
  };

  app.get<{ Params: { id: string } }>(
    '/tokens/:id/regenerate',
    { schema: { params: UUID_PARAM, response: PAGE } },
    async (request, reply) => {
      const state = requireSignedIn(request);
      const gone = await alreadyRegenerated(request, state);
      if (gone) return seeOther(reply, gone);
      const token = await loadForRegenerate(request, state);
      return sendPage(reply, await renderRegenerate(state, token, { expiry: 'keep', expiresOn: '', error: null }));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/tokens/:id/regenerate',
    { config: { csrf: 'session' }, schema: { params: UUID_PARAM, body: REGENERATE_BODY, response: FORM } },
    async (request, reply) => {
      const state = requireSignedIn(request);
      const gone = await alreadyRegenerated(request, state);
      if (gone) return seeOther(reply, gone);
      const token = await loadForRegenerate(request, state);
      const grace = Number(formField(request, 'grace') || 'NaN');
      const choice = formField(request, 'expiry');
      const expiry = choice === 'date' || choice === 'never' ? choice : 'keep';
      const expiresOn = formField(request, 'expiresOn').trim();
      const rerender = async (error: string) => sendPage(reply, await renderRegenerate(state, token, { expiry, expiresOn, error }), 400);
      if (!REGENERATE_GRACE_CHOICES.some((c) => c.seconds === grace) || grace > MAX_REGENERATE_GRACE_SECONDS) {
        return rerender('Choose how long the old token keeps working.');
      }
      // The new expiry (GitHub's Regenerate asks for one): undefined keeps the old token's rule; the service checks a
      // date or "never" as it checks a new token's (the org's maximum, the installation's ceiling).
      let requestedExpiry: string | null | undefined;
      if (expiry === 'never') {
        const maxDays = services.apiTokenPolicy.maxDaysFor(await services.store.getOrg(state.principal.orgId));
        if (maxDays !== null) {
          return rerender(`Your organization does not allow tokens that never expire: choose a date at most ${maxDays} days ahead.`);
        }
        requestedExpiry = null;
      } else if (expiry === 'date') {
        const zone = state.timeZone ?? DEFAULT_TIME_ZONE;
        const parsed = expiresOn === '' ? null : expiryFromDate(expiresOn, zone);
        if (parsed === null || parsed === undefined) {
          return rerender(`Enter the new expiry date as YYYY-MM-DD (${zone}), such as 2030-12-31.`);
        }
        if (expiresOn > latestExpiryDate(zone)) {
          return rerender(`The expiry date must be ${latestExpiryDate(zone)} or earlier (${zone}): a token ends before 10000-01-01 UTC.`);
        }
        const bounds = expiryDateBounds(
          Date.now(),
          zone,
          services.apiTokenPolicy.maxDaysFor(await services.store.getOrg(state.principal.orgId)),
        );
        if (expiresOn < bounds.earliest) return rerender(`The expiry date must be today (${bounds.earliest}) or later.`);
        if (bounds.latest !== null && expiresOn > bounds.latest) {
          return rerender(`Your organization allows API tokens to live at most until ${bounds.latest}: choose that day or earlier.`);
        }
        requestedExpiry = parsed;
      }
      let result;
      try {
        result = await services.apiTokens.regenerate(state.principal, token.id, grace, request.ip, requestedExpiry);
      } catch (error) {
        // Regenerated or revoked by another request between the two reads: the same answer as above.
        const meanwhile = await alreadyRegenerated(request, state);
        if (meanwhile) return seeOther(reply, meanwhile);
        if (error instanceof TesseraError && error.code === 'invalid_request') return rerender(formMessage(error.message));
        throw error;
      }
      const created: CreatedToken = {
        name: result.row.name,
        token: result.apiToken,
        expiresAt: result.row.expires_at === null ? null : Number(result.row.expires_at),
        regenerated: { oldStopsAt: result.oldStopsAt },
      };
      setCreatedTokenCookie(request, reply, state.org.basePath, sealShownOnce(deps.keys.createdToken, created, state.principal.sessionId));
      return seeOther(reply, createdTokenPath(state.org.basePath));
    },
  );
}
