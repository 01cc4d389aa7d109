/**
 * Administration > Audit Trail, API Token Policy and (the provider's) Organizations (issues 12 and 14).
 */
import { html, plainText, type SafeHtml } from '../html.js';
import type { PageFrame } from './layout.js';
import { alert, csrfField, fieldState, pageHeading, searchBar, timeOrDash } from './components.js';
import { adminLayout } from './administration.js';
import { listUrl, pagination } from './paging.js';
import { counted } from '../../../domain/counted.js';
import { ORG_PAGE_SIZE } from '../org-queries.js';
import { MAX_POLICY_DAYS } from '../../../auth/api-token-policy.js';

const adminCrumbs = (base: string) => [
  { label: 'Home', href: `${base}/` },
  { label: 'Administration', href: `${base}/administration` },
];

// ------------------------------------------------------------------ audit trail

export interface AuditFilters {
  readonly who: string;
  readonly what: string;
  readonly from: string;
  readonly to: string;
  readonly outcome: string;
}

export interface AuditItem {
  readonly at: number;
  readonly type: string;
  readonly outcome: string;
  readonly actor: string | null;
  readonly org: string | null;
  readonly ip: string | null;
  readonly details: string;
}

export const AUDIT_PAGE_SIZE = 50;

export function auditPage(
  frame: PageFrame,
  input: {
    filters: AuditFilters;
    items: readonly AuditItem[];
    total: number;
    page: number;
    error: string | null;
    /** The date field the error is about, marked invalid and focused. */
    invalidField?: 'from' | 'to' | null;
  },
): SafeHtml {
  const dateState = (field: 'from' | 'to') =>
    fieldState<'from' | 'to' | 'none'>(field, {
      inError: input.invalidField ?? null,
      errorId: 'form-error',
      help: 'audit-date-help',
      first: 'none',
    });
  const base = frame.org!.basePath;
  const f = input.filters;
  const params = { who: f.who, what: f.what, from: f.from, to: f.to, outcome: f.outcome };
  const href = (page: number) => listUrl(`${base}/administration/audit`, { ...params, page: page === 1 ? null : page });
  return adminLayout(
    frame,
    'Audit Trail',
    'audit',
    html`${pageHeading('Audit Trail', 'Who did what, when, and with what outcome. Times are in your time zone (User preferences).')}
${input.error && alert('danger', input.error, 'form-error')}
<form method="get" action="${base}/administration/audit" class="filter-bar" role="search" aria-label="Audit events">
  <span class="filter-pair"><label for="audit-who">Who</label>
  <input id="audit-who" name="who" type="search" value="${f.who}" maxlength="128" autocomplete="off"></span>
  <span class="filter-pair"><label for="audit-what">What</label>
  <input id="audit-what" name="what" type="search" value="${f.what}" maxlength="128" autocomplete="off" placeholder="user.created"></span>
  <span class="filter-pair"><label for="audit-from">From (${frame.timeZone ?? 'UTC'})</label>
  <input id="audit-from" name="from" type="text" pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}" maxlength="10" placeholder="YYYY-MM-DD" autocomplete="off" class="input-date" value="${f.from}"${dateState('from')}></span>
  <span class="filter-pair"><label for="audit-to">To (${frame.timeZone ?? 'UTC'})</label>
  <input id="audit-to" name="to" type="text" pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}" maxlength="10" placeholder="YYYY-MM-DD" autocomplete="off" class="input-date" value="${f.to}"${dateState('to')}></span>
  <span id="audit-date-help" class="visually-hidden">Dates as YYYY-MM-DD; both days included.</span>
  <span class="filter-pair"><label for="audit-outcome">Outcome</label>
  <select id="audit-outcome" name="outcome">
    <option value="">Any</option>
    <option value="success"${f.outcome === 'success' ? html` selected` : ''}>Success</option>
    <option value="failure"${f.outcome === 'failure' ? html` selected` : ''}>Failure</option>
  </select></span>
  <button type="submit" class="btn btn-sm btn-primary">Filter</button>
  <a class="btn btn-sm btn-outline" href="${listUrl(`${base}/administration/audit/export`, params)}" download>Export as JSON Lines</a>
</form>
${
  input.items.length === 0
    ? input.total > 0
      ? '' // past the last page: the pagination below says so (paging.ts)
      : html`<p class="empty-state">No events.</p>`
    : html`<div class="datagrid-wrap">
<table class="datagrid datagrid-stack" data-testid="audit-table">
  <caption class="visually-hidden">Audit events</caption>
  <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Outcome</th><th scope="col">Who</th><th scope="col">Organization</th><th scope="col">IP</th><th scope="col">Details</th></tr></thead>
  <tbody>
  ${input.items.map(
    (e) => html`<tr>
    <th scope="row" data-label="When">${timeOrDash(e.at)}</th>
    <td data-label="What">${e.type}</td>
    <td data-label="Outcome">${e.outcome === 'success' ? html`<span class="badge badge-success">Success</span>` : html`<span class="badge badge-danger">Failure</span>`}</td>
    <td data-label="Who">${e.actor ?? html`<span class="muted">None</span>`}</td>
    <td data-label="Organization">${e.org ?? ''}</td>
    <td data-label="IP">${e.ip ?? ''}</td>
    <td data-label="Details"><code>${e.details}</code></td>
  </tr>`,
  )}
  </tbody>
</table>
</div>`
}
${pagination({ page: input.page, pageSize: AUDIT_PAGE_SIZE, total: input.total }, href, 'events')}`,
  );
}

