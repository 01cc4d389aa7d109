/**
 * The org's account lockout (AdminOrg `OrgPasswordPolicySettings`, Terraform's `vcd_org` `account_lockout {}`):
 * with the policy on, InvalidLoginsBeforeLockout wrong passwords in a row lock the account for
 * AccountLockoutIntervalMinutes, on every node (the store holds it); a locked account is refused even with the right
 * password (401 ACCOUNT_LOCKED, saying an administrator can unlock it); `IsLocked` shows it (XML, JSON, cloudapi)
 * and an administrator's unlock (`action/unlock`, or a PUT of the User with IsLocked false) ends it. The per-node
 * per-account brake of sign-in-guard.ts does not apply to such an org's accounts, and an unlock clears it where it
 * does apply.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';
import { createUser, signInReply } from './support.js';
import { send, orgXml, userXml, USER_TYPE } from '../http/legacy/admin-support.js';
import { XML_ACCEPT, JSON_ACCEPT, child, parseXml } from '../http/legacy/support.js';

const PER_ACCOUNT_BRAKE = 3;
let t: TesseraHandle;
let admin: string;
let alice: string;
let acmeId: string;

before(async () => {
  t = await startTessera({
    config: { signInRateLimit: 100_000, signInFailuresPerAddress: 100_000, signInFailuresPerAccount: PER_ACCOUNT_BRAKE },
  });
  admin = await signIn(t.baseUrl, 'administrator', 'System', t.adminPassword);
  alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  acmeId = (await t.store.getOrgByName('acme'))!.id;
});
after(async () => {
  await t?.stop();
});

/** Writes acme's password policy as Terraform's vcd_org does: a PUT of the AdminOrg (System administrator). */
async function setPolicy(enabled: boolean, attempts = 3, minutes = 10): Promise<void> {
  const settings =
    `<OrgPasswordPolicySettings><AccountLockoutEnabled>${enabled}</AccountLockoutEnabled>` +
    `<InvalidLoginsBeforeLockout>${attempts}</InvalidLoginsBeforeLockout>` +
    `<AccountLockoutIntervalMinutes>${minutes}</AccountLockoutIntervalMinutes></OrgPasswordPolicySettings>`;
  const reply = await send(t, 'PUT', `/api/admin/org/${acmeId}`, admin, orgXml({ name: 'acme', fullName: 'Acme Corporation', settings }));
  assert.equal(reply.status, 200, reply.text);
}

const bare = (urn: string) => urn.replace('urn:vcloud:user:', '');
const row = async (id: string) => (await t.store.getUser(bare(id)))!;
const wrong = (name: string) => signInReply(t.baseUrl, name, 'acme', 'not-the-password');

/** `IsLocked` as /api/admin/user (XML and JSON) and `locked` as /cloudapi/1.0.0/users show it; all must agree. */
async function lockedViews(id: string): Promise<boolean> {
  const xml = await http(`${t.baseUrl}/api/admin/user/${bare(id)}`, { headers: { Authorization: `Bearer ${alice}`, Accept: XML_ACCEPT } });
  assert.equal(xml.status, 200, xml.text);
  const isLocked = child(parseXml(xml.text), 'IsLocked').text;
  const json = await http(`${t.baseUrl}/api/admin/user/${bare(id)}`, {
    headers: { Authorization: `Bearer ${alice}`, Accept: JSON_ACCEPT },
  });
  assert.equal(json.status, 200, json.text);
  const cloudapi = await http(`${t.baseUrl}/cloudapi/1.0.0/users/${id}`, { headers: bearer(alice) });
  assert.equal(cloudapi.status, 200, cloudapi.text);
  assert.equal(String(json.json().isLocked), isLocked, 'JSON and XML agree');
  assert.equal(String(cloudapi.json().locked), isLocked, 'cloudapi and XML agree');
  const unlockLink = /rel="unlock"/.test(xml.text);
  assert.equal(unlockLink, isLocked === 'true', 'the unlock link is offered exactly while locked');
  return isLocked === 'true';
}

const unlock = async (id: string) => {
  const reply = await send(t, 'POST', `/api/admin/user/${bare(id)}/action/unlock`, alice);
  assert.equal(reply.status, 204, reply.text);
};

const lockedAudits = async (id: string) =>
  Number(
    (
      await t.store.db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('event_type', '=', 'user.locked')
        .where('actor_id', '=', bare(id))
        .executeTakeFirstOrThrow()
    ).n,
  );

