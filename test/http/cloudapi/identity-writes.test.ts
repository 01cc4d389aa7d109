/**
 * Ordinary odd input to the identity writes (issue 10, defect 10): 400 in the cloudapi envelope, never a 500,
 * and nothing changed; an echo of the entity (what govcd PUTs back) is a 200 that changes nothing.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { bearer, http, signIn } from '../../helpers/api.js';

const API = '/cloudapi/1.0.0';

describe('identity writes with odd input', () => {
  let t: TesseraHandle;
  let alice: string;
  let bobUrl: string;

  const send = (method: string, path: string, body: string) =>
    http(`${t.baseUrl}${API}${path}`, { method, headers: { ...bearer(alice), 'Content-Type': 'application/json' }, body });

  before(async () => {
    t = await startTessera({ config: { signInRateLimit: 1000 } });
    alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
    const users = await http(`${t.baseUrl}${API}/users?filter=username==bob`, { headers: bearer(alice) });
    bobUrl = `/users/${users.json().values[0].id}`;
  });
  after(async () => {
    await t?.stop();
  });

  test('PUT a user with {}, only unknown fields, an array or a string: 400, nothing changed', async () => {
    const before = await http(`${t.baseUrl}${API}${bobUrl}`, { headers: bearer(alice) });
    for (const body of ['{}', '{"unknownField":1}', '[]', '"bob"', 'null']) {
      const r = await send('PUT', bobUrl, body);
      if (body === 'null') assert.ok(r.status === 400, `${body}: ${r.status}`);
      else assert.equal(r.status, 400, `${body}: ${r.text}`);
      assert.equal(r.json().minorErrorCode, 'BAD_REQUEST');
    }
    const after = await http(`${t.baseUrl}${API}${bobUrl}`, { headers: bearer(alice) });
    assert.deepEqual(after.json(), before.json());
  });

  test('PUT the entity back as read (govcd\u2019s update): 200, unchanged', async () => {
    const read = (await http(`${t.baseUrl}${API}${bobUrl}`, { headers: bearer(alice) })).json();
    const r = await send('PUT', bobUrl, JSON.stringify(read));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), read);
  });

  test('a rights list nested thousands deep, or of non-objects: 400', async () => {
    // Built as text: JSON.stringify itself overflows the stack on such nesting.
    const deep = `${'['.repeat(5000)}{"name":"vApp: View"}${']'.repeat(5000)}`;
    for (const rights of [`[${deep}]`, '[1,2]', '["vApp: View"]', '[null]', '"vApp: View"']) {
      const r = await send('POST', '/roles', `{"name":"odd","rights":${rights}}`);
      assert.equal(r.status, 400, r.text.slice(0, 200));
    }
    const roles = await http(`${t.baseUrl}${API}/roles?filter=name==odd`, { headers: bearer(alice) });
    assert.equal(roles.json().resultTotal, 0, 'no role was made');
  });

  test("POST a role's rights adds them to the role's (govcd's Role.AddRights, Terraform's vcd_role with rights): 201", async () => {
    // Until 2026-12-05 a 405: Terraform created the role, failed to add its rights, and left it out of its state.
    const created = await send(
      'POST',
      '/roles',
      JSON.stringify({ name: 'adds-rights', description: 'x', rights: [{ name: 'vApp: View' }] }),
    );
    assert.equal(created.status, 201, created.text);
    const rightsUrl = `/roles/${created.json().id}/rights`;
    const added = await send(
      'POST',
      rightsUrl,
      JSON.stringify({ values: [{ name: 'Catalog: View Private and Shared Catalogs' }, { name: 'vApp: View' }] }),
    );
    assert.equal(added.status, 201, added.text);
    const names = (added.json().values as Array<{ name: string }>).map((r) => r.name).sort();
    assert.deepEqual(names, ['Catalog: View Private and Shared Catalogs', 'vApp: View']);
    const read = await http(`${t.baseUrl}${API}${rightsUrl}`, { headers: bearer(alice) });
    assert.deepEqual((read.json().values as Array<{ name: string }>).map((r) => r.name).sort(), names);
    // An unknown right or no list: 400, the role's rights as they were.
    for (const body of ['{"values":[{"name":"vApp: View VM metrics"}]}', '{}']) {
      const bad = await send('POST', rightsUrl, body);
      assert.equal(bad.status, 400, bad.text);
    }
    const after = await http(`${t.baseUrl}${API}${rightsUrl}`, { headers: bearer(alice) });
    assert.equal(after.json().resultTotal, 2);
  });

  test('users of one name created together: one 201, the others the DUPLICATE_NAME 400 (until 2026-12-05 a 500)', async () => {
    const roles = await http(`${t.baseUrl}${API}/roles?filter=name==vApp%20Author`, { headers: bearer(alice) });
    const role = roles.json().values[0] as { id: string; name: string };
    const body = JSON.stringify({ username: 'twin', password: 'Twin-Passw0rd-1', roleEntityRefs: [{ id: role.id, name: role.name }] });
    const answers = await Promise.all(Array.from({ length: 6 }, () => send('POST', '/users', body)));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [201, 400, 400, 400, 400, 400], answers.map((a) => a.text).join('\n'));
    for (const refused of answers.filter((a) => a.status === 400)) assert.equal(refused.json().minorErrorCode, 'DUPLICATE_NAME');
    const twins = await http(`${t.baseUrl}${API}/users?filter=username==twin`, { headers: bearer(alice) });
    assert.equal(twins.json().resultTotal, 1);
  });

  test('a role a group holds is not deleted: the 400 says so (it said another request had deleted something)', async () => {
    const role = await send(
      'POST',
      '/roles',
      JSON.stringify({ name: 'Held by a group', description: '', rights: [{ name: 'vApp: View' }] }),
    );
    assert.equal(role.status, 201, role.text);
    const group = await send('POST', '/groups', JSON.stringify({ name: 'holder', roleEntityRefs: [{ id: role.json().id }] }));
    assert.equal(group.status, 201, group.text);
    const refused = await http(`${t.baseUrl}${API}/roles/${role.json().id}`, { method: 'DELETE', headers: bearer(alice) });
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.json().message, /assigned to groups/);
    assert.equal((await http(`${t.baseUrl}${API}/roles/${role.json().id}`, { headers: bearer(alice) })).status, 200, 'still there');
  });

  test('roles and groups of one name created together: one 201, the others 400, never a 500 (until 2026-12-06 a 500 on PostgreSQL)', async () => {
    const roles = await http(`${t.baseUrl}${API}/roles?filter=name==vApp%20Author`, { headers: bearer(alice) });
    const role = roles.json().values[0] as { id: string; name: string };
    for (const [path, body] of [
      ['/roles', JSON.stringify({ name: 'Twin role', description: '', rights: [{ name: 'vApp: View' }] })],
      ['/groups', JSON.stringify({ name: 'twin-group', roleEntityRefs: [{ id: role.id }] })],
    ] as const) {
      const answers = await Promise.all(Array.from({ length: 8 }, () => send('POST', path, body)));
      const statuses = answers.map((a) => a.status).sort();
      assert.deepEqual(statuses, [201, 400, 400, 400, 400, 400, 400, 400], `${path}: ${answers.map((a) => a.text).join('\n')}`);
      for (const refused of answers.filter((a) => a.status === 400)) assert.equal(refused.json().minorErrorCode, 'DUPLICATE_NAME');
    }
  });
});
