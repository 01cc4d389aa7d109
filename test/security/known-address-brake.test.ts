/**
 * The per-account brake on failed sign-ins refuses strangers, not the owner at an address they signed in from
 * lately (auth/known-addresses.ts). Until 2026-12-06 anyone who knew a name, `administrator@System` above all, could
 * keep its owner out of password sign-in for as long as they renewed ten wrong passwords every ten minutes, and
 * `tessera admin reset-password` did not end it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { isKnownAddress, withKnownAddress, KNOWN_FOR_MS } from '../../src/auth/known-addresses.js';

const PER_ACCOUNT = 3;
let t: TesseraHandle;

before(async () => {
  t = await startTessera({ config: { signInRateLimit: 100_000, signInFailuresPerAccount: PER_ACCOUNT, signInFailuresPerAddress: 1_000 } });
});
after(() => t.stop());

/** A sign-in of administrator@System from `ip` (the socket's address, as the server sees it). */
async function signInFrom(ip: string, password: string, path = '/cloudapi/1.0.0/sessions/provider') {
  const reply = await t.server.app.inject({
    method: 'POST',
    url: path,
    remoteAddress: ip,
    headers: {
      Authorization: `Basic ${Buffer.from(`administrator@System:${password}`).toString('base64')}`,
      Accept: 'application/json;version=37.0',
    },
  });
  return reply.statusCode;
}

test('strangers spend the administrator\u2019s budget; the administrator still signs in from a known address', async () => {
  const home = '192.0.2.10';
  assert.equal(await signInFrom(home, t.adminPassword), 200, 'a first sign-in makes the address known');
  for (let i = 0; i < PER_ACCOUNT; i++) assert.equal(await signInFrom(`198.51.100.${i + 1}`, 'wrong-password'), 401);
  // The budget is spent: every other address is refused, the right password included (as before).
  assert.equal(await signInFrom('203.0.113.7', t.adminPassword), 429, 'a stranger with the right password: refused');
  assert.equal(await signInFrom('198.51.100.1', 'another-guess'), 429, 'the attackers: refused');
  // The owner at a known address: let through (until 2026-12-06: 429 for the whole window, renewable).
  assert.equal(await signInFrom(home, t.adminPassword), 200);
  assert.equal(await signInFrom(home, t.adminPassword, '/api/sessions'), 200, 'the legacy API too');
  // The owner's success did not hand the strangers a new budget.
  assert.equal(await signInFrom('198.51.100.9', 'yet-another-guess'), 429);
  // A wrong password from the known address still counts: it is no way around the brake for guesses.
  assert.equal(await signInFrom(home, 'wrong-from-home'), 401);
  const row = await t.store.db
    .selectFrom('users')
    .select('sign_in_addresses')
    .where('name', '=', 'administrator')
    .executeTakeFirstOrThrow();
  assert.ok(isKnownAddress(row.sign_in_addresses, home));
  assert.equal(isKnownAddress(row.sign_in_addresses, '203.0.113.7'), false, 'a refused address is not remembered');
});

test('known addresses: blocks (an IPv6 /64), newest first, at most eight, forgotten after 30 days, re-dated daily', () => {
  const now = Date.UTC(2026, 11, 6);
  let stored = withKnownAddress('[]', '2001:db8:1:2::5', now)!;
  assert.ok(isKnownAddress(stored, '2001:db8:1:2:ffff::1', now), 'the same /64');
  assert.equal(isKnownAddress(stored, '2001:db8:1:3::5', now), false);
  assert.equal(withKnownAddress(stored, '2001:db8:1:2::9', now + 3_600_000), null, 'no write within the day');
  assert.ok(withKnownAddress(stored, '2001:db8:1:2::9', now + 90_000_000), 're-dated after a day');
  for (let i = 1; i <= 9; i++) stored = withKnownAddress(stored, `10.0.0.${i}`, now + i)!;
  assert.equal(JSON.parse(stored).length, 8);
  assert.equal(isKnownAddress(stored, '2001:db8:1:2::5', now + 10), false, 'the oldest of nine went');
  assert.ok(isKnownAddress(stored, '10.0.0.9', now + KNOWN_FOR_MS - 1));
  assert.equal(isKnownAddress(stored, '10.0.0.9', now + KNOWN_FOR_MS + 10), false, 'not after 30 days');
  assert.equal(isKnownAddress('not json', '10.0.0.9', now), false, 'a damaged value knows nothing');
});
