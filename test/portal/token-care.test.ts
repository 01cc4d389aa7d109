/**
 * Token care (issue 14 §3) through `app.inject`: the 30-day default and the warned "never" (refused where the
 * org's policy caps lifetimes), "expiring soon" notices, revoked tokens kept listed with when and by whom until
 * housekeeping's retention, and Regenerate (same name, scope and expiry rule; the old token stopped at once or
 * exactly when its grace ends, through a dated revocation every node applies).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { exchange } from '../helpers/api.js';
import { Housekeeping } from '../../src/auth/housekeeping.js';
import { RevocationView } from '../../src/auth/revocation-view.js';
import { PortalClient, csrfFrom } from './portal-client.js';
import { RECENT_ENDED_SHOWN } from '../../src/http/portal/token-queries.js';

const ACME = '/tenant/acme';
const DAY = 86_400_000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('portal: token care', () => {
  let server: TesseraHandle;
  let bob: PortalClient;
  let alice: PortalClient;

  before(async () => {
    server = await startTessera({ demo: true });
    bob = new PortalClient(server.server.app);
    alice = new PortalClient(server.server.app);
    await bob.signIn(ACME, 'bob', server.demoPassword);
    await alice.signIn(ACME, 'alice', server.demoPassword);
  });
  after(async () => server?.stop());

  const rowNamed = (name: string) =>
    server.store.db.selectFrom('api_tokens').selectAll().where('name', '=', name).orderBy('created_at', 'desc').executeTakeFirstOrThrow();

  async function create(client: PortalClient, form: Record<string, string>) {
    const page = await client.get(`${ACME}/preferences/tokens/new`);
    return client.post(`${ACME}/preferences/tokens`, { _csrf: csrfFrom(page.body), ...form });
  }

  async function createAndRead(client: PortalClient, form: Record<string, string>): Promise<string> {
    const res = await create(client, form);
    assert.equal(res.statusCode, 303, res.body.slice(0, 400));
    const shown = await client.get(String(res.headers.location));
    return /id="api-token"[^>]*>([^<]+)</.exec(shown.body)![1]!;
  }

  test('the New form proposes 30 days as an ISO date (UTC) and warns about "never"', async () => {
    const form = await bob.get(`${ACME}/preferences/tokens/new`);
    const expected = isoDate(Date.now() + 30 * DAY);
    assert.match(form.body, new RegExp(`name="expiresOn"[^>]*value="${expected}"`), 'the default is 30 days ahead');
    assert.match(form.body, /placeholder="YYYY-MM-DD"/);
    assert.match(form.body, /Expires at the end of \(UTC\)/);
    assert.match(form.body, /id="expiry-date" name="expiry" value="date" class="expiry-radio" checked/);
    assert.match(form.body, /id="expiry-never" name="expiry" value="never"/);
    assert.match(form.body, /class="alert alert-warning never-warning"[^]*Not recommended/);

    await createAndRead(bob, { name: 'care-default', expiry: 'date', expiresOn: expected });
    const row = await rowNamed('care-default');
    assert.equal(new Date(Number(row.expires_at)).toISOString(), `${expected}T23:59:59.999Z`, 'the end of that day, UTC');

    const never = await create(bob, { name: 'care-never', expiry: 'never', expiresOn: expected });
    const shown = await bob.get(String(never.headers.location));
    assert.match(shown.body, /This token never expires/);
    assert.equal((await rowNamed('care-never')).expires_at, null);

    const bad = await create(bob, { name: 'care-bad', expiry: 'date', expiresOn: '31/12/2030' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /YYYY-MM-DD/);
    const schema = await create(bob, { name: 'care-bad', expiry: 'sometimes' });
    assert.equal(schema.statusCode, 400, 'a value outside the schema: a portal page with 400');
    assert.match(String(schema.headers['content-type']), /text\/html/);
  });

  test('where the org caps lifetimes, "never" is not offered and the server refuses it', async () => {
    const acme = (await server.store.getOrgByName('acme'))!;
    await server.store.updateOrg(acme.id, { max_token_lifetime_days: 10 });
    try {
      const form = await bob.get(`${ACME}/preferences/tokens/new`);
      assert.doesNotMatch(form.body, /id="expiry-never"/);
      assert.match(form.body, /does not allow tokens that never expire/);
      // The cap is an instant (now + 10 days): the last day that ends within it is the day before that instant's day.
      const latest = isoDate(Date.now() + 9 * DAY);
      assert.match(form.body, new RegExp(`name="expiresOn"[^>]*value="${latest}"`), 'the default shortened to the cap');
      assert.match(form.body, new RegExp(`the latest your organization allows is ${latest} \\(at most 10 days\\)`));
      // What the page proposes is accepted (the day after the latest it states is refused, on the date field).
      const proposed = await create(bob, { name: 'care-capped-default', expiry: 'date', expiresOn: latest });
      assert.equal(proposed.statusCode, 303, proposed.body.slice(0, 400));
      await bob.get(String(proposed.headers.location));
      const beyond = await create(bob, { name: 'care-capped-beyond', expiry: 'date', expiresOn: isoDate(Date.now() + 10 * DAY) });
      assert.equal(beyond.statusCode, 400);
      assert.match(beyond.body, new RegExp(`allows API tokens to live at most 10 days: choose ${latest} or earlier\\.`));
      assert.match(beyond.body, /<input id="token-expires"[^>]* aria-invalid="true" autofocus>/);
      const never = await create(bob, { name: 'care-capped', expiry: 'never' });
      assert.equal(never.statusCode, 400);
      assert.match(never.body, /does not allow tokens that never expire/);
      const none = await server.store.db.selectFrom('api_tokens').select('id').where('name', '=', 'care-capped').execute();
      assert.equal(none.length, 0, 'nothing was created');
    } finally {
      await server.store.updateOrg(acme.id, { max_token_lifetime_days: null });
    }
  });

  test('"expiring soon" seven days ahead, in the token list and on the home page', async () => {
    await createAndRead(bob, { name: 'care-soon', expiry: 'date', expiresOn: isoDate(Date.now() + 3 * DAY) });
    await createAndRead(bob, { name: 'care-later', expiry: 'date', expiresOn: isoDate(Date.now() + 20 * DAY) });
    const prefs = await bob.get(`${ACME}/preferences`);
    const row = (name: string) =>
      new RegExp(`<tr data-token-id="[^"]+" data-status="([a-z-]+)"[^>]*>\\s*<th[^>]*>${name}`).exec(prefs.body)?.[1];
    assert.equal(row('care-soon'), 'expiring-soon');
    assert.equal(row('care-later'), 'active');
    assert.match(prefs.body, /id="expiring-soon"[^]*care-soon/);
    const home = await bob.get(`${ACME}/`);
    assert.match(home.body, /id="expiring-soon"[^]*An API token expires soon[^]*care-soon/);
    assert.doesNotMatch(
      home.body.slice(home.body.indexOf('id="expiring-soon"'), home.body.indexOf('id="expiring-soon"') + 600),
      /care-later/,
    );
  });

  test('a revoked token stays listed, greyed, with when and by whom, until housekeeping drops it after the retention', async () => {
    await createAndRead(bob, { name: 'care-revoked', expiry: 'date', expiresOn: isoDate(Date.now() + 30 * DAY) });
    const row = await rowNamed('care-revoked');
    const confirm = await alice.get(`${ACME}/tokens/${row.id}/revoke?from=user`);
    await alice.post(`${ACME}/tokens/${row.id}/revoke`, { _csrf: csrfFrom(confirm.body), from: 'user' });
    const stored = await rowNamed('care-revoked');
    const aliceId = (await server.store.getUserByName(stored.org_id, 'alice'))!.id;
    assert.equal(stored.revoked_by, aliceId, 'who revoked it is stored');
    const prefs = await bob.get(`${ACME}/preferences`);
    assert.match(
      prefs.body,
      new RegExp(`data-token-id="${row.id}" data-status="revoked" class="row-ended"[^]*?Revoked <time[^]*?</time> by alice`),
    );
    const rowHtml = prefs.body.slice(prefs.body.indexOf(`data-token-id="${row.id}"`)).split('</tr>')[0]!;
    assert.doesNotMatch(rowHtml, /Revoke<\/a>|Regenerate<\/a>/, 'no action on a revoked token');

    const housekeeping = new Housekeeping(server.store, { warn: () => undefined }, { revokedTokenRetentionMs: 30 * DAY });
    await housekeeping.runOnce(Date.now() + 29 * DAY);
    assert.ok(await server.store.getApiToken(row.id), 'kept within the retention');
    await housekeeping.runOnce(Date.now() + 31 * DAY);
    assert.equal(await server.store.getApiToken(row.id), undefined, 'deleted after it');
  });

  test('the Access Tokens page shows every live token and only the most recently revoked ones, with a link to all', async () => {
    // A user who cycles tokens gathers revoked ones for the whole retention: the page must not grow with them.
    const live = await createAndRead(alice, { name: 'cycle-live', expiry: 'date', expiresOn: isoDate(Date.now() + 30 * DAY) });
    assert.ok(live);
    const revokedIds: string[] = [];
    for (let i = 0; i < RECENT_ENDED_SHOWN + 5; i++) {
      await createAndRead(alice, { name: `cycle-${i}`, expiry: 'date', expiresOn: isoDate(Date.now() + 30 * DAY) });
      const row = await rowNamed(`cycle-${i}`);
      // Revoked in order, a millisecond apart, so "most recent" is well defined.
      await server.store.db
        .updateTable('api_tokens')
        .set({ revoked_at: Date.now() + i })
        .where('id', '=', row.id)
        .execute();
      revokedIds.push(row.id);
    }
    const listed = (body: string) => [...body.matchAll(/data-token-id="([^"]+)" data-status="([a-z-]+)"/g)].map((m) => [m[1]!, m[2]!]);
    const page = await alice.get(`${ACME}/preferences`);
    const rows = listed(page.body);
    assert.equal(rows.filter(([, status]) => status !== 'revoked').length, 1, 'the live token');
    assert.deepEqual(
      rows.filter(([, status]) => status === 'revoked').map(([id]) => id),
      revokedIds.slice(-RECENT_ENDED_SHOWN).reverse(),
      'the most recently revoked, newest first',
    );
    assert.match(
      page.body,
      new RegExp(
        `Showing the ${RECENT_ENDED_SHOWN} most recently revoked of ${RECENT_ENDED_SHOWN + 5} revoked tokens kept[^]*?href="${ACME}/preferences\\?ended=all#access-tokens"`,
      ),
    );
    const all = await alice.get(`${ACME}/preferences?ended=all`);
    assert.equal(listed(all.body).filter(([, status]) => status === 'revoked').length, RECENT_ENDED_SHOWN + 5, 'all of them on request');
    assert.doesNotMatch(all.body, /id="ended-tokens-note"/);
  });

  test('Regenerate with no grace: a new secret, same name and scope, the old one revoked at once', async () => {
    const oldToken = await createAndRead(bob, {
      name: 'care-regen',
      expiry: 'date',
      expiresOn: isoDate(Date.now() + 10 * DAY),
      scope: 'read-only',
    });
    const old = await rowNamed('care-regen');
    const page = await bob.get(`${ACME}/tokens/${old.id}/regenerate`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Regenerate <span class="token-name">care-regen<\/span>\?/);
    assert.match(page.body, /name="grace" value="0" checked/);
    assert.equal((await alice.get(`${ACME}/tokens/${old.id}/regenerate`)).statusCode, 403, 'an administrator may revoke, not regenerate');
    const badGrace = await bob.post(`${ACME}/tokens/${old.id}/regenerate`, { _csrf: csrfFrom(page.body), grace: '12345' });
    assert.equal(badGrace.statusCode, 400);
    const noCsrf = await bob.post(`${ACME}/tokens/${old.id}/regenerate`, { grace: '0' });
    assert.equal(noCsrf.statusCode, 403);
    const res = await bob.post(`${ACME}/tokens/${old.id}/regenerate`, { _csrf: csrfFrom(page.body), grace: '0' });
    assert.equal(res.statusCode, 303);
    const shown = await bob.get(String(res.headers.location));
    assert.match(shown.body, /API token regenerated/);
    assert.match(shown.body, /The old token with this name was revoked/);
    const newToken = /id="api-token"[^>]*>([^<]+)</.exec(shown.body)![1]!;
    assert.notEqual(newToken, oldToken);
    assert.equal(newToken.length, oldToken.length, 'the current token format');

    const fresh = await rowNamed('care-regen');
    assert.notEqual(fresh.id, old.id);
    assert.equal(fresh.scope, 'read-only');
    const lifetime = Number(old.expires_at) - Number(old.minted_at);
    assert.ok(Math.abs(Number(fresh.expires_at) - (Number(fresh.minted_at) + lifetime)) < 5_000, 'the same lifetime, from now');
    const replaced = (await server.store.getApiToken(old.id))!;
    assert.equal(replaced.replaced_by, fresh.id);
    assert.notEqual(replaced.revoked_at, null);
    assert.equal((await exchange(server.baseUrl, 'acme', oldToken)).status, 400);
    assert.equal((await exchange(server.baseUrl, 'acme', newToken)).status, 200);
    const events = await server.store.db
      .selectFrom('audit_events')
      .select(['event_type', 'details'])
      .where('token_id', '=', fresh.id)
      .execute();
    assert.ok(events.some((e) => e.event_type === 'apiToken.regenerated' && JSON.parse(e.details).replaces === old.id));
  });

  test('Regenerate can give the new token another expiry (a date, or never), within the org\u2019s maximum', async () => {
    await createAndRead(bob, { name: 'care-reexpire', expiry: 'date', expiresOn: isoDate(Date.now() + 3 * DAY) });
    const old = await rowNamed('care-reexpire');
    const page = await bob.get(`${ACME}/tokens/${old.id}/regenerate`);
    assert.match(page.body, /id="regen-expiry-keep" name="expiry" value="keep" class="expiry-radio" checked/, 'the old rule by default');
    assert.match(page.body, /id="regen-expiry-date" name="expiry" value="date"/);
    assert.match(page.body, /id="regen-expiry-never" name="expiry" value="never"/);
    const bad = await bob.post(`${ACME}/tokens/${old.id}/regenerate`, {
      _csrf: csrfFrom(page.body),
      grace: '0',
      expiry: 'date',
      expiresOn: '31/12/2030',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /YYYY-MM-DD/);
    assert.equal((await server.store.getApiToken(old.id))!.replaced_by, null, 'a refused form changes nothing');
    const wanted = isoDate(Date.now() + 60 * DAY);
    const res = await bob.post(`${ACME}/tokens/${old.id}/regenerate`, {
      _csrf: csrfFrom(page.body),
      grace: '0',
      expiry: 'date',
      expiresOn: wanted,
    });
    assert.equal(res.statusCode, 303, res.body.slice(0, 400));
    const dated = await rowNamed('care-reexpire');
    assert.equal(new Date(Number(dated.expires_at)).toISOString(), `${wanted}T23:59:59.999Z`);
    const next = await bob.get(`${ACME}/tokens/${dated.id}/regenerate`);
    const never = await bob.post(`${ACME}/tokens/${dated.id}/regenerate`, { _csrf: csrfFrom(next.body), grace: '0', expiry: 'never' });
    assert.equal(never.statusCode, 303, never.body.slice(0, 400));
    assert.equal((await rowNamed('care-reexpire')).expires_at, null);

    const acme = (await server.store.getOrgByName('acme'))!;
    await server.store.updateOrg(acme.id, { max_token_lifetime_days: 10 });
    try {
      const last = await rowNamed('care-reexpire');
      const capped = await bob.get(`${ACME}/tokens/${last.id}/regenerate`);
      assert.doesNotMatch(capped.body, /id="regen-expiry-never"/, 'never is not offered under a maximum');
      const refusedNever = await bob.post(`${ACME}/tokens/${last.id}/regenerate`, {
        _csrf: csrfFrom(capped.body),
        grace: '0',
        expiry: 'never',
      });
      assert.equal(refusedNever.statusCode, 400);
      const tooLate = await bob.post(`${ACME}/tokens/${last.id}/regenerate`, {
        _csrf: csrfFrom(capped.body),
        grace: '0',
        expiry: 'date',
        expiresOn: isoDate(Date.now() + 30 * DAY),
      });
      assert.equal(tooLate.statusCode, 400);
      assert.match(tooLate.body, /at most until/);
      assert.equal((await server.store.getApiToken(last.id))!.replaced_by, null);
    } finally {
      await server.store.updateOrg(acme.id, { max_token_lifetime_days: null });
    }
  });

  test('Regenerate from a second tab or a stale list: back to the list, whose notice names the token; nobody else gets past the 403', async () => {
    for (const grace of ['0', '3600']) {
      const name = `care-two-tabs-${grace}`;
      await createAndRead(bob, { name, expiry: 'date', expiresOn: isoDate(Date.now() + 10 * DAY) });
      const old = await rowNamed(name);
      const first = await bob.get(`${ACME}/tokens/${old.id}/regenerate`);
      const second = await bob.get(`${ACME}/tokens/${old.id}/regenerate`);
      const done = await bob.post(`${ACME}/tokens/${old.id}/regenerate`, { _csrf: csrfFrom(first.body), grace });
      assert.equal(done.statusCode, 303);
      await bob.get(String(done.headers.location)); // the new token, shown once
      const back = `${ACME}/preferences?done=regenerated-already&token=${old.id}#access-tokens`;
      // Until 2026-12-05: 403 "Only the owner can regenerate a token that still works" (grace 1 hour), or the generic
      // rights 403 (no grace: the old token is revoked too), said to the owner.
      const stale = await bob.post(`${ACME}/tokens/${old.id}/regenerate`, { _csrf: csrfFrom(second.body), grace });
      assert.equal(stale.statusCode, 303, `grace ${grace}: ${stale.body.slice(0, 300)}`);
      assert.equal(stale.headers.location, back);
      const page = await bob.get(`${ACME}/tokens/${old.id}/regenerate`);
      assert.equal(page.statusCode, 303);
      assert.equal(page.headers.location, back);
      const list = await bob.get(back.replace(/#.*/, ''));
      assert.match(list.body, new RegExp(`The API token &quot;${name}&quot; was already regenerated; its replacement is in the list\\.`));
      const rows = await server.store.db.selectFrom('api_tokens').select('id').where('name', '=', name).execute();
      assert.equal(rows.length, 2, 'exactly one replacement');
      // Someone else's token, replaced or not: the 403 as before (an administrator revokes, never regenerates).
      assert.equal((await alice.get(`${ACME}/tokens/${old.id}/regenerate`)).statusCode, 403);
      const aliceCsrf = csrfFrom((await alice.get(`${ACME}/preferences`)).body);
      const aliceTries = await alice.post(`${ACME}/tokens/${old.id}/regenerate`, { _csrf: aliceCsrf, grace });
      assert.equal(aliceTries.statusCode, 403);
      assert.equal(aliceTries.headers.location, undefined);
    }
    // Revoked (not regenerated) meanwhile: back to the list, which says it was revoked.
    await createAndRead(bob, { name: 'care-revoked-tab', expiry: 'never' });
    const revokedRow = await rowNamed('care-revoked-tab');
    const regenPage = await bob.get(`${ACME}/tokens/${revokedRow.id}/regenerate`);
    const confirm = await bob.get(`${ACME}/tokens/${revokedRow.id}/revoke?from=preferences`);
    await bob.post(`${ACME}/tokens/${revokedRow.id}/revoke`, { _csrf: csrfFrom(confirm.body), from: 'preferences' });
    const stale = await bob.post(`${ACME}/tokens/${revokedRow.id}/regenerate`, { _csrf: csrfFrom(regenPage.body), grace: '0' });
    assert.equal(stale.statusCode, 303);
    assert.equal(stale.headers.location, `${ACME}/preferences?done=revoked&token=${revokedRow.id}#access-tokens`);
  });

  test('Regenerate with a grace: the old token works until the grace ends, then every node refuses it', async () => {
    const oldToken = await createAndRead(bob, { name: 'care-grace', expiry: 'never' });
    const old = await rowNamed('care-grace');
    const page = await bob.get(`${ACME}/tokens/${old.id}/regenerate`);
    const before = Date.now();
    const res = await bob.post(`${ACME}/tokens/${old.id}/regenerate`, { _csrf: csrfFrom(page.body), grace: '3600' });
    assert.equal(res.statusCode, 303);
    const shown = await bob.get(String(res.headers.location));
    assert.match(shown.body, /keeps working until <time/);
    assert.equal((await rowNamed('care-grace')).expires_at, null, 'a token that never expired still never does');

    const graced = (await server.store.getApiToken(old.id))!;
    const graceEnd = Number(graced.expires_at);
    assert.ok(graceEnd >= before + 3_600_000 && graceEnd <= Date.now() + 3_600_000, 'its expiry is now the end of the grace');
    assert.equal(graced.revoked_at, null);
    assert.equal((await exchange(server.baseUrl, 'acme', oldToken)).status, 200, 'still works during the grace');
    const again = await bob.get(`${ACME}/tokens/${old.id}/regenerate`);
    assert.equal(again.statusCode, 303, 'a replaced token is not regenerated twice: back to the list');
    assert.equal(again.headers.location, `${ACME}/preferences?done=regenerated-already&token=${old.id}#access-tokens`);

    // A dated revocation: this node's view and a node started later (rebuilt from the table) agree on the instant.
    const view = server.server.app.tessera.revocations;
    assert.equal(view.isApiTokenRevoked(old.id, graceEnd - 1), false);
    assert.equal(view.isApiTokenRevoked(old.id, graceEnd), true);
    const otherNode = new RevocationView(server.store);
    await otherNode.resync();
    assert.equal(otherNode.isApiTokenRevoked(old.id, graceEnd - 1), false);
    assert.equal(otherNode.isApiTokenRevoked(old.id, graceEnd), true);

    // "Revoke now" during the grace still ends it at once.
    const confirm = await bob.get(`${ACME}/tokens/${old.id}/revoke?from=preferences`);
    await bob.post(`${ACME}/tokens/${old.id}/revoke`, { _csrf: csrfFrom(confirm.body), from: 'preferences' });
    assert.equal(view.isApiTokenRevoked(old.id), true);
    assert.equal((await exchange(server.baseUrl, 'acme', oldToken)).status, 400);
  });
});

