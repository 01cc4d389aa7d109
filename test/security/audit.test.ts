/**
 * Audit trail and rate limits (issue 3 items 8-9): an event for a token created, exchanged (coalesced), revoked
 * and refused, each with actor, org, token id and client IP and never the secret, readable by the org's
 * administrator at /cloudapi/1.0.0/auditTrail and by no one else; the token endpoint limited per client IP and
 * per token with 429 + Retry-After, separately from sign-in.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { defaultBackend, startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, createApiToken, exchange, http, signIn } from '../helpers/api.js';
import { eventually, freshRateWindow, refusalEventsOf, signInReply } from './support.js';
import { findApiTokens } from '../../src/cli/scan/find-tokens.js';

describe('audit trail', () => {
  let t: TesseraHandle;
  let base: string;
  let alice: string;
  let secrets: string[] = [];

  before(async () => {
    t = await startTessera({ config: { signInRateLimit: 1000 } });
    base = t.baseUrl;
    alice = await signIn(base, 'alice', 'acme', t.demoPassword);
  });
  after(async () => {
    await t?.stop();
  });

  const trail = async (session: string, filter: string) => {
    const res = await http(`${base}/cloudapi/1.0.0/auditTrail?pageSize=128&filter=${encodeURIComponent(filter)}`, {
      headers: bearer(session),
    });
    assert.equal(res.status, 200, res.text);
    return res.json().values as Array<Record<string, any>>;
  };

  test('created, exchanged, revoked and refused: one event each, with actor, org, token id and IP', async () => {
    const bob = await signIn(base, 'bob', 'acme', t.demoPassword);
    const tok = await createApiToken(base, bob, 'acme', 'audited');
    const access = (await exchange(base, 'acme', tok.apiToken)).json().access_token as string;
    assert.equal((await exchange(base, 'acme', tok.apiToken)).status, 200);
    assert.equal((await http(`${base}/cloudapi/1.0.0/tokens/${tok.tokenId}`, { method: 'DELETE', headers: bearer(bob) })).status, 204);
    assert.equal((await exchange(base, 'acme', tok.apiToken)).status, 400);
    secrets = [tok.apiToken, access, bob, alice, t.demoPassword];

    const byType = async (type: string) =>
      eventually(`a ${type} event`, async () => {
        const events = (await trail(alice, `eventType==${type}`)).filter((e) => e.tokenId === tok.tokenId);
        return events.length > 0 ? events : undefined;
      });
    for (const type of ['apiToken.registered', 'apiToken.created', 'apiToken.exchanged', 'apiToken.revoked', 'apiToken.refused']) {
      const events = await byType(type);
      assert.equal(events.length, 1, `${type}: ${JSON.stringify(events)}`);
      const e = events[0]!;
      assert.equal(e.org?.name, 'acme', `${type} names the org`);
      assert.equal(e.user?.name, 'bob', `${type} names the actor (or the token's owner)`);
      assert.equal(e.ipAddress, '127.0.0.1', type);
      assert.match(e.eventId, /^urn:vcloud:audit:/);
      assert.ok(!Number.isNaN(Date.parse(e.timestamp)));
      assert.equal(e.eventStatus, type === 'apiToken.refused' ? 'FAILURE' : 'SUCCESS', type);
    }
    const refused = (await byType('apiToken.refused'))[0]!;
    assert.equal(refused.details.reason, 'revoked');
  });

  test('a revocation and its event commit together: when the event cannot be written, nothing is revoked', async () => {
    // Fault injection: the store refuses apiToken.revoked events. Until 2026-12-05 the event was written after the
    // commit, so the DELETE answered 204 and the revocation stood with no event (the restore procedure replays those).
    const postgres = defaultBackend() === 'postgres';
    const statements = postgres
      ? [
          sql`CREATE FUNCTION refuse_revoked_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.event_type = 'apiToken.revoked' THEN RAISE EXCEPTION 'injected'; END IF; RETURN NEW; END $$`,
          sql`CREATE TRIGGER refuse_revoked_event BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_revoked_event()`,
        ]
      : [
          sql`CREATE TRIGGER refuse_revoked_event BEFORE INSERT ON audit_events WHEN NEW.event_type = 'apiToken.revoked' BEGIN SELECT RAISE(ABORT, 'injected'); END`,
        ];
    const tok = await createApiToken(base, alice, 'acme', 'audit-atomic');
    for (const statement of statements) await statement.execute(t.store.db);
    try {
      const refused = await http(`${base}/cloudapi/1.0.0/tokens/${tok.tokenId}`, {
        method: 'DELETE',
        headers: bearer(alice),
      });
      assert.ok(refused.status >= 500, `the DELETE cannot succeed without its event: ${refused.status} ${refused.text}`);
      const byPossession = await http(`${base}/oauth/tenant/acme/revoke`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `token=${tok.apiToken}`,
      });
      assert.ok(byPossession.status >= 500, `nor the RFC 7009 revocation: ${byPossession.status}`);
      assert.equal((await exchange(base, 'acme', tok.apiToken)).status, 200, 'still live: nothing was revoked');
    } finally {
      await sql`DROP TRIGGER refuse_revoked_event${postgres ? sql` ON audit_events` : sql``}`.execute(t.store.db);
      if (postgres) await sql`DROP FUNCTION refuse_revoked_event()`.execute(t.store.db);
    }
    const done = await http(`${base}/cloudapi/1.0.0/tokens/${tok.tokenId}`, { method: 'DELETE', headers: bearer(alice) });
    assert.equal(done.status, 204, done.text);
    const events = (await trail(alice, 'eventType==apiToken.revoked')).filter((e) => e.tokenId === tok.tokenId);
    assert.equal(events.length, 1, 'revoked once, with its event');
  });

  test('sign-in events: created and refused (without the attempted password)', async () => {
    const bad = await signInReply(base, 'alice', 'acme', 'Wrong-Password-Guess-77');
    assert.equal(bad.status, 401);
    const refused = await eventually('a refused sign-in', async () => {
      const events = (await trail(alice, 'eventType==session.refused')).filter((e) => e.user?.name === 'alice');
      return events.length > 0 ? events : undefined;
    });
    assert.equal(refused[0]!.eventStatus, 'FAILURE');
    assert.ok(!JSON.stringify(refused).includes('Wrong-Password-Guess-77'));
    assert.ok((await trail(alice, 'eventType==session.created')).some((e) => e.user?.name === 'alice'));
  });

  test('only administrators read it, each their own org; the provider reads all', async () => {
    const bob = await signIn(base, 'bob', 'acme', t.demoPassword);
    const denied = await http(`${base}/cloudapi/1.0.0/auditTrail`, { headers: bearer(bob) });
    assert.equal(denied.status, 403);
    const hank = await signIn(base, 'hank', 'globex', t.demoPassword);
    const globex = await http(`${base}/cloudapi/1.0.0/auditTrail?pageSize=128`, { headers: bearer(hank) });
    assert.equal(globex.status, 200);
    assert.ok(
      (globex.json().values as Array<Record<string, any>>).every((e) => e.org === null || e.org.name === 'globex'),
      'hank sees globex only',
    );
    assert.ok(!(globex.json().values as Array<Record<string, any>>).some((e) => e.org?.name === 'acme'));
    const admin = await signIn(base, 'administrator', 'System', t.adminPassword);
    const all = await http(`${base}/cloudapi/1.0.0/auditTrail?pageSize=128&filter=${encodeURIComponent('org.name==acme')}`, {
      headers: bearer(admin),
    });
    assert.ok(all.json().resultTotal > 0);
  });

  test('no secret anywhere in the audit table: not the API token, an access token, a session or a password', async () => {
    assert.ok(secrets.length > 0, 'runs after the event test');
    const rows = await t.store.db.selectFrom('audit_events').selectAll().execute();
    assert.ok(rows.length > 5);
    const dump = JSON.stringify(rows);
    for (const secret of secrets) assert.ok(!dump.includes(secret), `the audit table contains a secret (${secret.slice(0, 6)}...)`);
    assert.deepEqual(findApiTokens(dump), [], 'no API token in the audit table');
    assert.ok(!dump.includes(secrets[0]!.slice(4)), 'not even the part of the API token beyond its display start');
    // Nor in the API token rows: only the hash and the display start are kept.
    const tokens = JSON.stringify(await t.store.db.selectFrom('api_tokens').selectAll().execute());
    for (const secret of secrets.slice(0, 1)) assert.ok(!tokens.includes(secret));
  });
});

describe('rate limits', () => {
  const PER_IP = 8;
  const PER_TOKEN = 5;
  let t: TesseraHandle;
  let base: string;

  before(async () => {
    t = await startTessera({ config: { tokenRateLimitPerIp: PER_IP, tokenRateLimitPerToken: PER_TOKEN, signInRateLimit: 4 } });
    base = t.baseUrl;
  });
  after(async () => {
    await t?.stop();
  });

  test('per token, then per client IP: 429 TOO_MANY_REQUESTS with Retry-After; sign-in is limited separately', async () => {
    await freshRateWindow();
    const alice = await signIn(base, 'alice', 'acme', t.demoPassword);
    const a = await createApiToken(base, alice, 'acme', 'limited-a'); // the jwt-bearer grant counts against the IP: 1
    const b = await createApiToken(base, alice, 'acme', 'limited-b'); // 2
    const statuses: number[] = [];
    for (let i = 0; i < PER_TOKEN + 1; i++) statuses.push((await exchange(base, 'acme', a.apiToken)).status); // 3..8
    assert.deepEqual(statuses, [...Array(PER_TOKEN).fill(200), 429], 'the per-token limit');
    const limited = await exchange(base, 'acme', a.apiToken); // 9: over the per-IP limit too
    assert.equal(limited.status, 429);
    assert.equal(limited.json().minorErrorCode, 'TOO_MANY_REQUESTS');
    const retryAfter = Number(limited.headers.get('retry-after'));
    // Sliding windows (src/auth/rate-limiter.ts): a retry may have to wait into the next minute, until enough of this
    // one has slid out, but never two whole windows.
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter < 120, `Retry-After ${retryAfter}`);
    // Another token from the same address is now braked by the per-IP limit.
    const other = await exchange(base, 'acme', b.apiToken);
    assert.equal(other.status, 429);
    assert.ok(Number(other.headers.get('retry-after')) >= 1);
    // Sign-in has its own budget: still open for this address.
    assert.equal((await signInReply(base, 'bob', 'acme', t.demoPassword)).status, 200);
    // So has RFC 7009 revocation: the address whose script floods the exchange can still stop the token. Until
    // 2026-12-05 the revocation shared the exchange's budget, and was refused with 429 here.
    const revoke = (token: string) =>
      http(`${base}/oauth/tenant/acme/revoke`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }),
      });
    assert.equal((await revoke(a.apiToken)).status, 200);
    assert.notEqual((await t.store.getApiToken(a.clientId))!.revoked_at, null, 'revoked');
    // Its own budget is the same size, and is enforced: the per-IP limit's worth of revocations, then 429.
    const revocations: number[] = [];
    for (let i = 1; i < PER_IP; i++) revocations.push((await revoke(b.apiToken)).status);
    assert.deepEqual(revocations, Array(PER_IP - 1).fill(200));
    const overRevoke = await revoke(b.apiToken);
    assert.equal(overRevoke.status, 429);
    assert.ok(Number(overRevoke.headers.get('retry-after')) >= 1);
  });

  test('sign-in is limited per address and user: 429 with Retry-After, even with the right password', async () => {
    await freshRateWindow();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await signInReply(base, 'hank', 'globex', 'wrong-password-1')).status);
    assert.deepEqual(statuses, [401, 401, 401, 401]);
    const limited = await signInReply(base, 'hank', 'globex', t.demoPassword);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal((await signInReply(base, 'administrator', 'System', t.adminPassword)).status, 200, 'another user is not affected');
  });
});

describe('refusals of a dead token are coalesced', () => {
  test('a script retrying a revoked token 200 times writes two events, the second counting the repeats', async () => {
    const t = await startTessera({ config: { signInRateLimit: 1000, tokenRateLimitPerIp: 100_000, tokenRateLimitPerToken: 100_000 } });
    try {
      const base = t.baseUrl;
      const bob = await signIn(base, 'bob', 'acme', t.demoPassword);
      const tok = await createApiToken(base, bob, 'acme', 'dead-token');
      const del = await http(`${base}/cloudapi/1.0.0/tokens/${tok.tokenId}`, { method: 'DELETE', headers: bearer(bob) });
      assert.equal(del.status, 204);
      for (let i = 0; i < 200; i++) assert.equal((await exchange(base, 'acme', tok.apiToken)).status, 400);
      const count = () => refusalEventsOf(t.store, tok.clientId);
      await eventually('the first refusal is written', async () => ((await count()).length === 1 ? true : undefined));
      // The counted rest is written when the minute ends, or at shutdown: stop the services' audit now.
      await t.server.services.audit.stop();
      const events = await count();
      assert.equal(events.length, 2, JSON.stringify(events));
      assert.equal(events.find((e) => e.repeated !== undefined)?.repeated, 199);
    } finally {
      await t.stop();
    }
  });

  test('a client retrying the one-shot mint of a spent client_id 50 times writes two events too', async () => {
    const t = await startTessera({ config: { signInRateLimit: 1000, tokenRateLimitPerIp: 100_000, tokenRateLimitPerToken: 100_000 } });
    try {
      const base = t.baseUrl;
      const bob = await signIn(base, 'bob', 'acme', t.demoPassword);
      const tok = await createApiToken(base, bob, 'acme', 'minted-once');
      const mintAgain = () =>
        http(`${base}/oauth/tenant/acme/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&client_id=${tok.clientId}&assertion=${bob}`,
        });
      for (let i = 0; i < 50; i++) assert.equal((await mintAgain()).status, 400);
      const count = () => refusalEventsOf(t.store, tok.clientId);
      await eventually('the first refusal is written', async () => ((await count()).length === 1 ? true : undefined));
      await t.server.services.audit.stop();
      const events = await count();
      assert.equal(events.length, 2, JSON.stringify(events));
      assert.ok(events.every((e) => e.grant === 'jwt-bearer'));
      assert.equal(events.find((e) => e.repeated !== undefined)?.repeated, 49);
    } finally {
      await t.stop();
    }
  });
});
