/**
 * Nodes of one store started with different access-token lifetimes. The node started second is told (the banner,
 * the log), and keeps its revocations for the longer lifetime, so a node of the longer one restarted later reads
 * back the revocations of the sessions it made. Until 2026-12-05 a node with `--access-token-ttl 60` kept them two
 * minutes, and a 3600 s node restarted after that accepted its signed-out, reset and revoked sessions again for the
 * rest of their hour. Every node keeps its revocations at least for the longest lifetime any node of the store has
 * started with (meta `longest_access_token_ttl_seconds`, read at each revocation), so the order where the shorter
 * node starts first holds too: until 2026-12-07 that node kept them for its own lifetime only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, startTessera } from '../helpers/tessera.js';
import { accessTokenFrom, bearer, createApiToken, http, signIn } from '../helpers/api.js';
import { LONGEST_NODE_TTL_META_KEY } from '../../src/services.js';

test('a node with a shorter lifetime than the last one keeps revocations for the longer one, and is told', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-ttl-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const long = await startTessera({ backend: 'sqlite', dataDir, config: { accessTokenTtlSeconds: 3600 } });
  assert.equal(long.server.otherNodesTtlSeconds, null, 'the first start knows no other lifetime');
  // A session made by the node of the longer lifetime: it lives an hour wherever it is presented.
  const aliceOfLong = await signIn(long.baseUrl, 'alice', 'acme', long.demoPassword);
  await long.stop();

  const short = await startTessera({ backend: 'sqlite', dataDir, demo: false, config: { accessTokenTtlSeconds: 60 } });
  try {
    assert.equal(short.server.otherNodesTtlSeconds, 3600);
    const before = Date.now();
    // Signed out here: kept until the session's own end, an hour away (until 2026-12-05 this node cut it at 60 s).
    assert.equal((await http(`${short.baseUrl}/api/session`, { method: 'DELETE', headers: bearer(aliceOfLong) })).status, 204);
    // A user-level revocation (every session of bob ended): kept for the longer lifetime and the skew.
    const bob = await short.store.getUserByName((await short.store.getOrgByName('acme'))!.id, 'bob');
    await short.server.services.sessions.endAllSessionsOf(bob!.id);
    const rows = await short.store.db.selectFrom('revocations').select(['kind', 'relevant_until']).execute();
    const until = (kind: string) => Math.max(...rows.filter((r) => r.kind === kind).map((r) => Number(r.relevant_until)));
    assert.ok(until('session') >= before + 3500 * 1000, `the sign-out kept until ${new Date(until('session')).toISOString()}`);
    assert.ok(until('user') >= before + (3600 + 60) * 1000, `the user's cut-off kept until ${new Date(until('user')).toISOString()}`);
  } finally {
    await short.stop();
  }
  const again = await startTessera({ backend: 'sqlite', dataDir, demo: false, config: { accessTokenTtlSeconds: 60 } });
  assert.equal(again.server.otherNodesTtlSeconds, null, 'the same lifetime as the node before it: nothing to say');
  await again.stop();
});

test("a regenerated token's revocation is kept for the longer lifetime too, at once or after its grace", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-ttl-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const long = await startTessera({ backend: 'sqlite', dataDir, config: { accessTokenTtlSeconds: 3600 } });
  const demoPassword = long.demoPassword;
  await long.stop();

  const short = await startTessera({ backend: 'sqlite', dataDir, demo: false, config: { accessTokenTtlSeconds: 60 } });
  try {
    assert.equal(short.server.otherNodesTtlSeconds, 3600);
    const alice = await signIn(short.baseUrl, 'alice', 'acme', demoPassword);
    const regenerate = (tokenId: string, graceSeconds: number) =>
      http(`${short.baseUrl}/cloudapi/x-tessera/tokens/${tokenId}/regenerate`, {
        method: 'POST',
        headers: { ...bearer(alice), 'Content-Type': 'application/json' },
        body: JSON.stringify({ graceSeconds }),
      });
    const atOnce = await createApiToken(short.baseUrl, alice, 'acme', 'regenerated at once');
    const withGrace = await createApiToken(short.baseUrl, alice, 'acme', 'regenerated with a grace');
    assert.equal((await regenerate(atOnce.tokenId, 0)).status, 200);
    assert.equal((await regenerate(withGrace.tokenId, 600)).status, 200);
    const rows = await short.store.db
      .selectFrom('revocations')
      .select(['subject', 'at', 'relevant_until'])
      .where('kind', '=', 'api_token')
      .execute();
    for (const { clientId, name } of [
      { clientId: atOnce.clientId, name: 'at once' },
      { clientId: withGrace.clientId, name: 'after a grace' },
    ]) {
      const row = rows.find((r) => r.subject === clientId);
      assert.ok(row, `a revocation of the token regenerated ${name}`);
      // A session the 3600 s node made from the old token lives up to an hour (and the skew) past the revocation.
      assert.ok(
        Number(row.relevant_until) >= Number(row.at) + (3600 + 60) * 1000,
        `regenerated ${name}: kept ${(Number(row.relevant_until) - Number(row.at)) / 1000} s past its time`,
      );
    }
  } finally {
    await short.stop();
  }
});

test("a sign-out on a node of a shorter lifetime is kept for the session's signed end, whichever node started last", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-ttl-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const long = await startTessera({ backend: 'sqlite', dataDir, config: { accessTokenTtlSeconds: 3600 } });
  // A session of the hour-long node, which any node of that lifetime accepts for the hour.
  const aliceOfLong = await signIn(long.baseUrl, 'alice', 'acme', long.demoPassword);
  await long.stop();
  // Two starts of 60 s nodes: the second knows no longer lifetime (the node before it had its own), so its horizon,
  // and the session's end as it counts it, is 60 s (the order docs/security.md only warns about).
  await (await startTessera({ backend: 'sqlite', dataDir, demo: false, config: { accessTokenTtlSeconds: 60 } })).stop();
  const short = await startTessera({ backend: 'sqlite', dataDir, demo: false, config: { accessTokenTtlSeconds: 60 } });
  try {
    assert.equal(short.server.otherNodesTtlSeconds, null);
    const before = Date.now();
    assert.equal((await http(`${short.baseUrl}/api/session`, { method: 'DELETE', headers: bearer(aliceOfLong) })).status, 204);
    const row = await short.store.db.selectFrom('revocations').select('relevant_until').where('kind', '=', 'session').executeTakeFirst();
    // Until 2026-12-07 kept until this node's end of the session, 60 s after it was made.
    assert.ok(Number(row?.relevant_until) >= before + 3500 * 1000, `the sign-out kept ${(Number(row?.relevant_until) - before) / 1000} s`);
    // Housekeeping twenty minutes on: past the 60 s and the clocks' 15-minute margin, well within the hour.
    await short.store.pruneRevocations(Date.now() + 20 * 60_000);
  } finally {
    await short.stop();
  }
  const longAgain = await startTessera({ backend: 'sqlite', dataDir, demo: false, config: { accessTokenTtlSeconds: 3600 } });
  try {
    const current = await http(`${longAgain.baseUrl}/cloudapi/1.0.0/sessions/current`, {
      headers: { ...bearer(aliceOfLong), Accept: 'application/json;version=37.0' },
    });
    assert.equal(current.status, 401, 'the signed-out session stays signed out on a node of the longer lifetime');
  } finally {
    await longAgain.stop();
  }
});

test('the longest lifetime a node of the store started with is kept, and revocations are kept that long after restarts of shorter nodes', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-ttl-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  await (await startTessera({ backend: 'sqlite', dataDir, config: { accessTokenTtlSeconds: 3600 } })).stop();
  // Two starts of 60 s nodes: the second's node before it had its own lifetime, so only the stored maximum tells it.
  await (await startTessera({ backend: 'sqlite', dataDir, demo: false, config: { accessTokenTtlSeconds: 60 } })).stop();
  const short = await startTessera({ backend: 'sqlite', dataDir, demo: false, config: { accessTokenTtlSeconds: 60 } });
  try {
    assert.equal(short.server.otherNodesTtlSeconds, null);
    assert.equal(await short.store.getMeta(LONGEST_NODE_TTL_META_KEY), '3600', 'not lowered by the starts of 60 s nodes');
    const bob = await short.store.getUserByName((await short.store.getOrgByName('acme'))!.id, 'bob');
    await short.server.services.sessions.endAllSessionsOf(bob!.id);
    const row = await short.store.db
      .selectFrom('revocations')
      .select(['at', 'relevant_until'])
      .where('kind', '=', 'user')
      .executeTakeFirst();
    // Until 2026-12-07 kept 60 s and the skew: an hour-long session of bob's, made before, worked again on a node of
    // the hour restarted once housekeeping had dropped the row.
    assert.ok(
      Number(row?.relevant_until) >= Number(row?.at) + (3600 + 60) * 1000,
      `the user's cut-off kept ${(Number(row?.relevant_until) - Number(row?.at)) / 1000} s past its time`,
    );
  } finally {
    await short.stop();
  }
});

test('a node started before one of a longer lifetime keeps its revocations for that lifetime, without a restart (PostgreSQL)', async (t) => {
  if (!process.env.TESSERA_TEST_DATABASE_URL) {
    assert.fail('TESSERA_TEST_DATABASE_URL is not set: run scripts/start-postgres.sh (npm test does it for you)');
  }
  const database = await createTestDatabase();
  const short = await startTessera({ backend: 'postgres', databaseUrl: database.url, demo: true, config: { accessTokenTtlSeconds: 600 } });
  let long = await startTessera({ backend: 'postgres', databaseUrl: database.url, demo: false, config: { accessTokenTtlSeconds: 3600 } });
  t.after(async () => {
    await short.stop();
    await long.stop();
    await database.drop();
  });
  assert.equal(short.server.otherNodesTtlSeconds, null, 'the short node started first: at its start it knew no other lifetime');
  // A session the hour-long node makes from an API token: it lives an hour on any node of that lifetime.
  const alice = await signIn(long.baseUrl, 'alice', 'acme', long.demoPassword);
  const { apiToken, tokenId, clientId } = await createApiToken(long.baseUrl, alice, 'acme', 'revoked on the short node');
  const session = await accessTokenFrom(long.baseUrl, 'acme', apiToken);
  const current = () => http(`${long.baseUrl}/cloudapi/1.0.0/sessions/current`, { headers: bearer(session) });
  assert.equal((await current()).status, 200);

  // Revoked on the short node, which learns of the longer lifetime from the store at the revocation.
  assert.equal((await http(`${short.baseUrl}/cloudapi/1.0.0/tokens/${tokenId}`, { method: 'DELETE', headers: bearer(alice) })).status, 204);
  const row = await short.store.db
    .selectFrom('revocations')
    .select(['at', 'relevant_until'])
    .where('kind', '=', 'api_token')
    .where('subject', '=', clientId)
    .executeTakeFirstOrThrow();
  assert.ok(
    Number(row.relevant_until) >= Number(row.at) + (3600 + 60) * 1000,
    `kept ${(Number(row.relevant_until) - Number(row.at)) / 1000} s past its time (until 2026-12-07: the short node's 600 s and the skew)`,
  );
  // Housekeeping half an hour on: past the short node's 660 s and the clocks' 15-minute margin, within the hour.
  await short.store.pruneRevocations(Date.now() + 30 * 60_000);
  // The long node restarted: its view of revocations is rebuilt from the store.
  await long.stop();
  long = await startTessera({ backend: 'postgres', databaseUrl: database.url, demo: false, config: { accessTokenTtlSeconds: 3600 } });
  assert.equal((await current()).status, 401, "the revoked token's session stays ended on the restarted hour-long node");
});
