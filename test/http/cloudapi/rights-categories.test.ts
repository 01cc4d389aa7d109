/**
 * `GET /cloudapi/1.0.0/rightsCategories` and `/{id}` (govcd's GetAllRightsCategories and GetRightsCategoryById): the
 * rights catalogue's categories as VCD's RightsCategory, read by any signed-in user like the rights. Expected values
 * come from the catalogue (src/domain/rights.ts), never from the server's answers.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { http, bearer, accessTokenFrom, createApiToken, signIn } from '../../helpers/api.js';
import { createUser } from '../../security/support.js';
import { RIGHT_CATALOGUE, rightType } from '../../../src/domain/rights.js';
import { startDemoServer, type DemoSessions } from '../legacy/support.js';

let server: TesseraHandle;
let s: DemoSessions;
let aliceToken: string;
let carol: string;

before(async () => {
  ({ server, s } = await startDemoServer());
  const { apiToken } = await createApiToken(server.baseUrl, s.alice, 'acme', 'rights-categories');
  aliceToken = await accessTokenFrom(server.baseUrl, 'acme', apiToken);
  const user = await createUser(server.baseUrl, s.alice, { role: 'Console Access Only' });
  carol = await signIn(server.baseUrl, user.name, 'acme', user.password);
});
after(async () => server?.stop());

const API = '/cloudapi/1.0.0';
const get = (path: string, token: string | null) => http(`${server.baseUrl}${API}${path}`, { headers: token ? bearer(token) : {} });

/** The catalogue's categories with their counts of VIEW and MODIFY rights. */
function expectedCategories() {
  const out = new Map<string, { view: number; modify: number }>();
  for (const r of RIGHT_CATALOGUE) {
    const c = out.get(r.category) ?? { view: 0, modify: 0 };
    if (rightType(r.name) === 'VIEW') c.view++;
    else c.modify++;
    out.set(r.category, c);
  }
  return out;
}

test("VCD's paged list of every category, each with its rights counted by type, for any signed-in user", async () => {
  const expected = expectedCategories();
  assert.ok(expected.size > 3);
  for (const token of [s.alice, aliceToken, carol, s.admin]) {
    const reply = await get('/rightsCategories?pageSize=128', token);
    assert.equal(reply.status, 200, reply.text);
    const body = reply.json();
    assert.equal(body.resultTotal, expected.size);
    assert.deepEqual(body.values.map((c: { name: string }) => c.name).sort(), [...expected.keys()].sort());
    for (const c of body.values) {
      assert.match(c.id, /^urn:vcloud:rightsCategory:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.deepEqual(c.rightsCount, expected.get(c.name));
      assert.equal(c.parent, null);
      assert.deepEqual(c.subCategories, []);
      assert.equal(c.bundleKey, `RIGHTS_CATEGORY_${c.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`);
      assert.deepEqual(Object.keys(c).sort(), ['bundleKey', 'id', 'name', 'parent', 'rightsCount', 'subCategories']);
    }
  }
  assert.equal((await get('/rightsCategories', null)).status, 401);
});

test('one category by its URN or UUID (govcd GetRightsCategoryById); filter, sort and paging; unknown ids are 403', async () => {
  const all = (await get('/rightsCategories?pageSize=128', s.alice)).json().values as Array<{ id: string; name: string }>;
  const one = all.find((c) => c.name === 'Access Control')!;
  for (const id of [one.id, one.id.split(':').pop()!]) {
    const reply = await get(`/rightsCategories/${id}`, aliceToken);
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.json().id, one.id);
    assert.equal(reply.json().name, 'Access Control');
  }
  const filtered = (await get(`/rightsCategories?filter=${encodeURIComponent('name==Access Control')}`, s.alice)).json();
  assert.deepEqual(
    filtered.values.map((c: { id: string }) => c.id),
    [one.id],
  );
  const sorted = (await get('/rightsCategories?sortDesc=name&pageSize=2&page=2', s.alice)).json();
  const names = all.map((c) => c.name).sort((a, b) => b.localeCompare(a));
  assert.deepEqual(
    sorted.values.map((c: { name: string }) => c.name),
    names.slice(2, 4),
  );
  for (const id of ['urn:vcloud:rightsCategory:00000000-0000-4000-8000-000000000000', `urn:vcloud:right:${one.id.split(':').pop()}`, 'x']) {
    const reply = await get(`/rightsCategories/${encodeURIComponent(id)}`, s.alice);
    assert.equal(reply.status, 403, id);
    assert.equal(reply.json().minorErrorCode, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  }
});

test("a Right names its category by id, as VCD's does (Terraform's vcd_right category_id, govcd GetRightsCategoryById)", async () => {
  const categories = (await get('/rightsCategories?pageSize=128', s.alice)).json().values as Array<{ id: string; name: string }>;
  const nameOf = new Map(categories.map((c) => [c.id, c.name]));
  const rights = (await get('/rights?pageSize=128', s.alice)).json().values as Array<{ name: string; category: string }>;
  // A tenant sees the rights a tenant can hold, as `type=right` lists them (until 2026-12-06 also the provider's).
  const tenantRights = RIGHT_CATALOGUE.filter((r) => !r.providerOnly);
  assert.deepEqual(rights.map((r) => r.name).sort(), tenantRights.map((r) => r.name).sort());
  for (const right of rights) {
    assert.equal(nameOf.get(right.category), RIGHT_CATALOGUE.find((r) => r.name === right.name)!.category, right.name);
  }
  // And the rights of one category by its id.
  const accessControl = categories.find((c) => c.name === 'Access Control')!;
  const filtered = (await get(`/rights?pageSize=128&filter=${encodeURIComponent(`category==${accessControl.id}`)}`, s.alice)).json();
  assert.equal(filtered.values.length, tenantRights.filter((r) => r.category === 'Access Control').length);
});

test('the provider sees every right; a tenant gets 403 for a provider-only one by id; a right that only reads is VIEW', async () => {
  const all = (await get('/rights?pageSize=128', s.admin)).json().values as Array<{ id: string; name: string; rightType: string }>;
  assert.equal(all.length, RIGHT_CATALOGUE.length);
  const sync = all.find((r) => r.name === 'Inventory: Sync')!;
  assert.equal((await get(`/rights/${sync.id}`, s.admin)).status, 200);
  assert.equal((await get(`/rights/${sync.id}`, s.alice)).status, 403);
  const typeOf = new Map(all.map((r) => [r.name, r.rightType]));
  // Until 2026-12-06 these were MODIFY for not ending in "View".
  for (const name of [
    'Catalog: View Private and Shared Catalogs',
    'General: View Audit Trail',
    'General: Administrator View',
    'vApp: View',
  ]) {
    assert.equal(typeOf.get(name), 'VIEW', name);
  }
  for (const name of ['General: Administrator Control', 'vApp: Delete', 'API Tokens: Manage'])
    assert.equal(typeOf.get(name), 'MODIFY', name);
});
