/**
 * A service account's refresh racing its revoke, on PostgreSQL (READ COMMITTED), with the interleaving forced: the
 * test holds the account's row locked while the refresh and then the revoke arrive, and lets go. Whatever order the
 * two then take, once the revoke has answered, neither the session nor the refresh token the refresh issued works.
 * Until 2026-12-05 the refresh inserted its successor unseen by the revoke's update and stamped its session after the
 * revoke's cut-off: both kept working, and the old chain came back beside a new authorization.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestDatabase, startTessera, DEMO_PASSWORD } from '../helpers/tessera.js';
import { signIn, exchange, http, bearer } from '../helpers/api.js';
import { activeServiceAccount } from '../helpers/service-account-flow.js';

const JSON_37 = 'application/json;version=37.0';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A PostgreSQL node with the demo, alice signed in; stopped and dropped after the test. */
async function postgresNode(t: { after: (fn: () => Promise<void>) => void }) {
  if (!process.env.TESSERA_TEST_DATABASE_URL) {
    assert.fail('TESSERA_TEST_DATABASE_URL is not set: run scripts/start-postgres.sh (npm test does it for you)');
  }
  const database = await createTestDatabase();
  const node = await startTessera({ backend: 'postgres', databaseUrl: database.url, demo: true });
  t.after(async () => {
    await node.stop();
    await database.drop();
  });
  return { node, base: node.baseUrl, alice: await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD) };
}

/** Holds a row lock taken by `lockSql` until `release` is called. */
async function holdLock(node: Awaited<ReturnType<typeof startTessera>>, lockSql: ReturnType<typeof sql>) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const lockTaken = new Promise<void>((resolve) => (locked = resolve));
  const holder = node.store.db.transaction().execute(async (trx) => {
    await lockSql.execute(trx);
    locked();
    await released;
  });
  await lockTaken;
  return async () => {
    release();
    await holder;
  };
}

const revokeAccount = (base: string, session: string, id: string) =>
  http(`${base}/cloudapi/1.0.0/serviceAccounts/urn:vcloud:serviceAccount:${id}/revoke`, {
    method: 'POST',
    headers: bearer(session, JSON_37),
  });
const deviceAuthorization = (base: string, session: string, id: string) =>
  http(`${base}/oauth/tenant/acme/device_authorization`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: id }),
  });
const grantUserCode = (base: string, session: string, userCode: string) =>
  http(`${base}/cloudapi/1.0.0/deviceLookup/grant`, {
    method: 'POST',
    headers: { ...bearer(session, JSON_37), 'Content-Type': 'application/json' },
    body: JSON.stringify({ userCode }),
  });
