/**
 * Administration (holders of "Manage all users' API tokens"; System administrators across every org):
 * Users, one user's API tokens, and the list of every token in reach; Service Accounts and Access Requests
 * (views/service-accounts.ts) for holders of "View Service Accounts". Revoking goes through the same
 * confirmation page as User preferences.
 */
import { html, plainText, type SafeHtml } from '../html.js';
import {
  TOKEN_PAGE_SIZE,
  TOKEN_STATES,
  isLiveState,
  type TokenFilter,
  type TokenListItem,
  type TokenStateCounts,
} from '../token-queries.js';
import { STATE_LABELS, isFiltered, stateWords, tokenFilterParams } from '../token-filter.js';
import { layout, type PageFrame } from './layout.js';
import type { Crumb } from './breadcrumbs.js';
import { alert, pageHeading } from './components.js';
import { counted } from '../../../domain/counted.js';
import { tokenTable, type TokenTableOptions } from './token-table.js';
import { listUrl, pagination, pastLastPage } from './paging.js';

export type AdminTab = 'users' | 'tokens' | 'serviceAccounts' | 'accessRequests' | 'audit' | 'tokenPolicy' | 'orgs';

export function adminLayout(frame: PageFrame, title: string, tab: AdminTab, content: SafeHtml, crumbs?: readonly Crumb[]): SafeHtml {
  const base = frame.org!.basePath;
  const tabLink = (id: AdminTab, href: string, label: string) =>
    html`<a class="side-nav-link" href="${href}"${tab === id ? html` aria-current="page"` : ''}>${label}</a>`;
  return layout(
    { ...frame, active: 'administration' },
    title,
    html`<div class="with-side-nav">
  <nav class="side-nav" aria-label="Administration">
    ${frame.adminAreas?.orgs && html`<p class="side-nav-heading">Provider</p>`}
    ${frame.adminAreas?.orgs && tabLink('orgs', `${base}/administration/orgs`, 'Organizations')}
    <p class="side-nav-heading">Access Control</p>
    ${(frame.adminAreas ? frame.adminAreas.users : frame.adminTabs?.tokens !== false) && tabLink('users', `${base}/administration/users`, 'Users')}
    ${frame.adminTabs?.tokens !== false && tabLink('tokens', `${base}/administration/tokens`, 'API Tokens')}
    ${frame.adminTabs?.serviceAccounts && tabLink('serviceAccounts', `${base}/administration/serviceAccounts`, 'Service Accounts')}
    ${frame.adminTabs?.serviceAccounts && tabLink('accessRequests', `${base}/administration/accessRequests`, 'Access Requests')}
    ${frame.adminAreas?.tokenPolicy && tabLink('tokenPolicy', `${base}/administration/tokenPolicy`, 'API Token Policy')}
    ${frame.adminAreas?.audit && html`<p class="side-nav-heading">Monitoring</p>`}
    ${frame.adminAreas?.audit && tabLink('audit', `${base}/administration/audit`, 'Audit Trail')}
  </nav>
  <div class="with-side-nav-content">${content}</div>
</div>`,
    {
      crumbs: crumbs ?? [
        { label: 'Home', href: `${base}/` },
        { label: 'Administration', href: `${base}/administration` },
        { label: title },
      ],
    },
  );
}

/** One page of a token list, with its search (Administration > API Tokens and one user's tokens; paged in SQL). */
export interface TokenListPage {
  readonly tokens: readonly TokenListItem[];
  readonly total: number;
  readonly page: number;
  readonly search: string;
  /** The state and owner filter (token-filter.ts), kept by every link of the page. */
  readonly filter: TokenFilter;
  /** The tokens of the list's search and owner in each state (any state filter). */
  readonly counts: TokenStateCounts;
  /** Where Revoke selected and Revoke all matching go, and what they carry (the list's scope). */
  readonly bulk: { readonly action: string; readonly keep: Readonly<Record<string, string>> } | null;
}

interface TokenListShape {
  /** The list's path, and the parameters its links keep besides search and page (the provider's `org`). */
  readonly path: string;
  readonly keep?: Readonly<Record<string, string>>;
  readonly searchLabel: string;
  /** What else the search matches, said beside the field (and its description). */
  readonly searchHelp?: string;
  /** Whether the form has the owner field (not on one user's list, where it is always the same). */
  readonly ownerFilter?: boolean;
  /** Fields of the form before the search (the provider's organization select), and its button's word. */
  readonly filters?: SafeHtml;
  readonly button: string;
  readonly ariaLabel: string;
  readonly emptyText: string;
  readonly noMatchText: string;
  readonly table: Omit<TokenTableOptions, 'emptyText' | 'place'>;
}

/**
 * A token list's form: the search, the state (with its count), the days unused and, on an org's or the provider's
 * list, the owner (with the provider's organization select), in one submit.
 */
