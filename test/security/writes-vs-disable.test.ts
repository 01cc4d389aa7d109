/**
 * Writes that meet a disable or each other, on the backend under test (and the PostgreSQL-only deadlock):
 * - a token registered or minted for a user whose disable has committed is refused, even by a node whose cache
 *   still holds the user enabled (another node's, until it hears of the disable): until 2026-12-06 it was written,
 *   survived the disable's revocation, and worked again once the user was enabled;
 * - disabling an org while its users register tokens never deadlocks (PostgreSQL answered 503 to either side, and a
 *   failed disable left the org enabled);
 * - one TOTP enrolment confirmed twice at once enrols once, with one set of recovery codes stored;
 * - one user disabled by several requests at once is cut off and audited as disabled once;
 * - a user being deleted is disabled before the cut-off is announced, so a node reloading them reads them disabled;
 * - a session ended by a password change on another node, which this node's bearer check still accepts, can no
 *   longer register, mint or regenerate a token, start or grant a service account's authorization or change its
 *   role, enrol a second factor, get recovery codes, set a password, manage a user or change a role's rights
 *   (src/auth/session-stands.ts); nor (since 2026-12-07) turn a second factor off, create a service account, make,
 *   change or delete a role or a group, take a user's vApps, change the org's token policy, and for the provider
 *   change a rights bundle, an org or its metadata, tear the inventory down or sync it; nor a System service account's
 *   session whose account was revoked or deleted on another node;
 * - a password change checked against a password replaced meanwhile is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, defaultBackend, startTessera, DEMO_PASSWORD, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';
import { totpCode } from '../../src/auth/totp.js';
import { listCatalogsOfOrg } from '../../src/inventory/catalogs.js';
import { activeServiceAccount } from '../helpers/service-account-flow.js';

const RATES = { signInRateLimit: 100_000, tokenRateLimitPerIp: 100_000 };

async function newUser(node: TesseraHandle, admin: string, name: string, roleName = 'vApp Author') {
  const acme = (await node.store.getOrgByName('acme'))!;
  const role = (await node.store.getRoleByName(acme.id, roleName))!;
  const created = await http(`${node.baseUrl}/cloudapi/1.0.0/users`, {
    method: 'POST',
    headers: { ...bearer(admin), 'Content-Type': 'application/json' },
    body: JSON.stringify({
      username: name,
      password: 'Race-Password-123',
      enabled: true,
      roleEntityRefs: [{ id: `urn:vcloud:role:${role.id}` }],
    }),
  });
  assert.equal(created.status, 201, created.text);
  return { id: (created.json().id as string).split(':').pop()!, session: await signIn(node.baseUrl, name, 'acme', 'Race-Password-123') };
}

const register = (node: TesseraHandle, session: string, name: string) =>
  http(`${node.baseUrl}/oauth/tenant/acme/register`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_name: name }),
  });

const mint = (node: TesseraHandle, session: string, clientId: string) =>
  http(`${node.baseUrl}/oauth/tenant/acme/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ assertion: session, client_id: clientId, grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer' }),
  });

test('a token is neither registered nor minted for a user disabled meanwhile, whatever the node still believes', async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const user = await newUser(node, alice, 'stale-cache');
  const registered = await register(node, user.session, 'before');
  assert.equal(registered.status, 200, registered.text);
  // The disable as another node commits it: the row says disabled, and this node has not heard yet (its identity
  // cache keeps the user enabled for a few seconds, as a node that has not received the cut-off does).
  await node.store.db.updateTable('users').set({ is_enabled: 0 }).where('id', '=', user.id).execute();

  const late = await register(node, user.session, 'after');
  assert.equal(late.status, 401, late.text);
  const minted = await mint(node, user.session, registered.json().client_id as string);
  assert.equal(minted.status, 400, minted.text);
  assert.equal(minted.json().error, 'invalid_grant');

  const tokens = await node.store.db.selectFrom('api_tokens').select(['name', 'secret_hash']).where('user_id', '=', user.id).execute();
  assert.deepEqual(
    tokens.map((r) => [r.name, r.secret_hash !== null]),
    [['before', false]],
    'no secret issued, no registration after the disable',
  );
});

test('a token is not regenerated for a user disabled meanwhile, whatever the node still believes', async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const user = await newUser(node, alice, 'stale-regenerate');
  const registered = await register(node, user.session, 'kept');
  assert.equal(registered.status, 200, registered.text);
  const clientId = registered.json().client_id as string;
  assert.equal((await mint(node, user.session, clientId)).status, 200);
  // The disable as another node commits it, before its revocation of the user's tokens has run (UserService: the
  // disable's write, then the cut-off): this node's identity cache still holds the user enabled. Until 2026-12-06 the
  // regeneration wrote a live successor that the cut-off, reading the live tokens before it, never revoked, and that
  // worked again as soon as the user was enabled.
  await node.store.db.updateTable('users').set({ is_enabled: 0 }).where('id', '=', user.id).execute();
  const regenerated = await http(`${node.baseUrl}/cloudapi/x-tessera/tokens/urn:vcloud:token:${clientId}/regenerate`, {
    method: 'POST',
    headers: { ...bearer(user.session), 'Content-Type': 'application/json' },
    body: JSON.stringify({ graceSeconds: 3600 }),
  });
  assert.equal(regenerated.status, 401, regenerated.text);
  const tokens = await node.store.db.selectFrom('api_tokens').select(['id', 'replaced_by']).where('user_id', '=', user.id).execute();
  assert.deepEqual(tokens, [{ id: clientId, replaced_by: null }], 'no successor, the old token untouched');
});

/**
 * A password change (or "end all sessions") committed by another node: the user's row and the cut-off's revocation
 * row, as UserService and SessionService write them in one transaction, before this node's revocation view has heard
 * of it (NOTIFY on PostgreSQL; written straight to the store here, so this node's view never hears).
 */
async function cutOffAsAnotherNode(node: TesseraHandle, userId: string, keepSession: string | null): Promise<void> {
  const now = Date.now();
  await node.store.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ sessions_not_before: now }).where('id', '=', userId).execute();
    await trx
      .insertInto('revocations')
      .values({ kind: 'user', subject: userId, at: now, relevant_until: now + 3_600_000, keep_session: keepSession })
      .execute();
  });
}

const jtiOf = (session: string) => JSON.parse(Buffer.from(session.split('.')[1]!, 'base64url').toString()).jti as string;

