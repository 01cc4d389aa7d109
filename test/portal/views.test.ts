/**
 * What the portal's views say and how they mark it up, without a server: which field an error is about (focus,
 * aria-invalid, aria-describedby), live regions only for what follows an action, distinct names for the copy
 * buttons, where a notice goes on User preferences, how a revoked token's end is worded, the New token form's date
 * bounds, and the curl snippet's handling of a refused exchange.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tenantPortal } from '../../src/http/portal/portal-org.js';
import type { PageFrame } from '../../src/http/portal/views/layout.js';
import { newTokenPage, revokeConfirmPage, tokenCreatedPage } from '../../src/http/portal/views/token-pages.js';
import { signInPage } from '../../src/http/portal/views/sign-in.js';
import { totpDisablePage } from '../../src/http/portal/views/totp-enrolment.js';
import { preferencesPage, type PreferencesInput } from '../../src/http/portal/views/preferences.js';
import { revokedHowText, tokenTable } from '../../src/http/portal/views/token-table.js';
import { alert, note, sentence } from '../../src/http/portal/views/components.js';
import { errorPage } from '../../src/http/portal/views/error-page.js';
import { tokenUsageSnippets } from '../../src/http/portal/token-usage.js';
import { expiryDateBounds } from '../../src/http/portal/routes/tokens.js';
import type { TokenListItem } from '../../src/http/portal/token-queries.js';
import { listedToken } from './listed-token.js';

const acme = tenantPortal('acme');
const frame: PageFrame = {
  org: acme,
  user: { name: 'bob', orgName: 'acme', roleName: 'vApp Author' },
  csrfToken: 'csrf',
  showAdministration: false,
};

/** The opening tag of the element with this id. */
function tagOf(page: string, id: string): string {
  const m = new RegExp(`<[a-z]+ [^>]*id="${id}"[^>]*>`).exec(page);
  assert.ok(m, `no element #${id}`);
  return m[0];
}

const newForm = (over: Partial<Parameters<typeof newTokenPage>[1]> = {}) =>
  newTokenPage(frame, {
    name: 'ci',
    expiry: 'date',
    expiresOn: '2020-01-01',
    minDate: '2026-12-05',
    maxDate: null,
    maxLifetimeDays: null,
    timeZone: 'UTC',
    zoneLabel: 'UTC',
    error: null,
    scope: '',
    roles: [],
    ...over,
  }).value;

test('New token: an error about the date points at the date field, not at the name', () => {
  const page = newForm({ error: 'The expiry date must be today (2026-12-05) or later.', errorField: 'expiresOn' });
  const date = tagOf(page, 'token-expires');
  const name = tagOf(page, 'token-name');
  assert.match(date, /aria-describedby="token-expires-help token-error"/);
  assert.match(date, /aria-invalid="true"/);
  assert.match(date, / autofocus/);
  // A numeric keypad (inputmode="numeric") has no "-" on every phone (iOS shows digits only), and the date needs it.
  assert.doesNotMatch(date, /inputmode/);
  assert.doesNotMatch(name, /token-error|aria-invalid|autofocus/);
  assert.match(page, /role="alert" id="token-error"/);

  const byName = newForm({ error: 'Enter a name for the token.', errorField: 'name' });
  assert.match(tagOf(byName, 'token-name'), /aria-describedby="token-name-help token-error" aria-invalid="true" autofocus/);
  assert.doesNotMatch(tagOf(byName, 'token-expires'), /token-error|aria-invalid|autofocus/);

  const byScope = newForm({ error: 'A token cannot hold rights its owner lacks: x.', errorField: 'scope' });
  assert.match(tagOf(byScope, 'token-scope'), /aria-describedby="token-scope-help token-error" aria-invalid="true" autofocus/);

  const fresh = newForm();
  assert.match(tagOf(fresh, 'token-name'), / autofocus/, 'without an error the name has the focus');
  assert.doesNotMatch(fresh, /aria-invalid/);
});

