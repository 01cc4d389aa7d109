/**
 * TOTP as the second sign-in factor (issue 2 item 6): enrol (secret, otpauth:// URI, SVG QR code) and confirm
 * with a first code; from then on sign-in needs `X-Tessera-TOTP`; replayed codes and brute force are refused
 * (per-user limit, lockout with Retry-After); disabling needs the password and a fresh code; a session made
 * from an API token can do none of it.
 *
 * Codes belong to 30-second steps and the server accepts the current step +-1, each step once. A scenario
 * computes its codes relative to one step (freshTotpWindow) so it never waits for the clock.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { accessTokenFrom, bearer, createApiToken, http, signIn } from '../helpers/api.js';
import { totpCode } from '../../src/auth/totp.js';
import { createUser, freshTotpWindow, signInReply } from './support.js';

const MAX_ATTEMPTS = 3;
const LOCKOUT_SECONDS = 60;
let t: TesseraHandle;
let base: string;
let alice: string;

before(async () => {
  t = await startTessera({ config: { totpMaxAttempts: MAX_ATTEMPTS, totpLockoutSeconds: LOCKOUT_SECONDS, signInRateLimit: 1000 } });
  base = t.baseUrl;
  alice = await signIn(base, 'alice', 'acme', t.demoPassword);
});
after(async () => {
  await t?.stop();
});

const totpUrl = () => `${base}/cloudapi/1.0.0/users/current/totp`;
const json = (token: string) => ({ ...bearer(token), 'Content-Type': 'application/json' });

/** A code for the step `offset` steps from the step starting at `stepStart`. */
const codeAt = (secret: string, stepStart: number, offset: number) => totpCode(secret, stepStart + offset * 30_000 + 15_000);

/** A fresh acme user with TOTP enrolled and confirmed with the code of step -1 (so steps 0 and +1 are fresh). */
async function enrolledUser(stepStart: number) {
  const user = await createUser(base, alice, { role: 'vApp Author' });
  const session = await signIn(base, user.name, 'acme', user.password);
  const start = await http(totpUrl(), { method: 'POST', headers: json(session), body: '{}' });
  assert.equal(start.status, 200, start.text);
  const { secret } = start.json();
  const confirm = await http(`${totpUrl()}/confirm`, {
    method: 'POST',
    headers: json(session),
    body: JSON.stringify({ code: codeAt(secret, stepStart, -1) }),
  });
  assert.equal(confirm.status, 200, confirm.text);
  return { ...user, secret: secret as string, session };
}

test('enrolment: secret, otpauth:// URI and SVG QR code; a wrong confirmation code is refused; then enabled', async () => {
  const user = await createUser(base, alice);
  const session = await signIn(base, user.name, 'acme', user.password);
  assert.deepEqual((await http(totpUrl(), { headers: bearer(session) })).json(), { enabled: false });
  const start = await http(totpUrl(), { method: 'POST', headers: json(session), body: '{}' });
  assert.equal(start.status, 200, start.text);
  assert.equal(start.headers.get('cache-control'), 'no-store');
  const { secret, otpauthUri, qrCodeSvg } = start.json();
  assert.match(secret, /^[A-Z2-7]{32}$/, '160-bit base32 secret');
  const uri = new URL(otpauthUri);
  assert.equal(uri.protocol, 'otpauth:');
  assert.equal(uri.host, 'totp');
  assert.equal(uri.searchParams.get('secret'), secret);
  assert.equal(uri.searchParams.get('issuer'), 'Tessera');
  assert.ok(decodeURIComponent(uri.pathname).includes(`${user.name}@acme`));
  assert.match(qrCodeSvg, /^<svg[\s\S]*<\/svg>\s*$/);
  // Enrolment is not active until confirmed: sign-in still needs no code.
  assert.equal((await signInReply(base, user.name, 'acme', user.password)).status, 200);
  const wrong = await http(`${totpUrl()}/confirm`, {
    method: 'POST',
    headers: json(session),
    body: JSON.stringify({ code: '000000' === totpCode(secret) ? '111111' : '000000' }),
  });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json().minorErrorCode, 'TOTP_INVALID');
  const ok = await http(`${totpUrl()}/confirm`, {
    method: 'POST',
    headers: json(session),
    body: JSON.stringify({ code: totpCode(secret) }),
  });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual((await http(totpUrl(), { headers: bearer(session) })).json(), { enabled: true });
  // Enrolling again while enabled is refused (disable first).
  assert.equal((await http(totpUrl(), { method: 'POST', headers: json(session), body: '{}' })).status, 400);
});

