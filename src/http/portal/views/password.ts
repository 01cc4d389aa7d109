/**
 * User preferences > Change password: the current password, the new one twice, and whether to revoke every
 * API token too. Passwords typed are never written back into the page, so after an error the form starts again
 * at the current password (focused); the field in error is marked and named by the message (aria-describedby).
 */
import { html, type SafeHtml } from '../html.js';
import { layout, type PageFrame } from './layout.js';
import { breadcrumb } from './breadcrumb.js';
import { alert, csrfField, pageHeading } from './components.js';

export type PasswordField = 'current' | 'new' | 'confirm' | null;

const ERROR_ID = 'password-error';

export function changePasswordPage(
  frame: PageFrame,
  input: { error: string | null; field: PasswordField; revokeTokens: boolean },
): SafeHtml {
  const base = frame.org!.basePath;
  const attrs = (field: Exclude<PasswordField, null>, help?: string) => {
    const describedBy = [help, input.error && input.field === field ? ERROR_ID : null].filter(Boolean).join(' ');
    return html`${describedBy && html` aria-describedby="${describedBy}"`}${input.error && input.field === field && html` aria-invalid="true"`}${field === 'current' && html` autofocus`}`;
  };
  return layout(
    { ...frame, active: 'preferences' },
    'Change password',
    html`${breadcrumb([{ href: `${base}/preferences#password`, label: 'User preferences' }], 'Change password')}
${pageHeading('Change password')}
<section class="card card-form">
  ${input.error && alert('danger', input.error, ERROR_ID)}
  <form method="post" action="${base}/preferences/password" class="form-stack" novalidate>
    ${csrfField(frame.csrfToken)}
    <input type="text" name="username" value="${frame.user!.name}" autocomplete="username" hidden>
    <div class="field">
      <label for="current-password">Current password</label>
      <input id="current-password" name="currentPassword" type="password" autocomplete="current-password" required${attrs('current')}>
    </div>
    <div class="field">
      <label for="new-password">New password</label>
      <input id="new-password" name="newPassword" type="password" autocomplete="new-password" required minlength="8" maxlength="256"${attrs('new', 'new-password-help')}>
      <p class="field-help" id="new-password-help">At least 8 characters. A long passphrase is easier to remember and harder to guess.</p>
    </div>
    <div class="field">
      <label for="confirm-password">New password again</label>
      <input id="confirm-password" name="confirmPassword" type="password" autocomplete="new-password" required maxlength="256"${attrs('confirm')}>
    </div>
    <div class="field field-check">
      <input id="revoke-tokens" name="revokeTokens" type="checkbox" value="yes"${input.revokeTokens && html` checked`} aria-describedby="revoke-tokens-help">
      <div>
        <label for="revoke-tokens">Also revoke all my API tokens</label>
        <p class="field-help" id="revoke-tokens-help">Scripts and tools using them stop working at once. Leave this unticked to keep them: API tokens do not depend on your password.</p>
      </div>
    </div>
    <p class="field-help">Changing your password signs you out of every other session, in browsers and in scripts that signed in with your password. This session stays signed in.</p>
    <div class="form-actions">
      <button type="submit" class="btn btn-primary">Change password</button>
      <a class="btn btn-link" href="${base}/preferences#password">Cancel</a>
    </div>
  </form>
</section>`,
  );
}
