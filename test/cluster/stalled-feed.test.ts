/**
 * Fail-closed has a bound (src/store/pg-revocation-bus.ts): a node whose PostgreSQL connections stall without
 * closing (a TCP relay that stops forwarding both ways) refuses authenticated requests and exchanges with 503,
 * and /health answers 503, within the configured bound (2 s by default) plus a small margin; it recovers once
 * the network does. Across nodes: a token revoked on A while B is cut off is refused by B (503, then 401 once B
 * has resynchronised), never accepted past the bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, startTessera, DEMO_PASSWORD, type TesseraHandle } from '../helpers/tessera.js';
import { signIn, createApiToken, accessTokenFrom, bearer, oauthPath } from '../helpers/api.js';
import { startTcpRelay } from '../helpers/tcp-relay.js';

const BOUND_MS = 2_000;
/** Poll spacing plus scheduling noise on a loaded 2-core machine. */
const MARGIN_MS = 500;

interface Probe {
  sentAt: number;
  status: number;
}

/** Sends without waiting for the answer: a request that reaches a stalled store hangs, the next still goes out. */
function fire(url: string, init: RequestInit): Promise<Probe> {
  const sentAt = performance.now();
  return fetch(url, { ...init, signal: AbortSignal.timeout(30_000) })
    .then(async (res) => {
      await res.arrayBuffer();
      return { sentAt, status: res.status };
    })
    .catch(() => ({ sentAt, status: 0 }));
}

interface Kinds {
  auth: Promise<Probe>[];
  exchange: Promise<Probe>[];
  health: Promise<Probe>[];
}

/** Probes the node every 25 ms until each kind has answered 503 or `untilMs` has passed. */
async function probe(node: TesseraHandle, accessToken: string, apiToken: string, untilMs: number): Promise<Kinds> {
  const kinds: Kinds = { auth: [], exchange: [], health: [] };
  const got503 = { auth: false, exchange: false, health: false };
  const start = performance.now();
  while (performance.now() - start < untilMs && !(got503.auth && got503.exchange && got503.health)) {
    const watch = (kind: keyof Kinds, p: Promise<Probe>) => {
      kinds[kind].push(p);
      void p.then((r) => r.status === 503 && (got503[kind] = true));
    };
    watch('auth', fire(`${node.baseUrl}/cloudapi/1.0.0/sessions/current`, { headers: bearer(accessToken) }));
    watch(
      'exchange',
      fire(`${node.baseUrl}${oauthPath('acme')}/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(apiToken)}`,
      }),
    );
    watch('health', fire(`${node.baseUrl}/health`, {}));
    await new Promise((r) => setTimeout(r, 25));
  }
  return kinds;
}

/**
 * Time from `from` to the first probe sent that answered 503, and the probes accepted although sent more than
 * the bound after `from` (there must be none: by then the node's newest proof of a live feed is older than the
 * bound). In between the node may flip back to healthy: a heartbeat sent before the stall but read late (a busy
 * event loop) is still a valid proof.
 */
