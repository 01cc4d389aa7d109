/**
 * Administration > Service Accounts (VCD 10.4): the list, New, one account (edit role, revoke, delete), and
 * Access Requests, where an administrator grants or denies a pending device-flow request by its user code
 * (VCD's "device lookup"). Every action posts a form with `_csrf`; the routes call the ServiceAccountService.
 */
import { html, plainText, type HtmlValue, type SafeHtml } from '../html.js';
import { MAX_TOKEN_NAME_LENGTH } from '../../../auth/api-tokens.js';
import type { PageFrame } from './layout.js';
import { adminLayout } from './administration.js';
import { alert, confirmActions, csrfField, fieldState, note, pageHeading, timeOrDash } from './components.js';

export interface ServiceAccountItem {
  readonly id: string;
  readonly name: string;
  readonly roleId: string;
  readonly roleName: string;
  /** CREATED, REQUESTED, GRANTED or ACTIVE (as the cloudapi shows it). */
  readonly status: string;
  readonly softwareId: string;
  readonly softwareVersion: string | null;
  readonly uri: string | null;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly lastIps: readonly string[];
  /** When an active account's authorization ends (its org's lifetime policy); null: no limit. */
  readonly authorizedUntil: number | null;
  /** For pending requests: when the user code expires. */
  readonly requestExpiresAt: number | null;
}

export interface RoleOption {
  readonly id: string;
  readonly name: string;
}

export type Message = { kind: 'success' | 'danger'; text: string } | null;

const STATUS_LABEL: Record<string, string> = { CREATED: 'Created', REQUESTED: 'Requested', GRANTED: 'Granted', ACTIVE: 'Active' };

function statusBadge(status: string): SafeHtml {
  const label = STATUS_LABEL[status] ?? status;
  if (status === 'ACTIVE') return html`<span class="badge badge-success">${label}</span>`;
  return html`<span class="badge">${label}</span>`;
}

function message(m: Message): HtmlValue {
  return m && alert(m.kind, m.text, m.kind === 'danger' ? 'form-error' : undefined);
}

export function serviceAccountsPage(
  frame: PageFrame,
  input: { accounts: readonly ServiceAccountItem[]; orgName: string; canManage: boolean; message: Message },
): SafeHtml {
  const base = frame.org!.basePath;
  return adminLayout(
    frame,
    'Service Accounts',
    'serviceAccounts',
    html`${pageHeading('Service Accounts', `Service accounts of ${input.orgName}`)}
${message(input.message)}
${input.canManage && html`<p class="toolbar"><a class="btn btn-primary" href="${base}/administration/serviceAccounts/new">New</a></p>`}
${
  input.accounts.length === 0
    ? html`<p class="empty-state">No service accounts.</p>`
    : html`<div class="datagrid-wrap">
<table class="datagrid datagrid-stack" data-testid="service-accounts-table">
  <caption class="visually-hidden">Service accounts</caption>
  <thead><tr>
    <th scope="col">Name</th>
    <th scope="col">Role</th>
    <th scope="col">Status</th>
    <th scope="col">Software ID</th>
    <th scope="col">Last used</th>
  </tr></thead>
  <tbody>
  ${input.accounts.map(
    (a) => html`<tr data-service-account-id="${a.id}">
    <th scope="row" class="cell-name" data-label="Name"><a href="${base}/administration/serviceAccounts/${a.id}">${a.name}</a></th>
    <td data-label="Role">${a.roleName}</td>
    <td data-label="Status">${statusBadge(a.status)}</td>
    <td data-label="Software ID"><code>${a.softwareId}</code></td>
    <td data-label="Last used">${timeOrDash(a.lastUsedAt)}${a.lastIps[0] && html` from ${a.lastIps[0]}`}</td>
  </tr>`,
  )}
  </tbody>
</table>
</div>`
}`,
  );
}

/** The New service account form's fields an error can be about. */
export type NewServiceAccountField = 'name' | 'role' | 'softwareId' | 'softwareVersion' | 'uri';

