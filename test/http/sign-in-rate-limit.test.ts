/**
 * The per-minute sign-in limit (per address and user@org) brakes guessing, not use: sign-ins that succeed are
 * forgiven their hit. Terraform's provider signs in at every plan and two or three times per apply, and govcd
 * reads a 429 at sign-in as "no token", which surfaces as "[ENF] entity not found" for the org.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { basic, http } from '../helpers/api.js';
import { signInReply } from '../security/support.js';

const LIMIT = 5;
let t: TesseraHandle;

before(async () => {
  // The failure budgets are raised so that only the per-minute limit can refuse here.
  t = await startTessera({ config: { signInRateLimit: LIMIT, signInFailuresPerAccount: 1000, signInFailuresPerAddress: 1000 } });
});
after(async () => t?.stop());

const legacySignIn = (password: string) =>
  http(`${t.baseUrl}/api/sessions`, {
    method: 'POST',
    headers: { Authorization: basic('alice', 'acme', password), Accept: 'application/*+xml;version=36.1' },
  });

test(`more than ${LIMIT} good sign-ins a minute all succeed, on the cloudapi and on /api/sessions`, async () => {
  for (let i = 0; i < LIMIT * 3; i++) {
    assert.equal((await signInReply(t.baseUrl, 'alice', 'acme', t.demoPassword)).status, 200, `cloudapi sign-in ${i + 1}`);
    assert.equal((await legacySignIn(t.demoPassword)).status, 200, `/api/sessions sign-in ${i + 1}`);
  }
});

test(`failed sign-ins are still limited to ${LIMIT} a minute, and then the right password waits too`, async () => {
  const statuses: number[] = [];
  for (let i = 0; i < LIMIT + 1; i++) statuses.push((await signInReply(t.baseUrl, 'bob', 'acme', 'not-the-password')).status);
  assert.deepEqual(statuses, [...Array<number>(LIMIT).fill(401), 429]);
  const refused = await signInReply(t.baseUrl, 'bob', 'acme', t.demoPassword);
  assert.equal(refused.status, 429);
  assert.ok(Number(refused.headers.get('retry-after')) > 0);
});
