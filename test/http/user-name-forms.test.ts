/**
 * A user name signs in however it is typed, as long as it is the same name: in any case, and in any Unicode form
 * of it (src/domain/user-name.ts nameKey). A Mac, or a name pasted from a file name, sends `Jose` + U+0301 where the
 * user was created as `José` (one code point); an IME may send fullwidth letters. Until 2026-12-06 those were
 * "Invalid credentials" on every sign-in door. The sign-in limits count every such spelling as the one account it
 * names, so spelling a name another way buys no more guesses.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { basic, bearer, http, signIn } from '../helpers/api.js';
import { PortalClient } from '../portal/portal-client.js';

const API = '/cloudapi/1.0.0';
const PASSWORD = 'User-Password-1234';
const LIMIT = 4;

/** `José` as created, and the other spellings of it that sign in. */
const CREATED = 'Jos\u00E9';
const SPELLINGS = ['Jose\u0301', 'JOSE\u0301', 'jos\u00C9', '\uFF2Aos\u00E9'];

describe('user names in another case or Unicode form', () => {
  let t: TesseraHandle;

  before(async () => {
    // Only the per-minute limit (per address and name) may refuse here; the account's budgets are raised.
    t = await startTessera({ config: { signInRateLimit: LIMIT, signInFailuresPerAccount: 1000, signInFailuresPerAddress: 1000 } });
    const alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
    const roles = await http(`${t.baseUrl}${API}/roles`, { headers: bearer(alice) });
    const roleId = (roles.json().values as Array<{ id: string; name: string }>).find((r) => r.name === 'vApp User')!.id;
    for (const username of [CREATED, 'Renée']) {
      const created = await http(`${t.baseUrl}${API}/users`, {
        method: 'POST',
        headers: { ...bearer(alice), 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, password: PASSWORD, roleEntityRefs: [{ id: roleId }] }),
      });
      assert.equal(created.status, 201, created.text);
    }
  });
  after(async () => {
    await t?.stop();
  });

  const cloudapi = (user: string, password = PASSWORD) =>
    http(`${t.baseUrl}${API}/sessions`, {
      method: 'POST',
      headers: { Authorization: basic(user, 'acme', password), Accept: 'application/json;version=37.0' },
    });

  test('the cloudapi, /api/sessions and the portal sign the user in under each spelling', async () => {
    for (const spelling of SPELLINGS) {
      const r = await cloudapi(spelling);
      assert.equal(r.status, 200, `${JSON.stringify(spelling)}: ${r.text}`);
      assert.equal(r.json().user.name, CREATED, JSON.stringify(spelling));
      const legacy = await http(`${t.baseUrl}/api/sessions`, {
        method: 'POST',
        headers: { Authorization: basic(spelling, 'ACME', PASSWORD), Accept: 'application/*+xml;version=36.1' },
      });
      assert.equal(legacy.status, 200, `${JSON.stringify(spelling)}: ${legacy.text}`);
      assert.match(legacy.text, /user="José"/);
      const portal = new PortalClient(t.server.app);
      await portal.signIn('/tenant/acme', spelling, PASSWORD);
    }
  });

  test('another name that only looks different is not signed in as the user', async () => {
    for (const other of ['Jose', 'Jos\u00E8', 'Jos\u00E9e']) assert.equal((await cloudapi(other)).status, 401, other);
  });

  test(`failed sign-ins under every spelling share one limit of ${LIMIT} a minute`, async () => {
    const spellings = ['Renée', 'Rene\u0301e', 'RENÉE', 'RENE\u0301E', '\uFF32enée'];
    const statuses: number[] = [];
    for (const spelling of spellings) statuses.push((await cloudapi(spelling, 'not-the-password')).status);
    assert.deepEqual(statuses, [...Array<number>(LIMIT).fill(401), 429]);
  });
});
