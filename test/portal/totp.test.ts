/**
 * User preferences > Two-factor authentication through `app.inject`: set-up and "Turn off", which go through
 * the same TotpEnrolmentService as the cloudapi (src/auth/totp-enrolment.ts). Turning it off needs the password
 * and a fresh code (a code of the step used to confirm or sign in is refused), is CSRF-protected, and audited.
 *
 * Codes belong to 30-second steps, each usable once; a test computes its codes relative to one step
 * (freshTotpWindow) so it never waits for the clock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn as apiSignIn } from '../helpers/api.js';
import { totpCode } from '../../src/auth/totp.js';
import { createUser, freshTotpWindow, signInReply } from '../security/support.js';
import { PortalClient, csrfFrom, wrongTotpCode } from './portal-client.js';

const ACME = '/tenant/acme';
const DISABLE = `${ACME}/preferences/totp/disable`;

/** A code for the step `offset` steps from the step starting at `stepStart`. */
const codeAt = (secret: string, stepStart: number, offset: number) => totpCode(secret, stepStart + offset * 30_000 + 15_000);

describe('portal: two-factor authentication', () => {
  let server: TesseraHandle;
  let aliceApi: string;

  before(async () => {
    server = await startTessera({ demo: true });
    aliceApi = await apiSignIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
  });
  after(async () => server?.stop());

  /** A fresh user who set TOTP up in the portal, confirming with the code of step -1 (steps 0 and +1 stay fresh). */
  async function enrolledInPortal(stepStart: number) {
    const user = await createUser(server.baseUrl, aliceApi, { role: 'vApp Author' });
    const userId = user.id.replace('urn:vcloud:user:', '');
    const portal = new PortalClient(server.server.app);
    await portal.signIn(ACME, user.name, user.password);
    const prefs = await portal.get(`${ACME}/preferences`);
    assert.doesNotMatch(prefs.body, /Turn off/, 'nothing to turn off yet');
    const start = await portal.post(`${ACME}/preferences/totp/start`, { _csrf: csrfFrom(prefs.body) });
    assert.equal(start.statusCode, 303);
    const setUp = await portal.get(`${ACME}/preferences/totp`);
    const secret = /id="totp-secret"[^>]*>([A-Z2-7]+)</.exec(setUp.body)?.[1];
    assert.ok(secret, 'the set-up page shows the key');
    const confirm = await portal.post(`${ACME}/preferences/totp/confirm`, {
      _csrf: csrfFrom(setUp.body),
      code: codeAt(secret, stepStart, -1),
    });
    assert.equal(confirm.statusCode, 303);
    // Enabled: the first recovery codes are shown next, once (test/portal/recovery-codes.test.ts).
    assert.equal(confirm.headers.location, `${ACME}/preferences/totp/recovery-codes`);
    const codesPage = await portal.get(`${ACME}/preferences/totp/recovery-codes`);
    const recoveryCodes = [...codesPage.body.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
    assert.equal(recoveryCodes.length, 10, 'ten recovery codes are shown after the set-up');
    return { ...user, userId, portal, secret, recoveryCodes };
  }

  const totpEnabled = async (userId: string) => (await server.store.getUser(userId))!.totp_enabled === 1;

  test('the set-up page: the code field has focus; a missing or malformed code says what to enter, marks the field, and spends nothing', async () => {
    const user = await createUser(server.baseUrl, aliceApi, { role: 'vApp Author' });
    const portal = new PortalClient(server.server.app);
    await portal.signIn(ACME, user.name, user.password);
    const prefs = await portal.get(`${ACME}/preferences`);
    await portal.post(`${ACME}/preferences/totp/start`, { _csrf: csrfFrom(prefs.body) });
    // Back on User preferences, the set-up in progress is continued with the same key; starting again says it
    // makes a new one.
    const during = await portal.get(`${ACME}/preferences`);
    assert.match(during.body, new RegExp(`<a class="btn btn-primary" href="${ACME}/preferences/totp">Continue set-up</a>`));
    assert.match(during.body, /Start again with a new key/);
    const setUp = await portal.get(`${ACME}/preferences/totp`);
    assert.match(setUp.body, /id="totp-code"[^>]* autofocus/);
    const secret = /id="totp-secret"[^>]*>([A-Z2-7]+)</.exec(setUp.body)?.[1];
    for (const code of ['', '12', 'abcdef', '1234567']) {
      const res = await portal.post(`${ACME}/preferences/totp/confirm`, { _csrf: csrfFrom(setUp.body), code });
      assert.equal(res.statusCode, 400, code);
      assert.match(res.body, /Enter the 6-digit code your authenticator app shows/, code);
      assert.doesNotMatch(res.body, /time on your device/, `${code}: a malformed code is not a clock problem`);
      assert.match(res.body, /id="totp-code"[^>]* autofocus[^>]* aria-describedby="totp-error" aria-invalid="true"/, code);
      assert.equal(/id="totp-secret"[^>]*>([A-Z2-7]+)</.exec(res.body)?.[1], secret, 'the same key: the set-up goes on');
    }
  });

  test('once enabled, User preferences offers "Turn off"; its form asks for the password and a code', async () => {
    const step = await freshTotpWindow();
    const user = await enrolledInPortal(step);
    const prefs = await user.portal.get(`${ACME}/preferences?done=totp-enabled`);
    assert.match(prefs.body, /<span class="badge badge-success">Enabled<\/span>/);
    assert.match(prefs.body, new RegExp(`<a class="btn btn-outline" href="${DISABLE}">Turn off</a>`));
    assert.match(prefs.body, /Recovery codes left: <strong>10<\/strong> of 10/);
    const form = await user.portal.get(DISABLE);
    assert.equal(form.statusCode, 200);
    assert.ok(csrfFrom(form.body));
    assert.match(form.body, /<label for="totp-disable-password">Password<\/label>/);
    assert.match(form.body, /name="password" type="password" autocomplete="current-password" required autofocus>/);
    assert.match(form.body, /<label for="totp-disable-code">Code<\/label>/);
    assert.match(form.body, /<button type="submit" class="btn btn-danger">Turn off<\/button>/);
    const audit = await server.store.db.selectFrom('audit_events').select('event_type').where('actor_id', '=', user.userId).execute();
    assert.ok(
      audit.some((e) => e.event_type === 'totp.enrolled'),
      'the portal set-up is audited',
    );
  });

  test('a wrong password, a wrong code, a replayed code or missing fields: 400 with a message, and it stays on', async () => {
    const step = await freshTotpWindow();
    const user = await enrolledInPortal(step);
    const fresh = codeAt(user.secret, step, 0);
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      [
        'wrong password',
        { password: 'not-the-Password-1', code: fresh },
        /The password is wrong, or the code is wrong or was already used/,
      ],
      [
        'wrong code',
        { password: user.password, code: wrongTotpCode(user.secret) },
        /The password is wrong, or the code is wrong or was already used/,
      ],
      [
        'replayed code',
        { password: user.password, code: codeAt(user.secret, step, -1) },
        /The password is wrong, or the code is wrong or was already used/,
      ],
      ['no code', { password: user.password, code: '' }, /Enter your password and the 6-digit code/],
      ['no password', { password: '', code: fresh }, /Enter your password and the 6-digit code/],
    ];
    for (const [what, form, message] of cases) {
      const res = await user.portal.submit(DISABLE, DISABLE, form);
      assert.equal(res.statusCode, 400, what);
      assert.match(res.body, message, what);
      assert.match(res.body, /id="totp-disable-password"[^>]*aria-invalid="true"/, what);
      assert.ok(!res.body.includes(user.password), `${what}: the password is not sent back`);
    }
    assert.ok(await totpEnabled(user.userId), 'still enabled');
  });

  test("CSRF: no token, a wrong one or another session's token is a 403 and it stays on", async () => {
    const step = await freshTotpWindow();
    const user = await enrolledInPortal(step);
    const mine = csrfFrom((await user.portal.get(DISABLE)).body);
    const other = new PortalClient(server.server.app);
    await other.signIn(ACME, 'bob', server.demoPassword);
    const theirs = csrfFrom((await other.get(`${ACME}/preferences`)).body);
    const form = { password: user.password, code: codeAt(user.secret, step, 0) };
    const attempts: Record<string, Record<string, string>> = {
      missing: {},
      wrong: { _csrf: mine.slice(0, -4) + 'AAAA' },
      "another session's": { _csrf: theirs },
    };
    for (const [what, extra] of Object.entries(attempts)) {
      const res = await user.portal.post(DISABLE, { ...form, ...extra });
      assert.equal(res.statusCode, 403, what);
    }
    assert.ok(await totpEnabled(user.userId), 'still enabled');
  });

  test('the password and a fresh code turn it off: notice, audit, and sign-in asks for the password only', async () => {
    const step = await freshTotpWindow();
    const user = await enrolledInPortal(step);
    const res = await user.portal.submit(DISABLE, DISABLE, { password: user.password, code: codeAt(user.secret, step, 0) });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, `${ACME}/preferences?done=totp-disabled#two-factor`);
    const prefs = await user.portal.get(String(res.headers.location));
    assert.match(prefs.body, /Two-factor authentication is off\. Signing in now asks for your password only\./);
    // In the section the redirect's #two-factor scrolls to, not at the top of the page out of view.
    const twoFactor = /<section [^>]*id="two-factor">([\s\S]*?)<\/section>/.exec(prefs.body)![1]!;
    assert.match(twoFactor, /id="done-notice">.*Two-factor authentication is off\./s);
    assert.match(prefs.body, /Not enabled\./);
    assert.doesNotMatch(prefs.body, /Turn off/);

    const row = (await server.store.getUser(user.userId))!;
    assert.equal(row.totp_enabled, 0);
    assert.equal(row.totp_secret, null, 'the secret is gone');
    const audit = await server.store.db.selectFrom('audit_events').select('event_type').where('actor_id', '=', user.userId).execute();
    assert.ok(audit.some((e) => e.event_type === 'totp.disabled'));

    const signedIn = await signInReply(server.baseUrl, user.name, 'acme', user.password);
    assert.equal(signedIn.status, 200, 'no code needed any more');
    const status = await http(`${server.baseUrl}/cloudapi/1.0.0/users/current/totp`, {
      headers: bearer(signedIn.headers.get('x-vmware-vcloud-access-token')!),
    });
    assert.deepEqual(status.json(), { enabled: false }, 'the cloudapi agrees');

    // Nothing left to turn off: the form sends the user back to User preferences.
    const again = await user.portal.get(DISABLE);
    assert.equal(again.statusCode, 303);
    assert.equal(again.headers.location, `${ACME}/preferences#two-factor`);
  });

  test('enrolled through the cloudapi, turned off in the portal: one service behind both', async () => {
    const step = await freshTotpWindow();
    const user = await createUser(server.baseUrl, aliceApi, { role: 'vApp Author' });
    const session = await apiSignIn(server.baseUrl, user.name, 'acme', user.password);
    const json = { ...bearer(session), 'Content-Type': 'application/json' };
    const totpUrl = `${server.baseUrl}/cloudapi/1.0.0/users/current/totp`;
    const { secret } = (await http(totpUrl, { method: 'POST', headers: json, body: '{}' })).json();
    const confirmed = await http(`${totpUrl}/confirm`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ code: codeAt(secret, step, -1) }),
    });
    assert.equal(confirmed.status, 200, confirmed.text);

    const portal = new PortalClient(server.server.app);
    const first = await portal.submit(`${ACME}/login`, `${ACME}/login`, { username: user.name, password: user.password });
    assert.equal(first.headers.location, `${ACME}/login/code`);
    const code = await portal.submit(`${ACME}/login/code`, `${ACME}/login/code`, { code: codeAt(secret, step, 0) });
    assert.equal(code.headers.location, `${ACME}/`);
    const replayed = await portal.submit(DISABLE, DISABLE, { password: user.password, code: codeAt(secret, step, 0) });
    assert.equal(replayed.statusCode, 400, 'the code that just signed in is used');
    const off = await portal.submit(DISABLE, DISABLE, { password: user.password, code: codeAt(secret, step, 1) });
    assert.equal(off.statusCode, 303, off.body);
    assert.deepEqual((await http(totpUrl, { headers: bearer(session) })).json(), { enabled: false });
  });
});
