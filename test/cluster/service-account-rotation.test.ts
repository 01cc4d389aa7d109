/**
 * Service-account rotation on two nodes of one PostgreSQL database (docs/service-accounts.md): the grace window's
 * retry is answered with the same successor only by the node that rotated (the plaintext lives in its memory,
 * never in the store); another node refuses it with a hint and revokes nothing; reuse detected on one node ends
 * the account's sessions on the other within a bounded delay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, startTessera, DEMO_PASSWORD } from '../helpers/tessera.js';
import { signIn, exchange, http, bearer } from '../helpers/api.js';
import { activeServiceAccount } from '../helpers/service-account-flow.js';

const BOUND_MS = 2_000;
const JSON_37 = 'application/json;version=37.0';

async function until(predicate: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (await predicate()) return performance.now() - start;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

test('a retry within the grace window: the same successor on the rotating node, a hint elsewhere; reuse ends sessions everywhere', async (t) => {
  if (!process.env.TESSERA_TEST_DATABASE_URL) {
    assert.fail('TESSERA_TEST_DATABASE_URL is not set: run scripts/start-postgres.sh (npm test does it for you)');
  }
  const database = await createTestDatabase();
  const nodeA = await startTessera({ backend: 'postgres', databaseUrl: database.url, demo: true });
  const nodeB = await startTessera({ backend: 'postgres', databaseUrl: database.url });
  t.after(async () => {
    await nodeA.stop();
    await nodeB.stop();
    await database.drop();
  });

  const alice = await signIn(nodeA.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const { id, refreshToken: t1 } = await activeServiceAccount(
    { register: nodeA.baseUrl, grant: nodeB.baseUrl, poll: nodeB.baseUrl },
    alice,
    'two-nodes',
  );

  // Node A rotates t1 -> t2; the answer is "lost".
  const r1 = await exchange(nodeA.baseUrl, 'acme', t1);
  assert.equal(r1.status, 200, r1.text);
  const t2 = r1.json().refresh_token as string;
  const sessionOnA = r1.json().access_token as string;
  // The retry reaches node B, which never saw t2's plaintext: a hint, nothing revoked.
  const onB = await exchange(nodeB.baseUrl, 'acme', t1);
  assert.equal(onB.status, 400);
  assert.equal(onB.json().minorErrorCode, 'invalid_grant');
  assert.match(onB.json().message, /used moments ago/);
  // The retry reaches node A: the same t2 again.
  const onA = await exchange(nodeA.baseUrl, 'acme', t1);
  assert.equal(onA.status, 200, onA.text);
  assert.equal(onA.json().refresh_token, t2);

  // t2 is used on node B; then t1 again (its successor used): reuse, and A's session ends within the bound.
  assert.equal((await http(`${nodeA.baseUrl}/cloudapi/1.0.0/sessions/current`, { headers: bearer(sessionOnA, JSON_37) })).status, 200);
  const r2 = await exchange(nodeB.baseUrl, 'acme', t2);
  assert.equal(r2.status, 200, r2.text);
  assert.equal((await exchange(nodeB.baseUrl, 'acme', t1)).json().minorErrorCode, 'invalid_grant');
  const delay = await until(
    async () => (await http(`${nodeA.baseUrl}/cloudapi/1.0.0/sessions/current`, { headers: bearer(sessionOnA, JSON_37) })).status === 401,
    BOUND_MS,
  );
  assert.equal((await exchange(nodeA.baseUrl, 'acme', r2.json().refresh_token as string)).json().minorErrorCode, 'invalid_grant');
  t.diagnostic(`cross-node end of a reused service account's sessions: ${delay.toFixed(1)} ms`);
});
