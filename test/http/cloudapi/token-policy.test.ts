/**
 * An org's API-token lifetime policy (`/cloudapi/1.0.0/orgs/{id}/apiTokenPolicy`): who may set it, what values
 * it takes, and what it does to new tokens (issue 3 item 1: "an org policy can set a maximum lifetime").
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { accessTokenFrom, bearer, createApiToken, http, signIn } from '../../helpers/api.js';
import { PortalClient, csrfFrom } from '../../portal/portal-client.js';

let t: TesseraHandle;
let alice: string;
let bob: string;
let hank: string;
let admin: string;
let acmeId: string;

const policyUrlOf = (on: TesseraHandle, orgId: string) => `${on.baseUrl}/cloudapi/1.0.0/orgs/urn:vcloud:org:${orgId}/apiTokenPolicy`;
const putOn = (on: TesseraHandle, orgId: string, session: string, body: unknown) =>
  http(policyUrlOf(on, orgId), {
    method: 'PUT',
    headers: { ...bearer(session), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
const registerOn = (on: TesseraHandle, session: string, body: Record<string, unknown>) =>
  http(`${on.baseUrl}/oauth/tenant/acme/register`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
const policyUrl = () => policyUrlOf(t, acmeId);
const put = (session: string, body: unknown) => putOn(t, acmeId, session, body);
const register = (session: string, body: Record<string, unknown>) => registerOn(t, session, body);

before(async () => {
  t = await startTessera({ config: { signInRateLimit: 1000 } });
  [alice, bob, hank, admin] = await Promise.all([
    signIn(t.baseUrl, 'alice', 'acme', t.demoPassword),
    signIn(t.baseUrl, 'bob', 'acme', t.demoPassword),
    signIn(t.baseUrl, 'hank', 'globex', t.demoPassword),
    signIn(t.baseUrl, 'administrator', 'System', t.adminPassword),
  ]);
  acmeId = (await t.store.getOrgByName('acme'))!.id;
});
after(() => t.stop());

test('no limit by default, as in VCD: a token without an expiry never expires', async () => {
  const res = await http(policyUrl(), { headers: bearer(alice) });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json(), {
    maxLifetimeDays: null,
    installationMaxLifetimeDays: null,
    maxIdleDays: null,
    installationMaxIdleDays: null,
  });
  const reg = await register(alice, { client_name: 'forever' });
  assert.equal(reg.json().expirationTimeUtc, null);
});

test('with a limit, new tokens get it by default and a later expiry is refused', async () => {
  const set = await put(alice, { maxLifetimeDays: 30 });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.json(), {
    maxLifetimeDays: 30,
    installationMaxLifetimeDays: null,
    maxIdleDays: null,
    installationMaxIdleDays: null,
  });

  const capped = await register(alice, { client_name: 'capped' });
  assert.equal(capped.status, 200);
  const expiresAt = Date.parse(capped.json().expirationTimeUtc);
  assert.ok(
    Math.abs(expiresAt - (Date.now() + 30 * 86_400_000)) < 60_000,
    `expiry at the 30-day cap, got ${capped.json().expirationTimeUtc}`,
  );

  const tooLong = await register(alice, {
    client_name: 'too-long',
    expirationTimeUtc: new Date(Date.now() + 31 * 86_400_000).toISOString(),
  });
  assert.equal(tooLong.status, 400);
  assert.equal(tooLong.json().minorErrorCode, 'invalid_request');
  assert.match(tooLong.json().message, /at most 30 days/);

  // A client whose clock runs a little ahead asks for "now + 30 days" a moment past the cap (the CLI's
  // `--expires 30d`): the cap, not a refusal (until 2026-12-06 a refusal from 0.3 s ahead on). Ten minutes past is
  // no clock's fault.
  const ahead = await register(alice, {
    client_name: 'clock-ahead',
    expirationTimeUtc: new Date(Date.now() + 30 * 86_400_000 + 60_000).toISOString(),
  });
  assert.equal(ahead.status, 200, ahead.text);
  assert.ok(Date.parse(ahead.json().expirationTimeUtc) <= Date.now() + 30 * 86_400_000, 'the expiry is the cap');
  const farAhead = await register(alice, {
    client_name: 'far-ahead',
    expirationTimeUtc: new Date(Date.now() + 30 * 86_400_000 + 10 * 60_000).toISOString(),
  });
  assert.equal(farAhead.status, 400, farAhead.text);

  const shorter = await createApiToken(t.baseUrl, alice, 'acme', 'shorter', {
    expirationTimeUtc: new Date(Date.now() + 86_400_000).toISOString(),
  });
  assert.ok((await accessTokenFrom(t.baseUrl, 'acme', shorter.apiToken)).length > 32, 'a token inside the limit works');

  assert.equal((await put(alice, { maxLifetimeDays: null })).status, 200, 'the limit can be lifted');
  assert.equal((await register(alice, { client_name: 'free-again' })).json().expirationTimeUtc, null);
});

test('only a password session with "Organization: Edit Properties" in reach of the org may change it', async () => {
  assert.equal((await put(bob, { maxLifetimeDays: 7 })).status, 403, 'a vApp Author');
  assert.equal((await put(hank, { maxLifetimeDays: 7 })).status, 403, 'another org\u2019s administrator');
  assert.equal((await http(policyUrl(), { headers: bearer(hank) })).status, 403, 'another org cannot even read it');
  const token = await createApiToken(t.baseUrl, alice, 'acme', 'policy-probe');
  const tokenSession = await accessTokenFrom(t.baseUrl, 'acme', token.apiToken);
  assert.equal((await put(tokenSession, { maxLifetimeDays: 7 })).status, 403, 'a session made from an API token');
  assert.deepEqual(
    (await http(policyUrl(), { headers: bearer(alice) })).json(),
    { maxLifetimeDays: null, installationMaxLifetimeDays: null, maxIdleDays: null, installationMaxIdleDays: null },
    'nothing changed',
  );
  const byProvider = await put(admin, { maxLifetimeDays: 365 });
  assert.equal(byProvider.status, 200, 'the System administrator sets it for any org');
  assert.equal((await put(admin, { maxLifetimeDays: null })).status, 200);
});

test('bad values are a 400 that names the rule, and change nothing', async () => {
  for (const body of [
    {},
    { maxLifetimeDays: 0 },
    { maxLifetimeDays: -1 },
    { maxLifetimeDays: 1.5 },
    { maxLifetimeDays: '30' },
    { maxLifetimeDays: 3651 },
  ]) {
    const res = await put(alice, body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.json().minorErrorCode, 'BAD_REQUEST');
  }
  assert.deepEqual((await http(policyUrl(), { headers: bearer(alice) })).json(), {
    maxLifetimeDays: null,
    installationMaxLifetimeDays: null,
    maxIdleDays: null,
    installationMaxIdleDays: null,
  });
  assert.equal(
    (
      await http(`${t.baseUrl}/cloudapi/1.0.0/orgs/urn:vcloud:org:00000000-0000-0000-0000-000000000000/apiTokenPolicy`, {
        headers: bearer(admin),
      })
    ).status,
    403,
  );
});

/**
 * The installation's ceiling on API-token lifetimes (`TESSERA_MAX_TOKEN_LIFETIME_DAYS`): every org's policy stays
 * within it. Until 2026-12-06 a provider could only set each org's policy, and the org's administrator could lift it
 * (PUT `null`): a provider had no way to hold its tenants to a lifetime.
 */