test('policy off: wrong passwords lock nothing; the per-node per-account brake applies, and unlock clears it', async () => {
  await setPolicy(false);
  const u = await createUser(t.baseUrl, alice);
  for (let i = 0; i < PER_ACCOUNT_BRAKE; i++) assert.equal((await wrong(u.name)).status, 401);
  assert.equal((await row(u.id)).password_failures, 0, 'nothing counted in the store while the policy is off');
  assert.equal(await lockedViews(u.id), false);
  // The brake refuses the right password too (429), a lock an administrator could not undo before.
  assert.equal((await signInReply(t.baseUrl, u.name, 'acme', u.password)).status, 429);
  await unlock(u.id);
  assert.equal((await signInReply(t.baseUrl, u.name, 'acme', u.password)).status, 200);
});

test('policy on with N: N wrong passwords lock; the right password is refused; IsLocked true; unlock lets the user in', async () => {
  const N = 5; // above the per-account brake: the org's lockout governs this account, not the brake
  await setPolicy(true, N);
  const u = await createUser(t.baseUrl, alice);
  for (let i = 1; i < N; i++) {
    const reply = await wrong(u.name);
    assert.equal(reply.status, 401);
    assert.equal(reply.json().minorErrorCode, 'UNAUTHORIZED', `attempt ${i}: an ordinary refusal`);
    assert.equal((await row(u.id)).password_failures, i);
  }
  assert.equal(await lockedViews(u.id), false, 'not locked before the Nth');
  const locking = await wrong(u.name);
  assert.equal(locking.status, 401);
  assert.equal(locking.json().minorErrorCode, 'ACCOUNT_LOCKED', 'the attempt that locks says so');
  const locked = await signInReply(t.baseUrl, u.name, 'acme', u.password);
  assert.equal(locked.status, 401, 'the right password is refused while locked');
  assert.equal(locked.json().minorErrorCode, 'ACCOUNT_LOCKED');
  assert.match(locked.json().message, /locked after too many failed sign-in attempts.*administrator.*unlock.*in 10 minutes/);
  // The legacy API says the same, in VCD's XML Error.
  const legacy = await http(`${t.baseUrl}/api/sessions`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${u.name}@acme:${u.password}`).toString('base64')}`, Accept: XML_ACCEPT },
  });
  assert.equal(legacy.status, 401);
  assert.match(legacy.text, /minorErrorCode="ACCOUNT_LOCKED"/);
  assert.equal(await lockedViews(u.id), true);
  assert.equal(await lockedAudits(u.id), 1, 'one user.locked event');
  const until = Number((await row(u.id)).password_locked_until);
  assert.ok(Math.abs(until - (Date.now() + 10 * 60_000)) < 30_000, 'locked for the interval');

  await unlock(u.id);
  assert.equal(await lockedViews(u.id), false);
  assert.equal((await row(u.id)).password_failures, 0);
  assert.equal((await signInReply(t.baseUrl, u.name, 'acme', u.password)).status, 200);
});

test('a PUT of the User with IsLocked left out (Terraform is_locked = false) unlocks', async () => {
  await setPolicy(true, 2);
  const u = await createUser(t.baseUrl, alice);
  for (let i = 0; i < 2; i++) await wrong(u.name);
  assert.equal(await lockedViews(u.id), true);
  const put = await send(t, 'PUT', `/api/admin/user/${bare(u.id)}`, alice, userXml({ name: u.name, enabled: true }), USER_TYPE);
  assert.equal(put.status, 200, put.text);
  assert.equal(child(parseXml(put.text), 'IsLocked').text, 'false');
  assert.equal((await signInReply(t.baseUrl, u.name, 'acme', u.password)).status, 200);
  // IsLocked true in a PUT locks nobody: only failed sign-ins lock.
  const lockAttempt = userXml({ name: u.name, enabled: true, extra: '<IsLocked>true</IsLocked>' });
  assert.equal((await send(t, 'PUT', `/api/admin/user/${bare(u.id)}`, alice, lockAttempt, USER_TYPE)).status, 200);
  assert.equal(await lockedViews(u.id), false);
});

