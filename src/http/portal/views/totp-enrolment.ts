/**
 * Two-factor set-up: the QR code (an SVG from src/auth/totp.ts as an <img> data: URI, which the CSP's
 * img-src allows; an inline <svg> from a library would be markup we did not write), the secret for manual
 * entry, and a first code to confirm that the device works.
 */
import { html, type SafeHtml } from '../html.js';
import { layout, type PageFrame } from './layout.js';
import { breadcrumb } from './breadcrumb.js';
import { alert, copyableBlock, copyStatus, csrfField, note, pageHeading } from './components.js';

export function totpEnrolmentPage(frame: PageFrame, input: { qrCodeDataUri: string; secret: string; error: string | null }): SafeHtml {
  const base = frame.org!.basePath;
  return layout(
    { ...frame, active: 'preferences' },
    'Set up two-factor authentication',
    html`${breadcrumb([{ href: `${base}/preferences#two-factor`, label: 'User preferences' }], 'Two-factor authentication')}
${pageHeading('Set up two-factor authentication')}
<section class="card card-form">
  <ol class="steps">
    <li>Scan the QR code with an authenticator app (Google Authenticator, Microsoft Authenticator, FreeOTP, 1Password...).
      <img class="qr-code" src="${input.qrCodeDataUri}" width="200" height="200" alt="QR code of the authenticator set-up link">
      <p class="field-help">Cannot scan it? Enter this key in the app instead (time-based, 6 digits, 30 seconds):</p>
      ${copyableBlock('totp-secret', input.secret, 'Set-up key', 'code', 'set-up key')}
      ${copyStatus()}
    </li>
    <li>Enter the 6-digit code the app now shows, to confirm.
      ${input.error && alert('danger', input.error, 'totp-error')}
      <form method="post" action="${base}/preferences/totp/confirm" class="form-stack" novalidate>
        ${csrfField(frame.csrfToken)}
        <div class="field">
          <label for="totp-code">Code</label>
          <input id="totp-code" name="code" type="text" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required autofocus class="input-code"${input.error ? html` aria-describedby="totp-error" aria-invalid="true"` : ''}>
        </div>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary">Confirm</button>
          <a class="btn btn-link" href="${base}/preferences#two-factor">Cancel</a>
        </div>
      </form>
    </li>
  </ol>
</section>`,
  );
}

/** Turning two-factor authentication off: the password and a current code, as the cloudapi asks for. */
export function totpDisablePage(frame: PageFrame, input: { error: string | null }): SafeHtml {
  const base = frame.org!.basePath;
  const invalid = input.error ? html` aria-describedby="totp-disable-error" aria-invalid="true"` : '';
  return layout(
    { ...frame, active: 'preferences' },
    'Turn off two-factor authentication',
    html`${breadcrumb([{ href: `${base}/preferences#two-factor`, label: 'User preferences' }], 'Two-factor authentication')}
${pageHeading('Turn off two-factor authentication')}
<section class="card card-form">
  ${note('warning', 'Without two-factor authentication, your password alone signs you in. API tokens are not affected.', 'totp-disable-warning')}
  ${input.error && alert('danger', input.error, 'totp-disable-error')}
  <form method="post" action="${base}/preferences/totp/disable" class="form-stack" novalidate>
    ${csrfField(frame.csrfToken)}
    <input type="text" name="username" value="${frame.user!.name}" autocomplete="username" hidden>
    <div class="field">
      <label for="totp-disable-password">Password</label>
      <input id="totp-disable-password" name="password" type="password" autocomplete="current-password" required autofocus${invalid}>
    </div>
    <div class="field">
      <label for="totp-disable-code">Code</label>
      <input id="totp-disable-code" name="code" type="text" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required class="input-code" aria-describedby="totp-disable-code-help${input.error ? ' totp-disable-error' : ''}"${input.error ? html` aria-invalid="true"` : ''}>
      <p class="field-help" id="totp-disable-code-help">The 6-digit code your authenticator app shows now for Tessera.</p>
    </div>
    <div class="form-actions">
      <button type="submit" class="btn btn-danger">Turn off</button>
      <a class="btn btn-link" href="${base}/preferences#two-factor">Cancel</a>
    </div>
  </form>
</section>`,
  );
}
