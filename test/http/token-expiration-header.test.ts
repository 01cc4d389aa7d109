/**
 * `Tessera-Authentication-Token-Expiration` (GitHub's `GitHub-Authentication-Token-Expiration`, in its format): the
 * exchange of an expiring API token, and every answer to a request made with a session from it, in every area (/api,
 * /cloudapi, /oauth), say when the token ends; a regeneration's grace brings that forward. Nothing for a token that
 * never expires or a password session. Runs on the backend of TESSERA_TEST_BACKEND.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, createApiToken, exchange, http, signIn } from '../helpers/api.js';
import { TOKEN_EXPIRATION_HEADER, tokenExpirationValue } from '../../src/http/token-expiration.js';

let t: TesseraHandle;
let alice: string;
const HEADER = TOKEN_EXPIRATION_HEADER.toLowerCase();
const GITHUB_FORMAT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/;

before(async () => {
  t = await startTessera({ config: { signInRateLimit: 1000 } });
  alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
});
after(async () => t?.stop());

/** One request in each area, with this bearer. */
async function everyArea(session: string) {
  const base = t.baseUrl;
  return {
    api: await http(`${base}/api/org`, { headers: bearer(session, 'application/*+xml;version=36.1') }),
    cloudapi: await http(`${base}/cloudapi/1.0.0/tokens`, { headers: bearer(session) }),
    oauth: await http(`${base}/oauth/tenant/acme/introspect`, {
      method: 'POST',
      headers: { ...bearer(session, 'application/json'), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(session)}`,
    }),
  };
}

test('the header has GitHub\u2019s format, in whole seconds UTC', () => {
  assert.equal(tokenExpirationValue(Date.UTC(2026, 11, 31, 12, 0, 0, 999)), '2026-12-31 12:00:00 UTC');
});

test('an expiring token: its exchange and every answer to its session say when it ends', async () => {
  const ends = new Date(Date.now() + 20 * 86_400_000);
  const made = await createApiToken(t.baseUrl, alice, 'acme', 'expiring', { expirationTimeUtc: ends.toISOString() });
  const expected = tokenExpirationValue(ends.getTime());
  const exchanged = await exchange(t.baseUrl, 'acme', made.apiToken);
  assert.equal(exchanged.status, 200, exchanged.text);
  assert.equal(exchanged.headers.get(HEADER), expected, 'the exchange answer');
  assert.match(expected, GITHUB_FORMAT);
  const session = exchanged.json().access_token as string;
  for (const [area, res] of Object.entries(await everyArea(session))) {
    assert.equal(res.status, 200, `${area}: ${res.text}`);
    assert.equal(res.headers.get(HEADER), expected, area);
  }
  // An error answer to that session too (a missing token is 403).
  const refused = await http(`${t.baseUrl}/cloudapi/1.0.0/tokens/urn:vcloud:token:00000000-0000-4000-8000-000000000000`, {
    headers: bearer(session),
  });
  assert.equal(refused.status, 403);
  assert.equal(refused.headers.get(HEADER), expected);
});

test('a token that never expires, and a password session: no header', async () => {
  const made = await createApiToken(t.baseUrl, alice, 'acme', 'forever');
  const exchanged = await exchange(t.baseUrl, 'acme', made.apiToken);
  assert.equal(exchanged.headers.get(HEADER), null);
  for (const session of [exchanged.json().access_token as string, alice]) {
    for (const [area, res] of Object.entries(await everyArea(session))) {
      assert.equal(res.status, 200, `${area}: ${res.text}`);
      assert.equal(res.headers.get(HEADER), null, area);
    }
  }
});

test('regenerated with a grace: the old token\u2019s sessions say the grace\u2019s end, also for a token that never expired', async () => {
  const made = await createApiToken(t.baseUrl, alice, 'acme', 'graced');
  const session = (await exchange(t.baseUrl, 'acme', made.apiToken)).json().access_token as string;
  const res = await http(`${t.baseUrl}/cloudapi/x-tessera/tokens/${made.tokenId}/regenerate`, {
    method: 'POST',
    headers: { ...bearer(alice), 'Content-Type': 'application/json' },
    body: JSON.stringify({ graceSeconds: 3600 }),
  });
  assert.equal(res.status, 200, res.text);
  const stops = tokenExpirationValue(Date.parse(res.json().replacedTokenStopsAtUtc));
  const listed = await http(`${t.baseUrl}/cloudapi/1.0.0/tokens`, { headers: bearer(session) });
  assert.equal(listed.status, 200, listed.text);
  assert.equal(listed.headers.get(HEADER), stops);
});
