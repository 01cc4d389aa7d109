/**
 * Creating and revoking API tokens:
 *   GET  {base}/preferences/tokens/new      the New form
 *   POST {base}/preferences/tokens          register + mint (VCD's two steps), then 303 to the page below
 *   GET  {base}/preferences/tokens/created  shows the new token once (Cache-Control: no-store)
 *   GET  {base}/tokens/{id}/revoke          the confirmation
 *   POST {base}/tokens/{id}/revoke          revokes, then 303 back where the revoke started
 *
 * How the token reaches exactly one GET: the POST puts it in a cookie encrypted with the portal key and bound
 * to the session (AES-GCM, the session id as associated data), scoped to the path of the page that shows it
 * and alive for two minutes; that page clears the cookie as it reads it. A reload, the back button or a
 * second tab find no cookie and say the token cannot be shown again. Nothing on the server holds the token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PortalDeps } from '../deps.js';
import type { SignedInState } from '../portal-session.js';
import { requireSignedIn } from '../portal-session.js';
import { signedInFrame } from '../page-frame.js';
import { formField, queryField, seeOther, sendPage } from '../respond.js';
import { canCreateOwnToken } from '../access.js';
import { scopeRoleNames, toListItem } from '../token-queries.js';
import { effectiveRights } from '../../../domain/policy.js';
import { tokenUsageSnippets } from '../token-usage.js';
import { clearCookie, createdTokenPath, readCookie, setCreatedTokenCookie } from '../cookies.js';
import { decryptValue, encryptValue } from '../crypto/encrypted-value.js';
import { baseUrl } from '../../context.js';
import { servesGeneratedCertificate } from '../../../tls.js';
import { TesseraError, forbidden } from '../../../domain/errors.js';
import { newTokenPage, revokeConfirmPage, tokenCreatedPage, tokenGonePage } from '../views/token-pages.js';
import type { RevokeOrigin } from '../views/token-table.js';

interface CreatedToken {
  name: string;
  token: string;
  expiresAt: number | null;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` -> the end of that day, UTC (ISO), '' -> no expiry; null when it is not a date. */
export function expiryFromDate(date: string): string | null | undefined {
  if (date === '') return undefined;
  const m = DATE_ONLY.exec(date);
  if (!m) return null;
  const end = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59, 999);
  const roundTrip = new Date(end).toISOString().slice(0, 10);
  return roundTrip === date ? new Date(end).toISOString() : null; // rejects 2026-02-31
}

/** The service speaks OAuth field names; the form's user reads labels. */
function formMessage(message: string): string {
  return message.replace(/^client_name/, 'The name').replace(/^expirationTimeUtc/, 'The expiry date');
}

function isCreatedToken(value: unknown): value is CreatedToken {
  const v = value as Record<string, unknown> | null;
  return !!v && typeof v.name === 'string' && typeof v.token === 'string' && (v.expiresAt === null || typeof v.expiresAt === 'number');
}

function parseOrigin(raw: string): RevokeOrigin {
  return raw === 'tokens' || raw === 'user' ? raw : 'preferences';
}

/** Where a revoke returns: built from the origin's name and the token's owner, never from a URL in the request. */
function originPath(base: string, origin: RevokeOrigin, ownerId: string): string {
  if (origin === 'tokens') return `${base}/administration/tokens`;
  if (origin === 'user') return `${base}/administration/users/${ownerId}/tokens`;
  return `${base}/preferences`;
}