test('New token: the page states the bounds the handler checks (today at the earliest; the last day within the cap)', () => {
  const page = newForm({ minDate: '2026-12-05' });
  assert.match(page, /The earliest is today, 2026-12-05\./);
  assert.doesNotMatch(page, /tomorrow/i);
  const capped = newForm({ minDate: '2026-12-05', maxDate: '2026-12-14', maxLifetimeDays: 10 });
  assert.match(capped, /the latest your organization allows is 2026-12-14 \(at most 10 days\)\. The default is the latest allowed\./);

  const noon = Date.UTC(2026, 11, 5, 12, 0, 0);
  assert.deepEqual(expiryDateBounds(noon, 'UTC', null), { earliest: '2026-12-05', latest: null });
  // The cap is an instant (now + 10 days, 12:00 on the 15th): the 15th ends after it, so the 14th is the last day.
  assert.deepEqual(expiryDateBounds(noon, 'UTC', 10), { earliest: '2026-12-05', latest: '2026-12-14' });
  // In the user's zone: 23:30 UTC on the 5th is already the 6th in Tokyo.
  assert.deepEqual(expiryDateBounds(Date.UTC(2026, 11, 5, 23, 30), 'Asia/Tokyo', 1), { earliest: '2026-12-06', latest: '2026-12-06' });
});

test('sign-in: after a wrong password the password has the focus and the error; with no user name, the user name', () => {
  const wrong = signInPage({ org: acme, csrfToken: 'x', userName: 'alice', error: 'The user name or password is incorrect.' }).value;
  assert.match(tagOf(wrong, 'password'), /aria-describedby="sign-in-error" aria-invalid="true" autofocus/);
  assert.doesNotMatch(tagOf(wrong, 'username'), /autofocus|aria-invalid|sign-in-error/);
  const empty = signInPage({ org: acme, csrfToken: 'x', userName: '', error: 'Enter your user name and password.' }).value;
  assert.match(tagOf(empty, 'username'), /aria-describedby="sign-in-error" aria-invalid="true" autofocus/);
  assert.doesNotMatch(tagOf(empty, 'password'), /autofocus/);
  const fresh = signInPage({ org: acme, csrfToken: 'x' }).value;
  assert.match(tagOf(fresh, 'username'), / autofocus/);
  assert.doesNotMatch(fresh, /aria-invalid/);
});

const created = () =>
  tokenCreatedPage(frame, {
    name: 'ci',
    token: 'AbCdEfGhIjKlMnOpQrStUvWxYz012345',
    expiresAt: null,
    usage: tokenUsageSnippets('https://portal.example', '/oauth/tenant/acme', { insecure: false }),
  }).value;

test('the created page: three copy buttons with distinct accessible names; its fixed warnings are notes, not alerts', () => {
  const page = created();
  const names = [...page.matchAll(/<button [^>]*data-copy="([^"]+)"[^>]*>(.*?)<\/button>/g)].map((m) => [
    m[1],
    m[2]!.replace(/<[^>]+>/g, '').trim(),
  ]);
  assert.deepEqual(names, [
    ['api-token', 'Copy token'],
    ['usage-curl', 'Copy curl command'],
    ['usage-powershell', 'Copy PowerShell command'],
  ]);
  assert.match(page, /<div class="alert alert-warning" role="note" id="token-warning">.*Copy this token now/s);
  assert.match(page, /role="note" id="never-expires-note"/);
  assert.doesNotMatch(page, /role="alert"/, 'nothing on this page is an error after an action');
});

test('the revoke warning and the two-factor intro are notes; errors after an action stay alerts, and end with a full stop', () => {
  const token = listedToken({});
  const revoke = revokeConfirmPage(frame, { token, showOwner: false, from: 'preferences', cancelHref: '/tenant/acme/preferences' }).value;
  assert.match(
    revoke,
    /role="note" id="revoke-warning"><span class="alert-icon" aria-hidden="true"><\/span><div class="alert-text">Scripts using this token/,
  );
  assert.doesNotMatch(revoke, /role="alert"/);
  const off = totpDisablePage(frame, { error: null }).value;
  assert.match(off, /role="note" id="totp-disable-warning">.*Without two-factor authentication/s);
  assert.doesNotMatch(off, /role="alert"/);
  const failed = totpDisablePage(frame, { error: 'The password is wrong' }).value;
  assert.match(failed, /role="alert" id="totp-disable-error">.*The password is wrong\.<\/div>/s);

  assert.match(alert('danger', 'You already have an API token named "x"').value, /named &quot;x&quot;\.<\/div>/);
  assert.match(alert('danger', 'Is it?').value, /Is it\?<\/div>/);
  assert.match(note('warning', 'Fixed text').value, /role="note"/);
  assert.equal(sentence('The expiry date must be in the future'), 'The expiry date must be in the future.');
  assert.equal(sentence('Done.'), 'Done.');
  assert.match(errorPage(frame, 403, 'Access denied').value, /<p>Access denied\.<\/p>/);
});