test('a session ended by a password change, already past its bearer check, mints and regenerates nothing; the session that changed it may', async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const user = await newUser(node, alice, 'stale-session');
  const owner = await signIn(node.baseUrl, 'stale-session', 'acme', 'Race-Password-123');
  const registered = await register(node, user.session, 'kept');
  assert.equal(registered.status, 200, registered.text);
  const kept = registered.json().client_id as string;
  assert.equal((await mint(node, user.session, kept)).status, 200);
  const pending = await register(node, user.session, 'pending');
  assert.equal(pending.status, 200, pending.text);

  // The owner changes the password on another node, keeping their own session and ending the other (a stolen one).
  // This node still accepts the stolen session at its bearer check; the write itself must refuse it. Until 2026-12-06
  // it minted the pending registration and regenerated the kept token: tokens the change's "revoke API tokens too"
  // had already read past, live for an attacker the owner had just cut off.
  await cutOffAsAnotherNode(node, user.id, jtiOf(owner));
  const minted = await mint(node, user.session, pending.json().client_id as string);
  assert.equal(minted.status, 400, minted.text);
  assert.equal(minted.json().error, 'invalid_grant');
  const regenerate = (session: string) =>
    http(`${node.baseUrl}/cloudapi/x-tessera/tokens/urn:vcloud:token:${kept}/regenerate`, {
      method: 'POST',
      headers: { ...bearer(session), 'Content-Type': 'application/json' },
      body: JSON.stringify({ graceSeconds: 0 }),
    });
  const stolen = await regenerate(user.session);
  assert.equal(stolen.status, 401, stolen.text);
  const late = await register(node, user.session, 'late');
  assert.equal(late.status, 401, late.text);
  const rows = await node.store.db
    .selectFrom('api_tokens')
    .select(['name', 'secret_hash', 'replaced_by'])
    .where('user_id', '=', user.id)
    .execute();
  assert.deepEqual(
    rows.map((r) => [r.name, r.secret_hash !== null, r.replaced_by]).sort(),
    [
      ['kept', true, null],
      ['pending', false, null],
    ],
    'nothing minted, regenerated or registered for the ended session',
  );

  // The session the change kept is the owner's: it regenerates as before.
  const own = await regenerate(owner);
  assert.equal(own.status, 200, own.text);
});

test('disabling an org while its users register tokens: no deadlock, the org ends disabled (PostgreSQL)', async (t) => {
  if (defaultBackend() !== 'postgres') {
    // SQLite has one writer: the two cannot wait on each other. Said, not skipped silently.
    t.diagnostic('SQLite: nothing to race (one writer); this case runs with TESSERA_TEST_BACKEND=postgres');
    return;
  }
  const database = await createTestDatabase();
  const node = await startTessera({ backend: 'postgres', databaseUrl: database.url, config: RATES });
  t.after(async () => {
    await node.stop();
    await database.drop();
  });
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const admin = await signIn(node.baseUrl, 'administrator', 'System', node.adminPassword);
  const acme = (await node.store.getOrgByName('acme'))!;
  const users = await Promise.all([0, 1, 2].map((i) => newUser(node, alice, `org-race-${i}`)));
  const statuses: number[] = [];
  for (let round = 0; round < 4; round++) {
    const registrations = Array.from({ length: 12 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 3));
      return register(node, users[i % users.length]!.session, `r${round}-${i}`);
    });
    const disable = (async () => {
      await new Promise((r) => setTimeout(r, 15));
      return http(`${node.baseUrl}/api/admin/org/${acme.id}/action/disable`, {
        method: 'POST',
        headers: bearer(admin, 'application/*+xml;version=36.1'),
      });
    })();
    const [disabled, ...registered] = await Promise.all([disable, ...registrations]);
    assert.equal(disabled.status, 204, `round ${round}: ${disabled.text}`);
    statuses.push(...registered.map((r) => r.status));
    assert.equal((await node.store.getOrgByName('acme'))!.is_enabled, 0, `round ${round}`);
    const enabled = await http(`${node.baseUrl}/api/admin/org/${acme.id}/action/enable`, {
      method: 'POST',
      headers: bearer(admin, 'application/*+xml;version=36.1'),
    });
    assert.equal(enabled.status, 204);
    // Sessions of the org ended with the disable: sign in again for the next round.
    for (const [i, u] of users.entries()) u.session = await signIn(node.baseUrl, `org-race-${i}`, 'acme', 'Race-Password-123');
  }
  // Until 2026-12-06: "deadlock detected", a 503 on one side or the other, in most rounds.
  assert.deepEqual(
    statuses.filter((s) => s >= 500),
    [],
  );
});

test('one TOTP enrolment confirmed twice at once: enrolled once, one set of recovery codes', async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  for (let round = 0; round < 3; round++) {
    const user = await newUser(node, alice, `totp-twice-${round}`);
    const start = await http(`${node.baseUrl}/cloudapi/1.0.0/users/current/totp`, { method: 'POST', headers: bearer(user.session) });
    assert.equal(start.status, 200, start.text);
    const code = totpCode(start.json().secret as string);
    const confirm = () =>
      http(`${node.baseUrl}/cloudapi/1.0.0/users/current/totp/confirm`, {
        method: 'POST',
        headers: { ...bearer(user.session), 'Content-Type': 'application/json' },
        body: JSON.stringify({ code }),
      });
    const answers = await Promise.all([confirm(), confirm(), confirm()]);
    const accepted = answers.filter((a) => a.status === 200);
    assert.equal(accepted.length, 1, `round ${round}: ${answers.map((a) => `${a.status} ${a.text}`).join(' | ')}`);
    const stored = await node.store.db
      .selectFrom('totp_recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(stored.n), (accepted[0]!.json().recoveryCodes as string[]).length, `round ${round}`);
    const enrolled = await node.store.db
      .selectFrom('audit_events')
      .select('id')
      .where('event_type', '=', 'totp.enrolled')
      .where('actor_id', '=', user.id)
      .execute();
    assert.equal(enrolled.length, 1, `round ${round}`);
  }
});

test('one user disabled by several requests at once: one disable audited', async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  for (let round = 0; round < 3; round++) {
    const user = await newUser(node, alice, `disable-twice-${round}`);
    const current = (await http(`${node.baseUrl}/cloudapi/1.0.0/users/urn:vcloud:user:${user.id}`, { headers: bearer(alice) })).json();
    const disable = () =>
      http(`${node.baseUrl}/cloudapi/1.0.0/users/urn:vcloud:user:${user.id}`, {
        method: 'PUT',
        headers: { ...bearer(alice), 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...current, enabled: false }),
      });
    const answers = await Promise.all([disable(), disable(), disable(), disable()]);
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 200],
      answers.map((a) => a.text).join(' | '),
    );
    const events = await node.store.db.selectFrom('audit_events').select('details').where('event_type', '=', 'user.updated').execute();
    const disables = events.map((e) => JSON.parse(String(e.details))).filter((d) => d.userId === user.id && d.disabled === true);
    assert.equal(disables.length, 1, `round ${round}`);
  }
});