test('sign-in with TOTP: required after the password, accepted once per code, replay refused', async () => {
  const step = await freshTotpWindow();
  const user = await enrolledUser(step);
  // Without a code: 401 TOTP_REQUIRED, on both session APIs; with a wrong password the answer stays the plain 401.
  const missing = await signInReply(base, user.name, 'acme', user.password);
  assert.equal(missing.status, 401);
  assert.equal(missing.json().minorErrorCode, 'TOTP_REQUIRED');
  assert.equal(missing.headers.get('x-tessera-totp'), 'required');
  assert.equal(missing.headers.get('x-vmware-vcloud-access-token'), null);
  const badPassword = await signInReply(base, user.name, 'acme', 'wrong-password-1');
  assert.equal(badPassword.status, 401);
  assert.equal(badPassword.json().minorErrorCode, 'UNAUTHORIZED', 'no TOTP hint before the password is right');
  const legacy = await http(`${base}/api/sessions`, {
    method: 'POST',
    headers: {
      Authorization: 'Basic ' + Buffer.from(`${user.name}@acme:${user.password}`).toString('base64'),
      Accept: 'application/*+xml;version=37.0',
    },
  });
  assert.equal(legacy.status, 401);
  assert.match(legacy.text, /minorErrorCode="TOTP_REQUIRED"/);
  // A malformed code is simply wrong (few failures in this test: the server locks out after MAX_ATTEMPTS).
  const malformed = await signInReply(base, user.name, 'acme', user.password, { 'X-Tessera-TOTP': 'abc12' });
  assert.equal(malformed.status, 401);
  assert.equal(malformed.json().minorErrorCode, 'TOTP_INVALID');
  // The confirmation code (step -1) is already used.
  const replayConfirm = await signInReply(base, user.name, 'acme', user.password, { 'X-Tessera-TOTP': codeAt(user.secret, step, -1) });
  assert.equal(replayConfirm.status, 401);
  assert.equal(replayConfirm.json().minorErrorCode, 'TOTP_INVALID');
  // A fresh code works once.
  const code = codeAt(user.secret, step, 0);
  const ok = await signInReply(base, user.name, 'acme', user.password, { 'X-Tessera-TOTP': code });
  assert.equal(ok.status, 200, ok.text);
  assert.ok(ok.headers.get('x-vmware-vcloud-access-token')!.length > 32);
  const replay = await signInReply(base, user.name, 'acme', user.password, { 'X-Tessera-TOTP': code });
  assert.equal(replay.status, 401, 'a replayed code is refused');
  assert.equal(replay.json().minorErrorCode, 'TOTP_INVALID');
  // Two concurrent sign-ins with the same fresh code: exactly one wins.
  const next = codeAt(user.secret, step, 1);
  const both = await Promise.all([0, 1].map(() => signInReply(base, user.name, 'acme', user.password, { 'X-Tessera-TOTP': next })));
  assert.deepEqual(both.map((r) => r.status).sort(), [200, 401]);
});