// ------------------------------------------------------------------ token policy

/**
 * The policy form's state, on the org's own policy page and on the provider's page of an org: the values shown (what
 * was typed, after an error) and the field an error is about.
 */
export interface PolicyFormState {
  readonly lifetime: string;
  readonly idle: string;
  readonly errorField: PolicyField | null;
  /** The installation's ceilings (TESSERA_MAX_TOKEN_LIFETIME_DAYS, TESSERA_MAX_TOKEN_IDLE_DAYS), or null. */
  readonly ceiling: number | null;
  readonly idleCeiling: number | null;
}

export type PolicyField = 'days' | 'idle';

export function tokenPolicyPage(
  frame: PageFrame,
  input: {
    orgName: string;
    maxLifetimeDays: number | null;
    maxIdleDays: number | null;
    form: PolicyFormState;
    canChange: boolean;
    action: string;
    notice: string | null;
    error: string | null;
  },
): SafeHtml {
  const f = input.form;
  return adminLayout(
    frame,
    'API Token Policy',
    'tokenPolicy',
    html`${pageHeading('API Token Policy', `How long an API token of ${input.orgName} may live, and how long it may go unused`)}
${input.notice && alert('success', input.notice)}
<section class="card card-form" aria-labelledby="policy-title">
  <h2 id="policy-title" class="card-title">Maximum lifetime and idle limit</h2>
  <p data-testid="token-policy-current">${policySentence(input.maxLifetimeDays, f.ceiling)} Existing tokens keep their expiry.</p>
  <p data-testid="token-policy-idle">${idleSentence(input.maxIdleDays, f.idleCeiling)}</p>
  ${
    input.canChange &&
    html`${input.error && alert('danger', input.error, 'form-error')}
  <form method="post" action="${input.action}" class="form-stack" novalidate>
    ${csrfField(frame.csrfToken)}
    ${policyFields(f)}
    <div class="form-actions"><button type="submit" class="btn btn-primary">Save policy</button></div>
  </form>`
  }
</section>`,
    [...adminCrumbs(frame.org!.basePath), { label: 'API Token Policy' }],
  );
}

/**
 * The policy's two fields. The one an error is about (the form's error, id form-error, describes it) is marked and
 * takes the focus.
 */
function policyFields(f: PolicyFormState): SafeHtml {
  const state = (field: PolicyField, help: string) =>
    fieldState(field, { inError: f.errorField, errorId: 'form-error', help, first: f.errorField ?? 'none' });
  const maxDays = f.ceiling ?? MAX_POLICY_DAYS;
  const maxIdle = f.idleCeiling ?? MAX_POLICY_DAYS;
  return html`<div class="field">
      <label for="policy-days">Maximum lifetime in days${f.ceiling === null ? html` <span class="optional">(empty for no limit)</span>` : ''}</label>
      <input id="policy-days" name="maxLifetimeDays" type="number" min="1" max="${maxDays}" step="1" inputmode="numeric" value="${f.lifetime}"${f.ceiling === null ? '' : html` required`}${state('days', 'policy-days-help')}>
      <p class="field-help" id="policy-days-help">A whole number from 1 to ${maxDays}.${f.ceiling === null ? '' : ` This installation allows API tokens at most ${f.ceiling} days.`}</p>
    </div>
    <div class="field">
      <label for="policy-idle-days">Revoke tokens unused for, in days${f.idleCeiling === null ? html` <span class="optional">(empty for never)</span>` : ''}</label>
      <input id="policy-idle-days" name="maxIdleDays" type="number" min="1" max="${maxIdle}" step="1" inputmode="numeric" value="${f.idle}"${f.idleCeiling === null ? '' : html` required`}${state('idle', 'policy-idle-help')}>
      <p class="field-help" id="policy-idle-help">A whole number from 1 to ${maxIdle}. A token not exchanged for a session for this long is revoked, existing tokens included.${f.idleCeiling === null ? '' : ` This installation revokes API tokens unused for ${f.idleCeiling} days at most.`}</p>
    </div>`;
}