export function newServiceAccountPage(
  frame: PageFrame,
  input: {
    roles: readonly RoleOption[];
    values: { name: string; roleId: string; softwareId: string; softwareVersion: string; uri: string };
    error: string | null;
    /** The field the error is about (focus, aria-invalid, the error as its description); the name by default. */
    errorField?: NewServiceAccountField | null;
  },
): SafeHtml {
  const base = frame.org!.basePath;
  const v = input.values;
  const inError: NewServiceAccountField | null = input.error ? (input.errorField ?? 'name') : null;
  const state = (field: NewServiceAccountField, help?: string) =>
    fieldState(field, { inError, errorId: 'form-error', help, first: 'name' });
  // No role is preselected: an administrator who did not look granted whichever role sorted first (until 2026-12-07).
  // The placeholder is disabled, so it is never sent; a post without a role gets "Choose a role." (routes/service-accounts.ts).
  const chosenRole = input.roles.find((r) => r.id === v.roleId.toLowerCase());
  return adminLayout(
    frame,
    'New service account',
    'serviceAccounts',
    html`
${pageHeading('New service account')}
<section class="card card-form">
  ${input.error && alert('danger', input.error, 'form-error')}
  <form method="post" action="${base}/administration/serviceAccounts" class="form-stack" novalidate>
    ${csrfField(frame.csrfToken)}
    <div class="field">
      <label for="sa-name">Name</label>
      <input id="sa-name" name="name" type="text" required maxlength="${MAX_TOKEN_NAME_LENGTH}" autocomplete="off" spellcheck="false" value="${v.name}"${state('name')}>
    </div>
    <div class="field">
      <label for="sa-role">Role</label>
      <select id="sa-role" name="role" required${state('role', 'sa-role-help')}>
        <option value="" disabled${chosenRole ? '' : html` selected`}>Choose a role</option>
        ${input.roles.map((r) => html`<option value="${r.id}"${r.id === chosenRole?.id ? html` selected` : ''}>${r.name}</option>`)}
      </select>
      <p class="field-help" id="sa-role-help">The account acts with this role in the organization. Only roles whose every right you hold are offered.</p>
    </div>
    <div class="field">
      <label for="sa-software-id">Software ID</label>
      <input id="sa-software-id" name="softwareId" type="text" required autocomplete="off" spellcheck="false" value="${v.softwareId}"${state('softwareId', 'sa-software-id-help')}>
      <p class="field-help" id="sa-software-id-help">A UUID identifying the software that will use the account.</p>
    </div>
    <div class="field">
      <label for="sa-software-version">Software version <span class="optional">(optional)</span></label>
      <input id="sa-software-version" name="softwareVersion" type="text" autocomplete="off" value="${v.softwareVersion}"${state('softwareVersion')}>
    </div>
    <div class="field">
      <label for="sa-uri">URI <span class="optional">(optional)</span></label>
      <input id="sa-uri" name="uri" type="text" autocomplete="off" spellcheck="false" value="${v.uri}"${state('uri')}>
    </div>
    <div class="form-actions">
      <button type="submit" class="btn btn-primary">Create</button>
      <a class="btn btn-link" href="${base}/administration/serviceAccounts">Cancel</a>
    </div>
  </form>
</section>`,
    [
      { label: 'Home', href: `${base}/` },
      { label: 'Administration', href: `${base}/administration` },
      { label: 'Service Accounts', href: `${base}/administration/serviceAccounts` },
      { label: 'New' },
    ],
  );
}

