/**
 * Administration > Users (issue 14 §2): the list (search, paging), one user's page with what an administrator
 * does every day (disable and enable, unlock, reset two-factor authentication, set a password), and New user.
 * Every action is a POST form with the session's CSRF token; what is allowed is decided by IdentityAdmin.
 */
import { html, plainText, type SafeHtml } from '../html.js';
import type { PageFrame } from './layout.js';
import { alert, confirmActions, csrfField, fieldState, note, pageHeading, searchBar, timeOrDash } from './components.js';
import { adminLayout } from './administration.js';
import { listUrl, pagination } from './paging.js';
import { USER_PAGE_SIZE, type UserRow } from '../user-queries.js';

const usersCrumbs = (base: string) => [
  { label: 'Home', href: `${base}/` },
  { label: 'Administration', href: `${base}/administration` },
  { label: 'Users', href: `${base}/administration/users` },
];

function statusBadges(u: Pick<UserRow, 'enabled' | 'lockedUntil'>): SafeHtml {
  return html`${u.enabled ? html`<span class="badge badge-success">Enabled</span>` : html`<span class="badge">Disabled</span>`}${u.lockedUntil !== null ? html` <span class="badge badge-danger">Locked</span>` : ''}`;
}

export function usersPage(
  frame: PageFrame,
  input: {
    users: readonly UserRow[];
    total: number;
    page: number;
    search: string;
    allOrgs: boolean;
    canCreate: boolean;
    notice: string | null;
  },
): SafeHtml {
  const base = frame.org!.basePath;
  const href = (page: number) => listUrl(`${base}/administration/users`, { search: input.search, page: page === 1 ? null : page });
  return adminLayout(
    frame,
    'Users',
    'users',
    html`<div class="card-header-row">${pageHeading('Users', input.allOrgs ? 'Users of every organization' : `Users of ${frame.user!.orgName}`)}${
      input.canCreate && html`<a class="btn btn-primary" href="${base}/administration/users/new">New user</a>`
    }</div>
${input.notice && alert('success', input.notice)}
${searchBar({ path: `${base}/administration/users`, ariaLabel: 'Users', inputId: 'user-search', label: 'User name or full name', search: input.search })}
${
  input.users.length === 0
    ? input.total > 0
      ? '' // past the last page: the pagination below says so (paging.ts)
      : html`<p class="empty-state">${input.search !== '' ? 'No users match.' : 'No users.'}</p>`
    : html`<div class="datagrid-wrap">
<table class="datagrid datagrid-stack" data-testid="users-table">
  <caption class="visually-hidden">Users</caption>
  <thead><tr>
    <th scope="col">User name</th>
    <th scope="col">Full name</th>
    ${input.allOrgs && html`<th scope="col">Organization</th>`}
    <th scope="col">Role</th>
    <th scope="col">Status</th>
    <th scope="col">Two-factor</th>
    <th scope="col">API tokens</th>
  </tr></thead>
  <tbody>
  ${input.users.map(
    (u) => html`<tr>
    <th scope="row" data-label="User name"><a class="cell-name" href="${base}/administration/users/${u.id}">${u.name}</a></th>
    <td data-label="Full name">${u.fullName}</td>
    ${input.allOrgs && html`<td data-label="Organization">${u.orgName}</td>`}
    <td data-label="Role">${u.roleName}</td>
    <td data-label="Status">${statusBadges(u)}</td>
    <td data-label="Two-factor">${u.twoFactor ? 'On' : 'Off'}</td>
    <td data-label="API tokens"><a href="${base}/administration/users/${u.id}/tokens" aria-label="${u.liveTokens} ${u.liveTokens === 1 ? 'token' : 'tokens'}: API tokens of ${u.name}${input.allOrgs ? ` (${u.orgName})` : ''}">${u.liveTokens} ${u.liveTokens === 1 ? 'token' : 'tokens'}</a></td>
  </tr>`,
  )}
  </tbody>
</table>
</div>`
}
${pagination({ page: input.page, pageSize: USER_PAGE_SIZE, total: input.total }, href, 'users')}`,
  );
}