test('a PUT of the cloudapi User with locked false unlocks; locked true locks nobody; a vApp Author cannot unlock', async () => {
  await setPolicy(true, 2);
  const u = await createUser(t.baseUrl, alice);
  for (let i = 0; i < 2; i++) await wrong(u.name);
  assert.equal(await lockedViews(u.id), true);
  const url = `${t.baseUrl}/cloudapi/1.0.0/users/${u.id}`;
  const entity = (await http(url, { headers: bearer(alice) })).json();
  assert.equal(entity.locked, true);
  const put = (token: string, body: unknown) =>
    http(url, { method: 'PUT', headers: { ...bearer(token), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  // Someone without the right to manage users is refused, and the lock stays.
  const author = await createUser(t.baseUrl, alice);
  const authorToken = await signIn(t.baseUrl, author.name, 'acme', author.password);
  assert.equal((await put(authorToken, { ...entity, locked: false })).status, 403);
  assert.equal(await lockedViews(u.id), true, 'a refused unlock changes nothing');
  // govcd's way: the whole entity back, with locked false.
  const unlocked = await put(alice, { ...entity, locked: false });
  assert.equal(unlocked.status, 200, unlocked.text);
  assert.equal(unlocked.json().locked, false);
  assert.equal(await lockedViews(u.id), false);
  assert.equal((await row(u.id)).password_failures, 0);
  assert.equal((await signInReply(t.baseUrl, u.name, 'acme', u.password)).status, 200);
  const lockAttempt = await put(alice, { ...entity, locked: true });
  assert.equal(lockAttempt.status, 200, lockAttempt.text);
  assert.equal(await lockedViews(u.id), false, 'locked true locks nobody');
  assert.equal((await put(alice, { locked: 'no' })).status, 400, 'locked must be a boolean');
});

test('the lock ends with its interval, and the count starts afresh', async () => {
  await setPolicy(true, 2, 1);
  const u = await createUser(t.baseUrl, alice);
  for (let i = 0; i < 2; i++) await wrong(u.name);
  const until = Number((await row(u.id)).password_locked_until);
  assert.ok(Math.abs(until - (Date.now() + 60_000)) < 30_000, 'one minute');
  assert.equal((await signInReply(t.baseUrl, u.name, 'acme', u.password)).json().minorErrorCode, 'ACCOUNT_LOCKED');
  // The minute passes (the stored end moved into the past: what every node reads).
  await t.store.updateUser(bare(u.id), { password_locked_until: Date.now() - 1 });
  assert.equal(await lockedViews(u.id), false);
  assert.equal((await wrong(u.name)).json().minorErrorCode, 'UNAUTHORIZED', 'one wrong password after the lock does not lock again');
  assert.equal((await signInReply(t.baseUrl, u.name, 'acme', u.password)).status, 200);
});

test('a parallel burst of wrong passwords is counted exactly, and locks exactly once', async () => {
  const N = 30;
  await setPolicy(true, N);
  const u = await createUser(t.baseUrl, alice);
  const first = await Promise.all(Array.from({ length: 20 }, () => wrong(u.name)));
  assert.deepEqual(new Set(first.map((r) => r.status)), new Set([401]));
  assert.equal((await row(u.id)).password_failures, 20, 'every failure of the burst counted');
  const second = await Promise.all(Array.from({ length: 25 }, () => wrong(u.name)));
  const codes = second.map((r) => r.json().minorErrorCode as string);
  assert.equal(codes.filter((c) => c === 'UNAUTHORIZED').length, 9, 'the 21st to the 29th are ordinary refusals');
  assert.equal(codes.filter((c) => c === 'ACCOUNT_LOCKED').length, 16, 'the 30th locks; the rest find the lock');
  assert.equal(await lockedAudits(u.id), 1, 'locked once');
  assert.equal(await lockedViews(u.id), true);
  assert.equal((await row(u.id)).password_failures, 0, 'attempts that found the lock are not counted towards the next one');
});

/**
 * How many of the user's wrong passwords were verified and refused as such (not refused for the lock found first).
 * Refusals are counted per account, address and reason (AuditLog.coalesce): the first is an event at once, the rest
 * of its minute one event saying how many more (`repeated`), written here at once rather than when the minute ends.
 */
const badCredentialAudits = async (id: string) => {
  await (t.server.services.audit as unknown as { flushRefusals(now: number): Promise<void> }).flushRefusals(Infinity);
  return (
    await t.store.db
      .selectFrom('audit_events')
      .select('details')
      .where('event_type', '=', 'session.refused')
      .where('actor_id', '=', bare(id))
      .execute()
  )
    .map((e) => JSON.parse(e.details) as { reason: string; repeated?: number })
    .filter((d) => d.reason === 'bad credentials')
    .reduce((n, d) => n + (d.repeated ?? 1), 0);
};

test('a parallel burst verifies no more wrong passwords than the lockout allows: one check at a time per account', async () => {
  const N = 5;
  await setPolicy(true, N);
  const u = await createUser(t.baseUrl, alice);
  // Each attempt reads the lock before its password is verified. Checked side by side, all 20 passwords were verified
  // before the first failure was counted (19, 17 and 9 of them in three runs).
  const burst = await Promise.all(Array.from({ length: 20 }, () => wrong(u.name)));
  assert.deepEqual(new Set(burst.map((r) => r.status)), new Set([401]));
  assert.equal(await badCredentialAudits(u.id), N, 'exactly the lockout\u2019s number of passwords was verified');
  assert.equal(burst.filter((r) => r.json().minorErrorCode === 'ACCOUNT_LOCKED').length, 20 - N + 1);
  assert.equal(await lockedAudits(u.id), 1);
  assert.equal((await signInReply(t.baseUrl, u.name, 'acme', u.password)).json().minorErrorCode, 'ACCOUNT_LOCKED');
});

test('wrong current passwords of a password change count towards the lockout, are audited, and lock (cloudapi)', async () => {
  const N = 3;
  await setPolicy(true, N);
  const u = await createUser(t.baseUrl, alice);
  const session = await signIn(t.baseUrl, u.name, 'acme', u.password);
  const change = (currentPassword: string) =>
    http(`${t.baseUrl}/cloudapi/1.0.0/users/${u.id}`, {
      method: 'PUT',
      headers: { ...bearer(session), 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: u.name, password: 'Brand-new-pass-123', currentPassword }),
    });
  // A stolen session's guesses: until 2026-12-05 they were neither counted nor audited, and never locked.
  for (let i = 1; i <= N; i++) {
    const reply = await change(`guess-${i}-not-it`);
    assert.equal(reply.status, 400, reply.text);
    assert.match(reply.json().message, /current password is wrong/);
  }
  assert.equal(await lockedViews(u.id), true, 'the Nth wrong current password locks, as the Nth failed sign-in does');
  assert.equal(await lockedAudits(u.id), 1);
  const audited = await t.store.db
    .selectFrom('audit_events')
    .select('details')
    .where('event_type', '=', 'user.passwordChanged')
    .where('outcome', '=', 'failure')
    .where('actor_id', '=', bare(u.id))
    .execute();
  assert.equal(audited.length, N, 'each wrong current password is audited');
  // Locked: no more guesses at the session (429 with the lock's wait), not even the right one, and no sign-in.
  const refused = await change(u.password);
  assert.equal(refused.status, 429, refused.text);
  assert.match(refused.json().message, /locked/);
  assert.ok(Number(refused.headers.get('retry-after')) > 60);
  assert.equal((await signInReply(t.baseUrl, u.name, 'acme', u.password)).json().minorErrorCode, 'ACCOUNT_LOCKED');
  await unlock(u.id);
  const changed = await change(u.password);
  assert.equal(changed.status, 200, changed.text);
  assert.equal((await signInReply(t.baseUrl, u.name, 'acme', 'Brand-new-pass-123')).status, 200);
});

test('a successful sign-in resets the count', async () => {
  await setPolicy(true, 3);
  const u = await createUser(t.baseUrl, alice);
  for (let i = 0; i < 2; i++) await wrong(u.name);
  assert.equal((await row(u.id)).password_failures, 2);
  assert.equal((await signInReply(t.baseUrl, u.name, 'acme', u.password)).status, 200);
  assert.equal((await row(u.id)).password_failures, 0);
  for (let i = 0; i < 2; i++) await wrong(u.name);
  assert.equal((await signInReply(t.baseUrl, u.name, 'acme', u.password)).status, 200, 'two, not four, in a row');
});

test('the policy turned off mid-way: nothing more is counted; a lock in force stays until unlocked', async () => {
  await setPolicy(true, 3);
  const counted = await createUser(t.baseUrl, alice);
  const locked = await createUser(t.baseUrl, alice);
  for (let i = 0; i < 2; i++) await wrong(counted.name);
  for (let i = 0; i < 3; i++) await wrong(locked.name);
  await setPolicy(false, 3);
  for (let i = 0; i < 2; i++) assert.equal((await wrong(counted.name)).json().minorErrorCode, 'UNAUTHORIZED');
  assert.equal((await row(counted.id)).password_failures, 2, 'not counted while off');
  assert.equal((await signInReply(t.baseUrl, counted.name, 'acme', counted.password)).status, 200);
  assert.equal((await row(counted.id)).password_failures, 0);
  // The lock taken while the policy was on is still what IsLocked shows, and still holds, until an unlock.
  assert.equal(await lockedViews(locked.id), true);
  assert.equal((await signInReply(t.baseUrl, locked.name, 'acme', locked.password)).json().minorErrorCode, 'ACCOUNT_LOCKED');
  await unlock(locked.id);
  assert.equal((await signInReply(t.baseUrl, locked.name, 'acme', locked.password)).status, 200);
});

test('unknown users never lock, and are answered as always', async () => {
  await setPolicy(true, 1);
  for (let i = 0; i < 3; i++) {
    const reply = await signInReply(t.baseUrl, 'nobody-here', 'acme', 'whatever-password');
    assert.equal(reply.status, 401);
    assert.equal(reply.json().minorErrorCode, 'UNAUTHORIZED');
  }
  await setPolicy(false);
});