export function serviceAccountPage(
  frame: PageFrame,
  input: { account: ServiceAccountItem; orgName: string; roles: readonly RoleOption[]; canManage: boolean; message: Message },
): SafeHtml {
  const base = frame.org!.basePath;
  const a = input.account;
  const action = (what: string) => `${base}/administration/serviceAccounts/${a.id}/${what}`;
  // Revoke and Delete are links to a confirmation page, as a token's Revoke (until 2026-12-05 one-click forms).
  return adminLayout(
    frame,
    plainText`Service account ${a.name}`,
    'serviceAccounts',
    html`
${pageHeading(a.name, plainText`Service account of ${input.orgName}`)}
${message(input.message)}
<section class="card">
  <dl class="properties">
    <dt>Status</dt><dd>${statusBadge(a.status)}</dd>
    <dt>Role</dt><dd>${a.roleName}</dd>
    <dt>Client ID</dt><dd><code>${a.id}</code></dd>
    <dt>Software ID</dt><dd><code>${a.softwareId}</code></dd>
    <dt>Software version</dt><dd>${a.softwareVersion ?? html`<span class="muted">None</span>`}</dd>
    <dt>URI</dt><dd>${a.uri ?? html`<span class="muted">None</span>`}</dd>
    <dt>Created</dt><dd>${timeOrDash(a.createdAt)}</dd>
    <dt>Last used</dt><dd>${timeOrDash(a.lastUsedAt)}${a.lastIps.length > 0 && html` from ${a.lastIps.join(', ')}`}</dd>
    <dt>Authorization ends</dt><dd>${a.status === 'ACTIVE' && a.authorizedUntil !== null ? timeOrDash(a.authorizedUntil) : html`<span class="muted">${a.status === 'ACTIVE' ? 'Never (no lifetime policy)' : 'Not authorized'}</span>`}</dd>
  </dl>
</section>
${
  input.canManage &&
  html`<section class="card card-form" aria-labelledby="sa-role-title">
  <h2 id="sa-role-title" class="card-title">Role</h2>
  <form method="post" action="${action('role')}" class="form-stack">
    ${csrfField(frame.csrfToken)}
    <div class="field">
      <label for="sa-role">Role</label>
      <select id="sa-role" name="role">
        ${input.roles.map((r) => html`<option value="${r.id}"${r.id === a.roleId ? html` selected` : ''}>${r.name}</option>`)}
      </select>
    </div>
    <div class="form-actions"><button type="submit" class="btn btn-primary">Save role</button></div>
  </form>
</section>
<section class="card card-form" aria-labelledby="sa-danger-title">
  ${
    a.status === 'CREATED'
      ? html`<h2 id="sa-danger-title" class="card-title">Delete</h2>
  <p class="card-text">The account has no access to revoke: it has not been authorized since it was created or last revoked. Deleting removes it.</p>
  <div class="form-actions">
    <a class="btn btn-danger" href="${action('delete')}">Delete</a>
  </div>`
      : html`<h2 id="sa-danger-title" class="card-title">Revoke or delete</h2>
  <p class="card-text">Revoking ends every refresh token and session of the account; it must be authorized again. Deleting removes it.</p>
  <div class="form-actions">
    <a class="btn btn-danger-outline" href="${action('revoke')}">Revoke</a>
    <a class="btn btn-danger" href="${action('delete')}">Delete</a>
  </div>`
  }
</section>`
}`,
    [
      { label: 'Home', href: `${base}/` },
      { label: 'Administration', href: `${base}/administration` },
      { label: 'Service Accounts', href: `${base}/administration/serviceAccounts` },
      { label: a.name },
    ],
  );
}

