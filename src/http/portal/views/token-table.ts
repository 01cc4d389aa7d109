/**
 * The API-token table (datagrid) shared by User preferences and Administration. On a narrow window each row
 * becomes a stacked card; the `data-label` attributes give the CSS the column names to show.
 *
 * Revoked, expired and replaced tokens stay listed until their retention ends: greyed (the row's class and a
 * status badge say it in words, not only in colour), with when and by whom, and without actions.
 */
import { html, plainText, type SafeHtml } from '../html.js';
import { tokenStatus, type TokenListItem, type TokenStatus } from '../token-queries.js';
import { listPlaceParams, type ListPlace } from '../return-path.js';
import { timeOrDash } from './components.js';
import { listUrl } from './paging.js';

/**
 * Which list a revoke started from, and so returns to: User preferences, every token in reach, that list narrowed
 * to the token's own organization (the provider's filter), or one user's tokens.
 */
export type RevokeOrigin = 'preferences' | 'tokens' | 'org-tokens' | 'user';

export interface TokenTableOptions {
  readonly basePath: string;
  readonly caption: string;
  readonly showOwner: boolean;
  readonly showOrg: boolean;
  readonly revokeFrom: RevokeOrigin;
  /** The page and search of a paged list, carried through the revoke so that it comes back to them. */
  readonly place?: ListPlace;
  readonly emptyText: string | SafeHtml;
  readonly now?: number;
  /** Whether live tokens of this list get a Regenerate action (the owner's own list, with the right to create). */
  readonly canRegenerate?: boolean;
  /** The id of the bulk revoke's form: live tokens get a checkbox that belongs to it (Administration's lists). */
  readonly selectFor?: string;
}

const BADGES: Record<TokenStatus, SafeHtml | ''> = {
  active: '',
  'expiring-soon': html` <span class="badge badge-warning">Expires soon</span>`,
  expired: html` <span class="badge badge-muted">Expired</span>`,
  revoked: html` <span class="badge badge-muted">Revoked</span>`,
  replaced: html` <span class="badge badge-muted">Replaced</span>`,
};

/**
 * Who or what revoked a token, in words: the user the store records (a revoke of that token by its owner or an
 * administrator), else what the audit trail says happened (token-queries.ts revocationCauses), else nothing beyond
 * when: the store does not say, and a guess would mislead.
 */
export function revokedHowText(t: Pick<TokenListItem, 'revokedBy' | 'revokedHow'>): string {
  if (t.revokedBy) return ` by ${t.revokedBy}`;
  const how = t.revokedHow;
  if (!how) return '';
  if (how.kind === 'holder') return ' by someone holding the token (OAuth revocation)';
  if (how.kind === 'idle')
    return how.days === null
      ? ", unused for longer than the organization's policy allows"
      : `, unused for ${how.days} days (the organization's policy)`;
  if (how.kind === 'password-changed') {
    return how.byOwner || how.actorName === ''
      ? ' when its owner changed the password'
      : plainText` when ${how.actorName} changed its owner's password`;
  }
  return how.actorName === '' ? " when its owner's account was disabled" : plainText` when ${how.actorName} disabled its owner's account`;
}

function endedNote(t: TokenListItem, status: TokenStatus): SafeHtml | '' {
  if (status === 'revoked') return html`<span class="token-ended">Revoked ${timeOrDash(t.revokedAt)}${revokedHowText(t)}</span>`;
  if (status === 'replaced')
    return html`<span class="token-ended">Replaced by a regenerated token; stopped ${timeOrDash(t.expiresAt)}</span>`;
  if (status === 'expired') return html`<span class="token-ended">Expired ${timeOrDash(t.expiresAt)}</span>`;
  return '';
}

export function tokenTable(items: readonly TokenListItem[], options: TokenTableOptions): SafeHtml {
  if (items.length === 0) return html`<p class="empty-state">${options.emptyText}</p>`;
  const now = options.now ?? Date.now();
  return html`<div class="datagrid-wrap">
<table class="datagrid datagrid-stack" data-testid="token-table">
  <caption class="visually-hidden">${options.caption}</caption>
  <thead><tr>
    ${options.selectFor && html`<th scope="col" class="cell-select"><span class="visually-hidden">Select</span></th>`}
    <th scope="col">Name</th>
    ${options.showOwner && html`<th scope="col">Owner</th>`}
    ${options.showOrg && html`<th scope="col">Organization</th>`}
    <th scope="col">Created</th>
    <th scope="col">Last used</th>
    <th scope="col">Last IP</th>
    <th scope="col">Expires</th>
    <th scope="col">Access</th>
    <th scope="col" class="cell-actions"><span class="visually-hidden">Actions</span></th>
  </tr></thead>
  <tbody>
  ${items.map((t) => {
    const status = tokenStatus(t, now);
    const ended = status === 'revoked' || status === 'expired' || status === 'replaced';
    const inGrace = t.replaced && !ended;
    return html`<tr data-token-id="${t.id}" data-status="${status}"${ended ? html` class="row-ended"` : ''}>
    ${options.selectFor && html`<td class="cell-select">${ended ? '' : html`<input type="checkbox" name="id" value="${t.id}" form="${options.selectFor}" aria-label="Select ${t.name}">`}</td>`}
    <th scope="row" class="cell-name" data-label="Name">${t.name}${BADGES[status]}${endedNote(t, status)}${inGrace && html`<span class="token-ended">Replaced by a regenerated token; works until its grace ends</span>`}</th>
    ${options.showOwner && html`<td data-label="Owner">${t.ownerName}</td>`}
    ${options.showOrg && html`<td data-label="Organization">${t.orgName}</td>`}
    <td data-label="Created">${timeOrDash(t.createdAt)}</td>
    <td data-label="Last used">${timeOrDash(t.lastUsedAt)}</td>
    <td data-label="Last IP">${t.lastIp ?? html`<span class="muted">None</span>`}</td>
    <td data-label="Expires">${timeOrDash(t.expiresAt)}</td>
    <td data-label="Access">${t.access}</td>
    <td class="cell-actions">${
      status === 'revoked'
        ? ''
        : html`${options.canRegenerate && !t.replaced && !ended && html`<a class="btn btn-sm btn-outline" href="${options.basePath}/tokens/${t.id}/regenerate" aria-label="Regenerate ${t.name}">Regenerate</a> `}${ended ? '' : html`<a class="btn btn-sm btn-danger-outline" href="${listUrl(`${options.basePath}/tokens/${t.id}/revoke`, { from: options.revokeFrom, ...listPlaceParams(options.place) })}" aria-label="Revoke ${t.name}">Revoke</a>`}`
    }</td>
  </tr>`;
  })}
  </tbody>
</table>
</div>`;
}
