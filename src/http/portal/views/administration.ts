/**
 * Administration (holders of "Manage all users' API tokens"; System administrators across every org):
 * Users, one user's API tokens, and the list of every token in reach; Service Accounts and Access Requests
 * (views/service-accounts.ts) for holders of "View Service Accounts". Revoking goes through the same
 * confirmation page as User preferences.
 */
import { html, type SafeHtml } from '../html.js';
import type { TokenListItem } from '../token-queries.js';
import { layout, type PageFrame } from './layout.js';
import type { Crumb } from './breadcrumbs.js';
import { alert, pageHeading } from './components.js';
import { tokenTable } from './token-table.js';

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

export function userTokensPage(
  frame: PageFrame,
  input: { userId: string; userName: string; fullName: string; orgName: string; tokens: readonly TokenListItem[]; notice: string | null },
): SafeHtml {
  const base = frame.org!.basePath;
  return adminLayout(
    frame,
    `API tokens of ${input.userName}`,
    'users',
    html`${pageHeading(`API tokens of ${input.userName}`, html`${input.fullName ? html`${input.fullName}, ` : ''}organization ${input.orgName}`)}
${input.notice && alert('success', input.notice)}
${tokenTable(input.tokens, {
  basePath: base,
  caption: `API tokens of ${input.userName}`,
  showOwner: false,
  showOrg: false,
  revokeFrom: 'user',
  emptyText: `${input.userName} has no API tokens.`,
})}`,
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
  input: {
    tokens: readonly TokenListItem[];
    truncated: boolean;
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
  return adminLayout(
    frame,
    'API Tokens',
    'tokens',
    html`${pageHeading('API Tokens', subtitle)}
${input.notice && alert('success', input.notice)}
${input.unknownOrg && alert('danger', `There is no organization named "${input.unknownOrg}". Choose one from the list.`)}
${
  input.allOrgs &&
  html`<form method="get" action="${base}/administration/tokens" class="filter-bar">
  <label for="org-filter">Organization</label>
  <select id="org-filter" name="org">
    <option value="">All organizations</option>
    ${input.orgNames.map((name) => html`<option value="${name}"${name === input.orgFilter ? html` selected` : ''}>${name}</option>`)}
  </select>
  <button type="submit" class="btn btn-sm btn-outline">Filter</button>
</form>`
}
${
  !input.unknownOrg &&
  tokenTable(input.tokens, {
    basePath: base,
    caption: 'API tokens',
    showOwner: true,
    showOrg: input.allOrgs,
    // Narrowed to one org: a revoke comes back to the same narrowed list.
    revokeFrom: input.allOrgs && input.orgFilter !== '' ? 'org-tokens' : 'tokens',
    emptyText: input.orgFilter !== '' ? `No API tokens in organization ${input.orgFilter}.` : 'No API tokens.',
  })
}
${input.truncated && html`<p class="muted">Only the first tokens are shown.</p>`}`,
  );
}
