/**
 * User preferences: the user's details, the password, two-factor authentication, and Access Tokens (the section
 * exists only for holders of "Manage user's own API token"; without the right it is absent, not disabled).
 */
import { html, type HtmlValue, type SafeHtml } from '../html.js';
import type { TokenListItem } from '../token-queries.js';
import { layout, type PageFrame } from './layout.js';
import { alert, csrfField, pageHeading, searchBar } from './components.js';
import { listUrl, pagination, pastLastPage } from './paging.js';
import { tokenTable } from './token-table.js';
import { expiringSoonNotice } from './home.js';
import { TOKEN_PAGE_SIZE } from '../token-queries.js';

export interface PreferencesInput {
  readonly fullName: string;
  readonly email: string;
  /** Whether the Password section (Change password) is shown: the policy's "password.changeOwn". */
  readonly canChangePassword: boolean;
  /** The zone dates are shown in (User preferences > Time zone). */
  readonly timeZone: string;
  readonly totp: 'enabled' | 'enrolling' | 'off';
  /** Unused two-factor recovery codes (when two-factor is on). */
  readonly recoveryCodesLeft: number;
  /** null: no Access Tokens section at all. */
  readonly tokens: {
    /** One page of the live tokens matching the search, then (on the last page) the most recently revoked. */
    items: readonly TokenListItem[];
    /** The live tokens matching the search, on every page. */
    liveTotal: number;
    endedTotal: number;
    endedShown: number;
    search: string;
    page: number;
    /** `?ended=all`: every revoked token kept is listed, not only the most recent. */
    endedAll?: boolean;
    /** The live tokens that expire within 7 days, whichever page they are on. */
    expiringSoon: ReadonlyArray<{ name: string; expiresAt: number }>;
    canCreate: boolean;
  } | null;
  readonly notice: string | null;
  /**
   * The section the notice belongs in: the one the redirect's fragment scrolls to (`#password` after a password
   * change), so that the notice is in view where the page lands. Null, or a section not on the page: at the top.
   */
  readonly noticeSection?: PreferencesSection | null;
}

/** The sections of User preferences, by their ids (the fragments links and redirects use). */
export type PreferencesSection = 'time-zone' | 'password' | 'two-factor' | 'access-tokens';

export function preferencesPage(frame: PageFrame, input: PreferencesInput): SafeHtml {
  const base = frame.org!.basePath;
  const user = frame.user!;
  const present: Record<PreferencesSection, boolean> = {
    'time-zone': true,
    password: input.canChangePassword,
    'two-factor': true,
    'access-tokens': input.tokens !== null,
  };
  const section = input.noticeSection && present[input.noticeSection] ? input.noticeSection : null;
  /** The notice, where it belongs: in `where`, or at the top when it belongs in no section on the page. */
  const noticeIn = (where: PreferencesSection | null) => where === section && input.notice && alert('success', input.notice, 'done-notice');
  return layout(
    { ...frame, active: 'preferences' },
    'User preferences',
    html`${pageHeading('User preferences')}
${noticeIn(null)}
<section class="card" aria-labelledby="pref-user">
  <h2 id="pref-user" class="card-title">User</h2>
  <dl class="properties">
    <dt>User name</dt><dd>${user.name}</dd>
    <dt>Full name</dt><dd>${input.fullName || html`<span class="muted">Not set</span>`}</dd>
    <dt>Email</dt><dd>${input.email || html`<span class="muted">Not set</span>`}</dd>
    <dt>Organization</dt><dd>${user.orgName}</dd>
    <dt>Role</dt><dd>${user.roleName}</dd>
  </dl>
</section>
<section class="card" aria-labelledby="pref-time-zone" id="time-zone">
  <h2 id="pref-time-zone" class="card-title">Time zone</h2>
  ${noticeIn('time-zone')}
  <p>Dates and times are shown in <strong>${input.timeZone}</strong>, and dates you type are read in it.</p>
  <a class="btn btn-outline" href="${base}/preferences/time-zone">Change time zone</a>
</section>
${input.canChangePassword && passwordSection(base, input.tokens !== null, noticeIn('password'))}
<section class="card" aria-labelledby="pref-totp" id="two-factor">
  <h2 id="pref-totp" class="card-title">Two-factor authentication</h2>
  ${noticeIn('two-factor')}
  ${totpSection(base, input.totp, frame.csrfToken, input.recoveryCodesLeft)}
</section>
${input.tokens && accessTokensSection(base, input.tokens, noticeIn('access-tokens'))}`,
  );
}

function passwordSection(base: string, withTokens: boolean, notice: HtmlValue): SafeHtml {
  return html`<section class="card" aria-labelledby="pref-password" id="password">
  <h2 id="pref-password" class="card-title">Password</h2>
  ${notice}
  <p>Changing your password signs you out of your other sessions.${withTokens && ' You can also revoke all your API tokens at the same time.'}</p>
  <a class="btn btn-outline" href="${base}/preferences/password">Change password</a>
</section>`;
}