const preferences = (over: Partial<PreferencesInput>) =>
  preferencesPage(frame, {
    fullName: '',
    email: '',
    canChangePassword: true,
    timeZone: 'UTC',
    totp: 'enabled',
    recoveryCodesLeft: 10,
    tokens: { items: [], liveTotal: 0, endedTotal: 0, endedShown: 0, search: '', page: 1, expiringSoon: [], canCreate: true },
    notice: 'Done.',
    ...over,
  }).value;

/** The text of `<section ... id="id">...</section>` (sections do not nest on this page). */
function section(page: string, id: string): string {
  const m = new RegExp(`<section [^>]*id="${id}">([\\s\\S]*?)</section>`).exec(page);
  assert.ok(m, `no section #${id}`);
  return m[1]!;
}

test('User preferences: a notice is shown in the section the redirect scrolls to, else at the top', () => {
  for (const [where, id] of [
    ['access-tokens', 'access-tokens'],
    ['password', 'password'],
    ['two-factor', 'two-factor'],
    ['time-zone', 'time-zone'],
  ] as const) {
    const page = preferences({ notice: `Notice for ${where}.`, noticeSection: where });
    assert.match(section(page, id), new RegExp(`role="status" id="done-notice">.*Notice for ${where}\\.`, 's'), where);
    assert.equal(page.split('id="done-notice"').length, 2, 'once');
  }
  const top = preferences({ notice: 'At the top.', noticeSection: null });
  assert.ok(top.indexOf('id="done-notice"') < top.indexOf('<section'), 'no section: above the first one');
  const noPassword = preferences({ notice: 'Changed.', noticeSection: 'password', canChangePassword: false });
  assert.ok(noPassword.indexOf('id="done-notice"') < noPassword.indexOf('<section'), 'a section not on the page: at the top');
});

const revoked = (over: Partial<TokenListItem>): TokenListItem => listedToken({ revokedAt: Date.UTC(2026, 11, 5, 10, 0), ...over });

test('a revoked token says who or what revoked it, as far as the store and the audit trail know', () => {
  assert.equal(revokedHowText(revoked({ revokedBy: 'alice' })), ' by alice');
  assert.equal(
    revokedHowText(revoked({ revokedHow: { kind: 'password-changed', byOwner: true, actorName: 'bob' } })),
    ' when its owner changed the password',
  );
  assert.equal(
    revokedHowText(revoked({ revokedHow: { kind: 'password-changed', byOwner: false, actorName: 'alice' } })),
    " when alice changed its owner's password",
  );
  assert.equal(
    revokedHowText(revoked({ revokedHow: { kind: 'account-disabled', actorName: 'alice' } })),
    " when alice disabled its owner's account",
  );
  assert.equal(revokedHowText(revoked({ revokedHow: { kind: 'holder' } })), ' by someone holding the token (OAuth revocation)');
  assert.equal(revokedHowText(revoked({})), '', 'unknown: only when, no guess');
  const table = tokenTable([revoked({})], {
    basePath: '/tenant/acme',
    caption: 'Tokens',
    showOwner: false,
    showOrg: false,
    revokeFrom: 'preferences',
    emptyText: '',
  }).value;
  assert.match(table, /<span class="token-ended">Revoked <time datetime="2026-12-05T10:00:00.000Z">2026-12-05 10:00 UTC<\/time><\/span>/);
  assert.doesNotMatch(table, /its holder or an administrator/);
  assert.match(table, /<th scope="col" class="cell-actions"><span class="visually-hidden">Actions<\/span><\/th>/);
});

test('the curl snippet stops with the server\'s answer when the exchange is refused, instead of sending "Bearer null"', () => {
  const { curl } = tokenUsageSnippets('https://portal.example', '/oauth/tenant/acme', { insecure: false });
  assert.doesNotMatch(curl, /jq -r \.access_token/);
  assert.match(curl, /jq -er '\.access_token \/\/ empty'/);
  assert.match(curl, /\|\| echo "The token exchange failed\$\{RESPONSE:\+: \$RESPONSE\}" >&2/);
  assert.match(curl, /\[ -n "\$ACCESS_TOKEN" \] && curl -sS 'https:\/\/portal\.example\/api\/query\?type=vm'/);
  assert.doesNotMatch(curl, /set -e|\bexit\b/, 'nothing that would close the shell it is pasted into');
});
