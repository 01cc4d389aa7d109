/**
 * The installation's ceiling on API-token lifetimes (`TESSERA_MAX_TOKEN_LIFETIME_DAYS`): every org's policy stays
 * within it. Until 2026-12-06 a provider could only set each org's policy, and the org's administrator could lift it
 * (PUT `null`): a provider had no way to hold its tenants to a lifetime.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { bearer, http, signIn } from '../../helpers/api.js';
import { PortalClient, csrfFrom } from '../../portal/portal-client.js';

const CEILING = 90;
const DAY = 86_400_000;
let t: TesseraHandle;
let alice: string;
let admin: string;
let acmeId: string;

const policyUrl = () => `${t.baseUrl}/cloudapi/1.0.0/orgs/urn:vcloud:org:${acmeId}/apiTokenPolicy`;
const put = (session: string, body: unknown) =>
  http(policyUrl(), { method: 'PUT', headers: { ...bearer(session), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const register = (session: string, body: Record<string, unknown>) =>
  http(`${t.baseUrl}/oauth/tenant/acme/register`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
const near = (iso: string, expected: number) => Math.abs(Date.parse(iso) - expected) < 60_000;

before(async () => {
  t = await startTessera({ config: { signInRateLimit: 1000, maxTokenLifetimeDays: CEILING } });
  alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  admin = await signIn(t.baseUrl, 'administrator', 'System', t.adminPassword);
  acmeId = (await t.store.getOrgByName('acme'))!.id;
});
after(() => t.stop());

test('an org without a policy of its own: new tokens get the ceiling, a later expiry is refused', async () => {
  assert.deepEqual((await http(policyUrl(), { headers: bearer(alice) })).json(), {
    maxLifetimeDays: null,
    installationMaxLifetimeDays: CEILING,
  });
  const capped = await register(alice, { client_name: 'ceiling-default' });
  assert.equal(capped.status, 200, capped.text);
  assert.ok(near(capped.json().expirationTimeUtc, Date.now() + CEILING * DAY), capped.json().expirationTimeUtc);
  const tooLong = await register(alice, {
    client_name: 'ceiling-too-long',
    expirationTimeUtc: new Date(Date.now() + (CEILING + 10) * DAY).toISOString(),
  });
  assert.equal(tooLong.status, 400, tooLong.text);
  assert.match(tooLong.text, /at most 90 days/);
});

test('no org administrator, nor the System administrator, sets a longer limit or none; a shorter one applies', async () => {
  for (const session of [alice, admin]) {
    for (const days of [null, CEILING + 1, 3650]) {
      const refused = await put(session, { maxLifetimeDays: days });
      assert.equal(refused.status, 400, `${days}: ${refused.text}`);
      assert.match(refused.json().message, /This installation allows API tokens at most 90 days/);
    }
  }
  const set = await put(alice, { maxLifetimeDays: 30 });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.json(), { maxLifetimeDays: 30, installationMaxLifetimeDays: CEILING });
  const capped = await register(alice, { client_name: 'org-shorter' });
  assert.ok(near(capped.json().expirationTimeUtc, Date.now() + 30 * DAY), capped.json().expirationTimeUtc);
  assert.equal((await put(alice, { maxLifetimeDays: CEILING })).status, 200, 'the ceiling itself is allowed');
});

test('portal: the policy page says the ceiling and refuses an empty limit in words', async () => {
  const portal = new PortalClient(t.server.app);
  await portal.signIn('/tenant/acme', 'alice', t.demoPassword);
  const page = await portal.get('/tenant/acme/administration/tokenPolicy');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /This installation allows API tokens at most 90 days/);
  assert.match(page.body, /max="90"/);
  const empty = await portal.post('/tenant/acme/administration/tokenPolicy', { _csrf: csrfFrom(page.body), maxLifetimeDays: '' });
  assert.equal(empty.statusCode, 400);
  assert.match(empty.body, /from 1 to 90: this installation allows no more/);
});
