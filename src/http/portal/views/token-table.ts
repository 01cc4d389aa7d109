/**
 * The API-token table (datagrid) shared by User preferences and Administration. On a narrow window each row
 * becomes a stacked card; the `data-label` attributes give the CSS the column names to show.
 */
import { html, type SafeHtml } from '../html.js';
import type { TokenListItem } from '../token-queries.js';
import { timeOrDash } from './components.js';

/** Where a revoke started, so that the confirmation returns there. */
export type RevokeOrigin = 'preferences' | 'tokens' | 'user';

export interface TokenTableOptions {
  readonly basePath: string;
  readonly caption: string;
  readonly showOwner: boolean;
  readonly showOrg: boolean;
  readonly revokeFrom: RevokeOrigin;
  readonly emptyText: string;
  readonly now?: number;
}

export function tokenTable(items: readonly TokenListItem[], options: TokenTableOptions): SafeHtml {
  if (items.length === 0) return html`<p class="empty-state">${options.emptyText}</p>`;
  const now = options.now ?? Date.now();
  return html`<div class="datagrid-wrap">
<table class="datagrid datagrid-stack" data-testid="token-table">
  <caption class="visually-hidden">${options.caption}</caption>
  <thead><tr>
    <th scope="col">Name</th>
    ${options.showOwner && html`<th scope="col">Owner</th>`}
    ${options.showOrg && html`<th scope="col">Organization</th>`}
    <th scope="col">Created</th>
    <th scope="col">Last used</th>
    <th scope="col">Last IP</th>
    <th scope="col">Expires</th>
    <th scope="col">Access</th>
    <th scope="col"><span class="visually-hidden">Actions</span></th>
  </tr></thead>
  <tbody>
  ${items.map(
    (t) => html`<tr data-token-id="${t.id}">
    <th scope="row" class="cell-name" data-label="Name">${t.name}</th>
    ${options.showOwner && html`<td data-label="Owner">${t.ownerName}</td>`}
    ${options.showOrg && html`<td data-label="Organization">${t.orgName}</td>`}
    <td data-label="Created">${timeOrDash(t.createdAt)}</td>
    <td data-label="Last used">${timeOrDash(t.lastUsedAt)}</td>
    <td data-label="Last IP">${t.lastIp ?? html`<span class="muted">None</span>`}</td>
    <td data-label="Expires">${timeOrDash(t.expiresAt)}${t.expiresAt !== null && t.expiresAt <= now && html` <span class="badge badge-danger">Expired</span>`}</td>
    <td data-label="Access">${t.access}</td>
    <td class="cell-actions"><a class="btn btn-sm btn-danger-outline" href="${options.basePath}/tokens/${t.id}/revoke?from=${options.revokeFrom}" aria-label="Revoke ${t.name}">Revoke</a></td>
  </tr>`,
  )}
  </tbody>
</table>
</div>`;
}
