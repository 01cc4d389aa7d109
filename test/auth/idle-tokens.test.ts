/**
 * The API token policy's idle limit (auth/idle-tokens.ts): a token unused for longer than its org allows (from its
 * last exchange, or from its mint when never used) is revoked by the hourly sweep, with an audit event that says why
 * and a line in its owner's token list; the limit is set over the cloudapi and in the portal, within the
 * installation's `TESSERA_MAX_TOKEN_IDLE_DAYS`, which also applies to orgs without a limit of their own.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, createApiToken, exchange, http, signIn } from '../helpers/api.js';
import { IDLE_MARGIN_MS, IDLE_SWEEP_EVERY_MS, IdleTokenSweep } from '../../src/auth/idle-tokens.js';
import { PortalClient, csrfFrom } from '../portal/portal-client.js';

const DAY = 86_400_000;

function sweepOf(t: TesseraHandle): IdleTokenSweep {
  const { store, apiTokenPolicy, apiTokens } = t.server.app.tessera;
  return new IdleTokenSweep({ store, policy: apiTokenPolicy, apiTokens });
}

describe('an org idle limit of 30 days', () => {
  let t: TesseraHandle;
  let alice: string;
  let bob: string;
  let hank: string;
  let acmeId: string;
  const policyUrl = () => `${t.baseUrl}/cloudapi/1.0.0/orgs/urn:vcloud:org:${acmeId}/apiTokenPolicy`;
  const put = (session: string, body: unknown) =>
    http(policyUrl(), { method: 'PUT', headers: { ...bearer(session), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  /** Dates a token's use (null: never used) and mint, as if they had happened that long ago. */
  const age = async (id: string, usedDaysAgo: number | null, mintedDaysAgo: number, ips = '[]') => {
    const now = Date.now();
    await t.store.db
      .updateTable('api_tokens')
      .set({
        last_used_at: usedDaysAgo === null ? null : now - usedDaysAgo * DAY,
        last_used_ips: ips,
        minted_at: now - mintedDaysAgo * DAY,
        created_at: now - mintedDaysAgo * DAY,
      })
      .where('id', '=', id)
      .execute();
  };
  const revokedAt = async (id: string) =>
    (await t.store.db.selectFrom('api_tokens').select('revoked_at').where('id', '=', id).executeTakeFirstOrThrow()).revoked_at;

  before(async () => {
    t = await startTessera({ config: { signInRateLimit: 1000 } });
    [alice, bob, hank] = await Promise.all([
      signIn(t.baseUrl, 'alice', 'acme', t.demoPassword),
      signIn(t.baseUrl, 'bob', 'acme', t.demoPassword),
      signIn(t.baseUrl, 'hank', 'globex', t.demoPassword),
    ]);
    acmeId = (await t.store.getOrgByName('acme'))!.id;
  });
  after(() => t.stop());

  test('set over the cloudapi; a PUT without maxIdleDays keeps it; bad values are a 400 that changes nothing', async () => {
    const set = await put(alice, { maxLifetimeDays: null, maxIdleDays: 30 });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.json(), {
      maxLifetimeDays: null,
      installationMaxLifetimeDays: null,
      maxIdleDays: 30,
      installationMaxIdleDays: null,
    });
    const older = await put(alice, { maxLifetimeDays: 400 });
    assert.equal(older.status, 200, 'a client written before the idle limit sends the lifetime alone');
    assert.equal(older.json().maxIdleDays, 30, 'and the idle limit stays');
    for (const maxIdleDays of [0, -3, 2.5, '30', 3651]) {
      const bad = await put(alice, { maxLifetimeDays: null, maxIdleDays });
      assert.equal(bad.status, 400, JSON.stringify(maxIdleDays));
      assert.equal(bad.json().minorErrorCode, 'BAD_REQUEST');
    }
    assert.equal((await put(bob, { maxLifetimeDays: null, maxIdleDays: 1 })).status, 403, 'a vApp Author may not');
    const now = (await http(policyUrl(), { headers: bearer(alice) })).json();
    assert.deepEqual(now, { maxLifetimeDays: 400, installationMaxLifetimeDays: null, maxIdleDays: 30, installationMaxIdleDays: null });
    const events = await t.store.db
      .selectFrom('audit_events')
      .select('details')
      .where('event_type', '=', 'org.tokenPolicyChanged')
      .orderBy('at', 'desc')
      .limit(1)
      .execute();
    assert.match(events[0]!.details, /"previousMaxIdleDays":30,"maxIdleDays":30/);
    assert.equal((await put(alice, { maxLifetimeDays: null, maxIdleDays: 30 })).status, 200);
  });

  test('the sweep revokes what was unused past the limit, from its last use or its mint, and nothing else', async () => {
    const make = async (session: string, org: string, name: string) => createApiToken(t.baseUrl, session, org, name);
    const stale = await make(bob, 'acme', 'idle-stale');
    const recent = await make(bob, 'acme', 'idle-recent');
    const neverOld = await make(bob, 'acme', 'idle-never-old');
    const neverNew = await make(bob, 'acme', 'idle-never-new');
    const otherOrg = await make(hank, 'globex', 'idle-globex');
    await age(stale.clientId, 31, 200, '["10.0.0.1"]');
    await age(recent.clientId, 29, 200, '["10.0.0.1"]');
    await age(neverOld.clientId, null, 31);
    await age(neverNew.clientId, null, 29);
    await age(otherOrg.clientId, 300, 400, '["10.0.0.1"]');

    const revoked = await sweepOf(t).runOnce();
    assert.equal(revoked, 2);
    assert.notEqual(await revokedAt(stale.clientId), null, 'unused for 31 days');
    assert.notEqual(await revokedAt(neverOld.clientId), null, 'minted 31 days ago and never used');
    assert.equal(await revokedAt(recent.clientId), null, 'used 29 days ago');
    assert.equal(await revokedAt(neverNew.clientId), null, 'minted 29 days ago');
    assert.equal(await revokedAt(otherOrg.clientId), null, 'an org without a limit keeps its tokens');

    const refused = await exchange(t.baseUrl, 'acme', stale.apiToken);
    assert.equal(refused.status, 400, 'from the next exchange on');
    assert.equal(refused.json().minorErrorCode, 'invalid_grant');
    assert.equal((await exchange(t.baseUrl, 'acme', recent.apiToken)).status, 200);

    const event = await t.store.db
      .selectFrom('audit_events')
      .select(['actor_id', 'details', 'outcome'])
      .where('event_type', '=', 'apiToken.revoked')
      .where('token_id', '=', stale.clientId)
      .executeTakeFirstOrThrow();
    assert.equal(event.actor_id, null, "nobody's act");
    const details = JSON.parse(event.details) as Record<string, unknown>;
    assert.equal(details.idleDays, 30);
    assert.equal(details.ownerName, 'bob');
    assert.match(String(details.via), /unused for longer than the organization allows/);
    assert.equal(typeof details.lastUsedAt, 'string');

    assert.equal(await sweepOf(t).runOnce(), 0, 'a second sweep finds nothing more');

    // Its owner's list says why, not "by someone holding the token".
    const portal = new PortalClient(t.server.app);
    await portal.signIn('/tenant/acme', 'bob', t.demoPassword);
    const prefs = await portal.get('/tenant/acme/preferences');
    const row = prefs.body.slice(prefs.body.indexOf('idle-stale'), prefs.body.indexOf('idle-stale') + 1500);
    assert.match(row, /unused for 30 days \(the organization(&#39;|&#x27;|')s policy\)/);
    assert.doesNotMatch(row, /someone holding the token/);
  });

  test('a use this node has not written yet keeps the token; the margin covers other nodes', async () => {
    const used = await createApiToken(t.baseUrl, bob, 'acme', 'idle-used-now');
    // Stored as used 40 days ago from an address already listed: this exchange's use waits for the minute's batch.
    await age(used.clientId, 40, 200, '["10.0.0.1"]');
    assert.equal((await exchange(t.baseUrl, 'acme', used.apiToken)).status, 200);
    await sweepOf(t).runOnce();
    assert.equal(await revokedAt(used.clientId), null, 'used a moment ago on this node');

    const edge = await createApiToken(t.baseUrl, bob, 'acme', 'idle-edge');
    await age(edge.clientId, null, 30 + IDLE_MARGIN_MS / 2 / DAY);
    await sweepOf(t).runOnce();
    assert.equal(await revokedAt(edge.clientId), null, 'past the limit by less than the margin');
  });

  test('runIfDue sweeps at most hourly', async () => {
    const sweep = sweepOf(t);
    const start = Date.now();
    const first = await createApiToken(t.baseUrl, bob, 'acme', 'idle-due-1');
    await age(first.clientId, null, 60);
    assert.equal(await sweep.runIfDue(start), 1);
    const second = await createApiToken(t.baseUrl, bob, 'acme', 'idle-due-2');
    await age(second.clientId, null, 60);
    assert.equal(await sweep.runIfDue(start + IDLE_SWEEP_EVERY_MS - 1), 0, 'within the hour: not yet');
    // An hour on, the earlier test's token just inside the margin is past it too: count only this one.
    assert.ok((await sweep.runIfDue(start + IDLE_SWEEP_EVERY_MS)) >= 1);
    assert.notEqual(await revokedAt(second.clientId), null, 'an hour later: swept');
  });

  test('the portal: the policy page sets it, says it, and refuses a bad value at its own field', async () => {
    const portal = new PortalClient(t.server.app);
    await portal.signIn('/tenant/acme', 'alice', t.demoPassword);
    const path = '/tenant/acme/administration/tokenPolicy';
    const page = await portal.get(path);
    assert.match(page.body, /<input id="policy-idle-days" name="maxIdleDays"[^>]*value="30"/);
    assert.match(page.body, /a token not used for 30 days[^<]*is revoked within the hour after/);
    const bad = await portal.post(path, { _csrf: csrfFrom(page.body), maxLifetimeDays: '', maxIdleDays: 'soon' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Enter after how many unused days a token is revoked/);
    assert.match(bad.body, /<input id="policy-idle-days"[^>]*value="soon"[^>]*aria-invalid="true"/);
    assert.doesNotMatch(bad.body, /<input id="policy-days"[^>]*aria-invalid/);
    const saved = await portal.post(path, { _csrf: csrfFrom(page.body), maxLifetimeDays: '', maxIdleDays: '' });
    assert.equal(saved.statusCode, 303);
    assert.equal((await t.store.getOrg(acmeId))!.max_token_idle_days, null, 'emptied: no idle limit');
    const again = await portal.get(path);
    assert.match(again.body, /Unused tokens are kept/);
  });
});

describe('an installation idle ceiling of 10 days (TESSERA_MAX_TOKEN_IDLE_DAYS)', () => {
  let t: TesseraHandle;
  let hank: string;
  let globexId: string;
  before(async () => {
    t = await startTessera({ config: { signInRateLimit: 1000, maxTokenIdleDays: 10 } });
    hank = await signIn(t.baseUrl, 'hank', 'globex', t.demoPassword);
    globexId = (await t.store.getOrgByName('globex'))!.id;
  });
  after(() => t.stop());

  test('applies to an org without a limit of its own, and no org sets a longer one or none', async () => {
    const url = `${t.baseUrl}/cloudapi/1.0.0/orgs/urn:vcloud:org:${globexId}/apiTokenPolicy`;
    const put = (body: unknown) =>
      http(url, { method: 'PUT', headers: { ...bearer(hank), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await http(url, { headers: bearer(hank) })).json().installationMaxIdleDays, 10);
    for (const maxIdleDays of [null, 11]) {
      const refused = await put({ maxLifetimeDays: null, maxIdleDays });
      assert.equal(refused.status, 400, String(maxIdleDays));
      assert.match(
        refused.json().message,
        /This installation allows API tokens unused for at most 10 days \(TESSERA_MAX_TOKEN_IDLE_DAYS\)/,
      );
    }
    assert.equal((await put({ maxLifetimeDays: null, maxIdleDays: 5 })).status, 200, 'a shorter limit is the org’s to set');
    assert.equal((await put({ maxLifetimeDays: null, maxIdleDays: 10 })).status, 200);
    await t.store.updateOrg(globexId, { max_token_idle_days: null });

    const old = await createApiToken(t.baseUrl, hank, 'globex', 'ceiling-idle');
    await t.store.db
      .updateTable('api_tokens')
      .set({ minted_at: Date.now() - 11 * DAY, created_at: Date.now() - 11 * DAY })
      .where('id', '=', old.clientId)
      .execute();
    assert.equal(await sweepOf(t).runOnce(), 1);
    assert.equal((await exchange(t.baseUrl, 'globex', old.apiToken)).status, 400);
  });
});

describe('an idle limit set or lowered', () => {
  let t: TesseraHandle;
  let hank: string;
  let globexId: string;
  before(async () => {
    t = await startTessera({ config: { signInRateLimit: 1000 } });
    hank = await signIn(t.baseUrl, 'hank', 'globex', t.demoPassword);
    globexId = (await t.store.getOrgByName('globex'))!.id;
  });
  after(() => t.stop());

  test('stops the tokens already unused past it when it is saved, not at the next hourly sweep', async () => {
    const put = (maxIdleDays: number | null) =>
      http(`${t.baseUrl}/cloudapi/1.0.0/orgs/urn:vcloud:org:${globexId}/apiTokenPolicy`, {
        method: 'PUT',
        headers: { ...bearer(hank), 'Content-Type': 'application/json' },
        body: JSON.stringify({ maxLifetimeDays: null, maxIdleDays }),
      });
    const revokedAt = async (id: string) =>
      (await t.store.db.selectFrom('api_tokens').select('revoked_at').where('id', '=', id).executeTakeFirstOrThrow()).revoked_at;
    const stale = await createApiToken(t.baseUrl, hank, 'globex', 'unused for 40 days');
    const used = await createApiToken(t.baseUrl, hank, 'globex', 'used 10 days ago');
    for (const [id, days] of [
      [stale.clientId, 40],
      [used.clientId, 10],
    ] as const) {
      await t.store.db
        .updateTable('api_tokens')
        .set({ last_used_at: Date.now() - days * DAY, last_used_ips: '["10.0.0.1"]', minted_at: Date.now() - 100 * DAY })
        .where('id', '=', id)
        .execute();
    }
    assert.equal((await put(60)).status, 200);
    assert.equal(await revokedAt(stale.clientId), null, 'within a limit of 60 days: kept');
    // Lowered to 30: the stale token stops with the answer (until 2026-12-07, at the next hourly sweep).
    assert.equal((await put(30)).status, 200);
    assert.notEqual(await revokedAt(stale.clientId), null, 'unused for 40 days: revoked when the limit is saved');
    assert.equal((await exchange(t.baseUrl, 'globex', stale.apiToken)).status, 400);
    assert.equal(await revokedAt(used.clientId), null, 'used 10 days ago: kept');
    assert.equal((await exchange(t.baseUrl, 'globex', used.apiToken)).status, 200);
    const events = await t.store.db
      .selectFrom('audit_events')
      .select('details')
      .where('event_type', '=', 'apiToken.revoked')
      .where('token_id', '=', stale.clientId)
      .execute();
    assert.equal(events.length, 1);
    assert.equal(JSON.parse(events[0]!.details).idleDays, 30);
  });
});
