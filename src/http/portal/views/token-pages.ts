/**
 * The API-token pages of User preferences: New (name, optional expiry), the one page that shows a new token
 * (with its warning, copy button and "how to use it" panel), the page shown when it is asked for again, and
 * the revoke confirmation.
 */
import { html, type SafeHtml } from '../html.js';
import type { TokenListItem } from '../token-queries.js';
import type { TokenUsageSnippets } from '../token-usage.js';
import { TOKEN_ENV_VAR } from '../token-usage.js';
import { MAX_TOKEN_NAME_LENGTH } from '../../../auth/api-tokens.js';
import { layout, type PageFrame } from './layout.js';
import { alert, copyableBlock, csrfField, pageHeading, timeOrDash } from './components.js';

export function newTokenPage(
  frame: PageFrame,
  input: {
    name: string;
    expiresOn: string;
    minDate: string;
    maxLifetimeDays: number | null;
    error: string | null;
    /** The scope chosen ('' = all rights), and the roles within the user's rights that a token may be narrowed to. */
    scope: string;
    roles: ReadonlyArray<{ id: string; name: string }>;
  },
): SafeHtml {
  const base = frame.org!.basePath;
  const option = (value: string, label: string) =>
    html`<option value="${value}"${input.scope === value ? html` selected` : ''}>${label}</option>`;
  return layout(
    { ...frame, active: 'preferences' },
    'New API token',
    html`<nav class="breadcrumb" aria-label="Breadcrumb"><a href="${base}/preferences#access-tokens">User preferences</a> <span aria-hidden="true">/</span> <span>New API token</span></nav>
${pageHeading('New API token')}
<section class="card card-form">
  ${input.error && alert('danger', input.error, 'token-error')}
  <form method="post" action="${base}/preferences/tokens" class="form-stack" novalidate>
    ${csrfField(frame.csrfToken)}
    <div class="field">
      <label for="token-name">Name</label>
      <input id="token-name" name="name" type="text" required maxlength="${MAX_TOKEN_NAME_LENGTH}" autocomplete="off" spellcheck="false" autofocus value="${input.name}" aria-describedby="token-name-help${input.error ? ' token-error' : ''}">
      <p class="field-help" id="token-name-help">What the token is for, e.g. "terraform-prod". It must be unique among your tokens.</p>
    </div>
    <div class="field">
      <label for="token-expires">Expires on <span class="optional">(optional)</span></label>
      <input id="token-expires" name="expiresOn" type="date" min="${input.minDate}" value="${input.expiresOn}" aria-describedby="token-expires-help">
      <p class="field-help" id="token-expires-help">The token stops working at the end of that day (UTC). ${
        input.maxLifetimeDays === null
          ? 'Leave empty for a token that does not expire.'
          : `Your organization limits tokens to ${input.maxLifetimeDays} days; left empty, the token expires after that.`
      }</p>
    </div>
    <div class="field">
      <label for="token-scope">Access</label>
      <select id="token-scope" name="scope" aria-describedby="token-scope-help">
        ${option('', 'All my rights')}
        ${option('read-only', 'Read-only')}
        ${input.roles.map((r) => option(`urn:vcloud:role:${r.id}`, `Role: ${r.name}`))}
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
  input: { name: string; token: string; expiresAt: number | null; usage: TokenUsageSnippets },
): SafeHtml {
  const base = frame.org!.basePath;
  return layout(
    { ...frame, active: 'preferences' },
    'API token created',
    html`${pageHeading('API token created', html`Token <strong class="token-name">${input.name}</strong>, expires: ${timeOrDash(input.expiresAt, 'never')}`)}
<section class="card" aria-labelledby="token-value-title">
  <h2 id="token-value-title" class="card-title">Your new API token</h2>
  ${alert(
    'warning',
    html`<strong>Copy this token now. It will not be shown again.</strong> Tessera keeps only a fingerprint of it. Anyone who has the token can use the API as you until it is revoked${input.expiresAt === null ? '' : ' or expires'}: store it like a password.`,
    'token-warning',
  )}
  ${copyableBlock('api-token', input.token, 'API token', 'secret')}
  <p class="copy-status" role="status" aria-live="polite" data-copy-status></p>
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
  ${copyableBlock('usage-curl', input.usage.curl, 'curl example')}
  <h3 class="snippet-title">PowerShell</h3>
  ${copyableBlock('usage-powershell', input.usage.powershell, 'PowerShell example')}
</section>`,
  );
}

/** Asked for the token again (reload, back button, second tab): it is gone for good. */
export function tokenGonePage(frame: PageFrame): SafeHtml {
  const base = frame.org!.basePath;
  return layout(
    { ...frame, active: 'preferences' },
    'Token no longer available',
    html`${pageHeading('Token no longer available')}
<section class="card">
  ${alert('info', 'A new API token is shown only once, right after it is created. If you did not copy it, revoke it and create a new one.')}
  <div class="form-actions"><a class="btn btn-primary" href="${base}/preferences#access-tokens">Back to Access Tokens</a></div>
</section>`,
  );
}

export function revokeConfirmPage(
  frame: PageFrame,
  input: { token: TokenListItem; showOwner: boolean; from: string; cancelHref: string },
): SafeHtml {
  const base = frame.org!.basePath;
  const t = input.token;
  return layout(
    frame,
    'Revoke API token',
    html`${pageHeading('Revoke API token')}
<section class="card card-form" aria-labelledby="revoke-title">
  <h2 id="revoke-title" class="card-title">Revoke <span class="token-name">${t.name}</span>?</h2>
  ${alert('danger', 'Scripts using this token, and every session they opened with it, stop working at once. This cannot be undone.')}
  <dl class="properties">
    ${input.showOwner && html`<dt>Owner</dt><dd>${t.ownerName} (${t.orgName})</dd>`}
    <dt>Created</dt><dd>${timeOrDash(t.createdAt)}</dd>
    <dt>Last used</dt><dd>${timeOrDash(t.lastUsedAt)}${t.lastIp && html` from ${t.lastIp}`}</dd>
    <dt>Expires</dt><dd>${timeOrDash(t.expiresAt)}</dd>
  </dl>
  <form method="post" action="${base}/tokens/${t.id}/revoke" class="form-actions">
    ${csrfField(frame.csrfToken)}
    <input type="hidden" name="from" value="${input.from}">
    <button type="submit" class="btn btn-danger">Revoke</button>
    <a class="btn btn-link" href="${input.cancelHref}" autofocus>Cancel</a>
  </form>
</section>`,
  );
}