test(`brute force: ${MAX_ATTEMPTS} wrong codes lock the user out (429 TOTP_LOCKED with Retry-After), even for a right code`, async () => {
  const step = await freshTotpWindow();
  const user = await enrolledUser(step);
  const right = new Set([-1, 0, 1].map((o) => codeAt(user.secret, step, o)));
  const wrongCodes = ['000000', '111111', '222222', '333333', '444444', '555555'].filter((c) => !right.has(c));
  for (let i = 1; i < MAX_ATTEMPTS; i++) {
    const r = await signInReply(base, user.name, 'acme', user.password, { 'X-Tessera-TOTP': wrongCodes[i]! });
    assert.equal(r.status, 401, `attempt ${i}`);
    assert.equal(r.json().minorErrorCode, 'TOTP_INVALID');
  }
  const locking = await signInReply(base, user.name, 'acme', user.password, { 'X-Tessera-TOTP': wrongCodes[0]! });
  assert.equal(locking.status, 429);
  assert.equal(locking.json().minorErrorCode, 'TOTP_LOCKED');
  assert.equal(locking.headers.get('retry-after'), String(LOCKOUT_SECONDS));
  const stillLocked = await signInReply(base, user.name, 'acme', user.password, { 'X-Tessera-TOTP': codeAt(user.secret, step, 0) });
  assert.equal(stillLocked.status, 429, 'the right code does not help during the lockout');
  const retryAfter = Number(stillLocked.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= LOCKOUT_SECONDS, `Retry-After ${retryAfter}`);
  // The lockout ends (the test moves the clock of the row instead of waiting a minute), then a fresh code works.
  await t.store.updateUser(user.id.replace('urn:vcloud:user:', ''), { totp_locked_until: Date.now() - 1 });
  const afterLockout = await signInReply(base, user.name, 'acme', user.password, { 'X-Tessera-TOTP': codeAt(user.secret, step, 0) });
  assert.equal(afterLockout.status, 200, afterLockout.text);
  // Another user is not affected by this user's lockout.
  assert.equal((await signInReply(base, 'bob', 'acme', t.demoPassword)).status, 200);
});

test('a parallel burst of wrong codes still locks the user out (the failure counter is atomic)', async () => {
  const step = await freshTotpWindow();
  const user = await enrolledUser(step);
  const right = codeAt(user.secret, step, 0);
  const wrong = right === '000000' ? '111111' : '000000';
  // Every attempt reads the user before any of them writes: a read-modify-write counter would count 1.
  const burst = await Promise.all(
    Array.from({ length: 8 }, (_, i) => signInReply(base, user.name, 'acme', user.password, { 'X-Tessera-TOTP': i === 7 ? right : wrong })),
  );
  const statuses = burst.map((r) => r.status);
  assert.ok(statuses.includes(429), `the burst reaches the lockout: ${statuses.join(',')}`);
  const after = await signInReply(base, user.name, 'acme', user.password, { 'X-Tessera-TOTP': codeAt(user.secret, step, 1) });
  assert.equal(after.status, 429, 'locked out after the burst');
  assert.ok(Number(after.headers.get('retry-after')) >= 1);
});

test(`a parallel burst checks no more codes than the lockout allows (${MAX_ATTEMPTS}): one attempt at a time per account`, async () => {
  const step = await freshTotpWindow();
  const user = await enrolledUser(step);
  const right = codeAt(user.secret, step, 0);
  const wrong = right === '000000' ? '111111' : '000000';
  const burst = await Promise.all(
    Array.from({ length: 20 }, () => signInReply(base, user.name, 'acme', user.password, { 'X-Tessera-TOTP': wrong })),
  );
  assert.ok(!burst.some((r) => r.status === 200));
  // Every code that was checked left its event: the failures, and the one that locked.
  const checked = await t.store.db
    .selectFrom('audit_events')
    .select(['event_type', 'details'])
    .where('actor_id', '=', user.id.replace('urn:vcloud:user:', ''))
    .where('event_type', 'in', ['session.refused', 'totp.locked'])
    .execute();
  const codesChecked = checked.filter((e) => e.event_type === 'totp.locked' || JSON.parse(e.details).reason === 'wrong verification code');
  // Side by side, every code of a burst was checked before the first failure locked (a 20-guess burst per lockout).
  assert.equal(codesChecked.length, MAX_ATTEMPTS, JSON.stringify(checked));
  assert.equal(burst.filter((r) => r.status === 429).length, 20 - MAX_ATTEMPTS + 1, 'the one that locks, and those that found the lock');
});

