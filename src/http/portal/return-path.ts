/**
 * Where sign-in returns to when a session ended under the user's feet (its cookie expired with it, or it was signed
 * out in another tab): the sign-in page gets `?notice=expired&from=<path>`, carries `from` through the password and
 * code steps in a hidden field, and the new session lands there instead of on Home.
 *
 * `from` is the same parameter name the revoke confirmation uses for where it started (`?from=preferences`), and it
 * obeys the same rule: a place in this portal, never a URL to follow. It must be a relative path under this
 * portal's own base path (`/tenant/acme/...`, `/provider/...`), in plain URL characters, without `//`, `\`, dot
 * segments (also percent-encoded ones), encoded slashes or a fragment, and not the sign-in or sign-out pages. Anything
 * else is dropped and sign-in lands on Home: no open redirect, not even to another org's portal on this host.
 *
 * After a form POST the way back is the form's page, not the POST target (which has no page, or would repeat the
 * action): the collection's `/new` form, else the same path when it has a page (the password form, a revoke
 * confirmation with its `from=`), else the page the action belongs to (the parent path).
 */
import type { FastifyRequest } from 'fastify';
import type { PortalOrg } from './portal-org.js';
import { baseUrl } from '../context.js';
import { formField } from './respond.js';
import { tokenFilterFrom, tokenFilterParams } from './token-filter.js';
import type { TokenFilter } from './token-queries.js';

export const RETURN_PARAM = 'from';

const MAX_RETURN_PATH = 1024;
/** Unreserved and sub-delimiter characters, `%`, `/`, `?`, `=`, `&`, `:`, `@`: no quotes, spaces, `\`, `#`, `<`. */
const URL_CHARACTERS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/;

export function safeReturnPath(raw: string, org: PortalOrg): string | null {
  if (raw === '' || raw.length > MAX_RETURN_PATH || !URL_CHARACTERS.test(raw)) return null;
  const base = org.basePath;
  if (!raw.startsWith(`${base}/`)) return null;
  const path = raw.split('?', 1)[0]!;
  if (path.includes('//') || /%(2f|5c|00)/i.test(path)) return null;
  for (const segment of path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return null;
    }
    if (decoded === '.' || decoded === '..') return null;
  }
  const rest = path.slice(base.length);
  if (rest === '/login' || rest.startsWith('/login/') || rest === '/sign-out') return null;
  // Belt and braces: resolved against this origin, it stays on it and under the portal's path.
  const resolved = new URL(raw, 'https://portal.invalid');
  if (resolved.origin !== 'https://portal.invalid' || !resolved.pathname.startsWith(`${base}/`)) return null;
  return raw;
}

/** The request's path below the portal's base (`/preferences/password`), whatever the URL's spelling of the org. */
function pathBelowBase(request: FastifyRequest, org: PortalOrg): { rest: string; query: string } {
  const url = request.url;
  const at = url.indexOf('?');
  // Slashes collapsed, as the router reads the path: `//tenant/acme/vms` reaches the same page, and counting its empty
  // segment made the way back `/tenant/acme/acme/vms` (a 404 after signing in; until 2026-12-07).
  const path = (at === -1 ? url : url.slice(0, at)).replace(/\/{2,}/g, '/');
  const query = at === -1 ? '' : url.slice(at + 1);
  // /tenant/{org}/rest or /provider/rest
  const segments = path.split('/');
  const below = segments.slice(org.kind === 'tenant' ? 3 : 2).join('/');
  return { rest: `/${below}`, query };
}

const REVOKE_ORIGINS = new Set(['preferences', 'tokens', 'org-tokens', 'user']);

/** The highest page a list link may ask for (the lists' own `page` parameter has the same bound). */
export const MAX_LIST_PAGE = 1_000_000;
const MAX_LIST_SEARCH = 128;

/**
 * Where in a paged list an action started (Administration's token lists: their search and page), carried through
 * the action's confirmation so that it comes back there. Only a page number and a search text are kept, each
 * checked, and the way back is built from them and the origin's name: never a URL taken from the request.
 */
export interface ListPlace {
  readonly search: string;
  readonly page: number;
  /** The token lists' state and owner filter (token-filter.ts), each field checked as the list checks it. */
  readonly filter?: TokenFilter;
}

/** The place a request names (`field` reads the query or the form); anything malformed is the first page, unsearched. */
export function listPlaceFrom(field: (name: string) => string): ListPlace {
  const search = field('search').trim();
  const page = field('page');
  return {
    search: search.length <= MAX_LIST_SEARCH ? search : '',
    page: /^[1-9][0-9]{0,6}$/.test(page) && Number(page) <= MAX_LIST_PAGE ? Number(page) : 1,
    filter: tokenFilterFrom(field),
  };
}

/** The place as a list URL's parameters (listUrl leaves out the empty search and the first page). */
export function listPlaceParams(
  place: ListPlace | undefined,
): { search: string | null; page: number | null } & Record<string, string | number | null> {
  return { search: place?.search || null, ...tokenFilterParams(place?.filter), page: place && place.page > 1 ? place.page : null };
}

/**
 * Where to come back to after signing in again: for a page (GET), the page; for a form (POST), the form's page
 * (`hasPage` says whether a GET of this portal answers a path). Null when there is nowhere better than Home.
 */
export function returnPathFor(request: FastifyRequest, org: PortalOrg, hasPage: (path: string) => boolean): string | null {
  const { rest, query } = pathBelowBase(request, org);
  const base = org.basePath;
  let target: string | null = null;
  if (request.method === 'GET' || request.method === 'HEAD') {
    target = `${base}${rest}${query ? `?${query}` : ''}`;
  } else if (request.method === 'POST' && rest !== '/sign-out') {
    const path = `${base}${rest}`;
    if (/^\/tokens\/[^/]+\/revoke$/.test(rest)) {
      // The confirmation, back where the revoke started (the origin's name only, as the confirmation's own link has it).
      // The page and search of the list it started from come along (listPlaceFrom checks them).
      const origin = formField(request, RETURN_PARAM);
      const place = listPlaceParams(listPlaceFrom((name) => formField(request, name)));
      const params = new URLSearchParams({ [RETURN_PARAM]: REVOKE_ORIGINS.has(origin) ? origin : 'preferences' });
      for (const [name, value] of Object.entries(place)) if (value !== null) params.set(name, String(value));
      target = `${path}?${params.toString()}`;
    } else {
      const parent = path.slice(0, path.lastIndexOf('/'));
      // A collection's form is its `/new` page (POST /preferences/tokens, /administration/users); else the same path
      // (the password form, a regenerate); else the page the action is on (POST /administration/users/{id}/disable).
      target = [`${path}/new`, path, parent].find((candidate) => candidate.startsWith(`${base}/`) && hasPage(candidate)) ?? null;
    }
  }
  if (target === null || target === `${base}/`) return null;
  return safeReturnPath(target, org);
}

/**
 * Whether a request without a session came from a page of this site: a same-origin Referer, or (the portal sends
 * `Referrer-Policy: no-referrer`, so browsers send no Referer) the Fetch Metadata header `Sec-Fetch-Site:
 * same-origin`, which browsers send whatever the referrer policy. A typed address or a bookmark says `none`.
 */
export function cameFromThisSite(request: FastifyRequest): boolean {
  const referer = request.headers.referer;
  if (typeof referer === 'string' && referer !== '') {
    try {
      return new URL(referer).origin === new URL(baseUrl(request)).origin;
    } catch {
      return false;
    }
  }
  return request.headers['sec-fetch-site'] === 'same-origin';
}
