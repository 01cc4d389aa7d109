/**
 * The agents' sync API end to end, on the selected backend: who may call it (a System administrator; not an org
 * administrator, not a tenant, not an API-token session), batches with a generation whose commit removes what
 * disappeared, strict bodies (unknown property → 400, nothing written), changes visible at once in the query
 * service, and a VM moved to another org gone from the first org's queries on the next request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, DEMO_PASSWORD, ADMIN_PASSWORD, defaultBackend } from '../helpers/tessera.js';
import { signIn, createApiToken, accessTokenFrom, http, bearer } from '../helpers/api.js';

const BASE = '/cloudapi/x-tessera/inventory/sources/agent-1';

test(`inventory sync API (${defaultBackend()})`, async (t) => {
  const tessera = await startTessera({ demo: true });
  t.after(() => tessera.stop());
  const url = tessera.baseUrl;
  const system = await signIn(url, 'administrator', 'System', ADMIN_PASSWORD);
  const alice = await signIn(url, 'alice', 'acme', DEMO_PASSWORD);
  const json = (token: string, body?: unknown, method = 'POST') => ({
    method,
    headers: { ...bearer(token), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });

  const batch = {
    vdcs: [{ id: 'vdc-a', org: 'acme', name: 'agent-vdc', cpu: { allocated: 1000 } }],
    vapps: [{ id: 'vapp-a', vdc: 'vdc-a', name: 'agent-app', owner: 'alice' }],
    vms: [
      { id: 'vm-a1', vapp: 'vapp-a', name: 'agent-vm-1', status: 'POWERED_ON', nics: [{ network: 'n1', ipAddress: '10.9.0.1' }] },
      { id: 'vm-a2', vapp: 'vapp-a', name: 'agent-vm-2' },
    ],
  };

  await t.test('tenants, org administrators and API-token sessions are refused', async () => {
    assert.equal((await http(`${url}${BASE}/batches`, json(alice, batch))).status, 403);
    assert.equal((await http(`${url}${BASE}`, { headers: bearer(alice) })).status, 403);
    // The System administrator's own API token: a session made from it may not sync.
    const { apiToken } = await createApiToken(url, system, 'System', 'sync-try');
    const tokenSession = await accessTokenFrom(url, 'System', apiToken);
    const refused = await http(`${url}${BASE}/batches`, json(tokenSession, batch));
    assert.equal(refused.status, 403);
    assert.equal(refused.json().minorErrorCode, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    assert.equal(
      (await http(`${url}${BASE}/batches`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status,
      401,
    );
    // Who may call is decided before the body is read or checked: a body the schema refuses is still a 401 / 403
    // (until 2026-12-05 it was a 400 quoting the schema, after reading up to 8 MiB).
    const bogus = { bogus: true, vms: [{ id: 'x'.repeat(300) }] };
    assert.equal(
      (await http(`${url}${BASE}/batches`, { ...json('', bogus), headers: { 'content-type': 'application/json' } })).status,
      401,
    );
    const tenant = await http(`${url}${BASE}/batches`, json(alice, bogus));
    assert.equal(tenant.status, 403, tenant.text);
    assert.doesNotMatch(tenant.text, /bogus/);
  });

  await t.test('bad bodies are 400 in the cloudapi envelope and write nothing', async () => {
    const unknown = await http(`${url}${BASE}/batches`, json(system, { vms: [{ ...batch.vms[0], vapp: 'vapp-a', colour: 'red' }] }));
    assert.equal(unknown.status, 400);
    assert.match(unknown.json().message, /unknown property "colour"/);
    const dangling = await http(`${url}${BASE}/batches`, json(system, { vms: [{ id: 'x', vapp: 'nope', name: 'x' }] }));
    assert.equal(dangling.status, 400);
    assert.match(dangling.json().message, /\/vms\/0: no vApp with external id "nope"/);
    const tooMany = await http(
      `${url}${BASE}/batches`,
      json(system, { vms: Array.from({ length: 2001 }, (_, i) => ({ id: `v${i}`, vapp: 'a', name: `v${i}` })) }),
    );
    assert.equal(tooMany.status, 400);
    // The first problem only: a batch far over the bound is refused for its length before any item is checked.
    // Until 2026-12-05 every item's every error was collected (an 8 MiB body of empty objects held the event loop
    // for 10 s and took 2 GB).
    const emptyItems = await http(`${url}${BASE}`, json(system, { vms: Array.from({ length: 200_000 }, () => ({})) }, 'PUT'));
    assert.equal(emptyItems.status, 400, emptyItems.text);
    assert.equal(emptyItems.json().message, 'body/vms: must NOT have more than 2000 items');
    assert.equal((await http(`${url}${BASE}/batches?generation=abc`, json(system, {}))).status, 400);
    assert.equal((await http(`${url}/cloudapi/x-tessera/inventory/sources/Bad%20Name/batches`, json(system, {}))).status, 400);
    const state = (await http(`${url}${BASE}`, { headers: bearer(system) })).json();
    assert.deepEqual(state.objects, { vdcs: 0, vapps: 0, vms: 0 });
  });

  await t.test('a generation syncs, shows at once in queries, and its commit removes what disappeared', async () => {
    const begun = await http(`${url}${BASE}/generations`, json(system));
    assert.equal(begun.status, 201);
    const generation = begun.json().generation as number;
    const pushed = await http(`${url}${BASE}/batches?generation=${generation}`, json(system, batch));
    assert.equal(pushed.status, 200, pushed.text);
    assert.deepEqual(pushed.json(), { created: 4, updated: 0, deleted: 0, unchanged: 0 });
    const listed = await http(`${url}/api/query?type=vm&format=records&filter=name==agent-vm-*&pageSize=25`, {
      headers: bearer(alice, 'application/*+json;version=37.0'),
    });
    assert.equal(listed.status, 200);
    assert.equal(listed.json().total, 2);
    assert.equal((await http(`${url}${BASE}/generations/${generation}/commit`, json(system))).json().deleted.vms, 0);

    // Next full sync lists one VM only: the other disappears at commit, not before.
    const next = (await http(`${url}${BASE}/generations`, json(system))).json().generation as number;
    assert.equal(next, generation + 1);
    const again = await http(`${url}${BASE}/batches?generation=${next}`, json(system, { ...batch, vms: [batch.vms[0]] }));
    assert.deepEqual(again.json(), { created: 0, updated: 0, deleted: 0, unchanged: 3 });
    const stale = await http(`${url}${BASE}/batches?generation=${generation}`, json(system, batch));
    assert.equal(stale.status, 409);
    const committed = await http(`${url}${BASE}/generations/${next}/commit`, json(system));
    assert.deepEqual(committed.json().deleted, { vdcs: 0, vapps: 0, vms: 1 });
    const after = await http(`${url}/api/query?type=vm&format=records&filter=name==agent-vm-*`, {
      headers: bearer(alice, 'application/*+json;version=37.0'),
    });
    assert.equal(after.json().total, 1);
    assert.equal((await http(`${url}${BASE}/generations/${next}/commit`, json(system))).status, 409, 'a generation commits once');
  });

  await t.test('a VM moved to another org leaves the first org on the next request', async () => {
    const hank = await signIn(url, 'hank', 'globex', DEMO_PASSWORD);
    const query = (token: string) =>
      http(`${url}/api/query?type=vm&format=records&filter=name==agent-vm-1`, {
        headers: bearer(token, 'application/*+json;version=37.0'),
      });
    assert.equal((await query(alice)).json().total, 1);
    assert.equal((await query(hank)).json().total, 0);
    const moved = await http(
      `${url}${BASE}/batches`,
      json(system, {
        vdcs: [{ id: 'vdc-g', org: 'globex', name: 'agent-vdc-g' }],
        vapps: [{ id: 'vapp-g', vdc: 'vdc-g', name: 'agent-app-g', owner: 'hank' }],
        vms: [{ ...batch.vms[0], vapp: 'vapp-g' }],
      }),
    );
    assert.deepEqual(moved.json(), { created: 2, updated: 1, deleted: 0, unchanged: 0 });
    assert.equal((await query(alice)).json().total, 0, 'gone from acme at once');
    assert.equal((await query(hank)).json().total, 1);
    const vdcs = await http(`${url}/api/query?type=orgVdc&format=records&filter=name==agent-vdc-g`, {
      headers: bearer(hank, 'application/*+json;version=37.0'),
    });
    assert.equal(vdcs.json().total, 1);
  });

  await t.test('a single-call full sync replaces the source', async () => {
    const full = await http(`${url}${BASE}`, json(system, { vdcs: [batch.vdcs[0]] }, 'PUT'));
    assert.equal(full.status, 200, full.text);
    assert.equal(full.json().deleted, 4, 'vdc-g, vapp-a, vapp-g, vm-a1');
    const state = (await http(`${url}${BASE}`, { headers: bearer(system) })).json();
    assert.deepEqual(state.objects, { vdcs: 1, vapps: 0, vms: 0 });
  });
});