test('a user being deleted reads as disabled when the other nodes hear of the cut-off', async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const user = await newUser(node, alice, 'deleted-soon');
  const seen: Array<number | 'gone'> = [];
  // What a node that hears the cut-off reads when it loads the user again (identity-cache.ts reloads on the event):
  // until 2026-12-06 the row still said enabled, and that node honoured the user's sessions for up to 5 s more.
  node.store.bus.subscribe((event) => {
    if (event.kind !== 'user' || event.subject !== user.id) return;
    seen.push(-1);
    const at = seen.length - 1;
    void node.store.getUser(user.id).then((row) => (seen[at] = row ? row.is_enabled : 'gone'));
  });
  const deleted = await http(`${node.baseUrl}/cloudapi/1.0.0/users/urn:vcloud:user:${user.id}`, {
    method: 'DELETE',
    headers: bearer(alice),
  });
  assert.equal(deleted.status, 204, deleted.text);
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(seen.length > 0, 'the cut-off was announced');
  assert.ok(!seen.includes(1), `read as enabled after the cut-off: ${JSON.stringify(seen)}`);
});

/**
 * Two sessions of the System administrator, as the services take them: the owner's, which a cut-off keeps, and a
 * thief's, which it ends.
 */
async function systemAdministratorTwice(node: TesseraHandle) {
  const ownerSession = await signIn(node.baseUrl, 'administrator', 'System', node.adminPassword);
  const thief = await signIn(node.baseUrl, 'administrator', 'System', node.adminPassword);
  const [owner, stolen] = await Promise.all(
    [ownerSession, thief].map((value) => node.server.services.authenticator.authenticate({ kind: 'access_token', value })),
  );
  return { ownerSession, thief, owner: owner!, stolen: stolen! };
}

/** A user with two sessions: the owner's, and one stolen from them, which the owner then cuts off on another node. */
async function ownerAndThief(node: TesseraHandle, admin: string, name: string, roleName = 'vApp Author') {
  const user = await newUser(node, admin, name, roleName);
  const owner = await signIn(node.baseUrl, name, 'acme', 'Race-Password-123');
  return { id: user.id, owner, stolen: user.session };
}

test('a session ended by a password change, already past its bearer check, neither starts nor grants a service account authorization', async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const user = await ownerAndThief(node, alice, 'stale-grant', 'Organization Administrator');
  const JSON_37 = 'application/json;version=37.0';
  const registered = await http(`${node.baseUrl}/oauth/tenant/acme/register`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${user.stolen}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      client_name: 'backdoor',
      scope: 'urn:vcloud:role:vApp%20Author',
      software_id: '12345678-1234-1234-1234-1234567890ab',
      software_version: '',
      client_uri: '',
    }),
  });
  assert.equal(registered.status, 200, registered.text);
  const clientId = registered.json().client_id as string;
  const authorize = (session: string) =>
    http(`${node.baseUrl}/oauth/tenant/acme/device_authorization`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: JSON_37 },
      body: new URLSearchParams({ client_id: clientId }),
    });
  const started = await authorize(user.stolen);
  assert.equal(started.status, 200, started.text);
  const userCode = started.json().user_code as string;
  const before = await node.store.db
    .selectFrom('service_accounts')
    .select(['status', 'user_code_hash'])
    .where('id', '=', clientId)
    .executeTakeFirstOrThrow();

  // The owner cuts the stolen session off on another node; this node's bearer check still accepts it. Until
  // 2026-12-06 it granted its own request (the device code, held by the thief, then gave a refresh token in the
  // account's role that outlived the session), or started a new one.
  await cutOffAsAnotherNode(node, user.id, jtiOf(user.owner));
  const grant = (session: string) =>
    http(`${node.baseUrl}/cloudapi/1.0.0/deviceLookup/grant`, {
      method: 'POST',
      headers: { ...bearer(session, JSON_37), 'Content-Type': 'application/json' },
      body: JSON.stringify({ userCode }),
    });
  const granted = await grant(user.stolen);
  assert.equal(granted.status, 401, granted.text);
  const again = await authorize(user.stolen);
  assert.equal(again.status, 401, again.text);
  const after = await node.store.db
    .selectFrom('service_accounts')
    .select(['status', 'user_code_hash'])
    .where('id', '=', clientId)
    .executeTakeFirstOrThrow();
  assert.deepEqual(after, before, 'still the pending request the thief started, undecided');

  // Nor does it raise the account's role (the thief holds its device code, and the account's token once granted).
  const acme = (await node.store.getOrgByName('acme'))!;
  const orgAdmin = (await node.store.getRoleByName(acme.id, 'Organization Administrator'))!;
  const raised = await http(`${node.baseUrl}/cloudapi/1.0.0/serviceAccounts/urn:vcloud:serviceAccount:${clientId}`, {
    method: 'PUT',
    headers: { ...bearer(user.stolen, JSON_37), 'Content-Type': 'application/json' },
    body: JSON.stringify({ role: { id: `urn:vcloud:role:${orgAdmin.id}` } }),
  });
  assert.equal(raised.status, 401, raised.text);
  const account = await node.store.db.selectFrom('service_accounts').select('role_id').where('id', '=', clientId).executeTakeFirstOrThrow();
  assert.notEqual(account.role_id, orgAdmin.id);

  // The owner's session, which the change kept, decides as before.
  const own = await grant(user.owner);
  assert.ok(own.status < 300, own.text);
});

test('a session ended by a password change, already past its bearer check, enrols no second factor and gets no recovery codes', async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const user = await ownerAndThief(node, alice, 'stale-totp');
  const start = await http(`${node.baseUrl}/cloudapi/1.0.0/users/current/totp`, { method: 'POST', headers: bearer(user.stolen) });
  assert.equal(start.status, 200, start.text);
  const secret = start.json().secret as string;

  // Until 2026-12-06 the confirm enrolled the thief's app as the owner's second factor (the owner, who had just
  // changed the password to cut the thief off, could no longer sign in) and showed the thief the recovery codes.
  await cutOffAsAnotherNode(node, user.id, jtiOf(user.owner));
  const confirmed = await http(`${node.baseUrl}/cloudapi/1.0.0/users/current/totp/confirm`, {
    method: 'POST',
    headers: { ...bearer(user.stolen), 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: totpCode(secret) }),
  });
  assert.equal(confirmed.status, 401, confirmed.text);
  const row = (await node.store.getUser(user.id))!;
  assert.equal(row.totp_enabled, 0);
  const codes = await node.store.db.selectFrom('totp_recovery_codes').select('id').where('user_id', '=', user.id).execute();
  assert.deepEqual(codes, []);
});

