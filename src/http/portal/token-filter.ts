/**
 * The filter of Administration's token lists (state, days unused, owner), read from a list's query or a bulk revoke's
 * form, written back into every link and form of the page (pagination, the bulk revoke, its confirmation and its way
 * back), and said in words on the bulk revoke's confirmation and in its audit event.
 */
import { Type } from 'typebox';
import { DEFAULT_UNUSED_DAYS, MAX_UNUSED_DAYS, NO_FILTER, TOKEN_STATES, type TokenFilter, type TokenStateFilter } from './token-queries.js';
import { isolateText } from './html.js';

/** A whole number of days from 1 to MAX_UNUSED_DAYS (3650), or nothing. */
export const UNUSED_DAYS_PATTERN = '^([1-9][0-9]{0,2}|[12][0-9]{3}|3[0-5][0-9]{2}|36[0-4][0-9]|3650)?$';

/**
 * The filter's query fields (their schema: a bad state or day count is the 400 page, as a bad page number is). The
 * form sends every field, so each may be empty (`state=&unusedDays=`: no filter).
 */
export const tokenFilterFields = {
  state: Type.Optional(Type.Union([Type.Literal(''), ...TOKEN_STATES.map((s) => Type.Literal(s))])),
  unusedDays: Type.Optional(Type.String({ pattern: UNUSED_DAYS_PATTERN })),
  owner: Type.Optional(Type.String({ maxLength: 128 })),
};

export const STATE_LABELS: Record<TokenStateFilter, string> = {
  active: 'Active',
  expiring: 'Expiring within 7 days',
  expired: 'Expired',
  revoked: 'Revoked',
  'never-used': 'Never used',
  unused: 'Unused for N days',
};

/** The filter a request names; `field` reads the query or the form. Anything malformed is left out (no filter). */
export function tokenFilterFrom(field: (name: string) => string): TokenFilter {
  const state = field('state');
  const days = field('unusedDays');
  const owner = field('owner').trim();
  const unusedDays = /^[1-9][0-9]{0,3}$/.test(days) && Number(days) <= MAX_UNUSED_DAYS ? Number(days) : null;
  // A number of days typed with the state left at "Any" asks for the tokens unused that long.
  const known = (TOKEN_STATES as readonly string[]).includes(state) ? (state as TokenStateFilter) : unusedDays !== null ? 'unused' : '';
  return {
    state: known,
    unusedDays: known === 'unused' ? (unusedDays ?? DEFAULT_UNUSED_DAYS) : null,
    owner: owner.length <= 128 ? owner : '',
  };
}

/** The filter as a list URL's parameters (listUrl leaves out the empty ones). */
export function tokenFilterParams(filter: TokenFilter = NO_FILTER): Record<string, string | number | null> {
  return { state: filter.state || null, unusedDays: filter.state === 'unused' ? filter.unusedDays : null, owner: filter.owner || null };
}

export function isFiltered(filter: TokenFilter): boolean {
  return filter.state !== '' || filter.owner !== '';
}

/** "unused for 90 days", "never used", ... for a sentence. */
export function stateWords(filter: TokenFilter): string {
  if (filter.state === 'unused') return `unused for ${filter.unusedDays ?? DEFAULT_UNUSED_DAYS} days`;
  if (filter.state === '') return '';
  return STATE_LABELS[filter.state].toLowerCase();
}

/**
 * The filter and search in words, for the bulk revoke's confirmation and its audit event: "state: unused for 90 days;
 * owner: bob; search: "ci"; organization: acme", or "no filter". For the page (`isolate`), each name and the search
 * as typed are isolated (isolateText), so that one of them in a right-to-left script, or a search typed with a bidi
 * control, cannot reorder the rest of the sentence; the audit event keeps them as they are.
 */
export function describeFilter(input: {
  filter: TokenFilter;
  search: string;
  orgName?: string;
  userName?: string;
  /** Every org's tokens (the System administrator's list): said first, since an owner's name then matches in each org. */
  everyOrg?: boolean;
  isolate?: boolean;
}): string {
  const shown = input.isolate ? isolateText : (text: string) => text;
  const parts: string[] = [];
  if (input.everyOrg) parts.push('every organization');
  if (input.orgName) parts.push(`organization: ${shown(input.orgName)}`);
  if (input.userName) parts.push(`owner: ${shown(input.userName)}`);
  if (input.filter.state !== '') parts.push(`state: ${stateWords(input.filter)}`);
  if (input.filter.owner !== '') parts.push(`owner: ${shown(input.filter.owner)}`);
  if (input.search !== '') parts.push(`search: "${shown(input.search)}"`);
  return parts.length === 0 ? 'no filter' : parts.length === 1 && input.everyOrg ? 'every organization, no filter' : parts.join('; ');
}
