/**
 * A code typed at an open session to prove it is the user (turning two-factor off, making new recovery codes) is
 * under the sign-in's lockout: wrong codes count, and once locked even the right code is refused (429) until the
 * lockout ends; the lockout is the same one sign-in meets. Until 2026-12-06 these forms counted nothing, so a
 * stolen session could guess codes with no lockout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, DEMO_PASSWORD } from '../helpers/tessera.js';
import { basic, bearer, http, signIn } from '../helpers/api.js';
import { totpCode } from '../../src/auth/totp.js';

test('wrong codes to disable two-factor or to make recovery codes lock the second factor, as at sign-in', async (t) => {
  const node = await startTessera({ config: { signInRateLimit: 100_000, totpMaxAttempts: 3 } });
  t.after(() => node.stop());
  const base = node.baseUrl;
  const bob = await signIn(base, 'bob', 'acme', DEMO_PASSWORD);
  const start = await http(`${base}/cloudapi/1.0.0/users/current/totp`, { method: 'POST', headers: bearer(bob) });
  const secret = start.json().secret as string;
  const confirmed = await http(`${base}/cloudapi/1.0.0/users/current/totp/confirm`, {
    method: 'POST',
    headers: { ...bearer(bob), 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: totpCode(secret) }),
  });
  assert.equal(confirmed.status, 200, confirmed.text);

  const right = totpCode(secret, Date.now() + 30_000);
  const wrong = right === '000000' ? '111111' : '000000';
  const disable = (code: string) =>
    http(`${base}/cloudapi/1.0.0/users/current/totp`, {
      method: 'DELETE',
      headers: { ...bearer(bob), 'Content-Type': 'application/json' },
      body: JSON.stringify({ password: DEMO_PASSWORD, code }),
    });
  for (let i = 0; i < 3; i++) assert.equal((await disable(wrong)).status, 400, `wrong code ${i + 1}`);
  const locked = await disable(right);
  assert.equal(locked.status, 429, locked.text);
  assert.ok(Number(locked.headers.get('retry-after')) > 0);

  // The same lockout at sign-in: the right code is refused there too.
  const signInNow = await http(`${base}/cloudapi/1.0.0/sessions`, {
    method: 'POST',
    headers: { Authorization: basic('bob', 'acme', DEMO_PASSWORD), Accept: 'application/json;version=37.0', 'X-Tessera-TOTP': right },
  });
  assert.equal(signInNow.status, 429, signInNow.text);
  const user = await node.store.getUserByName((await node.store.getOrgByName('acme'))!.id, 'bob');
  assert.equal(user!.totp_enabled, 1, 'two-factor is still on');
  const lockedEvents = await node.store.db.selectFrom('audit_events').select('id').where('event_type', '=', 'totp.locked').execute();
  assert.equal(lockedEvents.length, 1);
});
