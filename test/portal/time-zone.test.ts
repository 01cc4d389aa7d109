/**
 * User preferences > Time zone (issue 14 §5): the choice is validated against the runtime's IANA names, stored per
 * user (migration 0014), and every date the portal shows is then in that zone, labelled; a date typed into the New
 * token form is read in it and stored in UTC; the audit filter's days are the zone's. The API keeps answering UTC.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { PortalClient, csrfFrom } from './portal-client.js';
import { latestExpiryDate } from '../../src/http/portal/routes/tokens.js';
import { formatInstant } from '../../src/domain/time-zone.js';

const ACME = '/tenant/acme';

describe('portal: the user\u2019s time zone', () => {
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

  const zoneOf = async (name: string) => (await server.store.getUserByName((await server.store.getOrgByName('acme'))!.id, name))?.time_zone;

  async function choose(client: PortalClient, zone: string) {
    const page = await client.get(`${ACME}/preferences/time-zone`);
    assert.equal(page.statusCode, 200);
    return client.post(`${ACME}/preferences/time-zone`, { _csrf: csrfFrom(page.body), timeZone: zone });
  }

  test('UTC by default; the page lists the IANA zones with their offsets and says the time now', async () => {
    const prefs = await bob.get(`${ACME}/preferences`);
    assert.match(prefs.body, /Dates and times are shown in <strong>UTC<\/strong>/);
    const page = await bob.get(`${ACME}/preferences/time-zone`);
    assert.match(page.body, /<option value="UTC" selected>UTC<\/option>/);
    assert.match(page.body, /<option value="Europe\/Paris">Europe\/Paris \(UTC\+0[12]:00\)<\/option>/);
    assert.match(page.body, /<option value="Asia\/Tokyo">Asia\/Tokyo \(UTC\+09:00\)<\/option>/);
    assert.match(page.body, /Now in UTC: <strong>\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC<\/strong>/);
    assert.match(page.body, /<nav class="breadcrumb"/);
  });

  test('an unknown zone, a crafted value or a missing CSRF token changes nothing', async () => {
    for (const bad of ['Mars/Olympus', 'europe/paris', '<script>alert(1)</script>', '']) {
      const res = await choose(bob, bad);
      assert.equal(res.statusCode, 400, bad);
      assert.match(res.body, /Choose a time zone from the list/);
      assert.doesNotMatch(res.body, /<script>alert/);
    }
    const long = await choose(bob, `Europe/${'x'.repeat(100)}`);
    assert.equal(long.statusCode, 400, 'longer than the schema allows: the 400 page');
    const noCsrf = await bob.post(`${ACME}/preferences/time-zone`, { timeZone: 'Europe/Paris' });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal(await zoneOf('bob'), null);
  });

  test('after choosing Europe/Paris, dates show in it, labelled; the API still answers UTC', async () => {
    const res = await choose(bob, 'Europe/Paris');
    assert.equal(res.statusCode, 303);
    assert.match(String(res.headers.location), /\/preferences\?done=time-zone#time-zone$/);
    assert.equal(await zoneOf('bob'), 'Europe/Paris');
    const prefs = await bob.get(String(res.headers.location));
    assert.match(prefs.body, /Your time zone was saved/);
    assert.match(prefs.body, /Dates and times are shown in <strong>Europe\/Paris<\/strong>/);

    // A token with a known creation time: its Created cell is in Paris time, the datetime attribute in UTC.
    const page = await bob.get(`${ACME}/preferences/tokens/new`);
    assert.match(page.body, /Expires at the end of \(Europe\/Paris\)/);
    assert.match(page.body, /23:59:59 that day in your time zone, Europe\/Paris \(CES?T\)/);
    const made = await bob.post(`${ACME}/preferences/tokens`, {
      _csrf: csrfFrom(page.body),
      name: 'tz-token',
      expiry: 'date',
      expiresOn: '2030-12-31',
    });
    assert.equal(made.statusCode, 303, made.body.slice(0, 300));
    const row = await server.store.db.selectFrom('api_tokens').selectAll().where('name', '=', 'tz-token').executeTakeFirstOrThrow();
    assert.equal(new Date(Number(row.expires_at)).toISOString(), '2030-12-31T22:59:59.999Z', 'the end of that day in Paris, stored in UTC');
    const shown = await bob.get(String(made.headers.location));
    assert.match(shown.body, /2030-12-31 23:59 CET/);

    const list = await bob.get(`${ACME}/preferences`);
    assert.match(list.body, /<time datetime="2030-12-31T22:59:59\.999Z">2030-12-31 23:59 CET<\/time>/);
    const created = new Date(Number(row.created_at)).toISOString();
    assert.ok(list.body.includes(`<time datetime="${created}">${formatInstant(Number(row.created_at), 'Europe/Paris')}</time>`));
    assert.doesNotMatch(list.body, /\d{2}:\d{2} UTC<\/time>/, 'no time left in UTC');

    // Alice (another user) still sees UTC; the API answers UTC whatever the preference.
    const aliceView = await alice.get(`${ACME}/administration/users`);
    assert.equal(aliceView.statusCode, 200);
    const tokens = await alice.get(`${ACME}/administration/tokens`);
    assert.match(tokens.body, /<time datetime="2030-12-31T22:59:59\.999Z">2030-12-31 22:59 UTC<\/time>/);
  });

  test("9999-12-31 behind UTC (its end is in the year 10000 there): the form's own message, never the API's ISO wording", async () => {
    assert.equal(latestExpiryDate('UTC'), '9999-12-31');
    assert.equal(latestExpiryDate('Pacific/Kiritimati'), '9999-12-31');
    assert.equal(latestExpiryDate('Pacific/Midway'), '9999-12-30');
    await choose(bob, 'Pacific/Midway'); // UTC-11
    const form = async (expiresOn: string, name: string) => {
      const page = await bob.get(`${ACME}/preferences/tokens/new`);
      return bob.post(`${ACME}/preferences/tokens`, { _csrf: csrfFrom(page.body), name, expiry: 'date', expiresOn });
    };
    const late = await form('9999-12-31', 'y10k-midway');
    assert.equal(late.statusCode, 400);
    // Until 2026-12-05: "The expiry date must be an ISO 8601 date-time with a zone, e.g. 2027-01-31T23:59:59Z".
    assert.doesNotMatch(late.body, /ISO 8601|T23:59:59Z/);
    assert.match(late.body, /The expiry date must be 9999-12-30 or earlier \(Pacific\/Midway\): a token ends before 10000-01-01 UTC\./);
    assert.match(late.body, /name="expiresOn"[^>]*value="9999-12-31"/, 'the date typed is kept');
    const ok = await form('9999-12-30', 'y10k-midway');
    assert.equal(ok.statusCode, 303, ok.body.slice(0, 300));
    assert.equal((await choose(bob, 'UTC')).statusCode, 303);
    const utc = await form('9999-12-31', 'y10k-utc');
    assert.equal(utc.statusCode, 303, 'in UTC the last day of 9999 still ends in 9999');
  });

  test('the audit filter reads its days in the zone', async () => {
    await choose(alice, 'Pacific/Kiritimati'); // UTC+14: a Kiritimati day starts at 10:00 UTC the day before
    const now = Date.now();
    const today = formatInstant(now, 'Pacific/Kiritimati').slice(0, 10);
    const page = await alice.get(`${ACME}/administration/audit?from=${today}&to=${today}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /From \(Pacific\/Kiritimati\)/);
    assert.match(page.body, /UTC\+14:00<\/time>/, 'the events of today there, shown in its time');
    const utcDay = new Date(now).toISOString().slice(0, 10);
    if (utcDay !== today) {
      // The same day name in UTC would be another window; here the zone's day already started.
      const other = await alice.get(`${ACME}/administration/audit?from=${utcDay}&to=${utcDay}`);
      assert.doesNotMatch(other.body, new RegExp(`${today} \\d{2}:\\d{2} UTC\\+14:00`));
    }
    // Back to UTC clears the stored choice.
    assert.equal((await choose(alice, 'UTC')).statusCode, 303);
    assert.equal(await zoneOf('alice'), null);
  });
});
