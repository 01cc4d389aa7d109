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
import { activeServiceAccount } from './service-account-flow.js';

const JSON_37 = 'application/json;version=37.0';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a refresh and a revoke of one service account held at the same lock: nothing the refresh issued outlives the revoke', async (t) => {
  if (!process.env.TESSERA_TEST_DATABASE_URL) {
    assert.fail('TESSERA_TEST_DATABASE_URL is not set: run scripts/start-postgres.sh (npm test does it for you)');
  }
  const database = await createTestDatabase();
  const node = await startTessera({ backend: 'postgres', databaseUrl: database.url, demo: true });
  t.after(async () => {
    await node.stop();
    await database.drop();
  });
  const base = node.baseUrl;
  const alice = await signIn(base, 'alice', 'acme', DEMO_PASSWORD);
  const { id, refreshToken } = await activeServiceAccount({ register: base, grant: base, poll: base }, alice, 'raced');

  // Hold the account's row; the refresh goes first, the revoke a moment later, both wait on it; then let go.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const lockTaken = new Promise<void>((resolve) => (locked = resolve));
  const holder = node.store.db.transaction().execute(async (trx) => {
    await sql`select id from service_accounts where id = ${id} for update`.execute(trx);
    locked();
    await released;
  });
  await lockTaken;
  const refresh = exchange(base, 'acme', refreshToken);
  await sleep(300);
  const revoke = http(`${base}/cloudapi/1.0.0/serviceAccounts/urn:vcloud:serviceAccount:${id}/revoke`, {
    method: 'POST',
    headers: bearer(alice, JSON_37),
  });
  await sleep(300);
  release();
  await holder;
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
