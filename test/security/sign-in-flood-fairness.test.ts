/**
 * A flood of wrong passwords from a dozen addresses does not refuse everyone else's sign-in. Until 2026-12-06 every
 * argon2 verification waited in one first-come line of 256: 12 addresses each sending 30 guesses at once filled
 * it, and another user's right password 300 ms later was refused with 503. The line is now one per client, served
 * in turn (domain/fair-slots.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';

let t: TesseraHandle;

before(async () => {
  t = await startTessera({ config: { signInRateLimit: 100_000 } });
});
after(() => t.stop());

const signIn = (ip: string, user: string, org: string, password: string) =>
  t.server.app.inject({
    method: 'POST',
    url: '/cloudapi/1.0.0/sessions',
    remoteAddress: ip,
    headers: {
      Authorization: `Basic ${Buffer.from(`${user}@${org}:${password}`).toString('base64')}`,
      Accept: 'application/json;version=37.0',
    },
  });

test('12 addresses x 30 simultaneous wrong sign-ins; another user signs in meanwhile', async () => {
  const flood: Array<Promise<{ statusCode: number }>> = [];
  for (let a = 1; a <= 12; a++) {
    for (let i = 0; i < 30; i++) flood.push(signIn(`198.51.100.${a}`, `nobody${a}x${i}`, 'acme', 'wrong-password'));
  }
  await new Promise((r) => setTimeout(r, 300));
  const hank = await signIn('203.0.113.50', 'hank', 'globex', t.demoPassword);
  assert.equal(hank.statusCode, 200, 'a right password from another address is served in its turn');
  const statuses = (await Promise.all(flood)).map((r) => r.statusCode);
  assert.equal(statuses.filter((s) => s >= 500).length, 0, 'nobody is refused for a full queue at this size');
  assert.equal(statuses.filter((s) => s === 401).length, 360);
});