const plural = (n: number) => `${n} ${n === 1 ? 'day' : 'days'}`;

/** What the org's policy means for a new token, within the installation's ceiling. */
function policySentence(days: number | null, ceiling: number | null): string {
  if (days === null && ceiling === null) return 'No limit: tokens may be created without an expiry.';
  if (days === null)
    return `No limit of this organization's own; this installation allows at most ${plural(ceiling!)}: a token created without an expiry gets one at that limit, and a later expiry is refused.`;
  return `${plural(days)}: a token created without an expiry gets one at this limit, and a later expiry is refused.`;
}

/** What the idle limit does, within the installation's ceiling. */
function idleSentence(days: number | null, ceiling: number | null): string {
  const effective = days === null ? ceiling : ceiling === null ? days : Math.min(days, ceiling);
  if (effective === null) return 'Unused tokens are kept: a token that is never used keeps working until it expires or is revoked.';
  const own = days === null ? "No idle limit of this organization's own; this installation's: " : '';
  return `${own}a token not used for ${plural(effective)} (or, never used, not used since it was created) is revoked within the hour after; its owner sees why in the token list.`;
}

// ------------------------------------------------------------------ organizations (provider)

export interface OrgItem {
  readonly id: string;
  readonly name: string;
  readonly fullName: string;
  readonly enabled: boolean;
  readonly system: boolean;
  readonly users: number;
  readonly vdcs: number;
  readonly vms: number;
}

export const ORG_DONE_NOTICES: Readonly<Record<string, string>> = {
  created: 'The organization was created, with its predefined roles.',
  disabled: "The organization was disabled: its users' sessions ended.",
  enabled: 'The organization was enabled. Its users can sign in again.',
  deleted: 'The organization was deleted.',
  gone: 'That organization no longer exists: it was deleted, perhaps from another tab or by another administrator.',
  'policy-saved': 'The API token policy was saved.',
};

export function orgsPage(
  frame: PageFrame,
  input: { orgs: readonly OrgItem[]; total: number; page: number; search: string; notice: string | null },
): SafeHtml {
  const base = frame.org!.basePath;
  const href = (page: number) => listUrl(`${base}/administration/orgs`, { search: input.search, page: page === 1 ? null : page });
  return adminLayout(
    frame,
    'Organizations',
    'orgs',
    html`<div class="card-header-row">${pageHeading('Organizations', 'Every organization of this installation')}<a class="btn btn-primary" href="${base}/administration/orgs/new">New organization</a></div>
${input.notice && alert('success', input.notice)}
${searchBar({ path: `${base}/administration/orgs`, ariaLabel: 'Organizations', inputId: 'org-search', label: 'Name or full name', search: input.search })}
${
  input.orgs.length === 0
    ? input.total > 0
      ? '' // past the last page: the pagination below says so (paging.ts)
      : html`<p class="empty-state">${input.search !== '' ? 'No organizations match.' : 'No organizations.'}</p>`
    : html`<div class="datagrid-wrap">
<table class="datagrid datagrid-stack" data-testid="orgs-table">
  <caption class="visually-hidden">Organizations, by name</caption>
  <thead><tr><th scope="col" aria-sort="ascending">Name</th><th scope="col">Full name</th><th scope="col">Status</th><th scope="col">Users</th><th scope="col">VDCs</th><th scope="col">VMs</th></tr></thead>
  <tbody>
  ${input.orgs.map(
    (o) => html`<tr>
    <th scope="row" data-label="Name"><a class="cell-name" href="${base}/administration/orgs/${o.id}">${o.name}</a></th>
    <td data-label="Full name">${o.fullName}</td>
    <td data-label="Status">${o.enabled ? html`<span class="badge badge-success">Enabled</span>` : html`<span class="badge">Disabled</span>`}</td>
    <td data-label="Users">${o.users}</td>
    <td data-label="VDCs">${o.vdcs}</td>
    <td data-label="VMs">${o.vms.toLocaleString('en-US')}</td>
  </tr>`,
  )}
  </tbody>
</table>
</div>`
}
${pagination({ page: input.page, pageSize: ORG_PAGE_SIZE, total: input.total }, href, 'organizations')}`,
    [...adminCrumbs(base), { label: 'Organizations' }],
  );
}

