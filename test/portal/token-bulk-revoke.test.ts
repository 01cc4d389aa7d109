/**
 * Administration's token lists: the state, days-unused and owner filters (with their counts, kept by every link), and
 * the bulk revoke (selected, or all matching a filter): its confirmation, CSRF, scope (another org's tokens are 403),
 * the token session that never reaches it, its audit events and a revocation effective at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { accessTokenFrom, createApiToken, exchange, signIn as apiSignIn } from '../helpers/api.js';
import { PortalClient, csrfFrom } from './portal-client.js';
import { mintedTokenRow } from '../store/fixtures.js';

const ACME = '/tenant/acme';
const DAY = 86_400_000;

describe('portal token lists: filters and bulk revoke', () => {
  let server: TesseraHandle;
  let alice: PortalClient;
  let admin: PortalClient;
  let acmeId: string;
  let globexId: string;
  let bobId: string;
  let hankId: string;
  const now = Date.now();

  const tokenIdsOnPage = (body: string) => [...body.matchAll(/<tr data-token-id="([0-9a-f-]{36})"/g)].map((m) => m[1]!);
  const isRevoked = async (id: string) => (await server.store.getApiToken(id))!.revoked_at !== null;
  const insert = async (rows: Array<Record<string, unknown>>) => {
    await server.store.db
      .insertInto('api_tokens')
      .values(rows as never)
      .execute();
  };

  before(async () => {
    server = await startTessera({ demo: true });
    const ids = async (name: string) =>
      await server.store.db.selectFrom('users').select(['id', 'org_id']).where('name', '=', name).executeTakeFirstOrThrow();
    const bob = await ids('bob');
    const hank = await ids('hank');
    bobId = bob.id;
    hankId = hank.id;
    acmeId = bob.org_id;
    globexId = hank.org_id;
    // bob, in acme: 30 never used (paged over two pages), 3 unused for 100 days, 2 used yesterday, 2 expiring in 3 days,
    // 1 expired, 1 revoked.
    await insert([
      ...Array.from({ length: 30 }, (_, i) => mintedTokenRow(acmeId, bobId, { name: `never-${i}`, created_at: now - 200 * DAY - i })),
      ...Array.from({ length: 3 }, (_, i) =>
        mintedTokenRow(acmeId, bobId, { name: `stale-${i}`, created_at: now - 300 * DAY, last_used_at: now - 100 * DAY }),
      ),
      ...Array.from({ length: 2 }, (_, i) => mintedTokenRow(acmeId, bobId, { name: `busy-${i}`, last_used_at: now - DAY })),
      ...Array.from({ length: 2 }, (_, i) =>
        mintedTokenRow(acmeId, bobId, { name: `soon-${i}`, expires_at: now + 3 * DAY, last_used_at: now }),
      ),
      mintedTokenRow(acmeId, bobId, { name: 'gone', expires_at: now - DAY, last_used_at: now - 2 * DAY }),
      mintedTokenRow(acmeId, bobId, { name: 'ended', revoked_at: now - DAY }),
      // hank, in globex: one stale token.
      mintedTokenRow(globexId, hankId, { name: 'globex-stale', created_at: now - 300 * DAY, last_used_at: now - 100 * DAY }),
    ]);
    alice = new PortalClient(server.server.app);
    await alice.signIn(ACME, 'alice', server.demoPassword);
    admin = new PortalClient(server.server.app);
    await admin.signIn('/provider', 'administrator', server.adminPassword);
  });
  after(async () => server?.stop());

  test('the state filter lists the tokens in that state, with counts per state, and its pages keep the filter', async () => {
    const all = await alice.get(`${ACME}/administration/tokens`);
    assert.equal(all.statusCode, 200);
    const counts = /data-testid="token-state-counts">([\s\S]*?)<\/p>/.exec(all.body)![1]!;
    assert.match(counts, /Active: 35</);
    assert.match(counts, /Expiring within 7 days: 2</);
    assert.match(counts, /Expired: 1</);
    assert.match(counts, /Revoked: 1</);
    assert.match(counts, /Never used: 30</);

    const never = await alice.get(`${ACME}/administration/tokens?state=never-used`);
    assert.match(never.body, /Showing 1-25 of 30 API tokens · page 1 of 2/);
    assert.match(
      never.body,
      /href="\/tenant\/acme\/administration\/tokens\?state=never-used&amp;page=2" rel="next"/,
      'Next keeps the filter',
    );
    const second = await alice.get(`${ACME}/administration/tokens?state=never-used&page=2`);
    assert.match(second.body, /Showing 26-30 of 30 API tokens/);
    for (const body of [never.body, second.body]) assert.doesNotMatch(body, /data-label="Name">(stale|busy|soon|gone|ended)/);

    const unused = await alice.get(`${ACME}/administration/tokens?state=unused&unusedDays=90`);
    assert.match(unused.body, /Showing 1-25 of 33 API tokens/, '30 never used (made 200 days ago) and 3 unused for 100 days');
    const unused150 = await alice.get(`${ACME}/administration/tokens?state=unused&unusedDays=150`);
    assert.match(unused150.body, /Showing 1-25 of 30 API tokens/, 'the 3 used 100 days ago are not unused for 150');

    const expiring = await alice.get(`${ACME}/administration/tokens?state=expiring`);
    assert.deepEqual([...expiring.body.matchAll(/data-label="Name">([a-z0-9-]+)/g)].map((m) => m[1]).sort(), ['soon-0', 'soon-1']);
    const revoked = await alice.get(`${ACME}/administration/tokens?state=revoked`);
    assert.match(revoked.body, /data-label="Name">ended/);
    assert.match(revoked.body, /Showing 1-1 of 1 API token\b/);

    // The owner filter (exact user name, any case) and the search together.
    const bobStale = await alice.get(`${ACME}/administration/tokens?owner=BOB&search=stale`);
    assert.match(bobStale.body, /Showing 1-3 of 3 API tokens/);
    const nobody = await alice.get(`${ACME}/administration/tokens?owner=bo`);
    assert.match(nobody.body, /No API tokens match/);

    // A bad state or day count is the 400 page, as a bad page number is.
    assert.equal((await alice.get(`${ACME}/administration/tokens?state=stale`)).statusCode, 400);
    assert.equal((await alice.get(`${ACME}/administration/tokens?state=unused&unusedDays=0`)).statusCode, 400);
    assert.equal((await alice.get(`${ACME}/administration/tokens?state=unused&unusedDays=3651`)).statusCode, 400);
    // The form sends every field: left empty, they filter nothing (until the Chromium test, `state=` was a 400 page).
    const empty = await alice.get(`${ACME}/administration/tokens?search=&owner=&state=&unusedDays=`);
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, /of 39 API tokens/);
    // Days typed with the state left at Any: the tokens unused that long.
    assert.match((await alice.get(`${ACME}/administration/tokens?state=&unusedDays=150`)).body, /Showing 1-25 of 30 API tokens/);

    // One user's list has the same filter.
    const bobs = await alice.get(`${ACME}/administration/users/${bobId}/tokens?state=expired`);
    assert.match(bobs.body, /data-label="Name">gone/);
    assert.match(bobs.body, /Showing 1-1 of 1 API token\b/);

    // The provider's list, narrowed to globex: hank's token only.
    const globex = await admin.get('/provider/administration/tokens?org=globex&state=unused');
    assert.match(globex.body, /data-label="Name">globex-stale/);
    assert.match(globex.body, /Showing 1-1 of 1 API token\b/);
  });

  test('a single Revoke from a filtered list returns to that filter (state, days, owner) and page', async () => {
    const list = await alice.get(`${ACME}/administration/tokens?owner=bob&state=unused&unusedDays=90&page=2`);
    const id = tokenIdsOnPage(list.body)[0]!;
    const href = new RegExp(`href="(/tenant/acme/tokens/${id}/revoke\\?[^"]+)"`).exec(list.body)![1]!.replace(/&amp;/g, '&');
    assert.equal(href, `${ACME}/tokens/${id}/revoke?from=tokens&state=unused&unusedDays=90&owner=bob&page=2`);
    const confirm = await alice.get(href);
    assert.match(
      confirm.body,
      /<input type="hidden" name="state" value="unused"><input type="hidden" name="unusedDays" value="90"><input type="hidden" name="owner" value="bob">/,
    );
    assert.match(
      confirm.body,
      /href="\/tenant\/acme\/administration\/tokens\?state=unused&amp;unusedDays=90&amp;owner=bob&amp;page=2" autofocus>Cancel/,
    );
    const done = await alice.post(`${ACME}/tokens/${id}/revoke`, {
      _csrf: csrfFrom(confirm.body),
      from: 'tokens',
      state: 'unused',
      unusedDays: '90',
      owner: 'bob',
      page: '2',
    });
    assert.equal(done.statusCode, 303);
    assert.equal(
      done.headers.location,
      `${ACME}/administration/tokens?state=unused&unusedDays=90&owner=bob&page=2&done=revoked&token=${id}`,
    );
    // Put back: the tests below count these tokens.
    await server.store.db.updateTable('api_tokens').set({ revoked_at: null, revoked_by: null }).where('id', '=', id).execute();
  });

  test('Revoke selected: a confirmation naming the tokens, a CSRF-checked POST, each revocation audited with a bulk marker and one summary', async () => {
    const bob = await apiSignIn(server.baseUrl, 'bob', 'acme', server.demoPassword);
    const one = await createApiToken(server.baseUrl, bob, 'acme', 'laptop-1');
    const two = await createApiToken(server.baseUrl, bob, 'acme', 'laptop-2');
    const [id1, id2] = [one.clientId, two.clientId];
    const session = await accessTokenFrom(server.baseUrl, 'acme', one.apiToken);

    const list = await alice.get(`${ACME}/administration/tokens?search=laptop`);
    assert.deepEqual(tokenIdsOnPage(list.body).sort(), [id1, id2].sort());
    assert.match(list.body, new RegExp(`<input type="checkbox" name="id" value="${id1}" form="bulk-revoke"`));

    const confirm = await alice.get(`${ACME}/administration/tokens/revoke?from=tokens&search=laptop&id=${id1}&id=${id2}`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /Revoke the 2 selected API tokens\?/);
    assert.match(confirm.body, /laptop-1/);
    assert.equal(await isRevoked(id1), false, 'the confirmation changes nothing');

    const form = new URLSearchParams([
      ['from', 'tokens'],
      ['search', 'laptop'],
      ['id', id1],
      ['id', id2],
    ]);
    // Without the CSRF token: 403, nothing revoked.
    const forged = await alice.post(`${ACME}/administration/tokens/revoke`, form);
    assert.equal(forged.statusCode, 403);
    assert.equal(await isRevoked(id1), false);

    form.set('_csrf', csrfFrom(confirm.body));
    const done = await alice.post(`${ACME}/administration/tokens/revoke`, form);
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, `${ACME}/administration/tokens?search=laptop&done=bulk-revoked&count=2`);
    assert.ok((await isRevoked(id1)) && (await isRevoked(id2)));
    const back = await alice.get(String(done.headers.location));
    assert.match(back.body, /2 API tokens revoked/);

    // At once: the token is refused, and so is the session made from it.
    assert.equal((await exchange(server.baseUrl, 'acme', two.apiToken)).status, 400);
    const res = await server.server.app.inject({
      url: '/api/org',
      headers: { authorization: `Bearer ${session}`, accept: 'application/*+xml;version=36.1' },
    });
    assert.equal(res.statusCode, 401);

    const events = await server.store.db
      .selectFrom('audit_events')
      .select(['event_type', 'token_id', 'actor_name', 'details'])
      .where('event_type', 'in', ['apiToken.revoked', 'apiToken.bulkRevoked'])
      .where('actor_name', '=', 'alice')
      .execute();
    // (alice's single revoke above has no `bulk`.)
    const revokedEvents = events.filter((e) => e.event_type === 'apiToken.revoked' && 'bulk' in (JSON.parse(e.details) as object));
    assert.deepEqual(revokedEvents.map((e) => e.token_id).sort(), [id1, id2].sort());
    const batch = (JSON.parse(revokedEvents[0]!.details) as { bulk: string }).bulk;
    assert.match(batch, /^[0-9a-f-]{36}$/);
    assert.ok(revokedEvents.every((e) => (JSON.parse(e.details) as { bulk: string; ownerName: string }).bulk === batch));
    const summary = events.filter((e) => e.event_type === 'apiToken.bulkRevoked');
    assert.equal(summary.length, 1);
    assert.deepEqual(JSON.parse(summary[0]!.details), { bulk: batch, count: 2, selection: 'selected', filter: 'the tokens selected' });
  });

  test("another org's token, another org's user, or a user without the right: 403, nothing revoked", async () => {
    const hankToken = (
      await server.store.db.selectFrom('api_tokens').select('id').where('name', '=', 'globex-stale').executeTakeFirstOrThrow()
    ).id;
    const bobToken = (await server.store.db.selectFrom('api_tokens').select('id').where('name', '=', 'busy-0').executeTakeFirstOrThrow())
      .id;
    const page = await alice.get(`${ACME}/administration/tokens`);
    const csrf = csrfFrom(page.body);
    assert.equal((await alice.get(`${ACME}/administration/tokens/revoke?id=${hankToken}`)).statusCode, 403);
    // Mixed with one of her own org: the whole request is refused before anything is revoked.
    const mixed = await alice.post(
      `${ACME}/administration/tokens/revoke`,
      new URLSearchParams([
        ['_csrf', csrf],
        ['id', bobToken],
        ['id', hankToken],
      ]),
    );
    assert.equal(mixed.statusCode, 403, mixed.body.slice(mixed.body.indexOf('<main'), mixed.body.indexOf('<main') + 600));
    assert.equal(await isRevoked(hankToken), false);
    assert.equal(await isRevoked(bobToken), false);
    // "All matching" of hank's list, from acme's administrator.
    assert.equal((await alice.get(`${ACME}/administration/tokens/revoke?from=user&user=${hankId}&all=1`)).statusCode, 403);
    const crossAll = await alice.post(
      `${ACME}/administration/tokens/revoke`,
      new URLSearchParams({ _csrf: csrf, from: 'user', user: hankId, all: '1', count: '1' }),
    );
    assert.equal(crossAll.statusCode, 403);
    // `org=` is the provider's narrowing only: for an org administrator it is ignored (her own org), never globex.
    const orgParam = await alice.get(`${ACME}/administration/tokens/revoke?org=globex&all=1&state=unused`);
    assert.match(orgParam.body, /Revoke all 33 live API tokens matching this filter\?/);
    assert.equal(await isRevoked(hankToken), false);

    // bob holds no "Manage all users' API tokens".
    const bob = new PortalClient(server.server.app);
    await bob.signIn(ACME, 'bob', server.demoPassword);
    const bobPage = await bob.get(`${ACME}/preferences`);
    assert.equal((await bob.get(`${ACME}/administration/tokens/revoke?id=${bobToken}`)).statusCode, 403);
    const bobPost = await bob.post(`${ACME}/administration/tokens/revoke`, { _csrf: csrfFrom(bobPage.body), id: bobToken });
    assert.equal(bobPost.statusCode, 403);
    assert.equal(await isRevoked(bobToken), false);
  });

  test('a token session never reaches it: as a Bearer token or pasted into the session cookie', async () => {
    const aliceApi = await apiSignIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
    const made = await createApiToken(server.baseUrl, aliceApi, 'acme', 'alice-script');
    const session = await accessTokenFrom(server.baseUrl, 'acme', made.apiToken);
    const bobToken = (await server.store.db.selectFrom('api_tokens').select('id').where('name', '=', 'busy-1').executeTakeFirstOrThrow())
      .id;
    for (const headers of [{ authorization: `Bearer ${session}` }, { cookie: `tessera_session=${session}` }]) {
      const res = await server.server.app.inject({
        method: 'POST',
        url: `${ACME}/administration/tokens/revoke`,
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        payload: new URLSearchParams({ id: bobToken, all: '1', count: '100' }).toString(),
      });
      assert.ok(res.statusCode === 303 || res.statusCode === 403, `${Object.keys(headers)[0]}: ${res.statusCode}`);
      if (res.statusCode === 303) assert.match(String(res.headers.location), /\/login/);
    }
    assert.equal(await isRevoked(bobToken), false);
  });

  test('Revoke all matching: the count and the filter confirmed; more matching since is asked again; the provider narrowed to one org', async () => {
    const confirm = await alice.get(`${ACME}/administration/tokens/revoke?from=tokens&all=1&state=unused&unusedDays=150`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /Revoke all 30 live API tokens matching this filter\?/);
    assert.match(confirm.body, /Filter: state: unused for 150 days\./);
    const csrf = csrfFrom(confirm.body);
    const form = { _csrf: csrf, from: 'tokens', all: '1', state: 'unused', unusedDays: '150', count: '30' };

    // A token made (and matching) between the confirmation and the POST: nothing revoked, the new count asked.
    await insert([mintedTokenRow(acmeId, bobId, { name: 'late-stale', created_at: now - 400 * DAY })]);
    const changed = await alice.post(`${ACME}/administration/tokens/revoke`, form);
    assert.equal(changed.statusCode, 409);
    assert.match(changed.body, /now matches 31 live API tokens, not the 30 you confirmed/);
    assert.equal((await alice.get(`${ACME}/administration/tokens?state=unused&unusedDays=150`)).body.match(/of 31 API tokens/)?.length, 1);

    const done = await alice.post(`${ACME}/administration/tokens/revoke`, { ...form, count: '31' });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, `${ACME}/administration/tokens?state=unused&unusedDays=150&done=bulk-revoked&count=31`);
    const after = await alice.get(`${ACME}/administration/tokens?state=unused&unusedDays=150`);
    assert.match(after.body, /No API tokens match/);
    // The others are untouched: the 3 unused for 100 days, the busy ones, hank's.
    assert.match((await alice.get(`${ACME}/administration/tokens?state=unused&unusedDays=90`)).body, /of 3 API tokens/);
    const summary = await server.store.db
      .selectFrom('audit_events')
      .select('details')
      .where('event_type', '=', 'apiToken.bulkRevoked')
      .orderBy('at', 'desc')
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      { ...(JSON.parse(summary.details) as object), bulk: undefined },
      { bulk: undefined, count: 31, selection: 'all matching', filter: 'state: unused for 150 days' },
    );

    // The provider, narrowed to globex: hank's stale token only.
    const provider = await admin.get('/provider/administration/tokens/revoke?from=org-tokens&org=globex&all=1&state=unused');
    assert.match(provider.body, /Revoke all 1 live API token matching this filter\?/);
    assert.match(provider.body, /Filter: organization: globex; state: unused for 90 days\./);
    // Not narrowed to an org: an owner's name matches that name in every org, and the filter says so.
    const everyOrg = await admin.get('/provider/administration/tokens/revoke?from=tokens&all=1&owner=bob');
    assert.match(everyOrg.body, /Filter: every organization; owner: bob\./);
    const acmeStale = await alice.get(`${ACME}/administration/tokens?state=unused&unusedDays=90`);
    assert.match(acmeStale.body, /of 3 API tokens/);
    const revokedByProvider = await admin.post('/provider/administration/tokens/revoke', {
      _csrf: csrfFrom(provider.body),
      from: 'org-tokens',
      org: 'globex',
      all: '1',
      state: 'unused',
      count: '1',
    });
    assert.equal(revokedByProvider.statusCode, 303);
    assert.equal(
      revokedByProvider.headers.location,
      '/provider/administration/tokens?org=globex&state=unused&unusedDays=90&done=bulk-revoked&count=1',
    );
    assert.match((await alice.get(`${ACME}/administration/tokens?state=unused&unusedDays=90`)).body, /of 3 API tokens/, "acme's untouched");
  });
});