describe('with an installation ceiling of 90 days', () => {
  const CEILING = 90;
  const DAY = 86_400_000;
  let tc: TesseraHandle;
  let aliceC: string;
  let adminC: string;
  let acmeC: string;
  const near = (iso: string, expected: number) => Math.abs(Date.parse(iso) - expected) < 60_000;

  before(async () => {
    tc = await startTessera({ config: { signInRateLimit: 1000, maxTokenLifetimeDays: CEILING } });
    aliceC = await signIn(tc.baseUrl, 'alice', 'acme', tc.demoPassword);
    adminC = await signIn(tc.baseUrl, 'administrator', 'System', tc.adminPassword);
    acmeC = (await tc.store.getOrgByName('acme'))!.id;
  });
  after(() => tc.stop());

  test('an org without a policy of its own: new tokens get the ceiling, a later expiry is refused', async () => {
    assert.deepEqual((await http(policyUrlOf(tc, acmeC), { headers: bearer(aliceC) })).json(), {
      maxLifetimeDays: null,
      installationMaxLifetimeDays: CEILING,
      maxIdleDays: null,
      installationMaxIdleDays: null,
    });
    const capped = await registerOn(tc, aliceC, { client_name: 'ceiling-default' });
    assert.equal(capped.status, 200, capped.text);
    assert.ok(near(capped.json().expirationTimeUtc, Date.now() + CEILING * DAY), capped.json().expirationTimeUtc);
    const tooLong = await registerOn(tc, aliceC, {
      client_name: 'ceiling-too-long',
      expirationTimeUtc: new Date(Date.now() + (CEILING + 10) * DAY).toISOString(),
    });
    assert.equal(tooLong.status, 400, tooLong.text);
    assert.match(tooLong.text, /at most 90 days/);
  });

  test('no org administrator, nor the System administrator, sets a longer limit or none; a shorter one applies', async () => {
    for (const session of [aliceC, adminC]) {
      for (const days of [null, CEILING + 1, 3650]) {
        const refused = await putOn(tc, acmeC, session, { maxLifetimeDays: days });
        assert.equal(refused.status, 400, `${days}: ${refused.text}`);
        assert.match(refused.json().message, /This installation allows API tokens at most 90 days/);
      }
    }
    const set = await putOn(tc, acmeC, aliceC, { maxLifetimeDays: 30 });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.json(), {
      maxLifetimeDays: 30,
      installationMaxLifetimeDays: CEILING,
      maxIdleDays: null,
      installationMaxIdleDays: null,
    });
    const capped = await registerOn(tc, aliceC, { client_name: 'org-shorter' });
    assert.ok(near(capped.json().expirationTimeUtc, Date.now() + 30 * DAY), capped.json().expirationTimeUtc);
    assert.equal((await putOn(tc, acmeC, aliceC, { maxLifetimeDays: CEILING })).status, 200, 'the ceiling itself is allowed');
  });

  test('portal: the policy page says the ceiling and refuses an empty limit in words', async () => {
    const portal = new PortalClient(tc.server.app);
    await portal.signIn('/tenant/acme', 'alice', tc.demoPassword);
    const page = await portal.get('/tenant/acme/administration/tokenPolicy');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /This installation allows API tokens at most 90 days/);
    assert.match(page.body, /max="90"/);
    const empty = await portal.post('/tenant/acme/administration/tokenPolicy', { _csrf: csrfFrom(page.body), maxLifetimeDays: '' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /from 1 to 90: this installation allows no more/);
  });
});