const pollDeviceCode = (base: string, id: string, deviceCode: string) =>
  http(`${base}/oauth/tenant/acme/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: id, device_code: deviceCode }),
  });

test('a retry within the grace window racing a revoke: the session it is given does not outlive the revoke', async (t) => {
  const { node, base, alice } = await postgresNode(t);
  const { id, refreshToken } = await activeServiceAccount({ register: base, grant: base, poll: base }, alice, 'retried');
  const first = await exchange(base, 'acme', refreshToken);
  assert.equal(first.status, 200, first.text);
  const successor = await node.store.db
    .selectFrom('service_account_tokens')
    .select('id')
    .where('service_account_id', '=', id)
    .where('spent_at', 'is', null)
    .executeTakeFirstOrThrow();
  // The revoke takes the account's lock and its time, then waits on the successor's row, held here; the retry of
  // the spent token arrives meanwhile. Until 2026-12-05 the retry read the successor without the account's lock, saw
  // it live (the revoke had not committed), and was given a session stamped after the revoke's time: it outlived it.
  const release = await holdLock(node, sql`select id from service_account_tokens where id = ${successor.id} for update`);
  const revoke = revokeAccount(base, alice, id);
  await sleep(300);
  const retry = exchange(base, 'acme', refreshToken);
  await sleep(300);
  await release();
  const [revoked, retried] = await Promise.all([revoke, retry]);
  assert.equal(revoked.status, 204, revoked.text);
  assert.ok(retried.status === 200 || retried.status === 400, `${retried.status} ${retried.text}`);
  if (retried.status === 200) {
    const session = retried.json().access_token as string;
    assert.equal((await http(`${base}/cloudapi/1.0.0/sessions/current`, { headers: bearer(session, JSON_37) })).status, 401, 'its session');
  }
  const reuse = await node.store.db.selectFrom('audit_events').select('id').where('event_type', '=', 'serviceAccount.tokenReuse').execute();
  assert.deepEqual(reuse, [], 'a retry refused after a revoke is not reported as a copied token');
});

test('a new authorization racing the activation of the previous one: never two live chains', async (t) => {
  const { node, base, alice } = await postgresNode(t);
  const reg = await http(`${base}/oauth/tenant/acme/register`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${alice}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      client_name: 'reauthorized',
      scope: 'urn:vcloud:role:vApp%20User',
      software_id: '12345678-1234-1234-1234-1234567890ab',
    }),
  });
  assert.equal(reg.status, 200, reg.text);
  const id = reg.json().client_id as string;
  const auth1 = await deviceAuthorization(base, alice, id);
  assert.equal(auth1.status, 200, auth1.text);
  assert.equal((await grantUserCode(base, alice, auth1.json().user_code)).status, 204);

  // The activation (the device-code grant) queues on the account's lock first, the new authorization after it.
  // Until 2026-12-05 the authorization had checked the status before, and its update took no lock: it set REQUESTED
  // over the chain the activation had just created, which then worked again beside the next one.
  const release = await holdLock(node, sql`select id from service_accounts where id = ${id} for update`);
  const activation = pollDeviceCode(base, id, auth1.json().device_code);
  await sleep(300);
  const reauthorize = deviceAuthorization(base, alice, id);
  await sleep(300);
  await release();
  const [activated, auth2] = await Promise.all([activation, reauthorize]);
  assert.equal(activated.status, 200, activated.text);
  const firstChain = activated.json().refresh_token as string;
  const firstSession = activated.json().access_token as string;
  if (auth2.status === 200) {
    // Authorized again after all: the first chain and its session ended with it.
    assert.equal((await grantUserCode(base, alice, auth2.json().user_code)).status, 204);
    const second = await pollDeviceCode(base, id, auth2.json().device_code);
    assert.equal(second.status, 200, second.text);
    assert.equal((await exchange(base, 'acme', firstChain)).status, 400, 'the first chain is over');
    assert.equal((await http(`${base}/cloudapi/1.0.0/sessions/current`, { headers: bearer(firstSession, JSON_37) })).status, 401);
  } else {
    assert.equal(auth2.status, 400, auth2.text);
    assert.match(auth2.text, /active; revoke it before authorizing it again/);
  }
  const live = await node.store.db
    .selectFrom('service_account_tokens')
    .select('id')
    .where('service_account_id', '=', id)
    .where('revoked_at', 'is', null)
    .where('spent_at', 'is', null)
    .execute();
  assert.equal(live.length, 1, 'one live chain');
});

test('a refresh and a revoke of one service account held at the same lock: nothing the refresh issued outlives the revoke', async (t) => {
  const { node, base, alice } = await postgresNode(t);
  const { id, refreshToken } = await activeServiceAccount({ register: base, grant: base, poll: base }, alice, 'raced');

  // Hold the account's row; the refresh goes first, the revoke a moment later, both wait on it; then let go.
  const release = await holdLock(node, sql`select id from service_accounts where id = ${id} for update`);
  const refresh = exchange(base, 'acme', refreshToken);
  await sleep(300);
  const revoke = revokeAccount(base, alice, id);
  await sleep(300);
  await release();
  const [refreshed, revoked] = await Promise.all([refresh, revoke]);
  assert.equal(revoked.status, 204, revoked.text);
  assert.ok(refreshed.status === 200 || refreshed.status === 400, `${refreshed.status} ${refreshed.text}`);
  if (refreshed.status === 200) {
    const session = refreshed.json().access_token as string;
    assert.equal((await http(`${base}/cloudapi/1.0.0/sessions/current`, { headers: bearer(session, JSON_37) })).status, 401, 'its session');
    assert.equal((await exchange(base, 'acme', refreshed.json().refresh_token as string)).status, 400, 'its refresh token');
  }
  const live = await node.store.db
    .selectFrom('service_account_tokens')
    .select('id')
    .where('service_account_id', '=', id)
    .where('revoked_at', 'is', null)
    .where('spent_at', 'is', null)
    .execute();
  assert.deepEqual(live, [], 'no live refresh token on a revoked account');
});
