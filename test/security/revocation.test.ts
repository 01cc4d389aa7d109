/**
 * Revocation cascades at once (issue 3 item 7; vcd-wire §12; ASVS 7.4.1-7.4.3): after DELETE of an API token the
 * refresh grant fails and every access token made from it gets 401 on its very next request, with no sleep, also
 * while requests are in flight; disabling or deleting a user revokes their tokens and sessions; a password
 * change ends the user's other sessions and revokes the tokens when asked.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { accessTokenFrom, bearer, createApiToken, exchange, http, signIn } from '../helpers/api.js';
import { XML_37, createUser, raw } from './support.js';

let t: TesseraHandle;
let base: string;
let alice: string;

before(async () => {
  t = await startTessera({ config: { signInRateLimit: 1000, tokenRateLimitPerIp: 1_000_000, tokenRateLimitPerToken: 1_000_000 } });
  base = t.baseUrl;
  alice = await signIn(base, 'alice', 'acme', t.demoPassword);
});
after(async () => {
  await t?.stop();
});

const current = (token: string) => http(`${base}/cloudapi/1.0.0/sessions/current`, { headers: bearer(token) });
const legacySession = (token: string) => raw(`${base}/api/session`, { headers: { Authorization: `Bearer ${token}`, Accept: XML_37 } });
const put = (session: string, path: string, body: unknown) =>
  http(`${base}${path}`, {
    method: 'PUT',
    headers: { ...bearer(session), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

/** A fresh acme user with a password session, an API token and two access tokens made from it. */
async function userWithToken(role = 'vApp Author') {
  const user = await createUser(base, alice, { role });
  const session = await signIn(base, user.name, 'acme', user.password);
  const token = await createApiToken(base, session, 'acme', 'script');
  const access1 = await accessTokenFrom(base, 'acme', token.apiToken);
  const access2 = await accessTokenFrom(base, 'acme', token.apiToken);
  for (const a of [session, access1, access2]) assert.equal((await current(a)).status, 200);
  return { ...user, session, token, access: [access1, access2] };
}