function tokenSearchForm(input: TokenListPage, list: TokenListShape): SafeHtml {
  const { search, filter } = input;
  const filtered = search !== '' || isFiltered(filter);
  return html`<form method="get" action="${list.path}" class="filter-bar" role="search" aria-label="${list.ariaLabel}">
  ${list.filters ?? ''}
  <span class="filter-pair"><label for="token-search">${list.searchLabel}</label>
  <input id="token-search" name="search" type="search" value="${search}" maxlength="128" autocomplete="off"${list.searchHelp && html` aria-describedby="token-search-help"`}></span>
  ${
    list.ownerFilter &&
    html`<span class="filter-pair"><label for="token-owner">Owner</label>
  <input id="token-owner" name="owner" type="search" value="${filter.owner}" maxlength="128" autocomplete="off" placeholder="user name"></span>`
  }
  <span class="filter-pair"><label for="token-state">State</label>
  <select id="token-state" name="state">
    <option value="">Any</option>
    ${TOKEN_STATES.map((state) => html`<option value="${state}"${filter.state === state ? html` selected` : ''}>${STATE_LABELS[state]}${state === 'unused' ? '' : ` (${input.counts[state].toLocaleString('en-US')})`}</option>`)}
  </select></span>
  <span class="filter-pair"><label for="token-unused-days">N (days)</label>
  <input id="token-unused-days" name="unusedDays" type="number" min="1" max="3650" step="1" inputmode="numeric" class="input-days" value="${filter.unusedDays ?? ''}" placeholder="90" aria-describedby="token-unused-help"></span>
  <button type="submit" class="btn btn-sm btn-primary">${list.button}</button>
  ${filtered && html`<a class="btn btn-sm btn-link" href="${listUrl(list.path, list.keep ?? {})}">Clear</a>`}
  <span class="field-help" id="token-unused-help">N: for "Unused for N days" (90 when empty); a token never used counts from its creation.</span>
  ${list.searchHelp && html`<span class="field-help" id="token-search-help">${list.searchHelp}</span>`}
</form>`;
}

/** "Active 12 · Expiring within 7 days 3 · ...": each a link to the list in that state, the search and owner kept. */
function stateCounts(input: TokenListPage, list: TokenListShape): SafeHtml {
  const keep = { ...(list.keep ?? {}), search: input.search, owner: input.filter.owner };
  const states = TOKEN_STATES.filter((s) => s !== 'unused') as Array<Exclude<(typeof TOKEN_STATES)[number], 'unused'>>;
  return html`<p class="token-state-counts muted" data-testid="token-state-counts">${states.map(
    (state, i) =>
      html`${i > 0 ? ' · ' : ''}${
        input.filter.state === state
          ? html`<strong aria-current="true">${STATE_LABELS[state]}: ${input.counts[state].toLocaleString('en-US')}</strong>`
          : html`<a href="${listUrl(list.path, { ...keep, state })}" data-state="${state}">${STATE_LABELS[state]}: ${input.counts[state].toLocaleString('en-US')}</a>`
      }`,
  )}</p>`;
}

/**
 * Revoke selected (the checked rows of this page) and Revoke all matching (every live token of the filter, on every
 * page): both go to the confirmation (GET), which names the tokens or their count and the filter, and whose button
 * posts. Without a state that only live tokens are in, "all matching" means the live ones among them.
 */
function bulkRevokeForm(input: TokenListPage, list: TokenListShape, bulk: NonNullable<TokenListPage['bulk']>): SafeHtml | '' {
  const liveMatching = isLiveState(input.filter.state)
    ? input.total
    : input.filter.state === ''
      ? input.counts.active + input.counts.expiring
      : 0;
  const keep = { ...bulk.keep, search: input.search, ...tokenFilterParams(input.filter) };
  const hidden = Object.entries(keep)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${String(value)}">`);
  const what = input.filter.state !== '' ? ` ${stateWords(input.filter)}` : '';
  return html`<form id="bulk-revoke" method="get" action="${bulk.action}" class="bulk-actions" aria-label="Revoke several tokens">
  ${hidden}
  <button type="submit" class="btn btn-sm btn-danger-outline" data-testid="revoke-selected">Revoke selected…</button>
  ${liveMatching > 0 && html`<a class="btn btn-sm btn-danger-outline" data-testid="revoke-all-matching" href="${listUrl(bulk.action, { ...keep, all: 1 })}">Revoke all ${counted(liveMatching, `live${what} tokens`)}${isFiltered(input.filter) || input.search !== '' ? ' matching' : ''}…</a>`}
</form>`;
}

/**
 * The table and the pager of a paged token list, in the Users list's words and markup (views/user-admin.ts): the
 * count and "page N of M" in a status line, First/Previous/Next/Last links that keep the search (and the org), an
 * empty state that says nothing matched and how to clear the search. Every Revoke carries the page and search, and
 * comes back to them (routes/tokens.ts).
 */
