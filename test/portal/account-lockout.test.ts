/**
 * The org's account lockout at the portal: a locked user at the sign-in page is told the account is locked and
 * that an administrator can unlock it (not "the password is incorrect"), also at the verification-code step; the
 * administrator sees the user as Locked and unlocks them from the user's page.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { signIn as apiSignIn } from '../helpers/api.js';
import { createUser } from '../security/support.js';
import { newTotpSecret, totpCode } from '../../src/auth/totp.js';
import { parseOrgSettings, serializeOrgSettings } from '../../src/domain/org-settings.js';
import { PortalClient, csrfFrom } from './portal-client.js';

const PORTAL = '/tenant/acme';
const LOCKED = /This account is locked after too many failed sign-in attempts\. An administrator of its organization can unlock it/;
let server: TesseraHandle;
let alice: string;

before(async () => {
  server = await startTessera({ config: { signInRateLimit: 100_000, signInFailuresPerAddress: 100_000 } });
  alice = await apiSignIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
  const acme = (await server.store.getOrgByName('acme'))!;
  const settings = parseOrgSettings(acme.settings);
  settings.passwordPolicy = { accountLockoutEnabled: true, invalidLoginsBeforeLockout: 3, accountLockoutIntervalMinutes: 10 };
  await server.store.db
    .updateTable('orgs')
    .set({ settings: serializeOrgSettings(settings) })
    .where('id', '=', acme.id)
    .execute();
});
after(async () => server?.stop());

const attempt = (client: PortalClient, username: string, password: string) =>
  client.submit(`${PORTAL}/login`, `${PORTAL}/login`, { username, password });

test('a locked user is told so at the sign-in page; the administrator sees Locked and unlocks', async () => {
  const user = await createUser(server.baseUrl, alice);
  const browser = new PortalClient(server.server.app);
  for (let i = 0; i < 2; i++) {
    const res = await attempt(browser, user.name, 'not-the-password');
    assert.equal(res.statusCode, 401);
    assert.match(res.body, /The user name or password is incorrect/);
  }
  const third = await attempt(browser, user.name, 'not-the-password');
  assert.equal(third.statusCode, 401);
  assert.match(third.body, LOCKED, 'the attempt that locks says so');
  const right = await attempt(browser, user.name, user.password);
  assert.equal(right.statusCode, 401);
  assert.match(right.body, LOCKED);
  assert.match(right.body, /unlocks in 10 minutes/);
  assert.doesNotMatch(right.body, /password is incorrect/);

  const adminBrowser = new PortalClient(server.server.app);
  await adminBrowser.signIn(PORTAL, 'alice', server.demoPassword);
  const id = user.id.replace('urn:vcloud:user:', '');
  const detail = await adminBrowser.get(`${PORTAL}/administration/users/${id}`);
  assert.equal(detail.statusCode, 200);
  assert.match(detail.body, />Locked</);
  const unlocked = await adminBrowser.post(`${PORTAL}/administration/users/${id}/unlock`, { _csrf: csrfFrom(detail.body) });
  assert.equal(unlocked.statusCode, 303, unlocked.body.slice(0, 300));
  const after = await adminBrowser.get(String(unlocked.headers.location));
  assert.match(after.body, /their failed sign-ins and verification codes no longer count/);
  assert.doesNotMatch(after.body, />Locked</);

  const again = await attempt(browser, user.name, user.password);
  assert.equal(again.statusCode, 303);
  assert.equal(again.headers.location, `${PORTAL}/`);
});

test('an account locked between the password and the code: the code step says so', async () => {
  const user = await createUser(server.baseUrl, alice);
  const id = user.id.replace('urn:vcloud:user:', '');
  const secret = newTotpSecret();
  await server.store.updateUser(id, { totp_secret: secret, totp_enabled: 1, totp_last_step: 0 });
  const browser = new PortalClient(server.server.app);
  const first = await attempt(browser, user.name, user.password);
  assert.equal(first.statusCode, 303);
  assert.equal(first.headers.location, `${PORTAL}/login/code`);
  // Someone else's guesses lock the account meanwhile.
  for (let i = 0; i < 3; i++) await attempt(new PortalClient(server.server.app), user.name, 'not-the-password');
  const code = await browser.submit(`${PORTAL}/login/code`, `${PORTAL}/login/code`, { code: totpCode(secret, Date.now() + 30_000) });
  assert.equal(code.statusCode, 401);
  assert.match(code.body, LOCKED);
});

test('the per-node failure brake (no org lockout) answers the sign-in form with when to retry, not the error page', async () => {
  const small = await startTessera({ config: { signInRateLimit: 100_000, signInFailuresPerAccount: 2 } });
  try {
    const browser = new PortalClient(small.server.app);
    for (let i = 0; i < 2; i++) assert.equal((await attempt(browser, 'bob', 'not-the-password')).statusCode, 401);
    const limited = await attempt(browser, 'bob', small.demoPassword);
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.match(limited.body, /Too many failed sign-in attempts\. Try again in 10 minutes\./);
    assert.match(limited.body, /name="password"/, 'the sign-in form again');

    // The administrator sees that brake as a lock, with its Unlock, which ends it (until 2026-12-06 the user page
    // said "Enabled" and offered no Unlock while bob's right password was refused).
    const admin = new PortalClient(small.server.app);
    await admin.signIn(PORTAL, 'alice', small.demoPassword);
    const bobId = (await small.store.getUserByName((await small.store.getOrgByName('acme'))!.id, 'bob'))!.id;
    const list = await admin.get(`${PORTAL}/administration/users?search=bob`);
    assert.match(list.body, />Locked</, 'the list shows the lock');
    const detail = await admin.get(`${PORTAL}/administration/users/${bobId}`);
    assert.match(detail.body, />Locked<\/span> until /);
    assert.ok(detail.body.includes(`action="${PORTAL}/administration/users/${bobId}/unlock"`), 'an Unlock button');
    const unlocked = await admin.post(`${PORTAL}/administration/users/${bobId}/unlock`, { _csrf: csrfFrom(detail.body) });
    assert.equal(unlocked.statusCode, 303);
    assert.doesNotMatch((await admin.get(`${PORTAL}/administration/users/${bobId}`)).body, />Locked</);
    assert.equal((await attempt(browser, 'bob', small.demoPassword)).statusCode, 303, 'the right password works again');
    const event = await small.store.db
      .selectFrom('audit_events')
      .select('details')
      .where('event_type', '=', 'user.unlocked')
      .executeTakeFirstOrThrow();
    assert.equal(JSON.parse(event.details).wasLocked, true);
  } finally {
    await small.stop();
  }
});
