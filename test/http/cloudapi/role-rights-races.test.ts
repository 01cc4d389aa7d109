/**
 * Changes of one role's rights arriving together (PUT replaces, POST adds) take turns under the role's lock
 * (identity-admin.ts changeRoleRights): every outcome is one that the requests, one after the other, could have
 * left, and none is a 500. Until 2026-12-05, on PostgreSQL, a right a PUT removed came back through a concurrent add
 * (both answered success), concurrent adds lost each other's rights, and overlapping replaces collided on the
 * primary key (500); on SQLite an add could still lose a right. On both backends.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { bearer, http, signIn } from '../../helpers/api.js';
import { reportUnavailable, selectedBackends } from '../../store/backends.js';

const API = '/cloudapi/1.0.0';

for (const plan of selectedBackends()) {
  if (reportUnavailable(plan, 'role rights races')) continue;

  describe(`concurrent changes of one role's rights on ${plan.backend}`, () => {
    let t: TesseraHandle;
    let alice: string;
    let grantable: string[]; // rights alice may put in an acme role

    const call = (method: string, path: string, body?: unknown) =>
      http(`${t.baseUrl}${API}${path}`, {
        method,
        headers: { ...bearer(alice), 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const rightsOf = async (id: string) =>
      ((await call('GET', `/roles/${id}/rights?pageSize=128`)).json().values as Array<{ name: string }>).map((r) => r.name).sort();
    let roles = 0;
    const newRole = async (rights: string[]) => {
      const res = await call('POST', '/roles', {
        name: `race-role-${++roles}`,
        description: 'race',
        rights: rights.map((name) => ({ name })),
      });
      assert.equal(res.status, 201, res.text);
      return res.json().id as string;
    };

    before(async () => {
      t = await startTessera({ backend: plan.backend, config: { signInRateLimit: 1000 } });
      alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
      const roleList = (await call('GET', '/roles?filter=name==vApp%20Author')).json().values as Array<{ id: string }>;
      grantable = (await rightsOf(roleList[0]!.id)).slice(0, 12);
      assert.ok(grantable.length >= 10, `vApp Author's rights: ${grantable.join(', ')}`);
    });
    after(async () => t?.stop());

    test('ten adds of ten different rights at once: all ten are on the role, every answer 201', async () => {
      for (let trial = 0; trial < 4; trial++) {
        const id = await newRole([]);
        const answers = await Promise.all(
          grantable.slice(0, 10).map((name) => call('POST', `/roles/${id}/rights`, { values: [{ name }] })),
        );
        assert.deepEqual(
          answers.map((a) => a.status),
          Array(10).fill(201),
          answers.map((a) => a.text.slice(0, 120)).join(' | '),
        );
        assert.deepEqual(await rightsOf(id), grantable.slice(0, 10).sort(), `trial ${trial}`);
      }
    });

    test('a replace that removes a right and an add at once: a serial outcome, the removal kept either way', async () => {
      const [a, b, c, d] = grantable as [string, string, string, string];
      for (let trial = 0; trial < 8; trial++) {
        const id = await newRole([a, d]);
        const [put, post] = await Promise.all([
          call('PUT', `/roles/${id}/rights`, { values: [{ name: b }, { name: c }] }),
          call('POST', `/roles/${id}/rights`, { values: [{ name: a }] }),
        ]);
        assert.equal(put.status, 200, put.text);
        assert.equal(post.status, 201, post.text);
        const final = await rightsOf(id);
        const putLast = [b, c].sort();
        const postLast = [a, b, c].sort();
        assert.ok(
          JSON.stringify(final) === JSON.stringify(putLast) || JSON.stringify(final) === JSON.stringify(postLast),
          `trial ${trial}: ${final.join(', ')}`,
        );
        assert.ok(!final.includes(d), `the right the PUT removed stays removed: ${final.join(', ')}`);
      }
    });

    test('an add of rights the role has already changes nothing and records nothing', async () => {
      const id = await newRole([grantable[0]!]);
      const events = async () =>
        (await t.store.db.selectFrom('audit_events').select('id').where('event_type', '=', 'role.rightsChanged').execute()).length;
      const before = await events();
      const res = await call('POST', `/roles/${id}/rights`, { values: [{ name: grantable[0]! }] });
      assert.equal(res.status, 201, res.text);
      assert.equal(await events(), before);
    });
  });
}