const orgsCrumbs = (base: string) => [...adminCrumbs(base), { label: 'Organizations', href: `${base}/administration/orgs` }];

/** The New organization form's fields an error can be about. */
export type NewOrgField = 'name' | 'fullName' | 'description';

export function newOrgPage(
  frame: PageFrame,
  input: {
    values: { name: string; fullName: string; description: string };
    error: string | null;
    /** The field the error is about (focus, aria-invalid, the error as its description); the name by default. */
    errorField?: NewOrgField | null;
  },
): SafeHtml {
  const base = frame.org!.basePath;
  const v = input.values;
  const inError: NewOrgField | null = input.error ? (input.errorField ?? 'name') : null;
  const state = (field: NewOrgField, help?: string) => fieldState(field, { inError, errorId: 'form-error', help, first: 'name' });
  return adminLayout(
    frame,
    'New organization',
    'orgs',
    html`${pageHeading('New organization')}
<section class="card card-form">
  ${input.error && alert('danger', input.error, 'form-error')}
  <form method="post" action="${base}/administration/orgs" class="form-stack" novalidate>
    ${csrfField(frame.csrfToken)}
    <div class="field">
      <label for="org-name">Name</label>
      <input id="org-name" name="name" type="text" required maxlength="128" autocomplete="off" spellcheck="false" value="${v.name}"${state('name', 'org-name-help')}>
      <p class="field-help" id="org-name-help">Letters, digits, "-", "_" and ".": it is part of the organization's URLs (/tenant/name).</p>
    </div>
    <div class="field">
      <label for="org-full-name">Full name</label>
      <input id="org-full-name" name="fullName" type="text" required maxlength="1024" autocomplete="off" value="${v.fullName}"${state('fullName')}>
    </div>
    <div class="field">
      <label for="org-description">Description <span class="optional">(optional)</span></label>
      <input id="org-description" name="description" type="text" maxlength="1024" autocomplete="off" value="${v.description}"${state('description')}>
    </div>
    <div class="form-actions"><button type="submit" class="btn btn-primary">Create</button><a class="btn btn-link" href="${base}/administration/orgs">Cancel</a></div>
  </form>
</section>`,
    [...orgsCrumbs(base), { label: 'New organization' }],
  );
}

type DeleteField = 'confirmName' | 'recursive' | 'force';

/**
 * A refused action on the provider's page of an org, shown in the card of the form that was sent, on the field it
 * is about, with what was typed: a Disable or Enable (at the top), the token policy, or the delete.
 */
export type OrgPageError =
  | { form: 'state'; text: string }
  | { form: 'tokenPolicy'; text: string; policyForm: PolicyFormState }
  | { form: 'delete'; text: string; field: DeleteField | null; typed: string; recursive: boolean; force: boolean };

