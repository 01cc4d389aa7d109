/**
 * The API-token pages of User preferences: New (name, optional expiry), the one page that shows a new token
 * (with its warning, copy button and "how to use it" panel), the page shown when it is asked for again, and
 * the revoke confirmation.
 */
import { html, plainText, type SafeHtml } from '../html.js';
import type { TokenListItem } from '../token-queries.js';
import type { TokenUsageSnippets } from '../token-usage.js';
import { listPlaceParams, type ListPlace } from '../return-path.js';
import { TOKEN_ENV_VAR } from '../token-usage.js';
import { MAX_TOKEN_NAME_LENGTH } from '../../../auth/api-tokens.js';
import { layout, type PageFrame } from './layout.js';
import {
  alert,
  confirmActions,
  copyableBlock,
  copyStatus,
  csrfField,
  fieldState as sharedFieldState,
  note,
  pageHeading,
  timeOrDash,
} from './components.js';
import { breadcrumb } from './breadcrumb.js';

/** The New token form's fields an error can be about. */
export type NewTokenField = 'name' | 'expiresOn' | 'scope';

export function newTokenPage(
  frame: PageFrame,
  input: {
    name: string;
    /** 'date' (the default: 30 days ahead) or 'never' (offered only when the org allows it). */
    expiry: 'date' | 'never';
    expiresOn: string;
    /** The earliest date accepted: today in the user's zone (the token then stops at the end of today). */
    minDate: string;
    /** The last date the org's policy allows (null: no maximum, and "Never" is offered). */
    maxDate: string | null;
    maxLifetimeDays: number | null;
    /** The user's time zone (the date is read in it) and its label now (`CET`, `UTC+05:30`, `UTC`). */
    timeZone: string;
    zoneLabel: string;
    error: string | null;
    /**
     * The field the error is about: it gets the focus, aria-invalid and the error as its description (the name field
     * by default: an error about the form as a whole starts there).
     */
    errorField?: NewTokenField | null;
    /** The scope chosen ('' = all rights), and the roles within the user's rights that a token may be narrowed to. */
    scope: string;
    roles: ReadonlyArray<{ id: string; name: string }>;
  },
): SafeHtml {
  const base = frame.org!.basePath;
  const option = (value: string, label: string) =>
    html`<option value="${value}"${input.scope === value ? html` selected` : ''}>${label}</option>`;
  const neverAllowed = input.maxLifetimeDays === null;
  const never = neverAllowed && input.expiry === 'never';
  const inError: NewTokenField | null = input.error ? (input.errorField ?? 'name') : null;
  /** describedby (the help, plus the error when it is this field's), aria-invalid and the focus, for one field. */
  const fieldState = (field: NewTokenField, help: string) =>
    sharedFieldState(field, { inError, errorId: 'token-error', help, first: 'name' });
  return layout(
    { ...frame, active: 'preferences' },
    'New API token',
    html`${breadcrumb([{ href: `${base}/preferences#access-tokens`, label: 'User preferences' }], 'New API token')}
${pageHeading('New API token')}
<section class="card card-form">
  ${input.error && alert('danger', input.error, 'token-error')}
  <form method="post" action="${base}/preferences/tokens" class="form-stack" novalidate>
    ${csrfField(frame.csrfToken)}
    <div class="field">
      <label for="token-name">Name</label>
      <input id="token-name" name="name" type="text" required maxlength="${MAX_TOKEN_NAME_LENGTH}" autocomplete="off" spellcheck="false" value="${input.name}"${fieldState('name', 'token-name-help')}>
      <p class="field-help" id="token-name-help">What the token is for, e.g. "terraform-prod". It must be unique among your tokens.</p>
    </div>
    <fieldset class="field expiry-choice">
      <legend>Expiry</legend>
      <input type="radio" id="expiry-date" name="expiry" value="date" class="expiry-radio"${never ? '' : html` checked`}>
      <label for="expiry-date" class="radio-label">Expires at the end of (${input.timeZone})</label>
      <div class="expiry-date-field">
        <label for="token-expires" class="visually-hidden">Expiry date, YYYY-MM-DD, ${input.timeZone}</label>
        <input id="token-expires" name="expiresOn" type="text" pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}" maxlength="10" placeholder="YYYY-MM-DD" autocomplete="off" class="input-date" value="${input.expiresOn}"${fieldState('expiresOn', 'token-expires-help')}>
        <p class="field-help" id="token-expires-help">An ISO date, YYYY-MM-DD: the token stops working at 23:59:59 that day in ${input.timeZone === 'UTC' ? 'UTC' : html`your time zone, ${input.timeZone} (${input.zoneLabel})`}. The earliest is today, ${input.minDate}${
          input.maxDate ? html`; the latest your organization allows is ${input.maxDate} (at most ${input.maxLifetimeDays} days)` : ''
        }. The default is ${input.maxDate && input.maxLifetimeDays !== null && input.maxLifetimeDays <= 30 ? 'the latest allowed' : '30 days from today'}.</p>
      </div>
      ${
        neverAllowed
          ? html`<input type="radio" id="expiry-never" name="expiry" value="never" class="expiry-radio expiry-never"${never ? html` checked` : ''}>
      <label for="expiry-never" class="radio-label">Never expires</label>
      <div class="alert alert-warning never-warning" id="never-warning" role="note"><span class="alert-icon" aria-hidden="true"></span><div class="alert-text"><strong>Not recommended.</strong> A token that never expires works until someone revokes it, also if it leaks or is forgotten in a script. Prefer a date and regenerate the token before it expires.</div></div>`
          : html`<p class="field-help">Your organization does not allow tokens that never expire.</p>`
      }
    </fieldset>
    <div class="field">
      <label for="token-scope">Access</label>
      <select id="token-scope" name="scope"${fieldState('scope', 'token-scope-help')}>
        ${option('', 'All my rights')}
        ${option('read-only', 'Read-only')}
        ${input.roles.map((r) => option(`urn:vcloud:role:${r.id}`, plainText`Role: ${r.name}`))}
      </select>
      <p class="field-help" id="token-scope-help">Give the token no more than the job needs. Its sessions never hold more than it was given, even if you gain rights later.</p>
    </div>
    <div class="form-actions">
      <button type="submit" class="btn btn-primary">Create</button>
      <a class="btn btn-link" href="${base}/preferences#access-tokens">Cancel</a>
    </div>
  </form>
</section>`,
  );
}

export function tokenCreatedPage(
  frame: PageFrame,
  input: {
    name: string;
    token: string;
    expiresAt: number | null;
    usage: TokenUsageSnippets;
    /** Set after a Regenerate: when the replaced token stops (null: it already has). */
    regenerated?: { oldStopsAt: number | null } | null;
  },
): SafeHtml {
  const base = frame.org!.basePath;
  const title = input.regenerated ? 'API token regenerated' : 'API token created';
  return layout(
    { ...frame, active: 'preferences' },
    title,
    html`${breadcrumb([{ href: `${base}/preferences#access-tokens`, label: 'User preferences' }], title)}
${pageHeading(title, html`Token <strong class="token-name">${input.name}</strong>, expires: ${timeOrDash(input.expiresAt, 'never')}`)}
${
  input.regenerated &&
  note(
    'info',
    input.regenerated.oldStopsAt === null
      ? 'The old token with this name was revoked: scripts still using it stop working now. Give them the new token.'
      : html`The old token with this name keeps working until ${timeOrDash(input.regenerated.oldStopsAt)}, then stops. Give your scripts the new token before then.`,
    'regenerated-note',
  )
}
${input.expiresAt === null && note('warning', 'This token never expires: it works until someone revokes it.', 'never-expires-note')}
<section class="card" aria-labelledby="token-value-title">
  <h2 id="token-value-title" class="card-title">Your new API token</h2>
  ${note(
    'warning',
    html`<strong>Copy this token now. It will not be shown again.</strong> Tessera keeps only a fingerprint of it. Anyone who has the token can use the API as you until it is revoked${input.expiresAt === null ? '' : ' or expires'}: store it like a password.`,
    'token-warning',
  )}
  ${copyableBlock('api-token', input.token, 'API token', 'secret', 'token')}
  ${copyStatus()}
  <div class="form-actions">
    <a class="btn btn-primary" href="${base}/preferences#access-tokens" id="token-done">OK</a>
  </div>
</section>
<section class="card" aria-labelledby="token-usage-title" id="token-usage">
  <h2 id="token-usage-title" class="card-title">How to use this token</h2>
  <p class="card-text">A script trades the token for an access token at <code>${input.usage.tokenUrl}</code>, then calls the API with <code>Authorization: Bearer</code>. Put the token in the <code>${TOKEN_ENV_VAR}</code> environment variable rather than in the script.${
    input.usage.insecure
      ? html` This server uses its generated self-signed certificate, so the examples skip certificate checks (<code>-k</code> for curl, <code>-SkipCertificateCheck</code> for PowerShell 7); drop them once the server has a trusted certificate.`
      : ''
  }</p>
  <h3 class="snippet-title">curl (bash, needs jq)</h3>
  ${copyableBlock('usage-curl', input.usage.curl, 'curl example', 'code', 'curl command')}
  <h3 class="snippet-title">PowerShell</h3>
  ${copyableBlock('usage-powershell', input.usage.powershell, 'PowerShell example', 'code', 'PowerShell command')}
</section>`,
  );
}

/** Asked for the token again (reload, back button, second tab): it is gone for good. */
export function tokenGonePage(frame: PageFrame): SafeHtml {
  const base = frame.org!.basePath;
  return layout(
    { ...frame, active: 'preferences' },
    'Token no longer available',
    html`${breadcrumb([{ href: `${base}/preferences#access-tokens`, label: 'User preferences' }], 'Token no longer available')}
${pageHeading('Token no longer available')}
<section class="card">
  ${note('info', 'A new API token is shown only once, right after it is created. If you did not copy it, revoke it and create a new one.')}
  <div class="form-actions"><a class="btn btn-primary" href="${base}/preferences#access-tokens">Back to Access Tokens</a></div>
</section>`,
  );
}

export function revokeConfirmPage(
  frame: PageFrame,
  input: { token: TokenListItem; showOwner: boolean; from: string; place?: ListPlace; cancelHref: string },
): SafeHtml {
  const base = frame.org!.basePath;
  const t = input.token;
  return layout(
    frame,
    'Revoke API token',
    html`${breadcrumb([{ href: input.cancelHref, label: input.from === 'preferences' ? 'User preferences' : 'Administration' }], 'Revoke API token')}
${pageHeading('Revoke API token')}
<section class="card card-form" aria-labelledby="revoke-title">
  <h2 id="revoke-title" class="card-title">Revoke <span class="token-name">${t.name}</span>?</h2>
  ${note('danger', 'Scripts using this token, and every session they opened with it, stop working at once. This cannot be undone.', 'revoke-warning')}
  <dl class="properties">
    ${input.showOwner && html`<dt>Owner</dt><dd>${t.ownerName} (${t.orgName})</dd>`}
    <dt>Created</dt><dd>${timeOrDash(t.createdAt)}</dd>
    <dt>Last used</dt><dd>${timeOrDash(t.lastUsedAt)}${t.lastIp && html` from ${t.lastIp}`}</dd>
    <dt>Expires</dt><dd>${timeOrDash(t.expiresAt)}</dd>
  </dl>
  ${confirmActions({
    action: `${base}/tokens/${t.id}/revoke`,
    csrfToken: frame.csrfToken,
    label: 'Revoke',
    cancelHref: input.cancelHref,
    // The page and search of the list the revoke started from: it comes back to them.
    // And its filter (state, days unused, owner).
    hidden: html`<input type="hidden" name="from" value="${input.from}">${Object.entries(listPlaceParams(input.place))
      .filter(([, value]) => value !== null)
      .map(([name, value]) => html`<input type="hidden" name="${name}" value="${String(value)}">`)}`,
  })}
</section>`,
  );
}

/**
 * Regenerate: what it does (a new secret for the same name, access and expiry rule, shown once) and how long the
 * old token keeps working: none (it stops now) or a grace the user picks, for the time it takes to deploy the new
 * one. Cancel has the focus, as on the revoke confirmation.
 */
export function regenerateConfirmPage(
  frame: PageFrame,
  input: {
    token: TokenListItem;
    newExpiresAt: number | null;
    graceChoices: ReadonlyArray<{ seconds: number; label: string }>;
    error: string | null;
    /** The new expiry chosen: the old token's rule (keep), a date (`expiresOn`, in `timeZone`), or never. */
    expiry?: 'keep' | 'date' | 'never';
    expiresOn?: string;
    minDate?: string;
    maxDate?: string | null;
    neverAllowed?: boolean;
    timeZone?: string;
  },
): SafeHtml {
  const base = frame.org!.basePath;
  const t = input.token;
  const expiry = input.expiry ?? 'keep';
  const zone = input.timeZone ?? 'UTC';
  const checked = (value: string) => (expiry === value ? html` checked` : '');
  return layout(
    { ...frame, active: 'preferences' },
    'Regenerate API token',
    html`${breadcrumb([{ href: `${base}/preferences#access-tokens`, label: 'User preferences' }], 'Regenerate API token')}
${pageHeading('Regenerate API token')}
<section class="card card-form" aria-labelledby="regenerate-title">
  <h2 id="regenerate-title" class="card-title">Regenerate <span class="token-name">${t.name}</span>?</h2>
  <p>A new token with the same name and access is made and shown once. The old token stops working at the end of the grace period you choose.</p>
  ${input.error && alert('danger', input.error, 'regenerate-error')}
  <dl class="properties">
    <dt>Access</dt><dd>${t.access}</dd>
    <dt>Old token expires</dt><dd>${timeOrDash(t.expiresAt)}</dd>
  </dl>
  <form method="post" action="${base}/tokens/${t.id}/regenerate" class="form-stack">
    ${csrfField(frame.csrfToken)}
    <fieldset class="field expiry-choice">
      <legend>The new token expires</legend>
      <div class="radio-row"><input type="radio" id="regen-expiry-keep" name="expiry" value="keep" class="expiry-radio"${checked('keep')}><label for="regen-expiry-keep" class="radio-label">${input.newExpiresAt === null ? 'Never, as the old token' : html`${timeOrDash(input.newExpiresAt)}${t.expiresAt !== null ? ' (the same lifetime, from now)' : " (your organization's maximum)"}`}</label></div>
      <div class="radio-row"><input type="radio" id="regen-expiry-date" name="expiry" value="date" class="expiry-radio"${checked('date')}><label for="regen-expiry-date" class="radio-label">Another date: at the end of (${zone})</label></div>
      <div class="expiry-date-field">
        <label for="regen-expires" class="visually-hidden">New expiry date, YYYY-MM-DD, ${zone}</label>
        <input id="regen-expires" name="expiresOn" type="text" pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}" maxlength="10" placeholder="YYYY-MM-DD" autocomplete="off" class="input-date" value="${input.expiresOn ?? ''}" aria-describedby="regen-expires-help">
        <p class="field-help" id="regen-expires-help">An ISO date, YYYY-MM-DD. The earliest is today${input.minDate ? html`, ${input.minDate}` : ''}${input.maxDate ? html`; the latest your organization allows is ${input.maxDate}` : ''}.</p>
      </div>
      ${
        input.neverAllowed
          ? html`<div class="radio-row"><input type="radio" id="regen-expiry-never" name="expiry" value="never" class="expiry-radio expiry-never"${checked('never')}><label for="regen-expiry-never" class="radio-label">Never expires (not recommended)</label></div>`
          : ''
      }
    </fieldset>
    <fieldset class="field">
      <legend>The old token keeps working for</legend>
      ${input.graceChoices.map(
        (c, i) =>
          html`<div class="radio-row"><input type="radio" id="grace-${c.seconds}" name="grace" value="${String(c.seconds)}"${i === 0 ? html` checked` : ''}><label for="grace-${c.seconds}" class="radio-label">${c.label}</label></div>`,
      )}
    </fieldset>
    <div class="form-actions">
      <button type="submit" class="btn btn-primary">Regenerate</button>
      <a class="btn btn-link" href="${base}/preferences#access-tokens" autofocus>Cancel</a>
    </div>
  </form>
</section>`,
  );
}