async function first503(probes: Promise<Probe>[], from: number): Promise<{ afterMs: number; acceptedPastBound: Probe[] }> {
  const all = (await Promise.all(probes)).sort((a, b) => a.sentAt - b.sentAt);
  const first = all.find((p) => p.status === 503);
  assert.ok(first, `a 503 answer; got ${JSON.stringify(all.map((p) => p.status))}`);
  return { afterMs: first.sentAt - from, acceptedPastBound: all.filter((p) => p.sentAt > from + BOUND_MS && p.status === 200) };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (await check()) return performance.now() - start;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

function clusterUrl(): URL {
  const url = process.env.TESSERA_TEST_DATABASE_URL;
  if (!url) assert.fail('TESSERA_TEST_DATABASE_URL is not set: run scripts/start-postgres.sh (npm test does it for you)');
  return new URL(url);
}

test('a node whose store connections stall answers 503 within the bound, /health too, and recovers', { timeout: 120_000 }, async (t) => {
  const cluster = clusterUrl();
  const database = await createTestDatabase();
  const relay = await startTcpRelay(cluster.hostname, Number(cluster.port || 5432));
  const node = await startTessera({ backend: 'postgres', databaseUrl: relay.via(database.url) });
  t.after(async () => {
    relay.resume();
    await node.stop();
    await relay.close();
    await database.drop();
  });
  const session = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const { apiToken } = await createApiToken(node.baseUrl, session, 'acme', 'stalled');
  const access = await accessTokenFrom(node.baseUrl, 'acme', apiToken);
  assert.equal((await fire(`${node.baseUrl}/cloudapi/1.0.0/sessions/current`, { headers: bearer(access) })).status, 200);
  assert.equal((await fire(`${node.baseUrl}/health`, {})).status, 200);

  const pausedAt = performance.now();
  relay.pause();
  const kinds = await probe(node, access, apiToken, BOUND_MS + 3_000);
  for (const kind of ['auth', 'exchange', 'health'] as const) {
    const { afterMs, acceptedPastBound } = await first503(kinds[kind], pausedAt);
    t.diagnostic(`stalled feed -> first 503 (${kind}): ${afterMs.toFixed(0)} ms after the pause`);
    assert.ok(afterMs <= BOUND_MS + MARGIN_MS, `${kind}: first 503 after ${afterMs.toFixed(0)} ms, bound ${BOUND_MS} ms`);
    assert.deepEqual(acceptedPastBound, [], `${kind}: nothing accepted later than the bound after the stall`);
  }
  const health = await fetch(`${node.baseUrl}/health`);
  assert.equal(health.status, 503);
  assert.deepEqual(await health.json(), { status: 'degraded' }, '/health says no more than that');
  // The probes: the process is alive, but not ready while its feed is stale.
  assert.equal((await fire(`${node.baseUrl}/health/live`, {})).status, 200);
  assert.equal((await fire(`${node.baseUrl}/health/ready`, {})).status, 503);
  // RFC 7009 sign-out of the session, while the node cannot check it: 503 (retry), never the 200 that says "done"
  // (until 2026-12-05 it answered 200 and the session went on working on every node). The jwt-bearer grant, whose
  // assertion is a session, says the same rather than calling the session bad.
  const signOut = await fire(`${node.baseUrl}${oauthPath('acme')}/revoke`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `token=${encodeURIComponent(access)}`,
  });
  assert.equal(signOut.status, 503, 'RFC 7009 sign-out while the revocation state is unknown');
  const mint = await fire(`${node.baseUrl}${oauthPath('acme')}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      client_id: '00000000-0000-4000-8000-000000000000',
      assertion: session,
    }).toString(),
  });
  assert.equal(mint.status, 503, 'jwt-bearer while the session cannot be checked');

  const resumedAt = performance.now();
  relay.resume();
  const recovered = await until(
    'recovery',
    async () =>
      (await fire(`${node.baseUrl}/health`, {})).status === 200 &&
      (await fire(`${node.baseUrl}/health/ready`, {})).status === 200 &&
      (await fire(`${node.baseUrl}/cloudapi/1.0.0/sessions/current`, { headers: bearer(access) })).status === 200,
    15_000,
  );
  t.diagnostic(`recovered ${(performance.now() - resumedAt).toFixed(0)} ms after the relay resumed (${recovered.toFixed(0)} ms polling)`);
  assert.equal(
    (
      await fire(`${node.baseUrl}${oauthPath('acme')}/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(apiToken)}`,
      })
    ).status,
    200,
  );
});

test(
  'a token revoked on node A while node B is cut off is refused by B, never accepted past the bound',
  { timeout: 120_000 },
  async (t) => {
    const cluster = clusterUrl();
    const database = await createTestDatabase();
    const relay = await startTcpRelay(cluster.hostname, Number(cluster.port || 5432));
    const nodeA = await startTessera({ backend: 'postgres', databaseUrl: database.url });
    const nodeB = await startTessera({ backend: 'postgres', databaseUrl: relay.via(database.url), demo: false });
    t.after(async () => {
      relay.resume();
      await nodeA.stop();
      await nodeB.stop();
      await relay.close();
      await database.drop();
    });
    const session = await signIn(nodeA.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
    const { apiToken, tokenId } = await createApiToken(nodeA.baseUrl, session, 'acme', 'cut-off');
    const access = await accessTokenFrom(nodeB.baseUrl, 'acme', apiToken);
    assert.equal((await fire(`${nodeB.baseUrl}/cloudapi/1.0.0/sessions/current`, { headers: bearer(access) })).status, 200);

    const pausedAt = performance.now();
    relay.pause();
    const revoke = await fetch(`${nodeA.baseUrl}/cloudapi/1.0.0/tokens/${tokenId}`, { method: 'DELETE', headers: bearer(session) });
    assert.equal(revoke.status, 204);
    const revokedAt = performance.now();
    const kinds = await probe(nodeB, access, apiToken, BOUND_MS + 3_000);
    for (const kind of ['auth', 'exchange'] as const) {
      const probes = await Promise.all(kinds[kind]);
      const accepted = probes.filter((p) => p.status === 200);
      const lastAccepted = accepted.length ? Math.max(...accepted.map((p) => p.sentAt)) - revokedAt : null;
      t.diagnostic(
        `node B, ${kind}: ${accepted.length} revoked-token request(s) accepted, the last ${lastAccepted?.toFixed(0) ?? '-'} ms after the revocation`,
      );
      assert.ok(lastAccepted === null || lastAccepted <= BOUND_MS, `${kind}: accepted ${lastAccepted} ms after the revocation`);
      const { afterMs, acceptedPastBound } = await first503(kinds[kind], pausedAt);
      t.diagnostic(`node B, ${kind}: first 503 ${afterMs.toFixed(0)} ms after the pause`);
      assert.ok(afterMs <= BOUND_MS + MARGIN_MS);
      assert.deepEqual(acceptedPastBound, [], `${kind}: the revoked token is not accepted past the bound`);
    }

    // Back on the network, B resynchronises and refuses the token it never heard about: 401 / invalid_grant.
    relay.resume();
    await until(
      'B refuses the revoked access token with 401',
      async () => (await fire(`${nodeB.baseUrl}/cloudapi/1.0.0/sessions/current`, { headers: bearer(access) })).status === 401,
      15_000,
    );
    const exchanged = await fetch(`${nodeB.baseUrl}${oauthPath('acme')}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(apiToken)}`,
    });
    assert.equal(exchanged.status, 400);
    assert.equal(((await exchanged.json()) as { minorErrorCode: string }).minorErrorCode, 'invalid_grant');
  },
);
