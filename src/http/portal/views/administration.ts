/**
 * Administration (holders of "Manage all users' API tokens"; System administrators across every org):
 * Users, one user's API tokens, and the list of every token in reach; Service Accounts and Access Requests
 * (views/service-accounts.ts) for holders of "View Service Accounts". Revoking goes through the same
 * confirmation page as User preferences.
 */
import { html, type SafeHtml } from '../html.js';
import { TOKEN_PAGE_SIZE, type TokenListItem } from '../token-queries.js';
import { layout, type PageFrame } from './layout.js';
import type { Crumb } from './breadcrumbs.js';
import { alert, pageHeading } from './components.js';
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
}

interface TokenListShape {
  /** The list's path, and the parameters its links keep besides search and page (the provider's `org`). */
  readonly path: string;
  readonly keep?: Readonly<Record<string, string>>;
  readonly searchLabel: string;
  /** What else the search matches, said beside the field (and its description). */
  readonly searchHelp?: string;
  /** Fields of the form before the search (the provider's organization select), and its button's word. */
  readonly filters?: SafeHtml;
  readonly button: string;
  readonly ariaLabel: string;
  readonly emptyText: string;
  readonly noMatchText: string;
  readonly table: Omit<TokenTableOptions, 'emptyText' | 'place'>;
}

/** A token list's form: the search (with the provider's organization select) in one submit. */
function tokenSearchForm(search: string, list: TokenListShape): SafeHtml {
  return html`<form method="get" action="${list.path}" class="filter-bar" role="search" aria-label="${list.ariaLabel}">
  ${list.filters ?? ''}
  <label for="token-search">${list.searchLabel}</label>
  <input id="token-search" name="search" type="search" value="${search}" maxlength="128" autocomplete="off"${list.searchHelp && html` aria-describedby="token-search-help"`}>
  <button type="submit" class="btn btn-sm btn-primary">${list.button}</button>
  ${search !== '' && html`<a class="btn btn-sm btn-link" href="${listUrl(list.path, list.keep ?? {})}">Clear</a>`}
  ${list.searchHelp && html`<span class="field-help" id="token-search-help">${list.searchHelp}</span>`}
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
  const href = (page: number) => listUrl(list.path, { ...keep, search: input.search, page: page === 1 ? null : page });
  const info = { page: input.page, pageSize: TOKEN_PAGE_SIZE, total: input.total };
  return html`${
    pastLastPage(info)
      ? '' // past the last page: the pagination below says so (paging.ts)
      : tokenTable(input.tokens, {
          ...list.table,
          place: { search: input.search, page: input.page },
          emptyText:
            input.search !== ''
              ? html`${list.noMatchText} <a href="${listUrl(list.path, keep)}">Clear the search</a> to list them all.`
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
    emptyText: `${input.userName} has no API tokens.`,
    noMatchText: `No API tokens of ${input.userName} match.`,
    table: { basePath: base, caption: `API tokens of ${input.userName}`, showOwner: false, showOrg: false, revokeFrom: 'user' },
  };
  return adminLayout(
    frame,
    `API tokens of ${input.userName}`,
    'users',
    html`${pageHeading(`API tokens of ${input.userName}`, html`${input.fullName ? html`${input.fullName}, ` : ''}organization ${input.orgName}`)}
${input.notice && alert('success', input.notice)}
${tokenSearchForm(input.search, list)}
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
    ? `Every API token of ${frame.user!.orgName}`
    : input.orgFilter !== ''
      ? `Every API token of organization ${input.orgFilter}`
      : input.unknownOrg
        ? 'No organization by that name'
        : 'Every API token of every organization';
  const path = `${base}/administration/tokens`;
  // The provider's form chooses the org and searches in one submit (two forms would drop what was typed in the other).
  const orgSelect =
    input.allOrgs &&
    html`<label for="org-filter">Organization</label>
  <select id="org-filter" name="org">
    <option value="">All organizations</option>
    ${input.orgNames.map((name) => html`<option value="${name}"${name === input.orgFilter ? html` selected` : ''}>${name}</option>`)}
  </select>`;
  const list: TokenListShape = {
    path,
    keep: input.orgFilter !== '' ? { org: input.orgFilter } : {},
    // Every org's list also matches the org's name; one org's list, the token's and its owner's. (Not in the label:
    // "Organization" labels the select, and stays the one field of that name.)
    searchLabel: 'Token name or owner',
    searchHelp: input.allOrgs && input.orgFilter === '' ? "Also matches the organization's name." : undefined,
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
${tokenSearchForm(input.search, list)}
${!input.unknownOrg && tokenListResults(input, list)}`,
  );
}