test('a session ended by a password change, already past its bearer check, gets no new recovery codes', async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const user = await ownerAndThief(node, alice, 'stale-codes');
  const start = await http(`${node.baseUrl}/cloudapi/1.0.0/users/current/totp`, { method: 'POST', headers: bearer(user.owner) });
  const confirmed = await http(`${node.baseUrl}/cloudapi/1.0.0/users/current/totp/confirm`, {
    method: 'POST',
    headers: { ...bearer(user.owner), 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: totpCode(start.json().secret as string) }),
  });
  assert.equal(confirmed.status, 200, confirmed.text);
  const codesOf = () =>
    node.store.db.selectFrom('totp_recovery_codes').select('code_hash').where('user_id', '=', user.id).orderBy('code_hash').execute();
  const before = await codesOf();
  const services = node.server.services;
  // The portal's "new recovery codes" (its only door), as the service sees the stolen session: this node's bearer
  // check accepts it. Until 2026-12-06 a thief who also knew the old password got a new set, and the owner's stopped.
  const stolen = await services.authenticator.authenticate({ kind: 'access_token', value: user.stolen });
  await cutOffAsAnotherNode(node, user.id, jtiOf(user.owner));
  await assert.rejects(services.totpEnrolment.regenerateRecoveryCodes(stolen, { password: 'Race-Password-123', code: '' }, '127.0.0.1'), {
    status: 401,
  });
  assert.deepEqual(await codesOf(), before, "the owner's codes untouched");

  // With a code from the app as the proof: refused, and the code not spent (until 2026-12-07 its step was used up
  // before the session was found cut off, and the owner's own request with it a moment later was refused).
  await node.store.updateUser(user.id, { totp_last_step: 0 }); // the confirm's step taken again: the cut-off is tested
  const code = totpCode(start.json().secret as string);
  await assert.rejects(services.totpEnrolment.regenerateRecoveryCodes(stolen, { password: '', code }, '127.0.0.1'), { status: 401 });
  assert.deepEqual(await codesOf(), before, "the owner's codes untouched");
  assert.equal(Number((await node.store.getUser(user.id))!.totp_last_step), 0, 'the refused request spent no code');
  const owner = await services.authenticator.authenticate({ kind: 'access_token', value: user.owner });
  const own = await services.totpEnrolment.regenerateRecoveryCodes(owner, { password: '', code }, '127.0.0.1');
  assert.ok(own.ok, 'the owner proves it with the same code');
  assert.notDeepEqual(await codesOf(), before);
  assert.notEqual(Number((await node.store.getUser(user.id))!.totp_last_step), 0, 'spent by the request that succeeded');
});

test("a session ended by a password change, already past its bearer check, sets no password, and an ended administrator's manages no user", async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const user = await ownerAndThief(node, alice, 'stale-password');
  const admin = await ownerAndThief(node, alice, 'stale-admin', 'Organization Administrator');
  const victim = await newUser(node, alice, 'stale-victim');
  const userUrl = (id: string) => `${node.baseUrl}/cloudapi/1.0.0/users/urn:vcloud:user:${id}`;
  const put = async (session: string, id: string, change: Record<string, unknown>) => {
    const current = (await http(userUrl(id), { headers: bearer(alice) })).json();
    return http(userUrl(id), {
      method: 'PUT',
      headers: { ...bearer(session), 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...current, ...change }),
    });
  };
  const hashOf = async (id: string) => (await node.store.getUser(id))!.password_hash;
  const [userHash, victimHash] = [await hashOf(user.id), await hashOf(victim.id)];

  // The user's own change from the stolen session: until 2026-12-06 it set the thief's password, and its own
  // cut-off then kept the thief's session and ended the owner's.
  await cutOffAsAnotherNode(node, user.id, jtiOf(user.owner));
  const own = await put(user.stolen, user.id, { password: 'Thief-Password-123', currentPassword: 'Race-Password-123' });
  assert.equal(own.status, 401, own.text);
  assert.equal(await hashOf(user.id), userHash);

  // An administrator's stolen session, cut off by the administrator: no user created, no password set, none deleted.
  await cutOffAsAnotherNode(node, admin.id, jtiOf(admin.owner));
  const acme = (await node.store.getOrgByName('acme'))!;
  const role = (await node.store.getRoleByName(acme.id, 'Organization Administrator'))!;
  const created = await http(`${node.baseUrl}/cloudapi/1.0.0/users`, {
    method: 'POST',
    headers: { ...bearer(admin.stolen), 'Content-Type': 'application/json' },
    body: JSON.stringify({
      username: 'backdoor',
      password: 'Thief-Password-123',
      enabled: true,
      roleEntityRefs: [{ id: `urn:vcloud:role:${role.id}` }],
    }),
  });
  assert.equal(created.status, 401, created.text);
  assert.equal(await node.store.getUserByName(acme.id, 'backdoor'), undefined);
  const reset = await put(admin.stolen, victim.id, { password: 'Thief-Password-123' });
  assert.equal(reset.status, 401, reset.text);
  assert.equal(await hashOf(victim.id), victimHash);
  const deleted = await http(userUrl(victim.id), { method: 'DELETE', headers: bearer(admin.stolen) });
  assert.equal(deleted.status, 401, deleted.text);
  assert.equal((await node.store.getUser(victim.id))!.is_enabled, 1);

  // The sessions the changes kept work as before.
  const kept = await put(user.owner, user.id, { password: 'Owner-Password-456', currentPassword: 'Race-Password-123' });
  assert.equal(kept.status, 200, kept.text);
  const adminReset = await put(admin.owner, victim.id, { password: 'Victim-Password-456' });
  assert.equal(adminReset.status, 200, adminReset.text);
});

test('a password change checked against a password replaced meanwhile is refused, and changes nothing', async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const user = await ownerAndThief(node, alice, 'stale-hash');
  const services = node.server.services;
  const session = await services.authenticator.authenticate({ kind: 'access_token', value: user.owner });
  // The row as the change read it (and checked the current password against), then another change commits first.
  // Until 2026-12-06 the later write replaced the newer password with its own, from a check of the older one.
  const read = (await node.store.getUser(user.id))!;
  await node.store.db.updateTable('users').set({ password_hash: 'replaced-meanwhile' }).where('id', '=', user.id).execute();
  await assert.rejects(services.users.update(read, { password: 'Late-Password-123' }, {}, session, '127.0.0.1'), { status: 400 });
  assert.equal((await node.store.getUser(user.id))!.password_hash, 'replaced-meanwhile');
});

