/**
 * What is typed in a search is the name it spells, in whatever Unicode form it arrives (src/domain/user-name.ts
 * nameKey, Store.searchKey): `Jose` + U+0301 typed on a Mac finds the user `José` stored precomposed, a full name or
 * token name stored decomposed is found typed precomposed, and fullwidth letters from an IME are their ASCII letters.
 * Until 2026-12-06 every such search found nothing: the portal's Users, Organizations and token lists, and the
 * cloudapi's in-memory `filter` (users). Token names stay case-sensitive where named exactly (`name==` in SQL).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';
import { PortalClient } from './portal-client.js';
import { mintedTokenRow, orgWithUsers } from '../store/fixtures.js';

const USERS = '/provider/administration/users';
const ORGS = '/provider/administration/orgs';
const TOKENS = '/provider/administration/tokens';
const q = (s: string) => `?search=${encodeURIComponent(s)}`;
const shown = (body: string) => /No [a-zA-Z ]+|Showing [^<]*/.exec(body)?.[0] ?? '(no count)';

describe('portal searches and cloudapi filters in another Unicode form', () => {
  let t: TesseraHandle;
  let admin: PortalClient;

  before(async () => {
    t = await startTessera({ demo: true, config: { signInRateLimit: 1000 } });
    // A user stored NFKC (as every user name is), with a full name stored decomposed; an org with a decomposed
    // full name; a token whose name is stored decomposed.
    const { orgId, userIds } = await orgWithUsers(t.store, 'search-forms', ['jos\u00E9'], {
      fullName: 'Soci\u0065\u0301te\u0301 Ge\u0301ne\u0301rale',
      userFullName: () => 'Zoe\u0308 Mu\u0308ller',
    });
    await t.store.db
      .insertInto('api_tokens')
      .values([
        mintedTokenRow(orgId, userIds[0]!, { name: 'Re\u0301serve-nightly' }),
        mintedTokenRow(orgId, userIds[0]!, { name: 'Ops-CI' }),
      ])
      .execute();
    admin = new PortalClient(t.server.app);
    await admin.signIn('/provider', 'administrator', t.adminPassword);
  });
  after(async () => t?.stop());

  test('Users: a user name typed decomposed or fullwidth, a full name typed precomposed', async () => {
    for (const typed of ['Jose\u0301', 'JOSE\u0301', '\uFF4Aos\u00E9', 'Zo\u00EB', 'M\u00DCLLER']) {
      const res = await admin.get(`${USERS}${q(typed)}`);
      assert.equal(res.statusCode, 200);
      assert.match(shown(res.body), /Showing 1-1 of 1 user\b/, JSON.stringify(typed));
    }
    assert.match(shown((await admin.get(`${USERS}${q('Jose')}`)).body), /^No /, 'another name is not found');
  });

  test('Organizations: a full name stored decomposed, typed precomposed', async () => {
    const res = await admin.get(`${ORGS}${q('soci\u00E9t\u00E9')}`);
    assert.match(shown(res.body), /Showing 1-1 of 1 organization\b/);
    assert.match(
      shown((await admin.get(`${ORGS}${q('\uFF53\uFF45\uFF41\uFF52\uFF43\uFF48-forms')}`)).body),
      /Showing 1-1 of 1 organization\b/,
    );
  });

  test('API tokens: a token name stored decomposed, typed precomposed; an owner typed decomposed', async () => {
    assert.match(shown((await admin.get(`${TOKENS}${q('r\u00E9serve')}`)).body), /Showing 1-1 of 1 API token\b/);
    assert.match(shown((await admin.get(`${TOKENS}${q('\uFF2F\uFF50\uFF53')}`)).body), /Showing 1-1 of 1 API token\b/);
    assert.match(shown((await admin.get(`${TOKENS}${q('jose\u0301')}`)).body), /Showing 1-2 of 2 API tokens/);
  });

  test('cloudapi users: name== and a wildcard typed decomposed find the user stored precomposed', async () => {
    const alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
    const roles = await http(`${t.baseUrl}/cloudapi/1.0.0/roles`, { headers: bearer(alice) });
    const roleId = (roles.json().values as Array<{ id: string; name: string }>).find((r) => r.name === 'vApp User')!.id;
    const created = await http(`${t.baseUrl}/cloudapi/1.0.0/users`, {
      method: 'POST',
      headers: { ...bearer(alice), 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'Ren\u00E9e', password: 'User-Password-1234', roleEntityRefs: [{ id: roleId }] }),
    });
    assert.equal(created.status, 201, created.text);
    for (const filter of ['name==Rene\u0301e', 'username==Rene\u0301e', 'name==*ne\u0301e', 'name==\uFF32en\u00E9e']) {
      const res = await http(`${t.baseUrl}/cloudapi/1.0.0/users?filter=${encodeURIComponent(filter)}`, { headers: bearer(alice) });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(
        (res.json().values as Array<{ username: string }>).map((u) => u.username),
        ['Ren\u00E9e'],
        filter,
      );
    }
    const exact = await http(`${t.baseUrl}/cloudapi/1.0.0/users?filter=${encodeURIComponent('name==ren\u00E9e')}`, {
      headers: bearer(alice),
    });
    assert.equal(exact.json().resultTotal, 0, '== stays exact in case');
  });
});
