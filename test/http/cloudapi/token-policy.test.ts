/**
 * An org's API-token lifetime policy (`/cloudapi/1.0.0/orgs/{id}/apiTokenPolicy`): who may set it, what values
 * it takes, and what it does to new tokens (issue 3 item 1: "an org policy can set a maximum lifetime").
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { accessTokenFrom, bearer, createApiToken, http, signIn } from '../../helpers/api.js';

let t: TesseraHandle;
let alice: string;
let bob: string;
let hank: string;
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
  assert.deepEqual(res.json(), { maxLifetimeDays: null, installationMaxLifetimeDays: null });
  const reg = await register(alice, { client_name: 'forever' });
  assert.equal(reg.json().expirationTimeUtc, null);
});

test('with a limit, new tokens get it by default and a later expiry is refused', async () => {
  const set = await put(alice, { maxLifetimeDays: 30 });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.json(), { maxLifetimeDays: 30, installationMaxLifetimeDays: null });

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
    { maxLifetimeDays: null, installationMaxLifetimeDays: null },
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
