/** The landing page after sign-in: who you are, and the way to User preferences and Administration. */
import { html, type SafeHtml } from '../html.js';
import { layout, type PageFrame } from './layout.js';
import { note, pageHeading, timeOrDash } from './components.js';

export function homePage(
  frame: PageFrame,
  input: {
    fullName: string;
    orgFullName: string;
    liveTokens: number | null;
    twoFactorResetAt?: number | null;
    /** The user's live tokens that expire within 7 days (token-queries.ts EXPIRING_SOON_MS). */
    expiringSoon?: ReadonlyArray<{ name: string; expiresAt: number }>;
  },
): SafeHtml {
  const base = frame.org!.basePath;
  const user = frame.user!;
  return layout(
    frame,
    'Home',
    html`${pageHeading(`Welcome, ${input.fullName || user.name}`, html`Signed in to <strong>${input.orgFullName}</strong> as ${user.name} (${user.roleName})`)}
${
  input.twoFactorResetAt &&
  note(
    'warning',
    html`An administrator reset your two-factor authentication on ${timeOrDash(input.twoFactorResetAt)}. You signed in with your password only. <a href="${base}/preferences#two-factor">Set up two-factor authentication again</a>. If you did not ask for this, tell your administrator.`,
    'two-factor-reset-notice',
  )
}
${expiringSoonNotice(base, input.expiringSoon ?? [])}
<div class="card-grid">
  ${
    input.liveTokens !== null &&
    html`<section class="card" aria-labelledby="home-tokens">
    <h2 id="home-tokens" class="card-title">Access Tokens</h2>
    <p>You have <strong>${input.liveTokens}</strong> active API ${input.liveTokens === 1 ? 'token' : 'tokens'}. Scripts trade a token for a session at the OAuth token endpoint.</p>
    <a class="btn btn-outline" href="${base}/preferences#access-tokens">Manage tokens</a>
  </section>`
  }
  <section class="card" aria-labelledby="home-preferences">
    <h2 id="home-preferences" class="card-title">User preferences</h2>
    <p>${input.liveTokens !== null ? 'Your password, two-factor authentication and API tokens.' : 'Your password and two-factor authentication.'} Also in the user menu at the top right.</p>
    <a class="btn btn-outline" href="${base}/preferences">Open preferences</a>
  </section>
  ${
    frame.showAdministration &&
    html`<section class="card" aria-labelledby="home-admin">
    <h2 id="home-admin" class="card-title">Administration</h2>
    <p>${
      frame.adminTabs?.tokens === false
        ? 'The service accounts of your organization and their access requests.'
        : html`Users and the API tokens of ${frame.org!.kind === 'provider' ? 'every organization' : 'your organization'}${frame.adminTabs?.serviceAccounts ? '; service accounts' : ''}.`
    }</p>
    <a class="btn btn-outline" href="${base}/administration">Open administration</a>
  </section>`
  }
</div>`,
  );
}

/** "Expiring soon": the tokens that stop within 7 days, so that they are regenerated before scripts break. */
export function expiringSoonNotice(base: string, tokens: ReadonlyArray<{ name: string; expiresAt: number }>): SafeHtml | '' {
  if (tokens.length === 0) return '';
  return note(
    'warning',
    html`<strong>${tokens.length === 1 ? 'An API token expires soon' : `${tokens.length} API tokens expire soon`}:</strong> ${tokens.map(
      (t, i) => html`${i > 0 ? ', ' : ''}<span class="token-name">${t.name}</span> (${timeOrDash(t.expiresAt)})`,
    )}. <a href="${base}/preferences#access-tokens">Regenerate ${tokens.length === 1 ? 'it' : 'them'}</a> before scripts stop working.`,
    'expiring-soon',
  );
}
