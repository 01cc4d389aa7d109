/**
 * `POST /cloudapi/x-tessera/tokens/{id}/regenerate` (issue 14 §3, Tessera extension) and the SDK's
 * `regenerateToken`: a new secret for the same name and scope, answered once; the old token stops at once or when
 * its grace ends; owner and password session only; bad bodies are 400 in the cloudapi envelope and change nothing.
 * Runs on the backend of TESSERA_TEST_BACKEND (sqlite by default, postgres too in CI).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { accessTokenFrom, bearer, createApiToken, exchange, http, signIn } from '../../helpers/api.js';
import { VcdClient, VcdApiError } from '../../../src/client/index.js';
import { isWellFormedApiToken } from '../../../src/domain/api-token-format.js';

let t: TesseraHandle;
let base: string;
let alice: string;
let bob: string;
let hank: string;
let admin: string;

before(async () => {
  t = await startTessera({ config: { signInRateLimit: 1000 } });
  base = t.baseUrl;
  [alice, bob, hank, admin] = await Promise.all([
    signIn(base, 'alice', 'acme', t.demoPassword),
    signIn(base, 'bob', 'acme', t.demoPassword),
    signIn(base, 'hank', 'globex', t.demoPassword),
    signIn(base, 'administrator', 'System', t.adminPassword),
  ]);
});
after(async () => {
  await t?.stop();
});

const url = (id: string) => `${base}/cloudapi/x-tessera/tokens/${id}/regenerate`;
const regenerate = (session: string, id: string, body?: unknown, contentType = 'application/json') =>
  http(url(id), {
    method: 'POST',
    headers: { ...bearer(session), ...(body === undefined ? {} : { 'Content-Type': contentType }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
const liveCount = async () =>
  Number(
    (
      await t.store.db
        .selectFrom('api_tokens')
        .where('revoked_at', 'is', null)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('regenerate through the cloudapi', () => {
  test('no grace: the new token is answered once with the same name and scope; the old one and its sessions stop', async () => {
    const old = await createApiToken(base, alice, 'acme', 'rotate-now', { scope: 'read-only' });
    const oldSession = await accessTokenFrom(base, 'acme', old.apiToken);
    const res = await regenerate(alice, old.tokenId, {});
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json;version=37\.0/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const e = res.json();
    assert.ok(isWellFormedApiToken(e.token), 'the new secret, in this answer only');
    assert.notEqual(e.token, old.apiToken);
    assert.match(e.id, /^urn:vcloud:token:[0-9a-f-]{36}$/);
    assert.notEqual(e.id, old.tokenId);
    assert.equal(e.name, 'rotate-now');
    assert.equal(e.scope, 'read-only');
    assert.equal(e.owner.name, 'alice');
    assert.equal(e.replaces, old.tokenId);
    assert.ok(Math.abs(Date.parse(e.replacedTokenStopsAtUtc) - Date.now()) < 60_000);
    assert.equal(e.expirationTimeUtc, null, 'a token that never expired still never expires');

    assert.equal((await exchange(base, 'acme', old.apiToken)).status, 400);
    assert.equal((await http(`${base}/cloudapi/1.0.0/sessions/current`, { headers: bearer(oldSession) })).status, 401);
    assert.equal((await exchange(base, 'acme', e.token)).status, 200);
    const read = await http(`${base}/cloudapi/1.0.0/tokens/${e.id}`, { headers: bearer(alice) });
    assert.equal(read.json().token, null, 'never shown again');
    assert.equal(read.json().name, 'rotate-now');
    assert.equal((await http(`${base}/cloudapi/1.0.0/tokens/${old.tokenId}`, { headers: bearer(alice) })).status, 403);
  });

  test('a grace keeps the old token working until it ends; it cannot be regenerated twice; no body means no grace', async () => {
    const old = await createApiToken(base, bob, 'acme', 'rotate-later', {
      expirationTimeUtc: new Date(Date.now() + 10 * 86_400_000).toISOString(),
    });
    const res = await regenerate(bob, old.tokenId, { graceSeconds: 3600 });
    assert.equal(res.status, 200, res.text);
    const e = res.json();
    assert.ok(Math.abs(Date.parse(e.replacedTokenStopsAtUtc) - (Date.now() + 3_600_000)) < 60_000);
    // The same lifetime again, from now (about ten days).
    assert.ok(Math.abs(Date.parse(e.expirationTimeUtc) - (Date.now() + 10 * 86_400_000)) < 120_000, e.expirationTimeUtc);
    assert.equal((await exchange(base, 'acme', old.apiToken)).status, 200, 'in its grace');
    assert.equal((await exchange(base, 'acme', e.token)).status, 200);

    const again = await regenerate(bob, old.tokenId, { graceSeconds: 0 });
    assert.equal(again.status, 400, again.text);
    assert.equal(again.json().minorErrorCode, 'BAD_REQUEST');
    assert.match(again.json().message, /already regenerated/);
    // The replacement named by its id, which `regenerate` takes (until 2026-12-05 the message named none).
    assert.ok(again.json().message.endsWith(`regenerate the token that replaced it: ${e.id}`), again.json().message);
    assert.ok(!again.text.includes(e.token));

    const bare = await regenerate(bob, e.id);
    assert.equal(bare.status, 200, bare.text);
    assert.equal((await exchange(base, 'acme', e.token)).status, 400, 'no body: the old one stops at once');
  });

  test('a grace longer than the old token has left: the answer names its expiry, when it really stops', async () => {
    const expiresAt = Date.now() + 3 * 60_000;
    const old = await createApiToken(base, bob, 'acme', 'rotate-near-end', { expirationTimeUtc: new Date(expiresAt).toISOString() });
    const res = await regenerate(bob, old.tokenId, { graceSeconds: 604_800 });
    assert.equal(res.status, 200, res.text);
    // Whole seconds on the wire: within a second of the expiry given, not a week from now.
    assert.ok(Math.abs(Date.parse(res.json().replacedTokenStopsAtUtc) - expiresAt) < 1_000, res.json().replacedTokenStopsAtUtc);
    const row = await t.store.getApiToken(old.clientId);
    assert.ok(
      Math.abs(Number(row!.expires_at) - Date.parse(res.json().replacedTokenStopsAtUtc)) < 1_000,
      'the answer is what the row says',
    );
  });

  test('concurrent regenerations of one token: exactly one wins', async () => {
    const old = await createApiToken(base, alice, 'acme', 'race');
    const before = await liveCount();
    const answers = await Promise.all(Array.from({ length: 4 }, () => regenerate(alice, old.tokenId, { graceSeconds: 60 })));
    assert.equal(answers.filter((a) => a.status === 200).length, 1, answers.map((a) => `${a.status} ${a.text}`).join('\n'));
    // The losers are told it was regenerated, as a later request would be (until 2026-12-05 a race loser got 403).
    for (const loser of answers.filter((a) => a.status !== 200)) {
      assert.equal(loser.status, 400, loser.text);
      assert.match(loser.json().message, /already regenerated|regenerated or revoked by another request/);
    }
    assert.equal(await liveCount(), before + 1, 'one successor, not four');
  });

  test('only the owner, from a password session: administrators, other orgs and token sessions get 403, nothing changes', async () => {
    const bobs = await createApiToken(base, bob, 'acme', 'not-yours');
    const alices = await createApiToken(base, alice, 'acme', 'mine');
    const tokenSession = await accessTokenFrom(base, 'acme', alices.apiToken);
    const before = await liveCount();
    for (const [who, session, id] of [
      ['alice (Manage All) on bob\u2019s', alice, bobs.tokenId],
      ['hank (globex) on bob\u2019s', hank, bobs.tokenId],
      ['the System administrator on bob\u2019s', admin, bobs.tokenId],
      ['alice\u2019s token session on her own', tokenSession, alices.tokenId],
      ['alice on a missing token', alice, 'urn:vcloud:token:00000000-0000-4000-8000-000000000000'],
      ['alice on a malformed id', alice, 'urn:vcloud:user:nope'],
    ] as const) {
      const res = await regenerate(session, id, { graceSeconds: 0 });
      assert.equal(res.status, 403, `${who}: ${res.status} ${res.text}`);
      assert.equal(res.json().minorErrorCode, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN', who);
    }
    assert.equal((await regenerate('', alices.tokenId, {})).status, 401);
    assert.equal(await liveCount(), before);
    assert.equal((await exchange(base, 'acme', bobs.apiToken)).status, 200);
  });

  test('bad bodies are 400 in the cloudapi envelope and change nothing', async () => {
    const mine = await createApiToken(base, alice, 'acme', 'bad-bodies');
    const before = await liveCount();
    for (const body of [
      { graceSeconds: -1 },
      { graceSeconds: 604_801 },
      { graceSeconds: 1.5 },
      { graceSeconds: '3600' },
      '[1]',
      '{"graceSeconds":',
    ]) {
      const res = await regenerate(alice, mine.tokenId, body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.status} ${res.text}`);
      assert.equal(res.json().minorErrorCode, 'BAD_REQUEST');
    }
    // The route takes a few bytes: a large body is refused before it is parsed.
    const tooBig = await regenerate(alice, mine.tokenId, JSON.stringify({ graceSeconds: 1, pad: 'x'.repeat(10_000) }));
    assert.equal(tooBig.status, 413, tooBig.text);
    assert.ok(tooBig.json().minorErrorCode, 'in the cloudapi envelope');
    assert.equal(await liveCount(), before);
    assert.equal((await exchange(base, 'acme', mine.apiToken)).status, 200);
  });

  test('an expired token cannot be regenerated (create a new one)', async () => {
    const mine = await createApiToken(base, alice, 'acme', 'expired-one', {
      expirationTimeUtc: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await t.store.db
      .updateTable('api_tokens')
      .set({ expires_at: Date.now() - 1000 })
      .where('id', '=', mine.clientId)
      .execute();
    const res = await regenerate(alice, mine.tokenId, {});
    assert.equal(res.status, 400, res.text);
    assert.match(res.json().message, /expired/);
  });

  test('a new expiry (GitHub asks for one): a date, null for none, absent keeps the lifetime; the org cap holds', async () => {
    const DAY = 86_400_000;
    const near = (iso: string | null, at: number) => iso !== null && Math.abs(Date.parse(iso) - at) < 60_000;
    const old = await createApiToken(base, alice, 'acme', 'new-expiry', {
      expirationTimeUtc: new Date(Date.now() + 7 * DAY).toISOString(),
    });
    const wanted = new Date(Date.now() + 90 * DAY).toISOString();
    const dated = await regenerate(alice, old.tokenId, { expirationTimeUtc: wanted });
    assert.equal(dated.status, 200, dated.text);
    assert.equal(Date.parse(dated.json().expirationTimeUtc), Date.parse(wanted));
    const never = await regenerate(alice, dated.json().id, { expirationTimeUtc: null });
    assert.equal(never.status, 200, never.text);
    assert.equal(never.json().expirationTimeUtc, null, 'null: the new token never expires');
    const kept = await regenerate(alice, never.json().id, { graceSeconds: 0 });
    assert.equal(kept.json().expirationTimeUtc, null, 'absent: as before, a token that never expired still does not');
    // Refused as on create, before anything changes: the old token keeps working.
    for (const bad of [new Date(Date.now() - 1000).toISOString(), 'tomorrow', '2027-01-01', 42]) {
      const res = await regenerate(alice, kept.json().id, { expirationTimeUtc: bad });
      assert.equal(res.status, 400, `${JSON.stringify(bad)}: ${res.text}`);
    }
    assert.equal((await exchange(base, 'acme', kept.json().token)).status, 200);
    // The org's cap: beyond it a refusal; null is the cap.
    const acmeId = (await t.store.getOrgByName('acme'))!.id;
    const policy = (body: unknown) =>
      http(`${base}/cloudapi/1.0.0/orgs/urn:vcloud:org:${acmeId}/apiTokenPolicy`, {
        method: 'PUT',
        headers: { ...bearer(alice), 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await policy({ maxLifetimeDays: 30 })).status, 200);
    try {
      const beyond = await regenerate(alice, kept.json().id, { expirationTimeUtc: new Date(Date.now() + 31 * DAY).toISOString() });
      assert.equal(beyond.status, 400, beyond.text);
      assert.match(beyond.json().message, /at most 30 days/);
      const capped = await regenerate(alice, kept.json().id, { expirationTimeUtc: null });
      assert.equal(capped.status, 200, capped.text);
      assert.ok(near(capped.json().expirationTimeUtc, Date.now() + 30 * DAY), capped.json().expirationTimeUtc);
    } finally {
      await policy({ maxLifetimeDays: null });
    }
  });

  test('a new expiry stays within the installation ceiling (TESSERA_MAX_TOKEN_LIFETIME_DAYS)', async () => {
    const tc = await startTessera({ config: { signInRateLimit: 1000, maxTokenLifetimeDays: 10 } });
    try {
      const session = await signIn(tc.baseUrl, 'alice', 'acme', tc.demoPassword);
      const old = await createApiToken(tc.baseUrl, session, 'acme', 'ceiling');
      const res = await http(`${tc.baseUrl}/cloudapi/x-tessera/tokens/${old.tokenId}/regenerate`, {
        method: 'POST',
        headers: { ...bearer(session), 'Content-Type': 'application/json' },
        body: JSON.stringify({ expirationTimeUtc: new Date(Date.now() + 11 * 86_400_000).toISOString() }),
      });
      assert.equal(res.status, 400, res.text);
      assert.match(res.json().message, /at most 10 days/);
    } finally {
      await tc.stop();
    }
  });

  test('the audit trail records apiToken.regenerated with the replaced token and the grace', async () => {
    const old = await createApiToken(base, alice, 'acme', 'audited');
    const made = (await regenerate(alice, old.tokenId, { graceSeconds: 86_400 })).json();
    const events = await http(
      `${base}/cloudapi/1.0.0/auditTrail?pageSize=128&filter=${encodeURIComponent('eventType==apiToken.regenerated')}`,
      { headers: bearer(alice) },
    );
    assert.equal(events.status, 200, events.text);
    const text = events.text;
    assert.ok(text.includes(old.clientId), 'names the replaced token');
    assert.ok(text.includes(made.id.slice('urn:vcloud:token:'.length)), 'and the new one');
    assert.ok(!text.includes(made.token), 'never the secret');
  });
});

describe('the SDK: VcdClient.regenerateToken', () => {
  test('regenerates from a password session; refuses from an API token before any request', async () => {
    const old = await createApiToken(base, alice, 'acme', 'sdk-rotate');
    const client = new VcdClient({ endpoint: base, org: 'acme', accessToken: alice });
    const made = await client.regenerateToken(old.tokenId, { graceSeconds: 3600 });
    assert.ok(isWellFormedApiToken(made.apiToken));
    assert.equal(made.replaces, old.tokenId);
    assert.equal(made.entity.name, 'sdk-rotate');
    assert.equal(made.entity.token, null);
    assert.ok(made.replacedTokenStopsAt.getTime() > Date.now() + 3_500_000);
    assert.equal((await exchange(base, 'acme', made.apiToken)).status, 200);

    await assert.rejects(client.regenerateToken(made.id, { graceSeconds: 8 * 86_400 }), TypeError);
    const fromToken = new VcdClient({ endpoint: base, org: 'acme', apiToken: made.apiToken });
    await assert.rejects(fromToken.regenerateToken(made.id), /password session/);
    const bobs = await createApiToken(base, bob, 'acme', 'sdk-not-yours');
    await assert.rejects(client.regenerateToken(bobs.tokenId), (error: unknown) => error instanceof VcdApiError && error.status === 403);
  });
});