test("an ended administrator's session, already past its bearer check, gives a role no rights", async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const admin = await ownerAndThief(node, alice, 'stale-roles', 'Organization Administrator');
  const roles = `${node.baseUrl}/cloudapi/1.0.0/roles`;
  const created = await http(roles, {
    method: 'POST',
    headers: { ...bearer(alice), 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'thief-held', description: 'x', rights: [{ name: 'vApp: View' }] }),
  });
  assert.equal(created.status, 201, created.text);
  const rightsUrl = `${roles}/${created.json().id}/rights`;
  // A role the thief also holds through another account: until 2026-12-06 the stolen administrator's session, cut
  // off a moment before, could still give it more rights, which outlived the session.
  await cutOffAsAnotherNode(node, admin.id, jtiOf(admin.owner));
  const added = await http(rightsUrl, {
    method: 'POST',
    headers: { ...bearer(admin.stolen), 'Content-Type': 'application/json' },
    body: JSON.stringify({ values: [{ name: 'Catalog: View Private and Shared Catalogs' }] }),
  });
  assert.equal(added.status, 401, added.text);
  const read = await http(rightsUrl, { headers: bearer(alice) });
  assert.deepEqual(
    (read.json().values as Array<{ name: string }>).map((r) => r.name),
    ['vApp: View'],
  );
});

test("an ended administrator's session, already past its bearer check, neither resets a user's second factor nor unlocks them", async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const admin = await ownerAndThief(node, alice, 'stale-helpdesk', 'Organization Administrator');
  const victim = await newUser(node, alice, 'stale-locked');
  const start = await http(`${node.baseUrl}/cloudapi/1.0.0/users/current/totp`, { method: 'POST', headers: bearer(victim.session) });
  const confirmed = await http(`${node.baseUrl}/cloudapi/1.0.0/users/current/totp/confirm`, {
    method: 'POST',
    headers: { ...bearer(victim.session), 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: totpCode(start.json().secret as string) }),
  });
  assert.equal(confirmed.status, 200, confirmed.text);
  const lockedUntil = Date.now() + 3_600_000;
  await node.store.updateUser(victim.id, { password_failures: 5, password_locked_until: lockedUntil });
  const services = node.server.services;
  // The portal's reset and unlock (the cloudapi's locked:false too), as the service sees the stolen session: this
  // node's bearer check accepts it. Until 2026-12-06 both went through.
  const stolen = await services.authenticator.authenticate({ kind: 'access_token', value: admin.stolen });
  await cutOffAsAnotherNode(node, admin.id, jtiOf(admin.owner));
  const read = async () => (await node.store.getUser(victim.id))!;
  await assert.rejects(services.identityAdmin.resetTwoFactor(stolen, await read(), '127.0.0.1'), { status: 401 });
  await assert.rejects(services.identityAdmin.unlockUser(stolen, await read(), '127.0.0.1'), { status: 401 });
  const after = await read();
  assert.equal(after.totp_enabled, 1);
  assert.equal(Number(after.password_locked_until), lockedUntil);
});

test("an ended administrator's session, already past its bearer check, makes, changes or deletes no role or group and takes no user's vApps", async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const admin = await ownerAndThief(node, alice, 'stale-identity', 'Organization Administrator');
  const victim = await newUser(node, alice, 'stale-owner');
  const acme = (await node.store.getOrgByName('acme'))!;
  const services = node.server.services;
  const asAlice = await services.authenticator.authenticate({ kind: 'access_token', value: alice });
  const role = await services.identityAdmin.createRole(asAlice, acme.id, { name: 'kept-role', rights: ['vApp: View'] }, '127.0.0.1');
  const group = await services.identityAdmin.createGroup(asAlice, acme.id, { name: 'kept-group' }, '127.0.0.1');
  const vapp = await node.store.db.selectFrom('vapps').select('id').where('org_id', '=', acme.id).executeTakeFirstOrThrow();
  await node.store.db.updateTable('vapps').set({ owner_id: victim.id }).where('id', '=', vapp.id).execute();

  // Until 2026-12-07 each of these went through for a session the administrator had just cut off on another node
  // (this node's bearer check still accepts it): a role made to the thief's measure, the org's roles and groups
  // renamed or gone, a user's vApps passed to the thief's account.
  const stolen = await services.authenticator.authenticate({ kind: 'access_token', value: admin.stolen });
  await cutOffAsAnotherNode(node, admin.id, jtiOf(admin.owner));
  const roles = `${node.baseUrl}/cloudapi/1.0.0/roles`;
  const createRole = (session: string, name: string) =>
    http(roles, {
      method: 'POST',
      headers: { ...bearer(session), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, description: 'x', rights: [{ name: 'vApp: View' }] }),
    });
  const made = await createRole(admin.stolen, 'backdoor-role');
  assert.equal(made.status, 401, made.text);
  const admins = services.identityAdmin;
  const ip = '127.0.0.1';
  await assert.rejects(admins.updateRole(stolen, role, { name: 'renamed-role' }, ip), { status: 401 });
  await assert.rejects(admins.deleteRole(stolen, role, ip), { status: 401 });
  await assert.rejects(admins.createGroup(stolen, acme.id, { name: 'backdoor-group' }, ip), { status: 401 });
  await assert.rejects(admins.updateGroup(stolen, group, { name: 'renamed-group' }, ip), { status: 401 });
  await assert.rejects(admins.deleteGroup(stolen, group, ip), { status: 401 });
  const taken = await http(`${node.baseUrl}/api/admin/user/${victim.id}/action/takeOwnership`, {
    method: 'POST',
    headers: bearer(admin.stolen, 'application/*+xml;version=36.1'),
  });
  assert.equal(taken.status, 401, taken.text);

  assert.deepEqual(
    (await node.store.listRoles(acme.id)).filter((r) => r.read_only === 0).map((r) => r.name),
    ['kept-role'],
  );
  assert.deepEqual(
    (await node.store.listGroups(acme.id)).map((g) => g.name),
    ['kept-group'],
  );
  const owner = await node.store.db.selectFrom('vapps').select('owner_id').where('id', '=', vapp.id).executeTakeFirstOrThrow();
  assert.equal(owner.owner_id, victim.id);

  // The session the administrator kept works as before.
  const own = await createRole(admin.owner, 'owner-role');
  assert.equal(own.status, 201, own.text);
});

