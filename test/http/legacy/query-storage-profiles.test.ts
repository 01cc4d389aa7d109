/**
 * `type=orgVdcStorageProfile` and `adminOrgVdcStorageProfile` (src/inventory/query/catalogue.ts): govcd's
 * QueryOrgVdcStorageProfileByID / QueryAdminOrgVdcStorageProfileByID (`id==<urn>` with filterEncoded=true, one record
 * or "not found") and its by-VDC listings (`vdc==<urn>`), pyvcloud's ResourceType.ORG_VDC_STORAGE_PROFILE. Expected
 * records come from the demo's spec, never from the server's answers. A tenant sees its org's profiles only; the
 * admin type is the provider's. Runs on the suite's backend (TESSERA_TEST_BACKEND=postgres for PostgreSQL).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { DEMO_INVENTORY, demoVms, type DemoOrgInventory } from '../../../src/inventory/demo-spec.js';
import { demoIds } from '../../../src/inventory/demo.js';
import { storageProfileId } from '../../../src/inventory/storage-profiles.js';
import { executeQuery } from '../../../src/inventory/query/execute.js';
import { queryType } from '../../../src/inventory/query/catalogue.js';
import { SYSTEM_ORG_ID } from '../../../src/domain/rights.js';
import { JSON_ACCEPT, child, childrenNamed, get, parseXml, queryRecords, startDemoServer, xmlError, type DemoSessions } from './support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;
let globexId: string;

before(async () => {
  ({ server, s, acmeId, globexId } = await startDemoServer());
});
after(async () => server?.stop());

interface Expected {
  id: string;
  name: string;
  vdcId: string;
  vdcName: string;
  orgId: string;
  limitMb: number;
  isDefault: boolean;
  usedMb: number;
}

/** Every profile of an org's VDCs, as the demo's spec declares them. */
function expectedProfiles(org: DemoOrgInventory, orgId: string): Expected[] {
  return org.vdcs.flatMap((vdc) => {
    const vdcId = demoIds.vdc(orgId, vdc.name);
    const vms = demoVms({ vdcs: [vdc], metadata: [] });
    return vdc.storageProfiles.map((p) => ({
      id: storageProfileId(vdcId, p.name),
      name: p.name,
      vdcId,
      vdcName: vdc.name,
      orgId,
      limitMb: p.limitMb,
      isDefault: p.name === vdc.storageProfile,
      usedMb: vms.filter((v) => v.vm.storageProfile === p.name).reduce((n, v) => n + v.vm.diskMb, 0),
    }));
  });
}
const acme = () => expectedProfiles(DEMO_INVENTORY.acme, acmeId);
const globex = () => expectedProfiles(DEMO_INVENTORY.globex, globexId);

const byId = (records: ReturnType<typeof childrenNamed>) => new Map(records.map((r) => [r.attrs.href!.split('/').pop()!, r]));

test("a tenant lists its org's profiles, each as the Vdc document names it, with VCD's attributes", async () => {
  const { root, records } = await queryRecords(server, 'type=orgVdcStorageProfile&pageSize=128', s.alice, 'OrgVdcStorageProfileRecord');
  const expected = acme();
  assert.ok(expected.length >= 4 && expected.some((p) => !p.isDefault), 'the demo has several profiles, some not default');
  assert.equal(root.attrs.total, String(expected.length));
  const found = byId(records);
  assert.deepEqual([...found.keys()].sort(), expected.map((p) => p.id).sort());
  for (const p of expected) {
    const r = found.get(p.id)!;
    assert.equal(r.attrs.href, `${server.baseUrl}/api/vdcStorageProfile/${p.id}`);
    assert.equal(r.attrs.name, p.name);
    assert.equal(r.attrs.isDefaultStorageProfile, String(p.isDefault), p.name);
    assert.equal(r.attrs.storageLimitMB, String(p.limitMb));
    assert.equal(r.attrs.storageUsedMB, String(p.usedMb), `${p.vdcName}/${p.name}`);
    assert.equal(r.attrs.vdc, `${server.baseUrl}/api/vdc/${p.vdcId}`);
    assert.equal(r.attrs.vdcName, p.vdcName);
    assert.equal(r.attrs.isEnabled, 'true');
    assert.equal(r.attrs.iopsAllocated, '0');
    assert.equal(r.attrs.iopsLimit, '0');
    assert.equal(r.attrs.numberOfConditions, '0');
    assert.equal(r.attrs.isVdcBusy, 'false');
    // The admin attributes are not the tenant's; the vCenter and the moref are unknown to the inventory.
    for (const absent of ['org', 'vc', 'storageProfileMoref']) assert.equal(r.attrs[absent], undefined, absent);
  }
  // The storage-profile document at the record's href agrees (same profile, same usage).
  const one = expected.find((p) => p.usedMb > 0)!;
  const doc = parseXml((await get(server, `/api/vdcStorageProfile/${one.id}`, s.alice)).text);
  assert.equal(doc.attrs.name, one.name);
  assert.equal(child(doc, 'StorageUsedMB').text, String(one.usedMb));
});