export interface UserDetail extends UserRow {
  readonly createdAt: number;
  readonly self: boolean;
}

export const USER_DONE_NOTICES: Readonly<Record<string, string>> = {
  created: 'The user was created.',
  disabled: 'The user was disabled: their API tokens were revoked and their sessions ended.',
  enabled:
    'The user was enabled. They can sign in again. The API tokens revoked when they were disabled stay revoked: they create new ones.',
  unlocked: 'The user was unlocked: their failed sign-ins and verification codes no longer count.',
  'two-factor-reset': 'Two-factor authentication was reset. The user signs in with their password only, and is told at their next sign-in.',
  'password-set': "The password was set. The user's sessions ended; they sign in with the new password.",
};

export function userDetailPage(
  frame: PageFrame,
  input: {
    user: UserDetail;
    canManage: boolean;
    notice: string | null;
    error: string | null;
    /** An error of the Set password form: shown in it, at its field. */
    passwordError?: PasswordFormError | null;
    status?: number;
  },
): SafeHtml {
  const base = frame.org!.basePath;
  const u = input.user;
  const pwError = input.passwordError ?? null;
  const pwState = (field: PasswordFormError['field'], help?: string) =>
    pwError
      ? fieldState(field, { inError: pwError.field, errorId: 'password-error', help, first: 'newPassword' })
      : help
        ? html` aria-describedby="${help}"`
        : '';
  const action = (what: string) => `${base}/administration/users/${u.id}/${what}`;
  const button = (what: string, label: string, kind = 'btn-outline') =>
    html`<form method="post" action="${action(what)}">${csrfField(frame.csrfToken)}<button type="submit" class="btn ${kind}">${label}</button></form>`;
  // Disable and the two-factor reset take something away for good (the tokens; the enrolment): a confirmation page
  // first, as for a token's Revoke. Until 2026-12-05 they were one-click forms. Enable and Unlock take nothing away.
  const confirmLink = (what: UserConfirmAction, label: string, kind = 'btn-outline') =>
    html`<a class="btn ${kind}" href="${action(what)}">${label}</a>`;
  return adminLayout(
    frame,
    plainText`User ${u.name}`,
    'users',
    html`${pageHeading(u.name, html`${u.fullName ? html`${u.fullName}, ` : ''}organization ${u.orgName}`)}
${input.notice && alert('success', input.notice)}
${input.error && alert('danger', input.error, 'form-error')}
<section class="card" aria-labelledby="user-properties">
  <h2 id="user-properties" class="card-title">Properties</h2>
  <dl class="properties">
    <dt>Status</dt><dd>${statusBadges(u)}${u.lockedUntil !== null ? html` until ${timeOrDash(u.lockedUntil)}` : ''}</dd>
    <dt>Role</dt><dd>${u.roleName}</dd>
    <dt>Email</dt><dd>${u.email || html`<span class="muted">None</span>`}</dd>
    <dt>Two-factor authentication</dt><dd>${u.twoFactor ? 'On' : 'Off'}</dd>
    <dt>API tokens</dt><dd><a href="${action('tokens')}">${u.liveTokens} active ${u.liveTokens === 1 ? 'token' : 'tokens'}</a></dd>
    <dt>Created</dt><dd>${timeOrDash(u.createdAt)}</dd>
  </dl>
</section>
${
  input.canManage && u.self
    ? html`<p class="muted">This is your own account: change your password and two-factor authentication in <a href="${base}/preferences">User preferences</a>.</p>`
    : input.canManage &&
      html`<section class="card" aria-labelledby="user-actions">
  <h2 id="user-actions" class="card-title">Actions</h2>
  <div class="actions-row">
    ${u.enabled ? confirmLink('disable', 'Disable', 'btn-danger-outline') : button('enable', 'Enable')}
    ${u.lockedUntil !== null && button('unlock', 'Unlock')}
    ${u.twoFactor && confirmLink('reset-two-factor', 'Reset two-factor authentication')}
  </div>
  <p class="card-text">Disabling revokes the user's API tokens and ends their sessions, at once; enabling them later does not bring the tokens back.${
    u.twoFactor
      ? ' Resetting two-factor authentication lets them sign in with their password alone and set it up again; they are told at their next sign-in.'
      : ''
  }</p>
</section>
<section class="card card-form" aria-labelledby="user-password">
  <h2 id="user-password" class="card-title">Set password</h2>
  <p class="card-text">The user's sessions end; their API tokens keep working.</p>
  ${pwError && alert('danger', pwError.message, 'password-error')}
  <form method="post" action="${action('password')}" class="form-stack" novalidate>
    ${csrfField(frame.csrfToken)}
    <!-- Whose password this is, for a password manager (no name: not sent): without it one offers to save the new
         password as the signed-in administrator's own. -->
    <input type="text" value="${u.name}" autocomplete="username" hidden>
    <div class="field">
      <label for="new-password">New password</label>
      <input id="new-password" name="newPassword" type="password" required minlength="8" maxlength="256" autocomplete="new-password"${pwState('newPassword', 'new-password-help')}>
      <p class="field-help" id="new-password-help">8 to 256 characters.</p>
    </div>
    <div class="field">
      <label for="confirm-password">New password again</label>
      <input id="confirm-password" name="confirmPassword" type="password" required maxlength="256" autocomplete="new-password"${pwState('confirmPassword')}>
    </div>
    <div class="form-actions"><button type="submit" class="btn btn-primary">Set password</button></div>
  </form>
</section>`
}`,
    [...usersCrumbs(base), { label: u.name }],
  );
}

