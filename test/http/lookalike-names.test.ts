/**
 * Two roles, groups, service accounts or API tokens of one scope may not have names that read as one name
 * (src/domain/user-name.ts lookalikeOf): names equal after NFKC (and, for all but tokens, in any case) are the
 * duplicate-name 400. Until 2026-12-06 only the exact name (roles, groups, accounts: in any case) was refused, so
 * `Café` written precomposed and decomposed, `ﬁnance` (a ligature) and `finance`, `Ｏps` (fullwidth) and `Ops`
 * were two roles drawn alike in every list, in the role picker of New user and in the audit trail.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';

const API = '/cloudapi/1.0.0';

/** [taken, lookalike] pairs: each second name must be refused once the first exists. */
const PAIRS: Array<[string, string]> = [
  ['Caf\u00E9', 'Cafe\u0301'],
  ['\uFB01nance', 'finance'],
  ['Ops', '\uFF2Fps'],
];

describe('names that read as one name', () => {
  let t: TesseraHandle;
  let alice: string;

  before(async () => {
    t = await startTessera();
    alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  });
  after(async () => {
    await t?.stop();
  });

  const send = (method: string, path: string, body: unknown) =>
    http(`${t.baseUrl}${path}`, {
      method,
      headers: { ...bearer(alice), 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  const refusedAsDuplicate = (r: { status: number; text: string; json(): { minorErrorCode?: string; message?: string } }, what: string) => {
    assert.equal(r.status, 400, `${what}: ${r.status} ${r.text}`);
    assert.equal(r.json().minorErrorCode, 'DUPLICATE_NAME', what);
    assert.match(r.json().message!, /already exists, and .* would be read as the same name/, what);
  };

  test('roles: a lookalike of an existing role is refused, on create and on rename', async () => {
    for (const [taken, lookalike] of PAIRS) {
      const first = await send('POST', `${API}/roles`, { name: taken, description: '' });
      assert.equal(first.status, 201, first.text);
      refusedAsDuplicate(await send('POST', `${API}/roles`, { name: lookalike, description: '' }), `role ${JSON.stringify(lookalike)}`);
    }
    const other = await send('POST', `${API}/roles`, { name: 'Other', description: '' });
    assert.equal(other.status, 201, other.text);
    refusedAsDuplicate(await send('PUT', `${API}/roles/${other.json().id}`, { name: 'Cafe\u0301', description: '' }), 'rename');
    // The role keeps its own name in another case, as before.
    assert.equal((await send('PUT', `${API}/roles/${other.json().id}`, { name: 'OTHER', description: '' })).status, 200);
    const names = (await t.store.listRoles((await t.store.getOrgByName('acme'))!.id)).map((r) => r.name);
    assert.ok(!names.includes('Cafe\u0301') && !names.includes('finance') && !names.includes('\uFF2Fps'), names.join(', '));
  });

  test('groups: the same, on create and on rename', async () => {
    const role = (await t.store.listRoles((await t.store.getOrgByName('acme'))!.id)).find((r) => r.name === 'vApp Author')!;
    const roleEntityRefs = [{ id: `urn:vcloud:role:${role.id}` }];
    for (const [taken, lookalike] of PAIRS) {
      const first = await send('POST', `${API}/groups`, { name: taken, roleEntityRefs });
      assert.equal(first.status, 201, first.text);
      refusedAsDuplicate(await send('POST', `${API}/groups`, { name: lookalike, roleEntityRefs }), `group ${JSON.stringify(lookalike)}`);
    }
    const other = await send('POST', `${API}/groups`, { name: 'devs', roleEntityRefs });
    assert.equal(other.status, 201, other.text);
    refusedAsDuplicate(await send('PUT', `${API}/groups/${other.json().id}`, { name: 'Cafe\u0301', roleEntityRefs }), 'rename');
  });

  const register = (body: Record<string, unknown>) =>
    http(`${t.baseUrl}/oauth/tenant/acme/register`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${alice}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });

  test('service accounts: a lookalike of an account of the org is refused', async () => {
    const account = (name: string) =>
      register({ client_name: name, software_id: '12345678-1234-1234-1234-1234567890ab', scope: 'urn:vcloud:role:vApp%20Author' });
    for (const [taken, lookalike] of PAIRS) {
      assert.equal((await account(taken)).status, 200);
      const r = await account(lookalike);
      assert.equal(r.status, 400, `${JSON.stringify(lookalike)}: ${r.text}`);
      assert.match(r.json().error_description, /already exists, and .* would be read as the same name/);
    }
  });

  test('API tokens: a lookalike of one of the owner\u2019s live tokens is refused; case still tells tokens apart', async () => {
    for (const [taken, lookalike] of PAIRS) {
      const first = await register({ client_name: `ci-${taken}` });
      assert.equal(first.status, 200, first.text);
      // Minted: a registration never minted holds no name.
      const client = first.json().client_id as string;
      const minted = await http(`${t.baseUrl}/oauth/tenant/acme/token`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${alice}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: client, assertion: alice }),
      });
      assert.equal(minted.status, 200, minted.text);
      const r = await register({ client_name: `ci-${lookalike}` });
      assert.equal(r.status, 400, `${JSON.stringify(lookalike)}: ${r.text}`);
      assert.match(r.json().error_description, /already have an API token named .*, and .* would be read as the same name/);
    }
    assert.equal((await register({ client_name: 'CI-OPS' })).status, 200);
  });
});
