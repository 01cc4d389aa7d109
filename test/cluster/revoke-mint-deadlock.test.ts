/**
 * Disabling a user while their registrations are being minted, on PostgreSQL: the revocation of the user's tokens
 * takes every token's row before the counts row its trigger updates, as a mint does (api-tokens.ts revokeRows), so
 * the two never wait on each other in a circle. Until 2026-12-05 they deadlocked: mints and the administrator's
 * disable or delete answered 503 "store unavailable", and a failed delete changed nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, startTessera, DEMO_PASSWORD } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';

test('minting a user\u2019s registrations while an administrator disables the user: never a 503', async (t) => {
  if (!process.env.TESSERA_TEST_DATABASE_URL) {
    assert.fail('TESSERA_TEST_DATABASE_URL is not set: run scripts/start-postgres.sh (npm test does it for you)');
  }
  const database = await createTestDatabase();
  const node = await startTessera({
    backend: 'postgres',
    databaseUrl: database.url,
    demo: true,
    config: { signInRateLimit: 100_000, tokenRateLimitPerIp: 100_000 },
  });
  t.after(async () => {
    await node.stop();
    await database.drop();
  });
  const base = node.baseUrl;
  const alice = await signIn(base, 'alice', 'acme', DEMO_PASSWORD);
  const json = { ...bearer(alice), 'Content-Type': 'application/json' };
  const acme = (await node.store.getOrgByName('acme'))!;
  const author = (await node.store.getRoleByName(acme.id, 'vApp Author'))!;
  for (let trial = 0; trial < 6; trial++) {
    const name = `mint-race-${trial}`;
    const created = await http(`${base}/cloudapi/1.0.0/users`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        username: name,
        password: 'Mint-Race-Password-1',
        enabled: true,
        roleEntityRefs: [{ id: `urn:vcloud:role:${author.id}` }],
      }),
    });
    assert.equal(created.status, 201, created.text);
    const user = created.json();
    const session = await signIn(base, name, 'acme', 'Mint-Race-Password-1');
    const clientIds: string[] = [];
    for (let i = 0; i < 8; i++) {
      const reg = await http(`${base}/oauth/tenant/acme/register`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ client_name: `t${i}` }),
      });
      assert.equal(reg.status, 200, reg.text);
      clientIds.push(reg.json().client_id as string);
    }
    const mints = clientIds.map((clientId) =>
      http(`${base}/oauth/tenant/acme/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ assertion: session, client_id: clientId, grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer' }),
      }),
    );
    const disable = http(`${base}/cloudapi/1.0.0/users/${user.id}`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify({ ...user, enabled: false }),
    });
    const [disabled, ...minted] = await Promise.all([disable, ...mints]);
    assert.equal(disabled.status, 200, `trial ${trial}: ${disabled.text}`);
    for (const m of minted)
      assert.ok(m.status === 200 || m.status === 400 || m.status === 401, `trial ${trial}: a mint answered ${m.status} ${m.text}`);
    // Whatever was minted before the disable is revoked by it.
    const live = await node.store.db
      .selectFrom('api_tokens')
      .select('id')
      .where('user_id', '=', user.id.split(':').pop())
      .where('revoked_at', 'is', null)
      .execute();
    assert.deepEqual(live, [], `trial ${trial}: no live token of the disabled user`);
  }
});
