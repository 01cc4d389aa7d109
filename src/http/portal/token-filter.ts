/**
 * The filter of Administration's token lists (state, days unused, owner), read from a list's query or a bulk revoke's
 * form, written back into every link and form of the page (pagination, the bulk revoke, its confirmation and its way
 * back), and said in words on the bulk revoke's confirmation and in its audit event.
 */
import { Type } from 'typebox';
import { DEFAULT_UNUSED_DAYS, MAX_UNUSED_DAYS, NO_FILTER, TOKEN_STATES, type TokenFilter, type TokenStateFilter } from './token-queries.js';

/** The filter's query fields (their schema: a bad state or day count is the 400 page, as a bad page number is). */
export const tokenFilterFields = {
  state: Type.Optional(Type.Union(TOKEN_STATES.map((s) => Type.Literal(s)))),
  unusedDays: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_UNUSED_DAYS })),
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
  const known = (TOKEN_STATES as readonly string[]).includes(state) ? (state as TokenStateFilter) : '';
  const unusedDays = /^[1-9][0-9]{0,3}$/.test(days) && Number(days) <= MAX_UNUSED_DAYS ? Number(days) : null;
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
 * owner: bob; search: "ci"; organization: acme", or "no filter".
 */
export function describeFilter(input: { filter: TokenFilter; search: string; orgName?: string; userName?: string }): string {
  const parts: string[] = [];
  if (input.orgName) parts.push(`organization: ${input.orgName}`);
  if (input.userName) parts.push(`owner: ${input.userName}`);
  if (input.filter.state !== '') parts.push(`state: ${stateWords(input.filter)}`);
  if (input.filter.owner !== '') parts.push(`owner: ${input.filter.owner}`);
  if (input.search !== '') parts.push(`search: "${input.search}"`);
  return parts.length === 0 ? 'no filter' : parts.join('; ');
}