/** An error of a user's Set password form, and the field it is about. */
export interface PasswordFormError {
  readonly message: string;
  readonly field: 'newPassword' | 'confirmPassword';
}

/** The New user form's fields, by their `name`. */
export type NewUserField = 'name' | 'fullName' | 'email' | 'role' | 'password' | 'confirmPassword';

export interface NewUserValues {
  readonly org: string;
  readonly name: string;
  readonly fullName: string;
  readonly email: string;
  readonly roleId: string;
}

export function newUserPage(
  frame: PageFrame,
  input: {
    /** For the provider: the orgs to choose from; null for an org administrator (their own org). */
    orgNames: readonly string[] | null;
    /** The roles of the chosen org (empty until the provider has chosen one). */
    roles: ReadonlyArray<{ id: string; name: string }>;
    values: NewUserValues;
    error: string | null;
    /** The field the error is about: it gets the focus, aria-invalid and the message as its description. */
    errorField?: NewUserField | null;
  },
): SafeHtml {
  const base = frame.org!.basePath;
  const v = input.values;
  // The portal's convention for a form's error (docs/portal.md, Keyboard), as the New token form follows it; until
  // 2026-12-05 the focus stayed on the user name whatever the error was about, and no field was aria-invalid.
  const inError: NewUserField | null = input.error ? (input.errorField ?? 'name') : null;
  const state = (field: NewUserField, help?: string) => fieldState(field, { inError, errorId: 'form-error', help, first: 'name' });
  const chooseOrgFirst = input.orgNames !== null && v.org === '';
  return adminLayout(
    frame,
    'New user',
    'users',
    html`${pageHeading('New user', input.orgNames === null ? `In ${frame.user!.orgName}` : v.org ? `In ${v.org}` : 'Choose the organization first')}
<section class="card card-form">
  ${input.error && alert('danger', input.error, 'form-error')}
  ${
    chooseOrgFirst
      ? html`<form method="get" action="${base}/administration/users/new" class="form-stack">
    <div class="field">
      <label for="user-org">Organization</label>
      <select id="user-org" name="org" autofocus>${input.orgNames!.map((name) => html`<option value="${name}">${name}</option>`)}</select>
    </div>
    <div class="form-actions"><button type="submit" class="btn btn-primary">Next</button><a class="btn btn-link" href="${base}/administration/users">Cancel</a></div>
  </form>`
      : html`<form method="post" action="${base}/administration/users" class="form-stack" novalidate>
    ${csrfField(frame.csrfToken)}
    ${input.orgNames !== null && html`<input type="hidden" name="org" value="${v.org}">`}
    <div class="field">
      <label for="user-name">User name</label>
      <input id="user-name" name="name" type="text" required maxlength="128" autocomplete="off" spellcheck="false" value="${v.name}"${state('name')}>
    </div>
    <div class="field">
      <label for="user-full-name">Full name <span class="optional">(optional)</span></label>
      <input id="user-full-name" name="fullName" type="text" maxlength="256" autocomplete="off" value="${v.fullName}"${state('fullName')}>
    </div>
    <div class="field">
      <label for="user-email">Email <span class="optional">(optional)</span></label>
      <input id="user-email" name="email" type="email" maxlength="256" autocomplete="off" value="${v.email}"${state('email')}>
    </div>
    <div class="field">
      <label for="user-role">Role</label>
      <select id="user-role" name="role"${state('role', 'user-role-help')}>
        ${input.roles.map((r) => html`<option value="${r.id}"${r.id === v.roleId ? html` selected` : ''}>${r.name}</option>`)}
      </select>
      <p class="field-help" id="user-role-help">You can give a role only if you hold every right it carries.</p>
    </div>
    <div class="field">
      <label for="user-password">Password</label>
      <input id="user-password" name="password" type="password" required minlength="8" maxlength="256" autocomplete="new-password"${state('password', 'user-password-help')}>
      <p class="field-help" id="user-password-help">8 to 256 characters. Give it to the user by a separate channel.</p>
    </div>
    <div class="field">
      <label for="user-password-again">Password again</label>
      <input id="user-password-again" name="confirmPassword" type="password" required maxlength="256" autocomplete="new-password"${state('confirmPassword')}>
    </div>
    <div class="form-actions">
      <button type="submit" class="btn btn-primary">Create</button>
      <a class="btn btn-link" href="${base}/administration/users">Cancel</a>
    </div>
  </form>`
  }
</section>`,
    [...usersCrumbs(base), { label: 'New user' }],
  );
}