test("an ended System administrator's session, already past its bearer check, changes no rights bundle", async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const { ownerSession: owner, thief, stolen } = await systemAdministratorTwice(node);
  const [bundle] = await node.store.listRightsBundles();
  assert.ok(bundle, 'a rights bundle to change');
  // Until 2026-12-07 the stolen session, cut off on another node a moment before, could still rename a bundle or
  // change the rights it publishes to every tenant it reaches.
  await cutOffAsAnotherNode(node, stolen.userId, jtiOf(owner));
  const bundleUrl = `${node.baseUrl}/cloudapi/1.0.0/rightsBundles/urn:vcloud:rightsBundle:${bundle.id}`;
  const put = (session: string, url: string, body: unknown) =>
    http(url, { method: 'PUT', headers: { ...bearer(session), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const renamed = await put(thief, bundleUrl, { name: 'thief-bundle' });
  assert.equal(renamed.status, 401, renamed.text);
  const republished = await put(thief, `${bundleUrl}/rights`, { values: [{ name: 'vApp: View' }] });
  assert.equal(republished.status, 401, republished.text);
  assert.deepEqual(await node.store.getRightsBundle(bundle.id), bundle, 'the bundle untouched');

  const own = await put(owner, bundleUrl, { name: 'owner-bundle' });
  assert.equal(own.status, 200, own.text);
});

test("an ended System administrator's session, already past its bearer check, creates, changes, enables, disables or deletes no org, and sets no org metadata", async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const services = node.server.services;
  const { ownerSession, owner, stolen } = await systemAdministratorTwice(node);
  const ip = '127.0.0.1';
  const orgs = services.orgAdmin;
  const base = { fullName: 'Doomed Corporation', description: '' };
  const doomed = await orgs.create(owner, { ...base, name: 'doomed', enabled: false }, ip);
  const globex = (await node.store.getOrgByName('globex'))!;
  const entry = { domain: 'GENERAL', key: 'kept', value: 'v', valueType: 'MetadataStringValue', visibility: 'READWRITE' } as const;
  await services.orgMetadata.merge(owner, globex, [entry], ip);
  const metadataOf = () =>
    node.store.db.selectFrom('metadata').select(['key', 'value']).where('entity_id', '=', globex.id).orderBy('key').execute();
  const metadata = await metadataOf();
  assert.ok(metadata.some((m) => m.key === 'kept'));

  // Until 2026-12-07 each of these went through for a session the administrator had just cut off on another node.
  await cutOffAsAnotherNode(node, stolen.userId, jtiOf(ownerSession));
  await assert.rejects(orgs.create(stolen, { ...base, name: 'thief-org', enabled: true }, ip), { status: 401 });
  await assert.rejects(orgs.update(stolen, globex, { name: 'globex', fullName: 'Thief Corp', description: '', enabled: true }, ip), {
    status: 401,
  });
  await assert.rejects(orgs.setEnabled(stolen, globex, false, ip), { status: 401 });
  await assert.rejects(orgs.setEnabled(stolen, doomed, true, ip), { status: 401 });
  await assert.rejects(orgs.delete(stolen, doomed, { force: true, recursive: true }, ip), { status: 401 });
  await assert.rejects(services.orgMetadata.merge(stolen, globex, [{ ...entry, value: 'thief' }], ip), { status: 401 });
  await assert.rejects(services.orgMetadata.remove(stolen, globex, 'GENERAL', 'kept', ip), { status: 401 });

  assert.equal(await node.store.getOrgByName('thief-org'), undefined);
  assert.deepEqual(await node.store.getOrg(globex.id), globex, 'globex untouched, still enabled');
  assert.equal((await node.store.getOrg(doomed.id))?.is_enabled, 0, 'the disabled org still there, still disabled');
  assert.deepEqual(await metadataOf(), metadata);
});

test('an org update that renames and disables applies both or neither, whatever fails or ends the session in between', async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const services = node.server.services;
  const { ownerSession, owner, stolen } = await systemAdministratorTwice(node);
  const ip = '127.0.0.1';
  const store = node.store;
  const globex = (await store.getOrgByName('globex'))!;
  assert.equal(globex.is_enabled, 1);
  const renameAndDisable = { name: 'globex-renamed', fullName: 'Renamed Corp', description: 'changed', enabled: false };

  // The disable's part fails (a database error): until 2026-12-07 the rename, written in a transaction of its own
  // before it, stayed, and the request answered an error.
  const listUsers = store.listUsers;
  store.listUsers = async (...args: Parameters<typeof listUsers>) => {
    if (args[1] !== undefined) throw new Error('forced failure of the disable');
    return listUsers.apply(store, args);
  };
  try {
    await assert.rejects(services.orgAdmin.update(owner, globex, renameAndDisable, ip), /forced failure/);
  } finally {
    store.listUsers = listUsers;
  }
  assert.deepEqual(await store.getOrg(globex.id), globex, 'nothing of the update applied');

  // The session is cut off on another node right after the update's first transaction commits. The update then either
  // applied wholly (the cut-off came after its one commit) or not at all. (The old code passes this half too, its
  // rename having been written outside any transaction; the forced failure above is the half that tells them apart.)
  const transaction = store.transaction;
  let cutOff = false;
  store.transaction = (async (fn: Parameters<typeof transaction>[0]) => {
    const result = await transaction.call(store, fn);
    if (!cutOff) {
      cutOff = true;
      await cutOffAsAnotherNode(node, stolen.userId, jtiOf(ownerSession));
    }
    return result;
  }) as typeof transaction;
  let outcome: PromiseSettledResult<unknown>;
  try {
    [outcome] = await Promise.allSettled([services.orgAdmin.update(stolen, globex, renameAndDisable, ip)]);
  } finally {
    store.transaction = transaction;
  }
  assert.ok(cutOff, 'the cut-off was made');
  const after = (await store.getOrg(globex.id))!;
  if (outcome!.status === 'fulfilled') {
    assert.deepEqual([after.name, after.full_name, after.is_enabled], ['globex-renamed', 'Renamed Corp', 0], 'all applied');
  } else {
    assert.deepEqual(after, globex, `refused (${String(outcome!.reason)}) and nothing applied`);
  }
});