export function orgDetailPage(
  frame: PageFrame,
  input: {
    org: OrgItem & { description: string; deployedVapps: number };
    /** The token policy's form: the saved values, or what was typed and the field in error. */
    policyForm: PolicyFormState;
    users: ReadonlyArray<{ id: string; name: string; fullName: string; roleName: string; enabled: boolean }>;
    usersTotal: number;
    notice: string | null;
    error: OrgPageError | null;
  },
): SafeHtml {
  const base = frame.org!.basePath;
  const o = input.org;
  const error = input.error;
  const formError = (form: OrgPageError['form']) => error?.form === form && alert('danger', error.text, 'form-error');
  const deleteError = error?.form === 'delete' ? error : null;
  const deleteState = (field: DeleteField) =>
    deleteError ? fieldState(field, { inError: deleteError.field, errorId: 'form-error', first: 'confirmName' }) : '';
  const action = (what: string) => `${base}/administration/orgs/${o.id}/${what}`;
  return adminLayout(
    frame,
    plainText`Organization ${o.name}`,
    'orgs',
    html`${pageHeading(o.name, o.fullName)}
${input.notice && alert('success', input.notice)}
${formError('state')}
<section class="card" aria-labelledby="org-properties">
  <h2 id="org-properties" class="card-title">Properties</h2>
  <dl class="properties">
    <dt>Status</dt><dd>${o.enabled ? html`<span class="badge badge-success">Enabled</span>` : html`<span class="badge">Disabled</span>`}</dd>
    <dt>Description</dt><dd>${o.description || html`<span class="muted">None</span>`}</dd>
    <dt>Portal</dt><dd>${o.system ? '/provider' : `/tenant/${o.name}`}</dd>
    <dt>Contents</dt><dd>${counted(o.users, 'users')}, ${counted(o.vdcs, 'VDCs')}, ${counted(o.vms, 'VMs')}</dd>
  </dl>
  ${
    !o.system &&
    html`<div class="actions-row">
    ${
      o.enabled
        ? html`<form method="post" action="${action('disable')}">${csrfField(frame.csrfToken)}<button type="submit" class="btn btn-danger-outline">Disable</button></form>`
        : html`<form method="post" action="${action('enable')}">${csrfField(frame.csrfToken)}<button type="submit" class="btn btn-outline">Enable</button></form>`
    }
    <a class="btn btn-outline" href="${base}/administration/users/new?org=${encodeURIComponent(o.name)}">New user in ${o.name}</a>
  </div>`
  }
</section>
<section class="card card-form" aria-labelledby="org-policy">
  <h2 id="org-policy" class="card-title">API token policy</h2>
  ${formError('tokenPolicy')}
  <form method="post" action="${action('tokenPolicy')}" class="form-stack" novalidate>
    ${csrfField(frame.csrfToken)}
    ${policyFields(input.policyForm)}
    <div class="form-actions"><button type="submit" class="btn btn-primary">Save policy</button></div>
  </form>
</section>
<section class="card" aria-labelledby="org-users">
  <h2 id="org-users" class="card-title">Users</h2>
  ${
    input.users.length === 0
      ? html`<p class="muted">No users.</p>`
      : html`<div class="datagrid-wrap"><table class="datagrid datagrid-stack" data-testid="org-users-table">
    <caption class="visually-hidden">Users of ${o.name}</caption>
    <thead><tr><th scope="col">User name</th><th scope="col">Full name</th><th scope="col">Role</th><th scope="col">Status</th></tr></thead>
    <tbody>${input.users.map(
      (u) =>
        html`<tr><th scope="row" data-label="User name"><a href="${base}/administration/users/${u.id}">${u.name}</a></th><td data-label="Full name">${u.fullName}</td><td data-label="Role">${u.roleName}</td><td data-label="Status">${u.enabled ? 'Enabled' : 'Disabled'}</td></tr>`,
    )}</tbody>
  </table></div>`
  }
  ${input.usersTotal > input.users.length && html`<p><a href="${listUrl(`${base}/administration/users`, { search: '' })}">All ${input.usersTotal} users</a></p>`}
</section>
${
  !o.system &&
  html`<section class="card card-form danger-zone" aria-labelledby="org-delete">
  <h2 id="org-delete" class="card-title">Delete</h2>
  <p class="card-text">An organization must be disabled first. While it holds users, VDCs or vApps, deleting also deletes them (recursive); deployed vApps also need "force". Type the organization's name to confirm.</p>
  ${formError('delete')}
  <form method="post" action="${action('delete')}" class="form-stack" novalidate>
    ${csrfField(frame.csrfToken)}
    <div class="field">
      <label for="delete-confirm">Organization name</label>
      <input id="delete-confirm" name="confirmName" type="text" required maxlength="128" autocomplete="off" spellcheck="false" value="${deleteError?.typed ?? ''}"${deleteState('confirmName')}>
    </div>
    <div class="field-check"><input id="delete-recursive" name="recursive" type="checkbox" value="on"${deleteError?.recursive ? html` checked` : ''}${deleteState('recursive')}><label for="delete-recursive">Also delete its users, VDCs and vApps (recursive)</label></div>
    <div class="field-check"><input id="delete-force" name="force" type="checkbox" value="on"${deleteError?.force ? html` checked` : ''}${deleteState('force')}><label for="delete-force">Also delete deployed vApps (force)</label></div>
    <div class="form-actions"><button type="submit" class="btn btn-danger">Delete organization</button></div>
  </form>
</section>`
}`,
    [...orgsCrumbs(base), { label: o.name }],
  );
}