/** The user actions that ask first: what they take away cannot be given back. */
export type UserConfirmAction = 'disable' | 'reset-two-factor';

/** The confirmation of Disable or Reset two-factor authentication: what will happen, Cancel focused. */
export function userConfirmPage(frame: PageFrame, input: { user: UserDetail; what: UserConfirmAction }): SafeHtml {
  const base = frame.org!.basePath;
  const u = input.user;
  const userHref = `${base}/administration/users/${u.id}`;
  const tokens = `${u.liveTokens} active API ${u.liveTokens === 1 ? 'token' : 'tokens'}`;
  const disable = input.what === 'disable';
  const title = disable ? 'Disable user' : 'Reset two-factor authentication';
  const warning = disable
    ? html`${u.name} can no longer sign in, and every session of theirs ends at once. Their ${tokens} ${u.liveTokens === 1 ? 'is' : 'are'} revoked for good: enabling the user later does not bring ${u.liveTokens === 1 ? 'it' : 'them'} back.`
    : html`${u.name} then signs in with their password alone, until they set up two-factor authentication again; the codes of their authenticator app stop working for good. Their sessions stay; they are told at their next sign-in.`;
  return adminLayout(
    frame,
    plainText`${title} ${u.name}`,
    'users',
    html`${pageHeading(title)}
<section class="card card-form" aria-labelledby="confirm-title">
  <h2 id="confirm-title" class="card-title">${disable ? 'Disable' : 'Reset two-factor authentication of'} <span class="token-name">${u.name}</span>?</h2>
  ${note('danger', warning, 'confirm-warning')}
  <dl class="properties">
    <dt>Full name</dt><dd>${u.fullName || html`<span class="muted">None</span>`}</dd>
    <dt>Organization</dt><dd>${u.orgName}</dd>
    <dt>Role</dt><dd>${u.roleName}</dd>
    <dt>API tokens</dt><dd>${tokens}</dd>
  </dl>
  ${confirmActions({
    action: `${userHref}/${input.what}`,
    csrfToken: frame.csrfToken,
    label: disable ? 'Disable' : 'Reset two-factor authentication',
    cancelHref: userHref,
  })}
</section>`,
    [...usersCrumbs(base), { label: u.name, href: userHref }, { label: title }],
  );
}