describe("portal: the installation's lifetime ceiling on the New form", () => {
  let server: TesseraHandle;
  let bob: PortalClient;
  before(async () => {
    server = await startTessera({ demo: true, config: { maxTokenLifetimeDays: 10 } });
    bob = new PortalClient(server.server.app);
    await bob.signIn(ACME, 'bob', server.demoPassword);
  });
  after(async () => server?.stop());

  const create = async (form: Record<string, string>) => {
    const page = await bob.get(`${ACME}/preferences/tokens/new`);
    return bob.post(`${ACME}/preferences/tokens`, { _csrf: csrfFrom(page.body), ...form });
  };

  test('with no org policy, the ceiling alone refuses "never" and a later date in the form\'s words, creating nothing', async () => {
    const form = await bob.get(`${ACME}/preferences/tokens/new`);
    assert.doesNotMatch(form.body, /id="expiry-never"/, 'the form does not offer it');
    const never = await create({ name: 'ceiling-never', expiry: 'never' });
    assert.equal(never.statusCode, 400, 'posted anyway: refused, not given the ceiling silently');
    assert.match(never.body, /does not allow tokens that never expire: choose a date at most 10 days ahead/);
    const latest = isoDate(Date.now() + 9 * DAY);
    const beyond = await create({ name: 'ceiling-beyond', expiry: 'date', expiresOn: isoDate(Date.now() + 20 * DAY) });
    assert.equal(beyond.statusCode, 400);
    assert.match(beyond.body, new RegExp(`allows API tokens to live at most 10 days: choose ${latest} or earlier\\.`));
    const made = await server.store.db.selectFrom('api_tokens').select('id').where('name', 'like', 'ceiling-%').execute();
    assert.equal(made.length, 0);
  });
});