describe('DELETE of an API token', () => {
  test('the refresh fails and every access token made before gets 401 on its very next request (no sleep)', async () => {
    const u = await userWithToken();
    // Warm every cache on the path first: the verified-claims cache, the minted-token cache, the identity cache.
    for (let i = 0; i < 3; i++) {
      for (const a of u.access) assert.equal((await current(a)).status, 200);
      assert.equal((await exchange(base, 'acme', u.token.apiToken)).status, 200);
    }
    const del = await http(`${base}/cloudapi/1.0.0/tokens/${u.token.tokenId}`, { method: 'DELETE', headers: bearer(u.session) });
    assert.equal(del.status, 204);
    assert.equal((await exchange(base, 'acme', u.token.apiToken)).status, 400);
    for (const a of u.access) {
      assert.equal((await current(a)).status, 401, 'cloudapi');
      assert.equal((await legacySession(a)).status, 401, '/api');
    }
    assert.equal((await current(u.session)).status, 200, 'the password session is not made from the token');
  });

  test('under concurrent use: once the DELETE has returned, every later request fails', async () => {
    const u = await userWithToken();
    const results: Array<{ startedAt: number; status: number; kind: 'use' | 'exchange' }> = [];
    let stop = false;
    let revokedAt = Infinity;
    const user = async (token: string) => {
      while (!stop) {
        const startedAt = performance.now();
        const res = await current(token);
        results.push({ startedAt, status: res.status, kind: 'use' });
      }
    };
    const exchanger = async () => {
      while (!stop) {
        const startedAt = performance.now();
        const res = await exchange(base, 'acme', u.token.apiToken);
        results.push({ startedAt, status: res.status, kind: 'exchange' });
      }
    };
    const workers = [user(u.access[0]!), user(u.access[1]!), user(u.access[0]!), exchanger()];
    // Wait for real traffic rather than a fixed time, so a loaded CI machine does not starve the windows.
    const waitFor = async (enough: () => boolean) => {
      const deadline = performance.now() + 10_000;
      while (!enough() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    };
    await waitFor(() => results.filter((r) => r.status === 200).length > 10);
    const del = await http(`${base}/cloudapi/1.0.0/tokens/${u.token.tokenId}`, { method: 'DELETE', headers: bearer(u.session) });
    revokedAt = performance.now();
    assert.equal(del.status, 204);
    await waitFor(() => results.filter((r) => r.startedAt > revokedAt && r.kind === 'use').length > 5);
    stop = true;
    await Promise.all(workers);
    const before = results.filter((r) => r.startedAt < revokedAt);
    const later = results.filter((r) => r.startedAt > revokedAt);
    assert.ok(before.filter((r) => r.status === 200).length > 10, `requests succeeded before the revocation (${before.length})`);
    assert.ok(later.filter((r) => r.kind === 'use').length > 5, `requests were made after the revocation (${later.length})`);
    const leaked = later.filter((r) => (r.kind === 'use' ? r.status !== 401 : r.status !== 400));
    assert.deepEqual(leaked, [], `${leaked.length} of ${later.length} requests started after the DELETE returned were not refused`);
  });

  test('an access token exchanged concurrently with the revocation is useless afterwards', async () => {
    const u = await userWithToken();
    const racing = Array.from({ length: 6 }, () => exchange(base, 'acme', u.token.apiToken));
    const del = await http(`${base}/cloudapi/1.0.0/tokens/${u.token.tokenId}`, { method: 'DELETE', headers: bearer(u.session) });
    assert.equal(del.status, 204);
    for (const res of await Promise.all(racing)) {
      if (res.status !== 200) continue;
      assert.equal((await current(res.json().access_token)).status, 401, 'a token minted around the revocation is refused too');
    }
  });

  test('signing out of a token session ends that session only; the API token keeps working', async () => {
    const u = await userWithToken();
    assert.equal((await http(`${base}/cloudapi/1.0.0/sessions/current`, { method: 'DELETE', headers: bearer(u.access[0]!) })).status, 204);
    assert.equal((await current(u.access[0]!)).status, 401);
    assert.equal((await current(u.access[1]!)).status, 200);
    assert.equal((await exchange(base, 'acme', u.token.apiToken)).status, 200);
  });
});

describe('user lifecycle', () => {
  test('disabling a user revokes their tokens and ends their sessions; re-enabling brings neither back', async () => {
    const u = await userWithToken();
    assert.equal((await put(alice, `/cloudapi/1.0.0/users/${u.id}`, { enabled: false })).status, 200);
    assert.equal((await current(u.session)).status, 401, 'password session');
    for (const a of u.access) assert.equal((await current(a)).status, 401, 'token session');
    assert.equal((await exchange(base, 'acme', u.token.apiToken)).status, 400);
    assert.equal(
      (
        await http(`${base}/cloudapi/1.0.0/sessions`, {
          method: 'POST',
          headers: { Authorization: 'Basic ' + Buffer.from(`${u.name}@acme:${u.password}`).toString('base64') },
        })
      ).status,
      401,
    );
    assert.equal((await put(alice, `/cloudapi/1.0.0/users/${u.id}`, { enabled: true })).status, 200);
    assert.equal((await exchange(base, 'acme', u.token.apiToken)).status, 400, 'the token stays revoked');
    assert.equal((await current(u.session)).status, 401, 'old sessions stay ended');
    for (const a of u.access) assert.equal((await current(a)).status, 401);
    const fresh = await signIn(base, u.name, 'acme', u.password);
    assert.equal((await current(fresh)).status, 200, 'a new sign-in works again');
    const tokens = (await http(`${base}/cloudapi/1.0.0/tokens`, { headers: bearer(fresh) })).json();
    assert.equal(tokens.resultTotal, 0, 'the revoked token is gone from the list');
  });

  test('deleting a user revokes their tokens and ends their sessions', async () => {
    const u = await userWithToken();
    assert.equal((await http(`${base}/cloudapi/1.0.0/users/${u.id}`, { method: 'DELETE', headers: bearer(alice) })).status, 204);
    assert.equal((await current(u.session)).status, 401);
    for (const a of u.access) assert.equal((await current(a)).status, 401);
    assert.equal((await exchange(base, 'acme', u.token.apiToken)).status, 400);
    assert.equal((await http(`${base}/cloudapi/1.0.0/tokens/${u.token.tokenId}`, { headers: bearer(alice) })).status, 403);
    assert.equal((await http(`${base}/cloudapi/1.0.0/users/${u.id}`, { headers: bearer(alice) })).status, 403);
    // A new user with the same name does not inherit anything.
    const again = await createUser(base, alice, { name: u.name, password: u.password });
    const s = await signIn(base, again.name, 'acme', again.password);
    assert.equal((await http(`${base}/cloudapi/1.0.0/tokens`, { headers: bearer(s) })).json().resultTotal, 0);
    assert.equal((await current(u.session)).status, 401);
  });

  test('a password change with revokeApiTokens=true revokes the tokens and ends the other sessions', async () => {
    const u = await userWithToken();
    const other = await signIn(base, u.name, 'acme', u.password);
    const res = await put(u.session, `/cloudapi/1.0.0/users/${u.id}`, {
      password: 'brand-New-Password-1',
      currentPassword: u.password,
      revokeApiTokens: true,
    });
    assert.equal(res.status, 200, res.text);
    assert.equal((await exchange(base, 'acme', u.token.apiToken)).status, 400);
    for (const a of u.access) assert.equal((await current(a)).status, 401);
    assert.equal((await current(other)).status, 401, 'another password session ends');
    assert.equal((await current(u.session)).status, 200, 'the session that changed the password keeps working');
    assert.ok((await signIn(base, u.name, 'acme', 'brand-New-Password-1')).length > 32);
  });

  test('a password change without it keeps the tokens working but ends the other sessions', async () => {
    const u = await userWithToken();
    const other = await signIn(base, u.name, 'acme', u.password);
    const res = await put(u.session, `/cloudapi/1.0.0/users/${u.id}`, { password: 'another-New-Password-1', currentPassword: u.password });
    assert.equal(res.status, 200, res.text);
    assert.equal((await current(other)).status, 401, 'another password session ends');
    assert.equal((await current(u.session)).status, 200, 'the session that changed the password keeps working');
    const fresh = await accessTokenFrom(base, 'acme', u.token.apiToken);
    assert.equal((await current(fresh)).status, 200, 'the API token keeps working');
    assert.equal(
      (
        await http(`${base}/cloudapi/1.0.0/tokens/${u.token.tokenId}`, {
          headers: bearer(await signIn(base, u.name, 'acme', 'another-New-Password-1')),
        })
      ).status,
      200,
    );
  });

  test('changing one\u2019s own password needs the current one; without it or with a wrong one nothing changes', async () => {
    const u = await userWithToken();
    const missing = await put(u.session, `/cloudapi/1.0.0/users/${u.id}`, { password: 'never-Applied-1' });
    assert.equal(missing.status, 400);
    assert.match(missing.json().message, /currentPassword is required/);
    const wrong = await put(u.session, `/cloudapi/1.0.0/users/${u.id}`, {
      password: 'never-Applied-1',
      currentPassword: 'not-the-password',
    });
    assert.equal(wrong.status, 400);
    assert.match(wrong.json().message, /current password is wrong/);
    // Nothing changed: the old password still signs in, the session and the token still work.
    assert.ok((await signIn(base, u.name, 'acme', u.password)).length > 32);
    assert.equal((await current(u.session)).status, 200);
    assert.equal((await exchange(base, 'acme', u.token.apiToken)).status, 200);
  });

  test('an administrator resetting a user\u2019s password can revoke their tokens (?revokeApiTokens=true)', async () => {
    const u = await userWithToken();
    const res = await put(alice, `/cloudapi/1.0.0/users/${u.id}?revokeApiTokens=true`, { password: 'reset-By-Admin-1' });
    assert.equal(res.status, 200, res.text);
    assert.equal((await exchange(base, 'acme', u.token.apiToken)).status, 400);
    assert.equal((await current(u.session)).status, 401);
    assert.equal((await current(alice)).status, 200, 'the administrator\u2019s own session is untouched');
  });
});