export function tokenRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { services } = deps;

  const renderNewForm = async (state: SignedInState, input: { name: string; expiresOn: string; scope: string; error: string | null }) => {
    const org = await services.store.getOrg(state.principal.orgId);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    // Only roles the user could narrow a token to: every right of the role held (the server checks it again).
    const held = effectiveRights(state.principal);
    const roles = [];
    for (const role of await services.store.listRoles(state.principal.orgId)) {
      if ((await services.store.roleRights(role.id)).every((r) => held.has(r))) roles.push({ id: role.id, name: role.name });
    }
    return newTokenPage(signedInFrame(state, deps, 'preferences'), {
      ...input,
      roles,
      minDate: tomorrow,
      maxLifetimeDays: org?.max_token_lifetime_days ?? null,
    });
  };

  const requireCanCreate = (request: FastifyRequest): SignedInState => {
    const state = requireSignedIn(request);
    if (!canCreateOwnToken(state.principal)) throw forbidden('Creating API tokens needs the right "Manage user\'s own API token".');
    return state;
  };

  app.get('/preferences/tokens/new', async (request, reply) => {
    const state = requireCanCreate(request);
    return sendPage(reply, await renderNewForm(state, { name: '', expiresOn: '', scope: '', error: null }));
  });

  app.post('/preferences/tokens', { config: { csrf: 'session' } }, async (request, reply) => {
    const state = requireCanCreate(request);
    const name = formField(request, 'name').trim();
    const expiresOn = formField(request, 'expiresOn').trim();
    const scope = formField(request, 'scope').trim();
    const rerender = async (error: string) => sendPage(reply, await renderNewForm(state, { name, expiresOn, scope, error }), 400);
    if (name === '') return rerender('Enter a name for the token.');
    const expiresAt = expiryFromDate(expiresOn);
    if (expiresAt === null) return rerender('The expiry date must be a date such as 2030-12-31.');

    let registered;
    try {
      registered = await services.apiTokens.register(state.principal, state.org.oauthPath, { name, expiresAt, scope }, request.ip);
    } catch (error) {
      if (error instanceof TesseraError && error.code === 'invalid_request') return rerender(formMessage(error.message));
      // A role beyond the user's rights (only a crafted form gets here): say so on the form.
      if (error instanceof TesseraError && error.code === 'ACCESS_TO_RESOURCE_IS_FORBIDDEN' && scope !== '') {
        return rerender(formMessage(error.message));
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
    setCreatedTokenCookie(request, reply, state.org.basePath, encryptValue(deps.keys.createdToken, created, state.principal.sessionId));
    return seeOther(reply, createdTokenPath(state.org.basePath));
  });

  app.get('/preferences/tokens/created', async (request, reply) => {
    const state = requireSignedIn(request);
    const sealed = readCookie(request, 'createdToken');
    if (sealed) clearCookie(request, reply, 'createdToken', createdTokenPath(state.org.basePath));
    const created = decryptValue(deps.keys.createdToken, sealed, state.principal.sessionId);
    const frame = signedInFrame(state, deps, 'preferences');
    if (!isCreatedToken(created)) return sendPage(reply, tokenGonePage(frame));
    const usage = tokenUsageSnippets(baseUrl(request), state.org.oauthUrlPath, {
      // The snippets must run as pasted: against the generated self-signed certificate that needs -k.
      insecure: servesGeneratedCertificate(services.config),
    });
    return sendPage(reply, tokenCreatedPage(frame, { ...created, usage }));
  });

  const loadForRevoke = async (request: FastifyRequest<{ Params: { id: string } }>, state: SignedInState) => {
    // The service applies the policy: missing, revoked and out of reach are the same 403.
    const row = await services.apiTokens.getVisible(state.principal, request.params.id);
    const [owner, org] = await Promise.all([services.store.getUser(row.user_id), services.store.getOrg(row.org_id)]);
    return toListItem(services, row, owner?.name ?? '', org?.name ?? '', await scopeRoleNames(services, [row]));
  };

  app.get<{ Params: { id: string } }>('/tokens/:id/revoke', async (request, reply) => {
    const state = requireSignedIn(request);
    const token = await loadForRevoke(request, state);
    const origin = parseOrigin(queryField(request, 'from'));
    return sendPage(
      reply,
      revokeConfirmPage(signedInFrame(state, deps, origin === 'preferences' ? 'preferences' : 'administration'), {
        token,
        showOwner: token.ownerId !== state.principal.userId,
        from: origin,
        cancelHref: originPath(state.org.basePath, origin, token.ownerId),
      }),
    );
  });

  app.post<{ Params: { id: string } }>('/tokens/:id/revoke', { config: { csrf: 'session' } }, async (request, reply) => {
    const state = requireSignedIn(request);
    const token = await loadForRevoke(request, state);
    await services.apiTokens.revoke(state.principal, token.id, request.ip);
    const origin = parseOrigin(formField(request, 'from'));
    const target = originPath(state.org.basePath, origin, token.ownerId);
    return seeOther(reply, `${target}?done=revoked${origin === 'preferences' ? '#access-tokens' : ''}`);
  });
}