test("an ended administrator's session, already past its bearer check, lifts no cap of the org's token policy", async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const admin = await ownerAndThief(node, alice, 'stale-policy', 'Organization Administrator');
  const acme = (await node.store.getOrgByName('acme'))!;
  const policyUrl = `${node.baseUrl}/cloudapi/1.0.0/orgs/urn:vcloud:org:${acme.id}/apiTokenPolicy`;
  const put = (session: string, body: unknown) =>
    http(policyUrl, { method: 'PUT', headers: { ...bearer(session), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const capped = await put(alice, { maxLifetimeDays: 30, maxIdleDays: 30 });
  assert.equal(capped.status, 200, capped.text);
  // Until 2026-12-07 the stolen session, cut off a moment before, could still lift the caps: the tokens it had made
  // (and every token of the org) then lived on past what the org allowed.
  await cutOffAsAnotherNode(node, admin.id, jtiOf(admin.owner));
  const lifted = await put(admin.stolen, { maxLifetimeDays: null, maxIdleDays: null });
  assert.equal(lifted.status, 401, lifted.text);
  const org = (await node.store.getOrg(acme.id))!;
  assert.deepEqual([org.max_token_lifetime_days, org.max_token_idle_days], [30, 30]);
  const own = await put(admin.owner, { maxLifetimeDays: 60 });
  assert.equal(own.status, 200, own.text);
});

test('a session ended by its owner, already past its bearer check, does not turn the second factor off', async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const user = await ownerAndThief(node, alice, 'stale-totp-off');
  const start = await http(`${node.baseUrl}/cloudapi/1.0.0/users/current/totp`, { method: 'POST', headers: bearer(user.owner) });
  const secret = start.json().secret as string;
  const confirmed = await http(`${node.baseUrl}/cloudapi/1.0.0/users/current/totp/confirm`, {
    method: 'POST',
    headers: { ...bearer(user.owner), 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: totpCode(secret) }),
  });
  assert.equal(confirmed.status, 200, confirmed.text);
  // The code the confirm spent is taken again (the thief's code is the same step's): what is tested is the cut-off.
  await node.store.updateUser(user.id, { totp_last_step: 0 });
  const codesOf = () => node.store.db.selectFrom('totp_recovery_codes').select('code_hash').where('user_id', '=', user.id).execute();
  const codes = await codesOf();
  const services = node.server.services;
  const stolen = await services.authenticator.authenticate({ kind: 'access_token', value: user.stolen });
  // "End all sessions" as another node commits it, keeping the owner's (no password change: the thief's still
  // checks). Until 2026-12-07 the stolen session, still accepted by this node, took the owner's second factor away.
  await cutOffAsAnotherNode(node, user.id, jtiOf(user.owner));
  const code = totpCode(secret);
  await assert.rejects(services.totpEnrolment.disable(stolen, 'Race-Password-123', code, '127.0.0.1'), { status: 401 });
  const after = (await node.store.getUser(user.id))!;
  assert.equal(after.totp_enabled, 1);
  assert.deepEqual(await codesOf(), codes);
  // The refusal spent nothing: until 2026-12-07 the code's step was used up before the session was found cut off,
  // so the owner, typing the same code a moment later, was told it was already used.
  assert.equal(Number(after.totp_last_step), 0, 'the refused disable spent no code');
  const own = await http(`${node.baseUrl}/cloudapi/1.0.0/users/current/totp`, {
    method: 'DELETE',
    headers: { ...bearer(user.owner), 'Content-Type': 'application/json' },
    body: JSON.stringify({ password: 'Race-Password-123', code }),
  });
  assert.equal(own.status, 204, own.text);
  assert.equal((await node.store.getUser(user.id))!.totp_enabled, 0);
});

test("an ended System administrator's session, already past its bearer check, tears no inventory down", async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const { ownerSession: owner, thief } = await systemAdministratorTwice(node);
  const acme = (await node.store.getOrgByName('acme'))!;
  const db = node.store.db;
  const vapp = await db
    .selectFrom('vapps')
    .select(['id', 'vdc_id', 'status'])
    .where('org_id', '=', acme.id)
    .where('is_template', '=', 0)
    .where('status', '=', 'POWERED_ON')
    .executeTakeFirstOrThrow();
  const vdcs = await db.selectFrom('vdcs').select(['id', 'is_enabled']).where('org_id', '=', acme.id).orderBy('id').execute();
  const stopped = await db
    .selectFrom('vapps')
    .select('id')
    .where('org_id', '=', acme.id)
    .where('is_template', '=', 0)
    .where('status', '=', 'POWERED_OFF')
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('vms').select('vms.id').whereRef('vms.vapp_id', '=', 'vapps.id').where('vms.status', '=', 'POWERED_ON'))),
    )
    .executeTakeFirstOrThrow();
  const otherVdc = vdcs.find((v) => v.id !== vapp.vdc_id);
  assert.ok(otherVdc, 'a second VDC to delete');
  // Disabled already, as a delete needs: the stolen session's delete would go through but for the cut-off.
  await db.updateTable('vdcs').set({ is_enabled: 0 }).where('id', '=', otherVdc.id).execute();
  const [catalog] = await listCatalogsOfOrg(node.store, acme.id);
  assert.ok(catalog, 'a catalog to delete');
  const snapshot = async () => ({
    vapps: await db.selectFrom('vapps').select(['id', 'status']).where('org_id', '=', acme.id).orderBy('id').execute(),
    vdcs: await db.selectFrom('vdcs').select(['id', 'is_enabled']).where('org_id', '=', acme.id).orderBy('id').execute(),
  });
  const before = await snapshot();
  const XML = 'application/*+xml;version=36.1';
  const call = (session: string, method: string, path: string, body?: string) =>
    http(`${node.baseUrl}${path}`, {
      method,
      headers: { ...bearer(session, XML), ...(body ? { 'Content-Type': 'application/vnd.vmware.vcloud.undeployVAppParams+xml' } : {}) },
      ...(body ? { body } : {}),
    });

  // Until 2026-12-07 each went through for a session the administrator had just cut off on another node (undone
  // only at the source's next sync, if it came).
  const administrator = await node.server.services.authenticator.authenticate({ kind: 'access_token', value: thief });
  await cutOffAsAnotherNode(node, administrator.userId, jtiOf(owner));
  const undeploy = `<UndeployVAppParams xmlns="http://www.vmware.com/vcloud/v1.5"><UndeployPowerAction>powerOff</UndeployPowerAction></UndeployVAppParams>`;
  const answers = [
    await call(thief, 'POST', `/api/vApp/vapp-${vapp.id}/action/undeploy`, undeploy),
    await call(thief, 'DELETE', `/api/vApp/vapp-${stopped.id}`),
    await call(thief, 'POST', `/api/admin/vdc/${vapp.vdc_id}/action/disable`),
    await call(thief, 'POST', `/api/admin/vdc/${otherVdc.id}/action/enable`),
    await call(thief, 'DELETE', `/api/admin/vdc/${otherVdc.id}?force=true&recursive=true`),
    await call(thief, 'DELETE', `/api/admin/catalog/${catalog.id}?recursive=true`),
  ];
  assert.deepEqual(
    answers.map((a) => a.status),
    [401, 401, 401, 401, 401, 401],
    answers.map((a) => a.text.slice(0, 200)).join(' | '),
  );
  assert.deepEqual(await snapshot(), before, 'no vApp powered off or deleted, no VDC enabled, disabled or deleted');
  assert.equal((await listCatalogsOfOrg(node.store, acme.id)).length > 0, true, 'the catalog still there');

  const own = await call(owner, 'POST', `/api/admin/vdc/${otherVdc.id}/action/enable`);
  assert.equal(own.status, 204, own.text);
});