/** Revoke or Delete of one account: what stops, what cannot be undone, Cancel focused (as a token's Revoke). */
export function serviceAccountConfirmPage(
  frame: PageFrame,
  input: { account: ServiceAccountItem; orgName: string; what: 'revoke' | 'delete' },
): SafeHtml {
  const base = frame.org!.basePath;
  const a = input.account;
  const accountHref = `${base}/administration/serviceAccounts/${a.id}`;
  const revoke = input.what === 'revoke';
  const title = revoke ? 'Revoke service account' : 'Delete service account';
  const warning = revoke
    ? 'Its refresh tokens and every session opened with them stop working at once, and the software must ask for access again (a new grant under Access Requests). The account itself stays.'
    : 'Its refresh tokens and every session opened with them stop working at once, and the account is removed. This cannot be undone: the software needs a new account and a new grant.';
  return adminLayout(
    frame,
    plainText`${title} ${a.name}`,
    'serviceAccounts',
    html`${pageHeading(title, plainText`Service account of ${input.orgName}`)}
<section class="card card-form" aria-labelledby="confirm-title">
  <h2 id="confirm-title" class="card-title">${revoke ? 'Revoke' : 'Delete'} <span class="token-name">${a.name}</span>?</h2>
  ${note('danger', warning, 'confirm-warning')}
  <dl class="properties">
    <dt>Status</dt><dd>${statusBadge(a.status)}</dd>
    <dt>Role</dt><dd>${a.roleName}</dd>
    <dt>Software ID</dt><dd><code>${a.softwareId}</code></dd>
    <dt>Last used</dt><dd>${timeOrDash(a.lastUsedAt)}${a.lastIps[0] && html` from ${a.lastIps[0]}`}</dd>
  </dl>
  ${confirmActions({ action: `${accountHref}/${input.what}`, csrfToken: frame.csrfToken, label: revoke ? 'Revoke' : 'Delete', cancelHref: accountHref })}
</section>`,
    [
      { label: 'Home', href: `${base}/` },
      { label: 'Administration', href: `${base}/administration` },
      { label: 'Service Accounts', href: `${base}/administration/serviceAccounts` },
      { label: a.name, href: accountHref },
      { label: revoke ? 'Revoke' : 'Delete' },
    ],
  );
}

export function accessRequestsPage(
  frame: PageFrame,
  input: { pending: readonly ServiceAccountItem[]; orgName: string; canManage: boolean; userCode: string; message: Message },
): SafeHtml {
  const base = frame.org!.basePath;
  // A refused lookup is about the form's one field, the user code: it stands in the form's card and marks the field
  // (the New service account form's convention); a success notice stays at the top of the page.
  const lookupError = input.canManage && input.message?.kind === 'danger' ? input.message.text : null;
  return adminLayout(
    frame,
    'Access Requests',
    'accessRequests',
    html`${pageHeading('Access Requests', `Service accounts of ${input.orgName} waiting for authorization`)}
${!lookupError && message(input.message)}
${
  input.canManage &&
  html`<section class="card card-form" aria-labelledby="lookup-title">
  <h2 id="lookup-title" class="card-title">Device lookup</h2>
  ${lookupError && alert('danger', lookupError, 'form-error')}
  <form method="post" action="${base}/administration/accessRequests" class="form-stack" novalidate>
    ${csrfField(frame.csrfToken)}
    <div class="field">
      <label for="user-code">User code</label>
      <input id="user-code" name="userCode" type="text" required autocomplete="off" spellcheck="false" value="${input.userCode}"${fieldState('userCode', { inError: lookupError ? 'userCode' : null, errorId: 'form-error', help: 'user-code-help', first: 'userCode' })}>
      <p class="field-help" id="user-code-help">The code the software showed when it asked for access, e.g. BCDF-GHJK. Granting gives it the account's role.</p>
    </div>
    <div class="form-actions">
      <button type="submit" name="decision" value="grant" class="btn btn-primary">Grant</button>
      <button type="submit" name="decision" value="deny" class="btn btn-danger-outline">Deny</button>
    </div>
  </form>
</section>`
}
${
  input.pending.length === 0
    ? html`<p class="empty-state">No pending requests.</p>`
    : html`<div class="datagrid-wrap">
<table class="datagrid datagrid-stack" data-testid="access-requests-table">
  <caption class="visually-hidden">Pending access requests</caption>
  <thead><tr>
    <th scope="col">Service account</th>
    <th scope="col">Role</th>
    <th scope="col">Software ID</th>
    <th scope="col">Expires</th>
  </tr></thead>
  <tbody>
  ${input.pending.map(
    (a) => html`<tr data-service-account-id="${a.id}">
    <th scope="row" class="cell-name" data-label="Service account"><a href="${base}/administration/serviceAccounts/${a.id}">${a.name}</a></th>
    <td data-label="Role">${a.roleName}</td>
    <td data-label="Software ID"><code>${a.softwareId}</code></td>
    <td data-label="Expires">${timeOrDash(a.requestExpiresAt)}</td>
  </tr>`,
  )}
  </tbody>
</table>
</div>`
}`,
  );
}
