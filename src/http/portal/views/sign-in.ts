/**
 * The two sign-in steps. The first asks for the user name and password only: the verification-code field is
 * never shown up front (it would tell who has TOTP enrolled); the second step appears only after a correct
 * password of a user with TOTP.
 */
import { html, plainText, type SafeHtml } from '../html.js';
import type { PortalOrg } from '../portal-org.js';
import { layout } from './layout.js';
import { alert, csrfField } from './components.js';
import { RETURN_PARAM } from '../return-path.js';
import { PENDING_SIGN_IN_SECONDS } from '../cookies.js';

const signedOutFrame = (org: PortalOrg) => ({ org, user: null, csrfToken: '', showAdministration: false });

/** Where the new session lands (return-path.ts), carried through the sign-in steps. */
function returnField(returnTo: string | null | undefined): SafeHtml | '' {
  return returnTo ? html`<input type="hidden" name="${RETURN_PARAM}" value="${returnTo}">` : '';
}

function orgLabel(org: PortalOrg): string {
  return org.kind === 'provider' ? 'the provider portal' : plainText`organization ${org.orgName}`;
}

export function signInPage(input: {
  org: PortalOrg;
  csrfToken: string;
  userName?: string;
  error?: string;
  notice?: string;
  /** The browser is signed in to another org's portal: say so, and offer the way back. */
  elsewhere?: { userName: string; orgName: string; basePath: string };
  /** Where the new session lands (a checked path of this portal), else Home. */
  returnTo?: string | null;
}): SafeHtml {
  const { org } = input;
  const elsewhere = input.elsewhere;
  // After an error the field to fix has the focus and carries the message: the password once a user name was given
  // (it is kept; the password never is), else the user name.
  const errorOn = input.error ? (input.userName ? 'password' : 'username') : null;
  const fieldState = (field: 'username' | 'password') =>
    html`${errorOn === field ? html` aria-describedby="sign-in-error" aria-invalid="true"` : ''}${(errorOn ?? 'username') === field ? html` autofocus` : ''}`;
  return layout(
    signedOutFrame(org),
    'Sign in',
    html`<section class="card sign-in-card" aria-labelledby="sign-in-title">
  <h1 id="sign-in-title" class="sign-in-title">Sign in</h1>
  <p class="sign-in-org">to ${orgLabel(org)}</p>
  ${input.notice && alert('info', input.notice)}
  ${
    elsewhere &&
    alert(
      'info',
      html`You are signed in to <strong>${elsewhere.orgName === 'System' ? 'the provider portal' : `organization ${elsewhere.orgName}`}</strong> as ${elsewhere.userName}. Sign in to ${orgLabel(org)} below (that ends the other session), or <a href="${elsewhere.basePath}/" id="back-to-other-org">go back to ${elsewhere.orgName === 'System' ? 'the provider portal' : elsewhere.orgName}</a>.`,
      'signed-in-elsewhere',
    )
  }
  ${input.error && alert('danger', input.error, 'sign-in-error')}
  <form method="post" action="${org.basePath}/login" class="form-stack" novalidate>
    ${csrfField(input.csrfToken)}
    ${returnField(input.returnTo)}
    <div class="field">
      <label for="username">User name</label>
      <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${input.userName ?? ''}"${fieldState('username')}>
    </div>
    <div class="field">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required${fieldState('password')}>
    </div>
    <button type="submit" class="btn btn-primary btn-block">Sign in</button>
  </form>
</section>`,
    { centered: true },
  );
}

export function verificationCodePage(input: { org: PortalOrg; csrfToken: string; error?: string; returnTo?: string | null }): SafeHtml {
  const { org } = input;
  return layout(
    signedOutFrame(org),
    'Verification code',
    html`<section class="card sign-in-card" aria-labelledby="code-title">
  <h1 id="code-title" class="sign-in-title">Verification code</h1>
  <p class="sign-in-org">Open the authenticator app on your device and enter the 6-digit code it shows for Tessera. Lost the app? Enter one of your recovery codes instead. This step waits ${PENDING_SIGN_IN_SECONDS / 60} minutes; after that, sign in again with your password.</p>
  ${input.error && alert('danger', input.error, 'code-error')}
  <form method="post" action="${org.basePath}/login/code" class="form-stack" novalidate>
    ${csrfField(input.csrfToken)}
    ${returnField(input.returnTo)}
    <div class="field">
      <label for="code">Code</label>
      <input id="code" name="code" type="text" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" maxlength="16" required autofocus class="input-code"${input.error ? html` aria-describedby="code-error" aria-invalid="true"` : ''}>
    </div>
    <button type="submit" class="btn btn-primary btn-block">Verify</button>
  </form>
  <p class="sign-in-alt"><a href="${org.basePath}/login${input.returnTo ? `?${RETURN_PARAM}=${encodeURIComponent(input.returnTo)}` : ''}">Start over</a></p>
</section>`,
    { centered: true },
  );
}

/** `/` and `/tenant`: which organization's portal to open. A GET form: it changes nothing, so no CSRF token. */
export function organizationChooserPage(input: { error?: string; value?: string }): SafeHtml {
  return layout(
    { org: null, user: null, csrfToken: '', showAdministration: false },
    'Choose your organization',
    html`<section class="card sign-in-card" aria-labelledby="chooser-title">
  <h1 id="chooser-title" class="sign-in-title">Tessera</h1>
  <p class="sign-in-org">Enter the name of your organization to sign in.</p>
  ${input.error && alert('danger', input.error, 'org-error')}
  <form method="get" action="/tenant" class="form-stack">
    <div class="field">
      <label for="org">Organization</label>
      <input id="org" name="org" type="text" autocapitalize="none" spellcheck="false" required autofocus maxlength="128" value="${input.value ?? ''}" aria-describedby="org-help${input.error ? ' org-error' : ''}">
      <p class="field-help" id="org-help">Its short name or its full name, in any case (e.g. "acme" or "ACME Corporation").</p>
    </div>
    <button type="submit" class="btn btn-primary btn-block">Continue</button>
  </form>
  <p class="sign-in-alt">Service provider? <a href="/provider">Sign in to the provider portal</a></p>
</section>`,
    { centered: true },
  );
}
