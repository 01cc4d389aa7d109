/**
 * User preferences > Change password, through `app.inject` (the portal) and fetch (what the user's other
 * sessions and scripts see): the current password is checked first and a wrong one changes nothing; the new
 * password is typed twice; CSRF; the user's other sessions end and this one stays; API tokens are revoked only
 * when the box is ticked (checked with an exchange at /oauth/tenant/acme/token); the page says what happened.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { accessTokenFrom, bearer, createApiToken, exchange, http, signIn as apiSignIn } from '../helpers/api.js';
import { createUser, freshRateWindow, signInReply } from '../security/support.js';
import { PortalClient, csrfFrom } from './portal-client.js';
import { verifyPassword } from '../../src/auth/passwords.js';

const ACME = '/tenant/acme';
const FORM = `${ACME}/preferences/password`;
const NEW_PASSWORD = 'brand-New-Password-7';

describe('portal: change password', () => {
  let server: TesseraHandle;
  let aliceApi: string;

  before(async () => {
    server = await startTessera({ demo: true });
    aliceApi = await apiSignIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
  });
  after(async () => server?.stop());

  /** A fresh acme user signed in to the portal, with a second (API) session and one API token. */
  async function freshUser() {
    const user = await createUser(server.baseUrl, aliceApi, { role: 'vApp Author' });
    const userId = user.id.replace('urn:vcloud:user:', '');
    const portal = new PortalClient(server.server.app);
    await portal.signIn(ACME, user.name, user.password);
    const apiSession = await apiSignIn(server.baseUrl, user.name, 'acme', user.password);
    const { apiToken } = await createApiToken(server.baseUrl, apiSession, 'acme', 'before-the-change');
    return { ...user, userId, portal, apiSession, apiToken };
  }

  const passwordHash = async (userId: string) => (await server.store.getUser(userId))!.password_hash;
  const sessionAlive = async (accessToken: string) =>
    (await http(`${server.baseUrl}/cloudapi/1.0.0/sessions/current`, { headers: bearer(accessToken) })).status === 200;
  const auditOf = async (userId: string, type: string) =>
    server.store.db.selectFrom('audit_events').selectAll().where('event_type', '=', type).where('actor_id', '=', userId).execute();

  test('User preferences links to the form: three password fields, the revoke box unticked, a CSRF token', async () => {
    const { portal } = await freshUser();
    const prefs = await portal.get(`${ACME}/preferences`);
    assert.match(prefs.body, /<section class="card" aria-labelledby="pref-password" id="password">/);
    assert.match(prefs.body, new RegExp(`<a class="btn btn-outline" href="${FORM}">Change password</a>`));

    const page = await portal.get(FORM);
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.ok(csrfFrom(page.body));
    assert.match(
      page.body,
      /<input id="current-password" name="currentPassword" type="password" autocomplete="current-password" required autofocus>/,
    );
    assert.match(page.body, /name="newPassword" type="password" autocomplete="new-password"/);
    assert.match(page.body, /name="confirmPassword" type="password" autocomplete="new-password"/);
    assert.match(
      page.body,
      /<input id="revoke-tokens" name="revokeTokens" type="checkbox" value="yes" aria-describedby="revoke-tokens-help">/,
      'unticked by default',
    );
    assert.match(page.body, /<label for="revoke-tokens">Also revoke all my API tokens<\/label>/);
  });

  test('a wrong current password changes nothing: 400 with a message, sessions and tokens live, audited', async () => {
    const user = await freshUser();
    const before = await passwordHash(user.userId);
    const res = await user.portal.submit(FORM, FORM, {
      currentPassword: 'not-the-Password-1',
      newPassword: NEW_PASSWORD,
      confirmPassword: NEW_PASSWORD,
      revokeTokens: 'yes',
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Your current password is wrong\. Your password was not changed\./);
    assert.match(
      res.body,
      /id="current-password"[^>]*aria-describedby="password-error" aria-invalid="true" autofocus/,
      'the field is marked and focused',
    );
    assert.match(res.body, /name="revokeTokens" type="checkbox" value="yes" checked/, 'the box keeps its state');
    assert.ok(!res.body.includes(NEW_PASSWORD) && !res.body.includes('not-the-Password-1'), 'typed passwords are not sent back');

    assert.equal(await passwordHash(user.userId), before, 'the password is unchanged');
    assert.equal((await signInReply(server.baseUrl, user.name, 'acme', user.password)).status, 200, 'the old password still signs in');
    assert.ok(await sessionAlive(user.apiSession), 'the other session lives');
    assert.equal((await exchange(server.baseUrl, 'acme', user.apiToken)).status, 200, 'the token still works');
    assert.equal((await user.portal.get(`${ACME}/preferences`)).statusCode, 200);
    const refused = await auditOf(user.userId, 'user.passwordChanged');
    assert.deepEqual(
      refused.map((e) => e.outcome),
      ['failure'],
    );
    assert.equal(JSON.parse(refused[0]!.details).reason, 'wrong current password');
  });

  test('mismatched, short, unchanged or missing passwords: 400 with a clear message, nothing changed', async () => {
    const user = await freshUser();
    const before = await passwordHash(user.userId);
    const cases: Array<[string, Record<string, string>, RegExp, string]> = [
      [
        'mismatch',
        { currentPassword: user.password, newPassword: NEW_PASSWORD, confirmPassword: `${NEW_PASSWORD}x` },
        /The new passwords do not match\./,
        'confirm-password',
      ],
      [
        'short',
        { currentPassword: user.password, newPassword: 'short1', confirmPassword: 'short1' },
        /The new password must be at least 8 characters\./,
        'new-password',
      ],
      [
        'unchanged',
        { currentPassword: user.password, newPassword: user.password, confirmPassword: user.password },
        /must be different from your current password/,
        'new-password',
      ],
      [
        'no current',
        { currentPassword: '', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD },
        /Enter your current password\./,
        'current-password',
      ],
      ['no new', { currentPassword: user.password, newPassword: '', confirmPassword: '' }, /Enter a new password\./, 'new-password'],
    ];
    for (const [what, form, message, field] of cases) {
      const res = await user.portal.submit(FORM, FORM, form);
      assert.equal(res.statusCode, 400, what);
      assert.match(res.body, message, what);
      assert.match(res.body, new RegExp(`id="${field}"[^>]*aria-invalid="true"`), `${what}: the field in error is marked`);
      assert.ok(!res.body.includes(NEW_PASSWORD) && !res.body.includes(user.password), `${what}: typed passwords are not sent back`);
    }
    assert.equal(await passwordHash(user.userId), before);
    assert.ok(await sessionAlive(user.apiSession));
  });

  test("CSRF: no token, a wrong one or another session's token is a 403 and changes nothing", async () => {
    const user = await freshUser();
    const other = await freshUser();
    const before = await passwordHash(user.userId);
    const mine = csrfFrom((await user.portal.get(FORM)).body);
    const theirs = csrfFrom((await other.portal.get(FORM)).body);
    const form = { currentPassword: user.password, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD, revokeTokens: 'yes' };
    const attempts: Record<string, Record<string, string>> = {
      missing: {},
      wrong: { _csrf: mine.slice(0, -4) + 'AAAA' },
      "another session's": { _csrf: theirs },
    };
    for (const [what, extra] of Object.entries(attempts)) {
      const res = await user.portal.post(FORM, { ...form, ...extra });
      assert.equal(res.statusCode, 403, what);
      assert.match(res.body, /did not come from this site/, what);
    }
    assert.equal(await passwordHash(user.userId), before, 'the password is unchanged');
    assert.ok(await sessionAlive(user.apiSession), 'the other session lives');
    assert.equal((await exchange(server.baseUrl, 'acme', user.apiToken)).status, 200, 'the token still works');
  });

  test('without the box: the other sessions end, this one stays, the API tokens keep working; the page says so', async () => {
    const user = await freshUser();
    const otherBrowser = new PortalClient(server.server.app);
    await otherBrowser.signIn(ACME, user.name, user.password);

    const res = await user.portal.submit(FORM, FORM, {
      currentPassword: user.password,
      newPassword: NEW_PASSWORD,
      confirmPassword: NEW_PASSWORD,
    });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, `${ACME}/preferences?done=password-changed#password`);
    const page = await user.portal.get(String(res.headers.location));
    assert.equal(page.statusCode, 200, 'this session stays signed in');
    assert.match(page.body, /Your password was changed\. Your other sessions were signed out; this one stays signed in\./);
    assert.doesNotMatch(
      page.body,
      /API tokens? (was|were) revoked|no API tokens to revoke/,
      'nothing said about tokens that were not touched',
    );

    assert.equal(await sessionAlive(user.apiSession), false, 'the API session ended');
    const other = await otherBrowser.get(`${ACME}/preferences`);
    assert.equal(other.statusCode, 303, 'the other browser is signed out');
    assert.equal(other.headers.location, `${ACME}/login?notice=expired&from=%2Ftenant%2Facme%2Fpreferences`);

    const exchanged = await exchange(server.baseUrl, 'acme', user.apiToken);
    assert.equal(exchanged.status, 200, `the token was not revoked: ${exchanged.text}`);

    assert.equal((await signInReply(server.baseUrl, user.name, 'acme', user.password)).status, 401, 'the old password is gone');
    assert.equal((await signInReply(server.baseUrl, user.name, 'acme', NEW_PASSWORD)).status, 200, 'the new one signs in');
    const changed = await auditOf(user.userId, 'user.passwordChanged');
    assert.deepEqual(
      changed.map((e) => [e.outcome, JSON.parse(e.details).tokensRevoked]),
      [['success', false]],
    );
  });

  test('with the box ticked: every API token is revoked (and the sessions made from them), and the page says how many', async () => {
    const user = await freshUser();
    const second = await createApiToken(
      server.baseUrl,
      await apiSignIn(server.baseUrl, user.name, 'acme', user.password),
      'acme',
      'second',
    );
    const tokenSession = await accessTokenFrom(server.baseUrl, 'acme', second.apiToken);
    assert.ok(await sessionAlive(tokenSession));

    const res = await user.portal.submit(FORM, FORM, {
      currentPassword: user.password,
      newPassword: NEW_PASSWORD,
      confirmPassword: NEW_PASSWORD,
      revokeTokens: 'yes',
    });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, `${ACME}/preferences?done=password-changed&tokens=2#password`);
    const page = await user.portal.get(String(res.headers.location));
    assert.equal(page.statusCode, 200, 'this session stays signed in');
    assert.match(page.body, /Your other sessions were signed out; this one stays signed in\. 2 API tokens were revoked\./);
    // Revoked tokens stay listed (greyed) until their retention ends: both are there, neither is live.
    assert.equal([...page.body.matchAll(/<tr data-token-id="[^"]+" data-status="revoked"/g)].length, 2, 'both listed as revoked');
    assert.doesNotMatch(page.body, /<tr data-token-id="[^"]+" data-status="(?!revoked)/, 'no token left live');
    // Each says what revoked it (the store has no revoker for these; the audit trail's password change says why).
    assert.equal(
      [...page.body.matchAll(/<span class="token-ended">Revoked <time [^>]*>[^<]*<\/time> when its owner changed the password<\/span>/g)]
        .length,
      2,
    );
    assert.doesNotMatch(page.body, /its holder or an administrator/);
    // The notice is in the Password section, where the redirect's #password lands, not scrolled away at the top.
    const passwordSection = /<section [^>]*id="password">([\s\S]*?)<\/section>/.exec(page.body)![1]!;
    assert.match(passwordSection, /id="done-notice">.*2 API tokens were revoked\./s);

    for (const token of [user.apiToken, second.apiToken]) {
      const exchanged = await exchange(server.baseUrl, 'acme', token);
      assert.equal(exchanged.status, 400);
      assert.equal(exchanged.json().minorErrorCode, 'invalid_grant');
    }
    assert.equal(await sessionAlive(tokenSession), false, 'a session made from a revoked token ends');
    assert.equal(await sessionAlive(user.apiSession), false, 'the password session ends');
    const changed = await auditOf(user.userId, 'user.passwordChanged');
    assert.deepEqual(
      changed.map((e) => [e.outcome, JSON.parse(e.details).tokensRevoked]),
      [['success', true]],
    );
  });

  test("a revoked token's note says what revoked it: someone holding it (RFC 7009), its owner's account disabled", async () => {
    const user = await freshUser();
    const held = await createApiToken(
      server.baseUrl,
      await apiSignIn(server.baseUrl, user.name, 'acme', user.password),
      'acme',
      'revoked-by-holder',
    );
    const revoked = await http(`${server.baseUrl}/oauth/tenant/acme/revoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: held.apiToken }).toString(),
    });
    assert.equal(revoked.status, 200);
    const own = await user.portal.get(`${ACME}/preferences`);
    assert.match(
      own.body,
      /revoked-by-holder <span class="badge badge-muted">Revoked<\/span><span class="token-ended">Revoked <time [^>]*>[^<]*<\/time> by someone holding the token \(OAuth revocation\)<\/span>/,
    );

    // alice disables the user: the remaining token ends with the account, and her list of the user's tokens says so.
    const alice = new PortalClient(server.server.app);
    await alice.signIn(ACME, 'alice', server.demoPassword);
    const disabled = await alice.submit(
      `${ACME}/administration/users/${user.userId}`,
      `${ACME}/administration/users/${user.userId}/disable`,
      {},
    );
    assert.equal(disabled.statusCode, 303, disabled.body.slice(0, 300));
    const list = await alice.get(`${ACME}/administration/users/${user.userId}/tokens`);
    assert.match(
      list.body,
      /before-the-change <span class="badge badge-muted">Revoked<\/span><span class="token-ended">Revoked <time [^>]*>[^<]*<\/time> when alice disabled its owner&#39;s account<\/span>/,
    );
  });

  test('the notice takes only a number from the URL, and only after a password change', async () => {
    const { portal } = await freshUser();
    const forged = await portal.get(`${ACME}/preferences?done=password-changed&tokens=%3Cb%3E1%3C%2Fb%3E`);
    assert.match(forged.body, /this one stays signed in\.<\/div>/, 'no token sentence for a value that is not a number');
    assert.doesNotMatch(forged.body, /&lt;b&gt;|<b>1/);
    const elsewhere = await portal.get(`${ACME}/preferences?done=revoked&tokens=3`);
    assert.doesNotMatch(elsewhere.body, /3 API tokens/);
  });

  test('wrong current passwords are limited like sign-in attempts: 429 with Retry-After, even for the right one', async () => {
    const small = await startTessera({ demo: true, config: { signInRateLimit: 3 } });
    try {
      await freshRateWindow();
      const admin = await apiSignIn(small.baseUrl, 'alice', 'acme', small.demoPassword);
      const user = await createUser(small.baseUrl, admin, { role: 'vApp Author' });
      const portal = new PortalClient(small.server.app);
      // A sign-in that succeeds is not counted (src/http/sign-in.ts): the three wrong current passwords are the minute's.
      await portal.signIn(ACME, user.name, user.password);
      const wrong = { currentPassword: 'not-the-Password-1', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD };
      for (let i = 0; i < 3; i++) assert.equal((await portal.submit(FORM, FORM, wrong)).statusCode, 400);
      const limited = await portal.submit(FORM, FORM, { ...wrong, currentPassword: user.password });
      assert.equal(limited.statusCode, 429);
      assert.ok(Number(limited.headers['retry-after']) >= 1);
      assert.match(limited.body, /Too many attempts\. Wait a minute and try again\. Your password was not changed\./);
      const userId = user.id.replace('urn:vcloud:user:', '');
      assert.ok(await verifyPassword((await small.store.getUser(userId))!.password_hash, user.password), 'not changed');
    } finally {
      await small.stop();
    }
  });
});
