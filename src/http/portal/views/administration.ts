/**
 * Administration (holders of "Manage all users' API tokens"; System administrators across every org):
 * Users, one user's API tokens, and the list of every token in reach; Service Accounts and Access Requests
 * (views/service-accounts.ts) for holders of "View Service Accounts". Revoking goes through the same
 * confirmation page as User preferences.
 */
import { html, type SafeHtml } from '../html.js';
import type { TokenListItem, UserListItem } from '../token-queries.js';
import { layout, type PageFrame } from './layout.js';
import { alert, pageHeading } from './components.js';
import { tokenTable } from './token-table.js';

export type AdminTab = 'users' | 'tokens' | 'serviceAccounts' | 'accessRequests';

export function adminLayout(frame: PageFrame, title: string, tab: AdminTab, content: SafeHtml): SafeHtml {
  const base = frame.org!.basePath;
  const tabLink = (id: AdminTab, href: string, label: string) =>
    html`<a class="side-nav-link" href="${href}"${tab === id ? html` aria-current="page"` : ''}>${label}</a>`;
  return layout(
    { ...frame, active: 'administration' },
    title,
    html`<div class="with-side-nav">
  <nav class="side-nav" aria-label="Administration">
    <p class="side-nav-heading">Access Control</p>
    ${frame.adminTabs?.tokens !== false && tabLink('users', `${base}/administration/users`, 'Users')}
    ${frame.adminTabs?.tokens !== false && tabLink('tokens', `${base}/administration/tokens`, 'API Tokens')}
    ${frame.adminTabs?.serviceAccounts && tabLink('serviceAccounts', `${base}/administration/serviceAccounts`, 'Service Accounts')}
    ${frame.adminTabs?.serviceAccounts && tabLink('accessRequests', `${base}/administration/accessRequests`, 'Access Requests')}
  </nav>
  <div class="with-side-nav-content">${content}</div>
</div>`,
  );
}

export function usersPage(frame: PageFrame, input: { users: readonly UserListItem[]; allOrgs: boolean }): SafeHtml {
  const base = frame.org!.basePath;
  return adminLayout(
    frame,
    'Users',
    'users',
    html`${pageHeading('Users', input.allOrgs ? 'Users of every organization' : `Users of ${frame.user!.orgName}`)}
<div class="datagrid-wrap">
<table class="datagrid datagrid-stack" data-testid="users-table">
  <caption class="visually-hidden">Users</caption>
  <thead><tr>
    <th scope="col">User name</th>
    <th scope="col">Full name</th>
    ${input.allOrgs && html`<th scope="col">Organization</th>`}
    <th scope="col">Role</th>
    <th scope="col">Status</th>
    <th scope="col">API tokens</th>
  </tr></thead>
  <tbody>
  ${input.users.map(
    (u) => html`<tr>
    <th scope="row" data-label="User name">${u.name}</th>
    <td data-label="Full name">${u.fullName}</td>
    ${input.allOrgs && html`<td data-label="Organization">${u.orgName}</td>`}
    <td data-label="Role">${u.roleName}</td>
    <td data-label="Status">${u.enabled ? html`<span class="badge badge-success">Enabled</span>` : html`<span class="badge">Disabled</span>`}</td>
    <td data-label="API tokens"><a href="${base}/administration/users/${u.id}/tokens" aria-label="${u.liveTokens} ${u.liveTokens === 1 ? 'token' : 'tokens'}: API tokens of ${u.name}${input.allOrgs ? ` (${u.orgName})` : ''}">${u.liveTokens} ${u.liveTokens === 1 ? 'token' : 'tokens'}</a></td>
  </tr>`,
  )}
  </tbody>
</table>
</div>`,
  );
}

export function userTokensPage(
  frame: PageFrame,
  input: { userName: string; fullName: string; orgName: string; tokens: readonly TokenListItem[]; notice: string | null },
): SafeHtml {
  const base = frame.org!.basePath;
  return adminLayout(
    frame,
    `API tokens of ${input.userName}`,
    'users',
    html`<nav class="breadcrumb" aria-label="Breadcrumb"><a href="${base}/administration/users">Users</a> <span aria-hidden="true">/</span> <span>${input.userName}</span></nav>
${pageHeading(`API tokens of ${input.userName}`, html`${input.fullName ? html`${input.fullName}, ` : ''}organization ${input.orgName}`)}
${input.notice && alert('success', input.notice)}
${tokenTable(input.tokens, {
  basePath: base,
  caption: `API tokens of ${input.userName}`,
  showOwner: false,
  showOrg: false,
  revokeFrom: 'user',
  emptyText: `${input.userName} has no API tokens.`,
})}`,
  );
}

export function allTokensPage(
  frame: PageFrame,
  input: {
    tokens: readonly TokenListItem[];
    truncated: boolean;
    allOrgs: boolean;
    orgNames: readonly string[];
    orgFilter: string;
    notice: string | null;
  },
): SafeHtml {
  const base = frame.org!.basePath;
  return adminLayout(
    frame,
    'API Tokens',
    'tokens',
    html`${pageHeading('API Tokens', input.allOrgs ? 'Every API token of every organization' : `Every API token of ${frame.user!.orgName}`)}
${input.notice && alert('success', input.notice)}
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
${tokenTable(input.tokens, {
  basePath: base,
  caption: 'API tokens',
  showOwner: true,
  showOrg: input.allOrgs,
  revokeFrom: 'tokens',
  emptyText: 'No API tokens.',
})}
${input.truncated && html`<p class="muted">Only the first tokens are shown.</p>`}`,
  );
}