test("govcd's QueryOrgVdcStorageProfileByID: id==<urn> (filterEncoded) is the one record; another org's is none", async () => {
  const wanted = acme().find((p) => !p.isDefault)!;
  const filter = (id: string) =>
    `type=orgVdcStorageProfile&filter=${encodeURIComponent(`id==${encodeURIComponent(id)}`)}&filterEncoded=true`;
  const { records } = await queryRecords(
    server,
    filter(`urn:vcloud:vdcstorageProfile:${wanted.id}`),
    s.alice,
    'OrgVdcStorageProfileRecord',
  );
  assert.deepEqual(
    records.map((r) => [r.attrs.name, r.attrs.vdcName]),
    [[wanted.name, wanted.vdcName]],
  );
  const foreign = globex()[0]!;
  const none = await queryRecords(server, filter(`urn:vcloud:vdcstorageProfile:${foreign.id}`), s.alice, 'OrgVdcStorageProfileRecord');
  assert.equal(none.root.attrs.total, '0', "globex's profile is not acme's to see");
  // hank (globex) sees it, and only globex's.
  const hank = await queryRecords(server, 'type=orgVdcStorageProfile&pageSize=128', s.hank, 'OrgVdcStorageProfileRecord');
  assert.deepEqual(
    [...byId(hank.records).keys()].sort(),
    globex()
      .map((p) => p.id)
      .sort(),
  );
});

test('the by-VDC listing (vdc==<urn>), a name filter, sorts, idrecords and VCD JSON', async () => {
  const prod = acme().filter((p) => p.vdcName === 'acme-prod');
  assert.ok(prod.length >= 2);
  const vdcUrn = `urn:vcloud:vdc:${prod[0]!.vdcId}`;
  const { records } = await queryRecords(
    server,
    `type=orgVdcStorageProfile&filter=${encodeURIComponent(`vdc==${vdcUrn}`)}&sortDesc=name&format=idrecords`,
    s.alice,
    'OrgVdcStorageProfileRecord',
  );
  assert.deepEqual(
    records.map((r) => r.attrs.name),
    prod
      .map((p) => p.name)
      .sort()
      .reverse(),
  );
  for (const r of records) {
    assert.equal(r.attrs.id, `urn:vcloud:vdcstorageProfile:${prod.find((p) => p.name === r.attrs.name)!.id}`);
    assert.equal(r.attrs.vdc, vdcUrn);
  }
  const defaults = await queryRecords(
    server,
    `type=orgVdcStorageProfile&filter=${encodeURIComponent('isDefaultStorageProfile==true')}&sortAsc=storageUsedMB&pageSize=128`,
    s.alice,
    'OrgVdcStorageProfileRecord',
  );
  assert.equal(defaults.root.attrs.total, String(acme().filter((p) => p.isDefault).length));
  const used = defaults.records.map((r) => Number(r.attrs.storageUsedMB));
  assert.deepEqual(
    used,
    [...used].sort((a, b) => a - b),
  );

  const json = await get(
    server,
    `/api/query?type=orgVdcStorageProfile&filter=${encodeURIComponent(`name==${prod[1]!.name}`)}`,
    s.alice,
    JSON_ACCEPT,
  );
  assert.equal(json.status, 200, json.text);
  const body = json.json();
  const mine = body.record.filter((r: { vdcName: string }) => r.vdcName === 'acme-prod');
  assert.equal(mine.length, 1);
  assert.equal(mine[0]._type, 'QueryResultOrgVdcStorageProfileRecordType');
  assert.equal(mine[0].isDefaultStorageProfile, prod[1]!.isDefault);
  assert.equal(mine[0].storageLimitMB, prod[1]!.limitMb);
});