function tokenListResults(input: TokenListPage, list: TokenListShape): SafeHtml {
  const keep = list.keep ?? {};
  const filterParams = tokenFilterParams(input.filter);
  const href = (page: number) => listUrl(list.path, { ...keep, search: input.search, ...filterParams, page: page === 1 ? null : page });
  const info = { page: input.page, pageSize: TOKEN_PAGE_SIZE, total: input.total };
  const filtered = input.search !== '' || isFiltered(input.filter);
  return html`${stateCounts(input, list)}
${input.bulk && input.total > 0 && bulkRevokeForm(input, list, input.bulk)}
${
  pastLastPage(info)
    ? '' // past the last page: the pagination below says so (paging.ts)
    : tokenTable(input.tokens, {
        ...list.table,
        place: { search: input.search, page: input.page, filter: input.filter },
        selectFor: input.bulk ? 'bulk-revoke' : undefined,
        emptyText: filtered
          ? html`${list.noMatchText} <a href="${listUrl(list.path, keep)}">Clear the ${isFiltered(input.filter) ? 'filter' : 'search'}</a> to list them all.`
          : list.emptyText,
      })
}
${pagination(info, href, 'API tokens')}`;
}

export function userTokensPage(
  frame: PageFrame,
  input: TokenListPage & { userId: string; userName: string; fullName: string; orgName: string; notice: string | null },
): SafeHtml {
  const base = frame.org!.basePath;
  const list: TokenListShape = {
    path: `${base}/administration/users/${input.userId}/tokens`,
    searchLabel: 'Token name',
    button: 'Search',
    ariaLabel: `API tokens of ${input.userName}`,
    emptyText: plainText`${input.userName} has no API tokens.`,
    noMatchText: plainText`No API tokens of ${input.userName} match.`,
    table: { basePath: base, caption: plainText`API tokens of ${input.userName}`, showOwner: false, showOrg: false, revokeFrom: 'user' },
  };
  return adminLayout(
    frame,
    plainText`API tokens of ${input.userName}`,
    'users',
    html`${pageHeading(`API tokens of ${input.userName}`, html`${input.fullName ? html`${input.fullName}, ` : ''}organization ${input.orgName}`)}
${input.notice && alert('success', input.notice)}
${tokenSearchForm(input, list)}
${tokenListResults(input, list)}`,
    [
      { label: 'Home', href: `${base}/` },
      { label: 'Administration', href: `${base}/administration` },
      { label: 'Users', href: `${base}/administration/users` },
      { label: input.userName, href: `${base}/administration/users/${input.userId}` },
      { label: 'API tokens' },
    ],
  );
}

export function allTokensPage(
  frame: PageFrame,
  input: TokenListPage & {
    allOrgs: boolean;
    orgNames: readonly string[];
    /** The org listed (its own name), or '' for every org. */
    orgFilter: string;
    /** `?org=` named no organization: said plainly, and nothing is listed. */
    unknownOrg?: string | null;
    notice: string | null;
  },
): SafeHtml {
  const base = frame.org!.basePath;
  const subtitle = !input.allOrgs
    ? plainText`Every API token of ${frame.user!.orgName}`
    : input.orgFilter !== ''
      ? plainText`Every API token of organization ${input.orgFilter}`
      : input.unknownOrg
        ? 'No organization by that name'
        : 'Every API token of every organization';
  const path = `${base}/administration/tokens`;
  // The provider's form chooses the org and searches in one submit (two forms would drop what was typed in the other).
  const orgSelect =
    input.allOrgs &&
    html`<span class="filter-pair"><label for="org-filter">Organization</label>
  <select id="org-filter" name="org">
    <option value="">All organizations</option>
    ${input.orgNames.map((name) => html`<option value="${name}"${name === input.orgFilter ? html` selected` : ''}>${name}</option>`)}
  </select></span>`;
  const list: TokenListShape = {
    path,
    keep: input.orgFilter !== '' ? { org: input.orgFilter } : {},
    // Every org's list also matches the org's name; one org's list, the token's and its owner's. (Not in the label:
    // "Organization" labels the select, and stays the one field of that name.)
    searchLabel: 'Token name or owner',
    searchHelp: input.allOrgs && input.orgFilter === '' ? "Also matches the organization's name." : undefined,
    ownerFilter: true,
    filters: orgSelect || undefined,
    button: input.allOrgs ? 'Filter' : 'Search',
    ariaLabel: 'API tokens',
    emptyText: input.orgFilter !== '' ? `No API tokens in organization ${input.orgFilter}.` : 'No API tokens.',
    noMatchText: input.orgFilter !== '' ? `No API tokens in organization ${input.orgFilter} match.` : 'No API tokens match.',
    table: {
      basePath: base,
      caption: 'API tokens',
      showOwner: true,
      showOrg: input.allOrgs,
      // Narrowed to one org: a revoke comes back to the same narrowed list.
      revokeFrom: input.allOrgs && input.orgFilter !== '' ? 'org-tokens' : 'tokens',
    },
  };
  return adminLayout(
    frame,
    'API Tokens',
    'tokens',
    html`${pageHeading('API Tokens', subtitle)}
${input.notice && alert('success', input.notice)}
${input.unknownOrg && alert('danger', `There is no organization named "${input.unknownOrg}". Choose one from the list.`)}
${tokenSearchForm(input, list)}
${!input.unknownOrg && tokenListResults(input, list)}`,
  );
}