test(`a code typed at an open session: a parallel burst checks no more codes than the lockout allows (${MAX_ATTEMPTS})`, async () => {
  const step = await freshTotpWindow();
  const user = await enrolledUser(step);
  const row = (await t.store.getUser(user.id.replace('urn:vcloud:user:', '')))!;
  const right = codeAt(user.secret, step, 0);
  const wrong = right === '000000' ? '111111' : '000000';
  // As the portal's recovery-codes form proves it is the user with a code alone, twenty times side by side.
  const burst = await Promise.allSettled(
    Array.from({ length: 20 }, () => t.server.services.sessions.freshSecondFactorStep(row, wrong, '192.0.2.7')),
  );
  assert.ok(!burst.some((r) => r.status === 'fulfilled' && r.value !== null), 'no wrong code passes');
  const checked = burst.filter((r) => r.status === 'fulfilled').length;
  // Until 2026-12-07 every code of the burst was checked (and locked the user again and again).
  assert.equal(checked, MAX_ATTEMPTS, `${checked} codes checked`);
  for (const r of burst) if (r.status === 'rejected') assert.equal((r.reason as { status?: number }).status, 429);
  const locks = await t.store.db
    .selectFrom('audit_events')
    .select('id')
    .where('actor_id', '=', row.id)
    .where('event_type', '=', 'totp.locked')
    .execute();
  assert.equal(locks.length, 1);
});

test('disabling TOTP needs the password and a fresh code', async () => {
  const step = await freshTotpWindow();
  const user = await enrolledUser(step);
  const del = (body: unknown) => http(totpUrl(), { method: 'DELETE', headers: json(user.session), body: JSON.stringify(body) });
  const fresh = codeAt(user.secret, step, 0);
  for (const [name, body] of [
    ['no body fields', {}],
    ['password only', { password: user.password }],
    ['code only', { code: fresh }],
    ['wrong password', { password: 'wrong-password-1', code: fresh }],
    ['replayed code', { password: user.password, code: codeAt(user.secret, step, -1) }],
    ['wrong code', { password: user.password, code: fresh === '000000' ? '111111' : '000000' }],
  ] as const) {
    const r = await del(body);
    assert.equal(r.status, 400, name);
    assert.equal(r.json().minorErrorCode, 'BAD_REQUEST', name);
  }
  assert.deepEqual((await http(totpUrl(), { headers: bearer(user.session) })).json(), { enabled: true });
  const ok = await del({ password: user.password, code: fresh });
  assert.equal(ok.status, 204, ok.text);
  assert.deepEqual((await http(totpUrl(), { headers: bearer(user.session) })).json(), { enabled: false });
  const signedIn = await signInReply(base, user.name, 'acme', user.password);
  assert.equal(signedIn.status, 200, 'no code needed any more');
});

test('a session made from an API token cannot read, enrol, confirm or disable TOTP (403)', async () => {
  const step = await freshTotpWindow();
  const user = await enrolledUser(step);
  const password = await signIn(base, user.name, 'acme', user.password, codeAt(user.secret, step, 0));
  const { apiToken } = await createApiToken(base, password, 'acme', 'totp-test');
  const tokenSession = await accessTokenFrom(base, 'acme', apiToken);
  const attempts = [
    http(totpUrl(), { headers: bearer(tokenSession) }),
    http(totpUrl(), { method: 'POST', headers: json(tokenSession), body: '{}' }),
    http(`${totpUrl()}/confirm`, {
      method: 'POST',
      headers: json(tokenSession),
      body: JSON.stringify({ code: codeAt(user.secret, step, 1) }),
    }),
    http(totpUrl(), {
      method: 'DELETE',
      headers: json(tokenSession),
      body: JSON.stringify({ password: user.password, code: codeAt(user.secret, step, 1) }),
    }),
  ];
  for (const r of await Promise.all(attempts)) {
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json().minorErrorCode, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  }
  // Bob, without TOTP: his token session cannot enrol either.
  const bob = await signIn(base, 'bob', 'acme', t.demoPassword);
  const bobToken = await accessTokenFrom(base, 'acme', (await createApiToken(base, bob, 'acme', `bob-totp-${Date.now()}`)).apiToken);
  assert.equal((await http(totpUrl(), { method: 'POST', headers: json(bobToken), body: '{}' })).status, 403);
  // And TOTP is still enabled for the user.
  assert.deepEqual((await http(totpUrl(), { headers: bearer(password) })).json(), { enabled: true });
});

test('TOTP secrets never leave the server again: not in the user entity', async () => {
  const step = await freshTotpWindow();
  const user = await enrolledUser(step);
  const res = await http(`${base}/cloudapi/1.0.0/users/${user.id}`, { headers: bearer(alice) });
  assert.equal(res.status, 200);
  assert.equal(res.json().totpEnabled, true);
  assert.ok(!res.text.includes(user.secret));
});