test('the admin type: every org for the provider, with the org; a tenant is refused; the QueryList offers what each may run', async () => {
  const all = [...acme(), ...globex()];
  const { root, records } = await queryRecords(
    server,
    'type=adminOrgVdcStorageProfile&pageSize=128',
    s.admin,
    'AdminOrgVdcStorageProfileRecord',
  );
  assert.equal(root.attrs.total, String(all.length));
  const found = byId(records);
  for (const p of all) {
    const r = found.get(p.id);
    assert.ok(r, `${p.vdcName}/${p.name}`);
    assert.equal(r.attrs.href, `${server.baseUrl}/api/admin/vdcStorageProfile/${p.id}`);
    assert.equal(r.attrs.org, `${server.baseUrl}/api/org/${p.orgId}`);
    assert.equal(r.attrs.storageUsedMB, String(p.usedMb));
  }
  const one = globex()[0]!;
  const byUrn = await queryRecords(
    server,
    `type=adminOrgVdcStorageProfile&filter=${encodeURIComponent(`id==urn:vcloud:vdcstorageProfile:${one.id}`)}&filterEncoded=true`,
    s.admin,
    'AdminOrgVdcStorageProfileRecord',
  );
  assert.deepEqual(
    byUrn.records.map((r) => r.attrs.name),
    [one.name],
  );
  xmlError(await get(server, '/api/query?type=adminOrgVdcStorageProfile', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');

  const offered = async (token: string) =>
    new Set(childrenNamed(parseXml((await get(server, '/api/query', token)).text), 'Link').map((l) => l.attrs.name));
  const alice = await offered(s.alice);
  assert.ok(alice.has('orgVdcStorageProfile') && !alice.has('adminOrgVdcStorageProfile'));
  const admin = await offered(s.admin);
  assert.ok(admin.has('orgVdcStorageProfile') && admin.has('adminOrgVdcStorageProfile'));
});

test('a scope without VDCs has no profiles (an empty VALUES table), on this backend', async () => {
  const result = await executeQuery(server.store, {
    type: queryType('orgVdcStorageProfile')!,
    scope: { kind: 'org', orgId: SYSTEM_ORG_ID },
    filter: 'storageLimitMB=gt=0;name==G*',
    sort: { field: 'storageUsedMB', direction: 'desc' },
    page: 1,
    pageSize: 25,
  });
  assert.deepEqual([result.total, result.rows], [0, []]);
});

test('a name with a quote and a backslash is a parameter, not SQL: it is listed and found as written', async () => {
  const name = 'Tier\'2\\ "fast"';
  const prodId = acme().find((p) => p.vdcName === 'acme-prod')!.vdcId;
  const row = await server.store.db.selectFrom('vdcs').select('storage_profiles').where('id', '=', prodId).executeTakeFirstOrThrow();
  const profiles = [...(JSON.parse(row.storage_profiles) as Array<{ name: string; limitMb: number }>), { name, limitMb: 7 }];
  await server.store.db
    .updateTable('vdcs')
    .set({ storage_profiles: JSON.stringify(profiles) })
    .where('id', '=', prodId)
    .execute();
  try {
    const { records } = await queryRecords(
      server,
      // FIQL escapes a backslash with a backslash (domain/fiql.ts).
      `type=orgVdcStorageProfile&filter=${encodeURIComponent(`name==${name.replace(/\\/g, '\\\\')}`)}`,
      s.alice,
      'OrgVdcStorageProfileRecord',
    );
    assert.deepEqual(
      records.map((r) => [r.attrs.name, r.attrs.storageLimitMB, r.attrs.href]),
      [[name, '7', `${server.baseUrl}/api/vdcStorageProfile/${storageProfileId(prodId, name)}`]],
    );
  } finally {
    await server.store.db.updateTable('vdcs').set({ storage_profiles: row.storage_profiles }).where('id', '=', prodId).execute();
  }
});
