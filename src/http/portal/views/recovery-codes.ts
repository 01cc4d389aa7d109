/**
 * Two-factor recovery codes: the page that shows a new set once (with a download as a text file, made as a
 * data: link so no script is needed), and the form that makes a new set (password or a current code).
 */
import { html, type SafeHtml } from '../html.js';
import { layout, type PageFrame } from './layout.js';
import { alert, csrfField, note, pageHeading } from './components.js';
import { breadcrumb } from './breadcrumb.js';

/** The text file offered for download: one code a line, with what they are for. */
export function recoveryCodesText(codes: readonly string[], who: { user: string; org: string }, generatedAt: string): string {
  return [
    `Tessera two-factor recovery codes for ${who.user} (${who.org}), made ${generatedAt}`,
    'Each code signs you in once in place of the authenticator app code. Keep them somewhere safe.',
    '',
    ...codes,
    '',
  ].join('\n');
}

export function recoveryCodesPage(frame: PageFrame, input: { codes: readonly string[] | null; generatedAt: string }): SafeHtml {
  const base = frame.org!.basePath;
  const user = frame.user!;
  const crumbs = breadcrumb([{ href: `${base}/preferences#two-factor`, label: 'User preferences' }], 'Recovery codes');
  if (input.codes === null) {
    return layout(
      { ...frame, active: 'preferences' },
      'Recovery codes no longer available',
      html`${crumbs}${pageHeading('Recovery codes no longer available')}
<section class="card">
  ${note('info', 'Recovery codes are shown only once, right after they are made. If you did not save them, make a new set: the old set then stops working.')}
  <div class="form-actions"><a class="btn btn-primary" href="${base}/preferences/totp/recovery-codes/new">Make new recovery codes</a><a class="btn btn-link" href="${base}/preferences#two-factor">Back to User preferences</a></div>
</section>`,
    );
  }
  const text = recoveryCodesText(input.codes, { user: user.name, org: user.orgName }, input.generatedAt);
  const href = `data:text/plain;charset=utf-8;base64,${Buffer.from(text, 'utf8').toString('base64')}`;
  return layout(
    { ...frame, active: 'preferences' },
    'Your recovery codes',
    html`${crumbs}${pageHeading('Your recovery codes')}
<section class="card" aria-labelledby="recovery-title">
  <h2 id="recovery-title" class="card-title">Save these codes now</h2>
  ${note(
    'warning',
    html`<strong>They will not be shown again.</strong> If you lose your authenticator app, each code signs you in once in place of its 6-digit code. Keep them like a password, away from the device that has the app.`,
    'recovery-warning',
  )}
  <ol class="recovery-codes" data-testid="recovery-codes" aria-label="Recovery codes">
    ${input.codes.map((c) => html`<li><code>${c}</code></li>`)}
  </ol>
  <div class="form-actions">
    <a class="btn btn-outline" href="${href}" download="tessera-recovery-codes.txt" id="recovery-download">Download as text</a>
    <a class="btn btn-primary" href="${base}/preferences#two-factor" id="recovery-done">I have saved them</a>
  </div>
</section>`,
  );
}

export function newRecoveryCodesPage(frame: PageFrame, input: { remaining: number; error: string | null }): SafeHtml {
  const base = frame.org!.basePath;
  const invalid = input.error ? html` aria-describedby="recovery-new-error" aria-invalid="true"` : '';
  return layout(
    { ...frame, active: 'preferences' },
    'New recovery codes',
    html`${breadcrumb([{ href: `${base}/preferences#two-factor`, label: 'User preferences' }], 'New recovery codes')}
${pageHeading('New recovery codes', `You have ${input.remaining} unused recovery code${input.remaining === 1 ? '' : 's'}.`)}
<section class="card card-form">
  ${note('warning', 'A new set replaces the old one: every code you saved before stops working.')}
  ${input.error && alert('danger', input.error, 'recovery-new-error')}
  <form method="post" action="${base}/preferences/totp/recovery-codes/new" class="form-stack" novalidate>
    ${csrfField(frame.csrfToken)}
    <input type="text" name="username" value="${frame.user!.name}" autocomplete="username" hidden>
    <p>Confirm that it is you with your password <em>or</em> a code from your authenticator app.</p>
    <div class="field">
      <label for="recovery-password">Password</label>
      <input id="recovery-password" name="password" type="password" autocomplete="current-password" autofocus${invalid}>
    </div>
    <div class="field">
      <label for="recovery-code">Or a code from the app</label>
      <input id="recovery-code" name="code" type="text" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" class="input-code"${invalid}>
    </div>
    <div class="form-actions">
      <button type="submit" class="btn btn-primary">Make new codes</button>
      <a class="btn btn-link" href="${base}/preferences#two-factor">Cancel</a>
    </div>
  </form>
</section>`,
  );
}