function totpSection(base: string, state: PreferencesInput['totp'], csrfToken: string, recoveryCodesLeft: number): SafeHtml {
  if (state === 'enabled') {
    return html`<p><span class="badge badge-success">Enabled</span> Signing in asks for a code from your authenticator app after your password.</p>
  <p id="recovery-codes-left"${recoveryCodesLeft <= 2 ? html` class="text-warning"` : ''}>Recovery codes left: <strong>${recoveryCodesLeft}</strong> of 10. Each one signs you in once if you lose your app.${recoveryCodesLeft <= 2 ? ' Make a new set soon.' : ''}</p>
  <div class="button-row"><a class="btn btn-outline" href="${base}/preferences/totp/recovery-codes/new">New recovery codes</a> <a class="btn btn-outline" href="${base}/preferences/totp/disable">Turn off</a></div>`;
  }
  if (state === 'enrolling') {
    // A set-up in progress is continued with the key already scanned; "Start again" makes a new key, and says so
    // (until 2026-12-05 it was the only way back, and the key the app held stopped matching without a word).
    return html`<p>Set-up was started but not confirmed yet. With two-factor authentication, signing in also asks for a 6-digit code from an authenticator app on your phone.</p>
  <div class="button-row"><a class="btn btn-primary" href="${base}/preferences/totp">Continue set-up</a>
  <form method="post" action="${base}/preferences/totp/start">${csrfField(csrfToken)}<button type="submit" class="btn btn-outline" aria-describedby="totp-restart-help">Start again with a new key</button></form></div>
  <p class="field-help" id="totp-restart-help">A new key replaces the one you may have scanned already: remove that entry from your authenticator app.</p>`;
  }
  return html`<p>Not enabled. With two-factor authentication, signing in also asks for a 6-digit code from an authenticator app on your phone.</p>
  <form method="post" action="${base}/preferences/totp/start">${csrfField(csrfToken)}<button type="submit" class="btn btn-outline">Set up</button></form>`;
}

/**
 * The Access Tokens card: the name search and the pager of Administration's token lists (searchBar, pagination; since
 * 2026-12-07, when the list stopped at 500 tokens with no way to find one), the live tokens a page at a time, newest
 * first, and the revoked ones after them on the last page. Every link and form leads back to this card.
 */
function accessTokensSection(base: string, tokens: NonNullable<PreferencesInput['tokens']>, notice: HtmlValue): SafeHtml {
  const path = `${base}/preferences`;
  const keep = { search: tokens.search, ended: tokens.endedAll ? 'all' : null };
  const at = (params: Record<string, string | number | null>) => `${listUrl(path, params)}#access-tokens`;
  const info = { page: tokens.page, pageSize: TOKEN_PAGE_SIZE, total: tokens.liveTotal };
  return html`<section class="card" aria-labelledby="access-tokens-title" id="access-tokens">
  <div class="card-header-row">
    <h2 id="access-tokens-title" class="card-title">Access Tokens</h2>
    ${tokens.canCreate && html`<a class="btn btn-primary" href="${base}/preferences/tokens/new">New</a>`}
  </div>
  ${notice}
  <p class="card-text">API tokens let scripts and tools act as you without your password or verification code. A token is shown once, when it is created. Revoke any token you no longer use.</p>
  ${expiringSoonNotice(base, tokens.expiringSoon)}
  ${searchBar({ path: `${path}#access-tokens`, ariaLabel: 'Your API tokens', inputId: 'token-search', label: 'Token name', search: tokens.search })}
  ${
    pastLastPage(info)
      ? '' // past the last page: the pagination below says so (paging.ts)
      : tokenTable(tokens.items, {
          basePath: base,
          caption: 'Your API tokens',
          showOwner: false,
          showOrg: false,
          revokeFrom: 'preferences',
          place: { search: tokens.search, page: tokens.page },
          emptyText:
            tokens.search === ''
              ? 'You have no API tokens.'
              : html`None of your API tokens has a name that contains this. <a href="${at({ ended: keep.ended })}">Clear the search</a> to list them all.`,
          canRegenerate: tokens.canCreate,
        })
  }
  ${pagination(
    info,
    (page) => at({ ...keep, page: page === 1 ? null : page }),
    'live API tokens',
    // The revoked tokens listed after the live ones (on the last page): until 2026-12-07 the line under them read
    // "No live API tokens · page 1 of 1" when no token was live, as if the rows above were none.
    tokens.endedShown > 0 ? `${tokens.endedShown.toLocaleString('en-US')} revoked shown` : '',
  )}
  ${
    tokens.endedTotal > tokens.endedShown &&
    tokens.endedShown > 0 &&
    html`<p class="muted" id="ended-tokens-note">Showing the ${tokens.endedShown} most recently revoked of ${tokens.endedTotal} revoked tokens kept. <a href="${at({ ...keep, ended: 'all', page: tokens.page === 1 ? null : tokens.page })}">Show all revoked tokens</a></p>`
  }
</section>`;
}
