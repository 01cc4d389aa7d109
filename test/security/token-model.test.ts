/**
 * Issue 10: the token model's promises, each tried as an attacker would.
 *   2  an access token never outlives its API token
 *   3  out-of-range expiries are refused before any write; lists render every row the store can hold; an
 *      admin can revoke any row; registrations never minted expire
 *   6  password spraying meets a failure budget per address and per account
 *   9  token sessions do not see other users' tokens in the audit trail
 *   11 RFC 7009 revocation of an access token ends that session
 *   12 failed sign-ins keep no free text; JWTs have one canonical spelling; register is rate limited
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { accessTokenFrom, basic, bearer, createApiToken, exchange, http, signIn } from '../helpers/api.js';
import { Housekeeping } from '../../src/auth/housekeeping.js';
import { REGISTRATION_TTL_MS } from '../../src/auth/api-tokens.js';
import { eventually } from './support.js';

const API = '/cloudapi/1.0.0';
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, number>;

describe('the token model under attack', () => {
  let t: TesseraHandle;
  let base: string;
  let alice: string;

  before(async () => {
    t = await startTessera({ config: { signInRateLimit: 1000 } });
    base = t.baseUrl;
    alice = await signIn(base, 'alice', 'acme', t.demoPassword);
  });
  after(async () => {
    await t?.stop();
  });

  const register = (session: string, body: unknown) =>
    http(`${base}/oauth/tenant/acme/register`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  test('2: the access token (exp and expires_in) stops at the API token\u2019s expiry', async () => {
    const expiresAt = Date.now() + 90_000;
    const tok = await createApiToken(base, alice, 'acme', 'short-lived', { expirationTimeUtc: new Date(expiresAt).toISOString() });
    const res = await exchange(base, 'acme', tok.apiToken);
    assert.equal(res.status, 200, res.text);
    const body = res.json();
    const claims = claimsOf(body.access_token);
    assert.ok(claims.exp! <= Math.floor(expiresAt / 1000), `exp ${claims.exp} is past the token's expiry ${expiresAt / 1000}`);
    assert.ok(body.expires_in <= 90 && body.expires_in >= 85, `expires_in ${body.expires_in}`);
    assert.equal(claims.exp! - claims.iat!, body.expires_in, 'expires_in and exp agree');
  });

  test('2: under an org lifetime cap as well', async () => {
    const admin = await signIn(base, 'administrator', 'System', t.adminPassword);
    const acme = (await t.store.getOrgByName('acme'))!;
    await t.store.updateOrg(acme.id, { max_token_lifetime_days: 1 });
    try {
      const tok = await createApiToken(base, alice, 'acme', 'capped');
      const row = (await t.store.getApiToken(tok.clientId))!;
      assert.ok(row.expires_at !== null);
      // The cap is a day, longer than an access token: set the row to end in a minute to see the clamp.
      await t.store.db
        .updateTable('api_tokens')
        .set({ expires_at: Date.now() + 60_000 })
        .where('id', '=', tok.clientId)
        .execute();
      const res = await exchange(base, 'acme', tok.apiToken);
      // A cached row may still be in use on this node for up to 30 s; the clamp then uses the old expiry, which
      // the cap already bounds. Either way exp never passes the expiry the row held when it was read.
      assert.equal(res.status, 200);
      assert.ok(claimsOf(res.json().access_token).exp! * 1000 <= Number(row.expires_at));
    } finally {
      await t.store.updateOrg(acme.id, { max_token_lifetime_days: null });
      void admin;
    }
  });

  test('3: out-of-range expiries are 400 invalid_request and write nothing', async () => {
    const before = await t.store.db
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    for (const expirationTimeUtc of [
      1e308,
      9e15,
      -1,
      0,
      1.5,
      Number.MAX_SAFE_INTEGER,
      '1e308',
      '+275760-09-13T00:00:00.000Z',
      '10000-01-01T00:00:00Z',
      'NaN',
      true,
      {},
      [],
    ]) {
      const r = await register(alice, { client_name: `odd-${String(expirationTimeUtc)}`, expirationTimeUtc });
      assert.equal(r.status, 400, `${JSON.stringify(expirationTimeUtc)}: ${r.text}`);
      assert.equal(r.json().minorErrorCode, 'invalid_request');
    }
    const after = await t.store.db
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n), 'no row was written');
  });

  test('3: every list renders every row the store can hold, and an admin can revoke it', async () => {
    const tok = await createApiToken(base, alice, 'acme', 'far-future');
    // What an older version could write: the largest value either backend stores in the column.
    await t.store.db.updateTable('api_tokens').set({ expires_at: 9e15 }).where('id', '=', tok.clientId).execute();
    const admin = await signIn(base, 'administrator', 'System', t.adminPassword);
    for (const session of [alice, admin]) {
      const list = await http(`${base}${API}/tokens?pageSize=128`, { headers: bearer(session) });
      assert.equal(list.status, 200, list.text);
      assert.ok((list.json().values as Array<{ id: string }>).some((v) => v.id === tok.tokenId));
    }
    const portal = await http(`${base}${API}/tokens/${tok.tokenId}`, { headers: bearer(admin) });
    assert.equal(portal.status, 200, portal.text);
    const revoke = await http(`${base}${API}/tokens/${tok.tokenId}`, { method: 'DELETE', headers: bearer(admin) });
    assert.equal(revoke.status, 204, revoke.text);
  });

  test('3: a registration never minted expires and is removed', async () => {
    const reg = await register(alice, { client_name: 'abandoned' });
    assert.equal(reg.status, 200);
    const id = reg.json().client_id as string;
    await t.store.db
      .updateTable('api_tokens')
      .set({ created_at: Date.now() - REGISTRATION_TTL_MS - 1 })
      .where('id', '=', id)
      .execute();
    const grant = await http(`${base}/oauth/tenant/acme/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: alice, client_id: id }),
    });
    assert.equal(grant.status, 400, 'too late to mint');
    await new Housekeeping(t.store, { warn() {} }).runOnce();
    assert.equal(await t.store.getApiToken(id), undefined, 'housekeeping removed it');
  });

  test('6: spraying one password over many names from one address is throttled before argon2', async () => {
    const server = await startTessera({ config: { signInRateLimit: 100_000, signInFailuresPerAddress: 10, signInFailuresPerAccount: 5 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++) {
        const r = await http(`${server.baseUrl}${API}/sessions`, {
          method: 'POST',
          headers: { Authorization: basic(`user-${i}`, 'acme', 'Summer2026!'), Accept: 'application/json;version=37.0' },
        });
        statuses.push(r.status);
        if (r.status === 429) assert.ok(Number(r.headers.get('retry-after')) > 0);
      }
      assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
      assert.ok(
        statuses.slice(10).every((s) => s === 429),
        statuses.join(','),
      );
      // One account guessed from many addresses is braked per account (addresses are simulated by the guard).
      const sessions = server.server.services.sessions;
      for (let i = 0; i < 5; i++) {
        await assert.rejects(
          sessions.signIn({
            userName: 'bob',
            orgName: 'acme',
            password: `guess-${i}`,
            totpCode: null,
            endpoint: 'tenant',
            ip: `198.51.100.${i}`,
          }),
        );
      }
      await assert.rejects(
        sessions.signIn({
          userName: 'bob',
          orgName: 'acme',
          password: server.demoPassword,
          totpCode: null,
          endpoint: 'tenant',
          ip: '198.51.100.99',
        }),
        (err: { status?: number }) => err.status === 429,
      );
    } finally {
      await server.stop();
    }
  });

  test('9: a token session sees only its own events in the audit trail', async () => {
    const bob = await signIn(base, 'bob', 'acme', t.demoPassword);
    const bobToken = await createApiToken(base, bob, 'acme', 'bob-secret-project');
    await exchange(base, 'acme', bobToken.apiToken);
    // Another of alice's own tokens, named and used: her token session must not see it either (not its owner's others).
    const aliceOther = await createApiToken(base, alice, 'acme', 'alice-hidden-prod-deploy');
    await exchange(base, 'acme', aliceOther.apiToken);
    const aliceToken = await createApiToken(base, alice, 'acme', 'alice-automation');
    const aliceTokenSession = await accessTokenFrom(base, 'acme', aliceToken.apiToken);
    const aliceUserId = (await t.store.getUserByName((await t.store.getOrgByName('acme'))!.id, 'alice'))!.id;
    await eventually('bob\u2019s events are written', async () => {
      const all = await http(`${base}${API}/auditTrail?pageSize=128`, { headers: bearer(alice) });
      return (all.json().values as Array<{ tokenId: string | null }>).some((e) => e.tokenId === bobToken.tokenId) ? true : undefined;
    });
    const seen = await http(`${base}${API}/auditTrail?pageSize=128`, { headers: bearer(aliceTokenSession) });
    assert.equal(seen.status, 200, seen.text);
    const events = seen.json().values as Array<{ user: { id: string } | null; tokenId: string | null; details: unknown }>;
    assert.ok(events.length > 0);
    assert.ok(!JSON.stringify(events).includes(bobToken.clientId), 'no trace of bob\u2019s token');
    assert.ok(!JSON.stringify(events).includes('bob-secret-project'));
    assert.ok(!JSON.stringify(events).includes(aliceOther.clientId), 'no trace of alice’s other token');
    assert.ok(!JSON.stringify(events).includes('alice-hidden-prod-deploy'));
    const narrowed = await http(
      `${base}${API}/auditTrail?filter=${encodeURIComponent(`tokenId==urn:vcloud:token:${aliceOther.clientId}`)}`,
      {
        headers: bearer(aliceTokenSession),
      },
    );
    assert.equal(narrowed.status, 200, narrowed.text);
    assert.equal(narrowed.json().resultTotal, 0, 'a filter on the other token finds nothing');
    assert.ok(
      events.some((e) => e.tokenId === `urn:vcloud:token:${aliceToken.clientId}`),
      'its own token’s events are there',
    );
    const aliceTokens = new Set(
      (await t.store.db.selectFrom('api_tokens').select('id').where('user_id', '=', aliceUserId).execute()).map(
        (r) => `urn:vcloud:token:${r.id}`,
      ),
    );
    assert.ok(
      events.every((e) => e.user?.id === `urn:vcloud:user:${aliceUserId}` || (e.tokenId !== null && aliceTokens.has(e.tokenId))),
      'only events by alice or about her own tokens',
    );
  });

  test('11: RFC 7009 revocation of an access token or a legacy session id ends that session; of an API token, the token', async () => {
    const tok = await createApiToken(base, alice, 'acme', 'revoked-by-holder');
    const session = await accessTokenFrom(base, 'acme', tok.apiToken);
    const other = await accessTokenFrom(base, 'acme', tok.apiToken);
    const revoke = (token: string) =>
      http(`${base}/oauth/tenant/acme/revoke`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      });
    assert.equal((await http(`${base}${API}/sessions/current`, { headers: bearer(session) })).status, 200);
    assert.equal((await revoke(session)).status, 200);
    assert.equal((await http(`${base}${API}/sessions/current`, { headers: bearer(session) })).status, 401, 'that session ended');
    assert.equal((await http(`${base}${API}/sessions/current`, { headers: bearer(other) })).status, 200, 'another one did not');
    assert.equal((await exchange(base, 'acme', tok.apiToken)).status, 200, 'nor the API token');
    assert.equal((await revoke(tok.apiToken)).status, 200);
    assert.equal((await exchange(base, 'acme', tok.apiToken)).status, 400);
    assert.equal((await http(`${base}${API}/sessions/current`, { headers: bearer(other) })).status, 401);
    // A password session ends the same way.
    const password = await signIn(base, 'bob', 'acme', t.demoPassword);
    assert.equal((await revoke(password)).status, 200);
    assert.equal((await http(`${base}${API}/sessions/current`, { headers: bearer(password) })).status, 401);
    assert.equal((await revoke('not-a-token')).status, 200, 'no oracle');
    assert.equal((await revoke('0123456789abcdef0123456789abcdef')).status, 200, 'no oracle for an unknown legacy id');
    // So does a legacy session, by its x-vcloud-authorization id: the id and its access token together.
    const legacy = await http(`${base}/api/sessions`, {
      method: 'POST',
      headers: { Authorization: basic('bob', 'acme', t.demoPassword), Accept: 'application/*+xml;version=36.1' },
    });
    const legacyId = legacy.headers.get('x-vcloud-authorization')!;
    const legacyBearer = legacy.headers.get('x-vmware-vcloud-access-token')!;
    const viaId = { 'x-vcloud-authorization': legacyId, Accept: 'application/*+xml;version=36.1' };
    assert.equal((await http(`${base}/api/session`, { headers: viaId })).status, 200);
    assert.equal((await revoke(legacyId)).status, 200);
    assert.equal((await http(`${base}/api/session`, { headers: viaId })).status, 401, 'the legacy id ended');
    assert.equal((await http(`${base}${API}/sessions/current`, { headers: bearer(legacyBearer) })).status, 401, 'and its access token');
  });

  test('12: a failed sign-in keeps the typed name only when it names a real user', async () => {
    const typo = `Tr0ub4dor&3-${randomUUID().slice(0, 8)}`; // a password typed into the user-name field
    const r = await http(`${base}${API}/sessions`, {
      method: 'POST',
      headers: { Authorization: basic(typo, 'acme', 'whatever'), Accept: 'application/json;version=37.0' },
    });
    assert.equal(r.status, 401);
    const events = await eventually('the refusal is written', async () => {
      const all = await http(`${base}${API}/auditTrail?pageSize=128&filter=eventType==session.refused`, { headers: bearer(alice) });
      const values = all.json().values as unknown[];
      return values.length > 0 ? values : undefined;
    });
    assert.ok(!JSON.stringify(events).includes(typo));
    const stored = await t.store.db.selectFrom('audit_events').select('details').execute();
    assert.ok(!stored.some((row) => row.details.includes(typo)), 'not in the store either');
  });

  test('12: a JWT with padding appended or spare signature bits changed is refused', async () => {
    const session = await signIn(base, 'bob', 'acme', t.demoPassword);
    const [h, p, s] = session.split('.') as [string, string, string];
    const last = s.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 32 bytes -> 43 characters: the last one carries 4 data bits and 2 spare bits.
    const spare = alphabet[alphabet.indexOf(last) ^ 1]!;
    for (const variant of [`${h}.${p}.${s}=`, `${h}.${p}.${s}==`, `${h}.${p}.${s.slice(0, -1)}${spare}`, `${h}.${p}=.${s}`]) {
      assert.equal((await http(`${base}${API}/sessions/current`, { headers: bearer(variant) })).status, 401, variant.slice(-6));
    }
    assert.equal((await http(`${base}${API}/sessions/current`, { headers: bearer(session) })).status, 200);
  });

  test('12: register is rate limited per user', async () => {
    const bob = await signIn(base, 'bob', 'acme', t.demoPassword);
    let limited = false;
    for (let i = 0; i < 40 && !limited; i++) {
      const r = await register(bob, { client_name: `burst-${i}` });
      if (r.status === 429) limited = true;
      else assert.equal(r.status, 200, r.text);
    }
    assert.ok(limited, 'a burst of registrations is refused with 429');
  });
});