test("an ended System administrator's session, already past its bearer check, syncs, opens or commits no inventory", async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const { ownerSession: owner, thief } = await systemAdministratorTwice(node);
  const base = `${node.baseUrl}/cloudapi/x-tessera/inventory/sources/agent-stale`;
  const post = (session: string, url: string, body?: unknown, method = 'POST') =>
    http(url, {
      method,
      headers: { ...bearer(session), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const synced = await post(owner, `${base}/batches`, {
    vdcs: [{ id: 'vdc-s', org: 'acme', name: 'stale-vdc', cpu: { allocated: 1000 } }],
    vapps: [{ id: 'vapp-s', vdc: 'vdc-s', name: 'stale-app', owner: 'alice' }],
  });
  assert.equal(synced.status, 200, synced.text);
  const opened = await post(owner, `${base}/generations`);
  assert.equal(opened.status, 201, opened.text);
  const generation = opened.json().generation as number;
  const db = node.store.db;
  const snapshot = async () => ({
    source: await db.selectFrom('inventory_sources').selectAll().where('source', '=', 'agent-stale').execute(),
    vdcs: await db.selectFrom('vdcs').select(['id', 'name']).orderBy('id').execute(),
    vapps: await db.selectFrom('vapps').select(['id', 'name']).orderBy('id').execute(),
  });
  const before = await snapshot();

  // Until 2026-12-07 a stolen session the administrator had just cut off on another node could still replace the
  // source's inventory, add to it, or commit the open generation (which deletes whatever it did not list).
  const administrator = await node.server.services.authenticator.authenticate({ kind: 'access_token', value: thief });
  await cutOffAsAnotherNode(node, administrator.userId, jtiOf(owner));
  const answers = [
    await post(thief, base, {}, 'PUT'),
    await post(thief, `${base}/batches`, { vdcs: [{ id: 'vdc-t', org: 'acme', name: 'thief-vdc', cpu: { allocated: 1 } }] }),
    await post(thief, `${base}/generations`),
    await post(thief, `${base}/generations/${generation}/commit`),
  ];
  assert.deepEqual(
    answers.map((a) => a.status),
    [401, 401, 401, 401],
    answers.map((a) => a.text.slice(0, 200)).join(' | '),
  );
  assert.deepEqual(await snapshot(), before);

  const own = await post(owner, `${base}/generations/${generation}/commit`);
  assert.equal(own.status, 200, own.text);
});

test('a session ended by a password change, already past its bearer check, creates no service account', async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const user = await ownerAndThief(node, alice, 'stale-account', 'Organization Administrator');
  const create = (session: string, name: string) =>
    http(`${node.baseUrl}/oauth/tenant/acme/register`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        client_name: name,
        scope: 'urn:vcloud:role:vApp%20Author',
        software_id: '12345678-1234-1234-1234-1234567890ab',
        software_version: '',
        client_uri: '',
      }),
    });
  // Until 2026-12-07 the account was created for a session its owner had just cut off on another node: it stayed in
  // the org, its client id with the thief, waiting for an authorization.
  await cutOffAsAnotherNode(node, user.id, jtiOf(user.owner));
  const late = await create(user.stolen, 'late-backdoor');
  assert.equal(late.status, 401, late.text);
  const accounts = await node.store.db.selectFrom('service_accounts').select('name').execute();
  assert.deepEqual(
    accounts.map((a) => a.name),
    [],
  );
  const own = await create(user.owner, 'owner-account');
  assert.equal(own.status, 200, own.text);
});

test("a System service account's session, already past its bearer check, creates no org and syncs no inventory once its account is revoked or deleted on another node", async (t) => {
  const node = await startTessera({ config: RATES });
  t.after(() => node.stop());
  const provider = await signIn(node.baseUrl, 'administrator', 'System', node.adminPassword);
  const made = await http(`${node.baseUrl}/cloudapi/1.0.0/roles`, {
    method: 'POST',
    headers: { ...bearer(provider), 'Content-Type': 'application/json' },
    body: JSON.stringify({
      name: 'agents',
      description: 'x',
      rights: ['Organization: View', 'General: Administrator Control', 'Inventory: Sync'].map((name) => ({ name })),
    }),
  });
  assert.equal(made.status, 201, made.text);
  const base = node.baseUrl;
  const agent = (name: string) =>
    activeServiceAccount({ register: base, grant: base, poll: base }, provider, name, 'urn:vcloud:role:agents', 'System');
  const [revoked, deleted] = [await agent('revoked-agent'), await agent('deleted-agent')];
  const writes = async (session: string, orgName: string) => ({
    org: await http(`${base}/api/admin/orgs`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${session}`,
        'Content-Type': 'application/vnd.vmware.admin.organization+xml',
        Accept: 'application/*+xml;version=37.0',
      },
      body: `<AdminOrg xmlns="http://www.vmware.com/vcloud/v1.5" name="${orgName}"><FullName>Kept</FullName><IsEnabled>true</IsEnabled></AdminOrg>`,
    }),
    generation: await http(`${base}/cloudapi/x-tessera/inventory/sources/${orgName}/generations`, {
      method: 'POST',
      headers: { ...bearer(session), 'Content-Type': 'application/json' },
    }),
  });
  // This node's identity cache reads both accounts ACTIVE, with their rights.
  for (const { accessToken } of [revoked, deleted]) {
    const state = await http(`${base}/cloudapi/x-tessera/inventory/sources/warm`, { headers: bearer(accessToken) });
    assert.ok(state.status !== 401 && state.status !== 403, state.text);
  }

  // Another node revokes the first and re-authorizes it (ACTIVE again, a new chain), and deletes the second; this
  // node's view has not heard of either cut-off. Until 2026-12-07 a service account's session was judged by its
  // bearer check alone, and both made an org and opened a generation here.
  const now = Date.now();
  await node.store.db
    .insertInto('revocations')
    .values({ kind: 'user', subject: revoked.id, at: now, relevant_until: now + 3_600_000, keep_session: null })
    .execute();
  await node.store.db.deleteFrom('service_accounts').where('id', '=', deleted.id).execute();
  for (const [account, orgName] of [
    [revoked, 'kept-by-revoked'],
    [deleted, 'kept-by-deleted'],
  ] as const) {
    const refused = await writes(account.accessToken, orgName);
    assert.equal(refused.org.status, 401, `${orgName}: ${refused.org.text}`);
    assert.match(refused.org.text, /<Error\b/);
    assert.equal(refused.generation.status, 401, `${orgName}: ${refused.generation.text}`);
    assert.equal(await node.store.getOrgByName(orgName), undefined);
    const sources = await node.store.db.selectFrom('inventory_sources').select('source').where('source', '=', orgName).execute();
    assert.deepEqual(sources, []);
  }
});
