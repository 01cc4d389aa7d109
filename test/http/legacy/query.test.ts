/**
 * The query service through HTTP, as real clients call it (vcd-wire §9, vcd-clients §1.6, §3, §5): the
 * QueryList, typed queries in XML and JSON, paging by total (govcd) and by nextPage links (pyvcloud), FIQL
 * filters, formats, packaged queries, errors, and tenant isolation. Expected names and counts come from
 * DEMO_INVENTORY, never from the server.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { accessTokenFrom, createApiToken } from '../../helpers/api.js';
import { DEMO_INVENTORY, demoVms } from '../../../src/inventory/demo-spec.js';
import { demoIds } from '../../../src/inventory/demo.js';
import {
  JSON_ACCEPT,
  UUID,
  VCLOUD_NS,
  child,
  childrenNamed,
  get,
  links,
  parseXml,
  startDemoServer,
  xmlError,
  xmlRoot,
  type DemoSessions,
  type XmlElement,
} from './support.js';

const RECORDS_XML = /^application\/vnd\.vmware\.vcloud\.query\.records\+xml;version=36\.1$/;
const ACME = demoVms(DEMO_INVENTORY.acme);
const GLOBEX = demoVms(DEMO_INVENTORY.globex);
const ACME_NON_TEMPLATE = ACME.filter((p) => !p.vapp.template);

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;
let globexId: string;

before(async () => {
  ({ server, s, acmeId, globexId } = await startDemoServer());
});
after(async () => server?.stop());

const records = (root: XmlElement, element = 'VMRecord') => childrenNamed(root, element);
const names = (root: XmlElement, element = 'VMRecord') => records(root, element).map((r) => r.attrs.name!);
const relPage = (root: XmlElement, rel: string) => {
  const link = links(root, rel);
  return link.length === 0 ? null : Number(new URL(link[0]!.attrs.href!).searchParams.get('page'));
};

describe('QueryList', () => {
  test('lists each runnable type with hrefs that already hold ?type=X&format=records (pyvcloud)', async () => {
    const root = xmlRoot(
      await get(server, '/api/query', s.alice),
      200,
      /^application\/vnd\.vmware\.vcloud\.query\.queryList\+xml;version=36\.1$/,
    );
    assert.equal(root.name, 'QueryList');
    assert.equal(root.attrs.xmlns, VCLOUD_NS);
    const vm = links(root, 'down').filter(
      (l) => l.attrs.name === 'vm' && l.attrs.type === 'application/vnd.vmware.vcloud.query.records+xml',
    );
    assert.equal(vm.length, 1, 'exactly one records link for vm');
    assert.equal(vm[0]!.attrs.href, `${server.baseUrl}/api/query?type=vm&format=records`);
    const types = new Set(links(root).map((l) => l.attrs.name));
    for (const t of ['vm', 'vApp', 'orgVdc', 'organization', 'user']) assert.ok(types.has(t), `QueryList lacks ${t}`);
    assert.ok(!types.has('adminVM'), 'a tenant is not offered admin types');
  });

  test('System administrators are offered the admin types', async () => {
    const root = parseXml((await get(server, '/api/query', s.admin)).text);
    const types = new Set(links(root).map((l) => l.attrs.name));
    for (const t of ['adminVM', 'adminVApp', 'adminOrgVdc']) assert.ok(types.has(t), `QueryList lacks ${t}`);
  });
});

describe('typed query, XML', () => {
  test('GET /api/query?type=vm as PowerShell sends it: envelope, paging attributes and links', async () => {
    const root = xmlRoot(await get(server, '/api/query?type=vm', s.alice), 200, RECORDS_XML);
    assert.equal(root.name, 'QueryResultRecords');
    assert.equal(root.attrs.xmlns, VCLOUD_NS);
    assert.deepEqual([root.attrs.total, root.attrs.page, root.attrs.pageSize, root.attrs.name], [String(ACME.length), '1', '25', 'vm']);
    assert.equal(root.attrs.type, 'application/vnd.vmware.vcloud.query.records+xml');
    assert.equal(root.attrs.href, `${server.baseUrl}/api/query?type=vm&page=1&pageSize=25&format=records`);
    assert.equal(records(root).length, 25);
    assert.equal(relPage(root, 'nextPage'), 2);
    assert.equal(relPage(root, 'lastPage'), 3);
    assert.equal(relPage(root, 'firstPage'), null);
    assert.equal(relPage(root, 'previousPage'), null);
    const alternates = links(root, 'alternate')
      .map((l) => l.attrs.type)
      .sort();
    assert.deepEqual(alternates, [
      'application/vnd.vmware.vcloud.query.idrecords+xml',
      'application/vnd.vmware.vcloud.query.references+xml',
    ]);
  });

  test('every VMRecord attribute is well-formed for Go encoding/xml and matches the demo spec', async () => {
    const all: XmlElement[] = [];
    for (let page = 1; page <= 3; page++)
      all.push(...records(parseXml((await get(server, `/api/query?type=vm&page=${page}`, s.alice)).text)));
    assert.equal(all.length, ACME.length);
    const byName = new Map(ACME.map((p) => [p.vm.name, p]));
    for (const r of all) {
      const spec = byName.get(r.attrs.name!);
      assert.ok(spec, `unexpected VM ${r.attrs.name}`);
      const a = r.attrs;
      for (const n of ['numberOfCpus', 'memoryMB', 'hardwareVersion']) assert.match(a[n]!, /^\d+$/, `${a.name} ${n}=${a[n]}`);
      for (const n of ['isVAppTemplate', 'isDeployed', 'isBusy', 'isDeleted', 'isPublished', 'isAutoNature', 'isInMaintenanceMode']) {
        assert.match(a[n]!, /^(true|false)$/, `${a.name} ${n}=${a[n]}`);
      }
      const kind = spec.vapp.template ? 'vAppTemplate' : 'vApp';
      assert.match(a.href!, new RegExp(`^${server.baseUrl}/api/${kind}/vm-${UUID}$`));
      assert.equal(a.href, `${server.baseUrl}/api/${kind}/vm-${demoIds.vm(acmeId, spec.vdc.name, spec.vapp.name, spec.vm.name)}`);
      assert.equal(a.id, undefined, 'records carry hrefs; ids come with format=idrecords');
      assert.equal(
        a.container,
        `${server.baseUrl}/api/${kind}/${spec.vapp.template ? 'vappTemplate' : 'vapp'}-${demoIds.vapp(acmeId, spec.vdc.name, spec.vapp.name)}`,
      );
      assert.equal(a.vdc, `${server.baseUrl}/api/vdc/${demoIds.vdc(acmeId, spec.vdc.name)}`);
      assert.deepEqual(
        [
          a.containerName,
          a.vdcName,
          a.ownerName,
          a.status,
          a.numberOfCpus,
          a.memoryMB,
          a.guestOs,
          a.isVAppTemplate,
          a.isDeployed,
          a.storageProfileName,
        ],
        [
          spec.vapp.name,
          spec.vdc.name,
          spec.vapp.owner,
          spec.vm.status,
          String(spec.vm.cpus),
          String(spec.vm.memoryMb),
          spec.vm.guestOs,
          String(spec.vapp.template),
          String(spec.vm.deployed),
          spec.vm.storageProfile,
        ],
      );
      assert.equal(a.ipAddress, spec.vm.ipAddress ?? undefined);
      assert.equal(a.org, undefined, 'VMRecord (not admin) has no org attribute');
    }
  });

  test('last page, beyond the last page, and the page-size clamp', async () => {
    const last = parseXml((await get(server, '/api/query?type=vm&page=3', s.alice)).text);
    assert.equal(records(last).length, ACME.length - 50);
    assert.deepEqual(
      [relPage(last, 'firstPage'), relPage(last, 'previousPage'), relPage(last, 'nextPage'), relPage(last, 'lastPage')],
      [1, 2, null, null],
    );

    const beyond = parseXml((await get(server, '/api/query?type=vm&page=7', s.alice)).text);
    assert.equal(beyond.attrs.total, String(ACME.length), 'total stays exact beyond the last page');
    assert.equal(records(beyond).length, 0);
    assert.deepEqual([relPage(beyond, 'firstPage'), relPage(beyond, 'previousPage'), relPage(beyond, 'nextPage')], [1, 3, null]);

    const clamped = parseXml((await get(server, '/api/query?type=vm&pageSize=500', s.alice)).text);
    assert.equal(clamped.attrs.pageSize, '128');
    assert.equal(records(clamped).length, ACME.length);
    assert.equal(links(clamped, 'nextPage').length, 0);
  });

  test('pyvcloud: following rel=nextPage from the QueryList href visits every VM exactly once', async () => {
    let href: string | null = `${server.baseUrl}/api/query?type=vm&format=records&page=1&pageSize=7`;
    const seen: string[] = [];
    let pages = 0;
    while (href && pages++ < 20) {
      const root = parseXml((await get(server, href, s.alice)).text);
      seen.push(...names(root));
      href = links(root, 'nextPage')[0]?.attrs.href ?? null;
    }
    assert.equal(pages, Math.ceil(ACME.length / 7));
    assert.deepEqual([...seen].sort(), ACME.map((p) => p.vm.name).sort());
  });

  test('govcd QueryVmList: type twice, leading &, filterEncoded, two Accept values, paging by total', async () => {
    const accept = 'application/*+xml;version=37.0, vnd.vmware.vcloud.org+xml;version=37.0';
    const path = '/api/query?&filterEncoded=true&type=vm&type=vm&filter=isVAppTemplate%3D%3Dfalse';
    const first = parseXml((await get(server, path, s.alice, accept)).text);
    const total = Number(first.attrs.total);
    assert.equal(total, ACME_NON_TEMPLATE.length);
    const seen = names(first);
    for (let page = 2; seen.length < total; page++)
      seen.push(...names(parseXml((await get(server, `${path}&page=${page}`, s.alice, accept)).text)));
    assert.deepEqual(seen.sort(), ACME_NON_TEMPLATE.map((p) => p.vm.name).sort());
  });

  test('vdc.QueryVmList: an unencoded href value in the filter', async () => {
    const vdcHref = `${server.baseUrl}/api/vdc/${demoIds.vdc(acmeId, 'acme-prod')}`;
    const root = parseXml(
      (await get(server, `/api/query?type=vm&filter=isVAppTemplate==false;vdc==${vdcHref}&pageSize=128`, s.alice)).text,
    );
    const expected = ACME_NON_TEMPLATE.filter((p) => p.vdc.name === 'acme-prod').map((p) => p.vm.name);
    assert.ok(expected.length > 25, 'the demo keeps more than one page in acme-prod');
    assert.deepEqual(names(root).sort(), expected.sort());
  });

  test('GetVDCByName: orgVdc records filtered by orgName and name', async () => {
    const root = parseXml(
      (await get(server, '/api/query?&type=orgVdc&filter=orgName==acme;name==acme-prod&filterEncoded=true', s.alice)).text,
    );
    const vdcs = records(root, 'OrgVdcRecord');
    assert.equal(vdcs.length, 1);
    assert.equal(vdcs[0]!.attrs.href, `${server.baseUrl}/api/vdc/${demoIds.vdc(acmeId, 'acme-prod')}`);
    assert.equal(vdcs[0]!.attrs.numberOfVMs, String(ACME.filter((p) => p.vdc.name === 'acme-prod').length));
    assert.equal(vdcs[0]!.attrs.allocationModel, 'Flex');
  });

  test("orgVdc records count each VDC's storage profiles, as its Vdc document lists them", async () => {
    const root = parseXml((await get(server, '/api/query?type=orgVdc&filter=orgName==acme&pageSize=128', s.alice)).text);
    const counts = Object.fromEntries(records(root, 'OrgVdcRecord').map((r) => [r.attrs.name, Number(r.attrs.numberOfStorageProfiles)]));
    const expected = Object.fromEntries(DEMO_INVENTORY.acme.vdcs.map((v) => [v.name, v.storageProfiles.length]));
    assert.deepEqual(counts, expected);
    assert.ok(
      Object.values(expected).some((n) => n > 1),
      'the demo has a VDC with more than one profile',
    );
    // A VDC row that lists no profiles (the generator's, older stores') has its one default profile.
    await server.store.db.updateTable('vdcs').set({ storage_profiles: '[]' }).where('id', '=', demoIds.vdc(acmeId, 'acme-prod')).execute();
    try {
      const one = parseXml((await get(server, '/api/query?type=orgVdc&filter=name==acme-prod', s.alice)).text);
      assert.equal(records(one, 'OrgVdcRecord')[0]!.attrs.numberOfStorageProfiles, '1');
    } finally {
      const prod = DEMO_INVENTORY.acme.vdcs.find((v) => v.name === 'acme-prod')!;
      await server.store.db
        .updateTable('vdcs')
        .set({ storage_profiles: JSON.stringify(prod.storageProfiles) })
        .where('id', '=', demoIds.vdc(acmeId, 'acme-prod'))
        .execute();
    }
  });

  test('filters: wildcards are case-insensitive, == is exact, operators and OR', async () => {
    const count = async (filter: string) =>
      Number(parseXml((await get(server, `/api/query?type=vm&filter=${encodeURIComponent(filter)}`, s.alice)).text).attrs.total);
    const webs = ACME.filter((p) => p.vm.name.startsWith('web-')).length;
    assert.equal(await count('name==web-*'), webs);
    assert.equal(await count('name==WEB-*'), webs);
    assert.equal(await count('name==WEB-01'), 0);
    assert.equal(await count('name==web-01'), 1);
    assert.equal(await count('numberOfCpus=ge=8'), ACME.filter((p) => p.vm.cpus >= 8).length);
    assert.equal(
      await count('status==POWERED_OFF,status==SUSPENDED'),
      ACME.filter((p) => ['POWERED_OFF', 'SUSPENDED'].includes(p.vm.status)).length,
    );
    assert.equal(await count('isDeployed==false;isVAppTemplate==false'), ACME_NON_TEMPLATE.filter((p) => !p.vm.deployed).length);
    assert.equal(await count('ownerName==bob'), ACME.filter((p) => p.vapp.owner === 'bob').length);
    assert.equal(await count('ipAddress!=10.1.0.11'), ACME.length - 1, 'VMs without an IP are "not 10.1.0.11" too');
  });

  test('sortDesc is the reverse of sortAsc; sort by a number', async () => {
    const asc = names(parseXml((await get(server, '/api/query?type=vm&sortAsc=name&pageSize=128', s.alice)).text));
    const desc = names(parseXml((await get(server, '/api/query?type=vm&sortDesc=name&pageSize=128', s.alice)).text));
    assert.deepEqual(desc, [...asc].reverse());
    const byCpus = records(parseXml((await get(server, '/api/query?type=vm&sortDesc=numberOfCpus&pageSize=5', s.alice)).text));
    assert.equal(byCpus[0]!.attrs.numberOfCpus, String(Math.max(...ACME.map((p) => p.vm.cpus))));
  });

  test('format=references and format=idrecords', async () => {
    const refs = xmlRoot(
      await get(server, '/api/query?type=vm&format=references&filter=name==web-01', s.alice),
      200,
      /^application\/vnd\.vmware\.vcloud\.query\.references\+xml;version=36\.1$/,
    );
    assert.equal(refs.name, 'VMReferences');
    const ref = child(refs, 'VMReference');
    assert.equal(ref.attrs.name, 'web-01');
    assert.match(ref.attrs.href!, new RegExp(`/api/vApp/vm-${UUID}$`));

    const ids = xmlRoot(
      await get(server, '/api/query?type=vm&format=idrecords&filter=name==web-01', s.alice),
      200,
      /query\.idrecords\+xml/,
    );
    const r = child(ids, 'VMRecord');
    assert.match(r.attrs.id!, new RegExp(`^urn:vcloud:vm:${UUID}$`));
    assert.match(r.attrs.container!, new RegExp(`^urn:vcloud:vapp:${UUID}$`));
    assert.match(r.attrs.vdc!, new RegExp(`^urn:vcloud:vdc:${UUID}$`));
  });

  test('fields selects attributes and metadata', async () => {
    const root = parseXml(
      (await get(server, '/api/query?type=vm&filter=name==db-01&fields=name,status,metadata:role,metadata:backup', s.alice)).text,
    );
    const r = child(root, 'VMRecord');
    assert.deepEqual(Object.keys(r.attrs).sort(), ['href', 'name', 'status']);
    const entries = childrenNamed(child(r, 'Metadata'), 'MetadataEntry');
    const values = Object.fromEntries(entries.map((e) => [child(e, 'Key').text, child(child(e, 'TypedValue'), 'Value').text]));
    assert.deepEqual(values, { backup: 'true', role: 'db' });
    assert.equal(
      child(
        entries.find((e) => child(e, 'Key').text === 'backup')!,
        'TypedValue',
      ).attrs['xsi:type'],
      'MetadataBooleanValue',
    );
  });

  test('packaged queries', async () => {
    const vms = parseXml((await get(server, '/api/vms/query?pageSize=1', s.alice)).text);
    assert.equal(vms.attrs.total, String(ACME.length));
    assert.equal(vms.attrs.href, `${server.baseUrl}/api/vms/query?page=1&pageSize=1&format=records`);
    const vapps = parseXml((await get(server, '/api/vApps/query', s.alice)).text);
    const expectedVApps = DEMO_INVENTORY.acme.vdcs.flatMap((v) => v.vapps).filter((a) => !a.template);
    assert.deepEqual(names(vapps, 'VAppRecord').sort(), expectedVApps.map((a) => a.name).sort());
    const orgVdcs = parseXml((await get(server, `/api/org/${acmeId}/vdcs/query`, s.alice)).text);
    assert.deepEqual(names(orgVdcs, 'OrgVdcRecord').sort(), DEMO_INVENTORY.acme.vdcs.map((v) => v.name).sort());
    xmlError(await get(server, `/api/org/${globexId}/vdcs/query`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  });

  test("the guide's other packaged queries answer as /api/query?type=<type>, rights included", async () => {
    const packaged: Array<[string, string]> = [
      ['/api/vAppTemplates/query', 'vAppTemplate'],
      ['/api/mediaList/query', 'media'],
      ['/api/admin/groups/query', 'group'],
      ['/api/admin/roles/query', 'role'],
      ['/api/admin/rights/query', 'right'],
    ];
    for (const [path, type] of packaged) {
      for (const who of [s.alice, s.admin, s.bob]) {
        const typed = await get(server, `/api/query?type=${type}&pageSize=5&sortAsc=name`, who);
        const byPath = await get(server, `${path}?pageSize=5&sortAsc=name`, who);
        assert.equal(byPath.status, typed.status, `${path}: the status of type=${type}`);
        if (typed.status !== 200) continue;
        const [a, b] = [parseXml(typed.text), parseXml(byPath.text)];
        assert.equal(b.attrs.total, a.attrs.total, `${path}: total`);
        assert.deepEqual(
          b.children.filter((c) => c.name.endsWith('Record')).map((c) => c.attrs.href),
          a.children.filter((c) => c.name.endsWith('Record')).map((c) => c.attrs.href),
          `${path}: the records of type=${type}`,
        );
        // The packaged path keeps its own href, without `type=` (VCD's form).
        assert.ok(b.attrs.href!.startsWith(`${server.baseUrl}${path}?`), b.attrs.href);
      }
    }
    // A tenant's role query names its roles; a vApp Author may not read roles at all, as with type=role.
    assert.ok(names(parseXml((await get(server, '/api/admin/roles/query', s.alice)).text), 'RoleRecord').includes('vApp Author'));
  });

  test('organization and user types', async () => {
    assert.deepEqual(names(parseXml((await get(server, '/api/query?type=organization', s.alice)).text), 'OrgRecord'), ['acme']);
    assert.deepEqual(names(parseXml((await get(server, '/api/query?type=user', s.alice)).text), 'UserRecord').sort(), ['alice', 'bob']);
    const orgs = names(parseXml((await get(server, '/api/query?type=organization', s.admin)).text), 'OrgRecord');
    assert.deepEqual([...orgs].sort(), ['System', 'acme', 'globex'].sort());
  });
});

describe('vApp templates', () => {
  test("vAppTemplate lists the org's templates with their catalog, at the href that serves each", async () => {
    const templates = demoVms(DEMO_INVENTORY.acme).filter((p) => p.vapp.template);
    const expected = [...new Map(templates.map((p) => [p.vapp.name, p.vapp])).values()];
    assert.ok(expected.length > 0, 'the demo inventory holds templates');
    const root = parseXml((await get(server, '/api/query?type=vAppTemplate&format=records', s.bob)).text);
    const found = records(root, 'VAppTemplateRecord');
    assert.deepEqual(found.map((r) => r.attrs.name).sort(), expected.map((v) => v.name).sort());
    for (const record of found) {
      const spec = expected.find((v) => v.name === record.attrs.name)!;
      assert.equal(record.attrs.catalogName, spec.catalog ?? undefined);
      assert.equal(record.attrs.isDeployed, 'false');
      assert.match(record.attrs.href!, /\/api\/vAppTemplate\/vappTemplate-[0-9a-f-]{36}$/);
      const doc = await get(server, new URL(record.attrs.href!).pathname, s.bob);
      assert.equal(doc.status, 200, doc.text);
      assert.equal(parseXml(doc.text).attrs.name, record.attrs.name);
    }
    assert.ok(
      !names(parseXml((await get(server, '/api/query?type=vApp', s.alice)).text), 'VAppRecord').some((n) =>
        found.some((t) => t.attrs.name === n),
      ),
      'templates are not vApps',
    );
    // VAppRecord's storageKB (vcd-cli's `vapp list` column): its VMs' disks in KB; a field, a filter and a sort.
    const vapps = records(
      parseXml((await get(server, '/api/query?type=vApp&fields=name,storageKB&pageSize=128', s.alice)).text),
      'VAppRecord',
    );
    assert.ok(vapps.length > 0);
    for (const record of vapps) {
      const placements = ACME_NON_TEMPLATE.filter((p) => p.vapp.name === record.attrs.name);
      const want = placements.reduce((kb, p) => kb + p.vm.diskMb * 1024, 0);
      assert.equal(record.attrs.storageKB, String(want), `${record.attrs.name}: storageKB`);
    }
    const big = records(
      parseXml((await get(server, '/api/query?type=vApp&filter=storageKB=gt=0&sortDesc=storageKB', s.alice)).text),
      'VAppRecord',
    );
    assert.ok(big.length > 0 && big.every((r) => Number(r.attrs.storageKB) > 0));
    const hanks = records(parseXml((await get(server, '/api/query?type=vAppTemplate', s.hank)).text), 'VAppTemplateRecord');
    assert.ok(!hanks.some((h) => found.some((t) => t.attrs.href === h.attrs.href)), "globex sees none of acme's templates");
    const admin = records(
      parseXml((await get(server, '/api/query?type=adminVAppTemplate&pageSize=128', s.admin)).text),
      'AdminVAppTemplateRecord',
    );
    assert.ok(admin.filter((r) => r.attrs.org === `${server.baseUrl}/api/org/${acmeId}`).length === expected.length);
    xmlError(await get(server, '/api/query?type=adminVAppTemplate', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  });
});

describe('JSON', () => {
  test('records with _type, typed values and links in the envelope', async () => {
    const reply = await get(server, '/api/query?type=vm&pageSize=5&page=2', s.alice, JSON_ACCEPT);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('content-type'), 'application/vnd.vmware.vcloud.query.records+json;version=36.1');
    const body = reply.json();
    assert.deepEqual([body.total, body.page, body.pageSize, body.name], [ACME.length, 2, 5, 'vm']);
    assert.equal(body.record.length, 5);
    const r = body.record[0];
    assert.equal(r._type, 'QueryResultVMRecordType');
    assert.deepEqual([r.otherAttributes, r.link, r.id, r.type], [{}, [], null, null]);
    assert.equal(typeof r.numberOfCpus, 'number');
    assert.equal(typeof r.memoryMB, 'number');
    assert.equal(typeof r.isVAppTemplate, 'boolean');
    assert.equal(typeof r.isDeployed, 'boolean');
    assert.match(r.href, new RegExp(`/api/vApp(Template)?/vm-${UUID}$`));
    const rels = body.link.map((l: { rel: string }) => l.rel).sort();
    assert.deepEqual(rels, ['alternate', 'alternate', 'firstPage', 'lastPage', 'nextPage', 'previousPage']);
    assert.deepEqual([body.firstPage, body.previousPage, body.nextPage, body.lastPage], [1, 1, 3, Math.ceil(ACME.length / 5)]);
  });

  test('errors are JSON too', async () => {
    const reply = await get(server, '/api/query?type=vm&filter=name', s.alice, JSON_ACCEPT);
    assert.equal(reply.status, 400);
    assert.equal(reply.json().minorErrorCode, 'BAD_REQUEST');
    assert.match(reply.json().message, /Cannot parse the supplied filter/);
  });
});

describe("go-vcloud-director's search by metadata (SearchByFilter, under Terraform's metadata filters)", () => {
  // The fields it sends for each type (its queryFieldsOnDemand), then a metadata key: every name is one of VCD's.
  const SEARCHES: Array<[string, string]> = [
    [
      'vAppTemplate',
      'ownerName,catalogName,isPublished,name,vdc,vdcName,org,creationDate,isBusy,isGoldMaster,isEnabled,status,isDeployed,isExpired,storageProfileName,metadata:os,',
    ],
    ['catalog', 'name,isPublished,isShared,creationDate,orgName,ownerName,numberOfMedia,owner,metadata:env,'],
    [
      'orgVdcNetwork',
      'name,defaultGateway,netmask,dns1,dns2,dnsSuffix,linkType,connectedTo,vdc,isBusy,isShared,vdcName,isIpScopeInherited,metadata:env,',
    ],
    [
      'media',
      'ownerName,catalogName,isPublished,name,vdc,vdcName,org,creationDate,isBusy,storageB,owner,catalog,catalogItem,status,storageProfileName,taskStatusName,isInCatalog,task,isIso,isVdcEnabled,taskStatus,taskDetails,metadata:env,',
    ],
    [
      'vm',
      'catalogName,container,containerName,datastoreName,description,gcStatus,guestOs,hardwareVersion,hostName,isAutoNature,isDeleted,isDeployed,isPublished,isVAppTemplate,isVdcEnabled,memoryMB,moref,name,numberOfCpus,org,status,storageProfileName,vc,vdc,vdcName,vmToolsVersion,containerStatus,pvdcHighestSupportedHardwareVersion,isComputePolicyCompliant,vmSizingPolicyId,vmPlacementPolicyId,encrypted,dateCreated,totalStorageAllocatedMb,isExpired,metadata:env,',
    ],
    [
      'vApp',
      'creationDate,isBusy,isDeployed,isEnabled,isExpired,isInMaintenanceMode,isPublic,ownerName,status,vdc,vdcName,numberOfVMs,numberOfCpus,cpuAllocationMhz,cpuAllocationInMhz,storageKB,memoryAllocationMB,isAutoDeleteNotified,isAutoUndeployNotified,isVdcEnabled,honorBookOrder,pvdcHighestSupportedHardwareVersion,lowestHardwareVersionInVApp,metadata:env,',
    ],
    [
      'orgVdc',
      'name,description,isEnabled,cpuAllocationMhz,cpuLimitMhz,cpuUsedMhz,memoryAllocationMB,memoryLimitMB,memoryUsedMB,storageLimitMB,storageUsedMB,providerVdcName,providerVdc,orgName,org,allocationModel,numberOfVApps,numberOfUnmanagedVApps,numberOfMedia,numberOfDisks,numberOfVAppTemplates,vcName,isBusy,status,networkPool,numberOfResourcePools,numberOfStorageProfiles,usedNetworksInVdc,numberOfVMs,numberOfRunningVMs,numberOfDeployedVApps,numberOfDeployedUnmanagedVApps,isThinProvisioned,isFastProvisioned,networkProviderType,cpuOverheadMhz,isVCEnabled,memoryReservedMB,cpuReservedMhz,storageOverheadMB,memoryOverheadMB,vc,metadata:env,',
    ],
    [
      'task',
      'href,id,type,org,orgName,name,operationFull,message,startDate,endDate,status,progress,ownerName,object,objectType,objectName,serviceNamespace,metadata:env,',
    ],
    [
      'organization',
      'href,id,type,name,displayName,isEnabled,isReadOnly,canPublishCatalogs,deployedVMQuota,storedVMQuota,numberOfCatalogs,numberOfVdcs,numberOfVApps,numberOfGroups,numberOfDisks,metadata:env,',
    ],
  ];

  test('every type it searches answers its fields as a tenant, the same records as without them (until 2026-12-05 a 400)', async () => {
    for (const [type, fields] of SEARCHES) {
      const plain = await get(server, `/api/query?type=${type}&pageSize=128`, s.alice);
      assert.equal(plain.status, 200, `${type}: ${plain.text}`);
      const searched = await get(server, `/api/query?&type=${type}&fields=${fields}&pageSize=128`, s.alice);
      assert.equal(searched.status, 200, `${type}: ${searched.text}`);
      const total = (text: string) => /total="(\d+)"/.exec(text)?.[1];
      assert.equal(total(searched.text), total(plain.text), type);
      // An attribute the inventory does not hold is not made up.
      assert.doesNotMatch(searched.text, /datastoreName=|cpuUsedMhz=|serviceNamespace=|honorBookOrder=/, type);
    }
  });

  test('the attributes it names are accepted in filters and sorts too, and match nothing; a name VCD does not have is still a 400', async () => {
    const held = await get(server, '/api/query?type=vm&filter=hostName==esx*', s.alice);
    assert.equal(held.status, 200, held.text);
    assert.match(held.text, /total="0"/);
    const sorted = await get(server, '/api/query?type=vm&sortAsc=vmToolsVersion&pageSize=1', s.alice);
    assert.equal(sorted.status, 200, sorted.text);
    assert.match(xmlError(await get(server, '/api/query?type=vm&fields=name,hostname', s.alice), 400, 'BAD_REQUEST'), /fields: "hostname"/);
  });
});

describe('metadata in filters (govcd UseMetadataApiFilter, Terraform use_api_search)', () => {
  const total = async (who: string, type: string, filter: string) => {
    const res = await get(server, `/api/query?type=${type}&filter=${encodeURIComponent(filter)}&pageSize=1`, who);
    assert.equal(res.status, 200, `${filter}: ${res.text}`);
    return Number(/total="(\d+)"/.exec(res.text)?.[1]);
  };

  test('STRING, NUMBER and BOOLEAN entries compare by their type; == misses and != takes an entity without the entry', async () => {
    const all = await total(s.alice, 'vm', 'name==*');
    // The demo's web tier carries role=web (demo-spec.ts): every VM named web-NN.
    const web = await total(s.alice, 'vm', 'name==web-*');
    assert.ok(web > 0 && web < all);
    assert.equal(await total(s.alice, 'vm', 'metadata:role==STRING:web'), web);
    assert.equal(await total(s.alice, 'vm', 'metadata:role==web'), web, 'no type prefix: STRING');
    assert.equal(await total(s.alice, 'vm', 'metadata:role==STRING:we*'), web);
    assert.equal(await total(s.alice, 'vm', 'metadata:role!=STRING:web'), all - web);
    assert.equal(await total(s.alice, 'vm', '(name==web-*;metadata:role==STRING:web)'), web);
    assert.equal(await total(s.alice, 'vm', 'metadata:nosuchkey==STRING:web'), 0);
    assert.equal(await total(s.alice, 'vm', 'metadata:backup==BOOLEAN:false'), 1);
    assert.equal(await total(s.alice, 'vm', 'metadata:backup==STRING:false'), 0, 'a BOOLEAN entry is not a STRING one');
    assert.equal(await total(s.alice, 'organization', 'metadata:vmLimit=ge=NUMBER:50'), 1);
    assert.equal(await total(s.alice, 'organization', 'metadata:vmLimit=gt=NUMBER:100'), 0);
    assert.equal(await total(s.alice, 'organization', 'metadata:vmLimit==NUMBER:1e2'), 1, 'compared as numbers');
    assert.equal(await total(s.alice, 'catalog', 'metadata:env==STRING:demo'), 0, 'catalogs carry no metadata here');
  });

  test("the SYSTEM domain's PRIVATE entries filter for the provider only, as they read", async () => {
    assert.equal(await total(s.alice, 'organization', 'metadata@SYSTEM:tier==STRING:gold'), 1, 'READONLY: the tenant reads it');
    assert.equal(await total(s.alice, 'organization', 'metadata@SYSTEM:billingAccount==STRING:ACME-7731'), 0);
    assert.equal(await total(s.alice, 'organization', 'metadata@SYSTEM:billingAccount!=STRING:ACME-7731'), 1, 'absent to her');
    assert.equal(await total(s.admin, 'organization', 'metadata@SYSTEM:billingAccount==STRING:ACME-7731'), 1);
  });

  test('bad values and too many metadata comparisons are 400s that name the selector as written', async () => {
    const cases: Array<[string, RegExp]> = [
      ['metadata:vmLimit==NUMBER:many', /metadata:vmLimit==NUMBER:many: not a number/],
      ['metadata:backup==BOOLEAN:yes', /metadata:backup==BOOLEAN:yes: expected true or false/],
      [
        'metadata:a==x;metadata:b==x;metadata:c==x;metadata:d==x;metadata:e==x',
        /computed fields \(metadata:a, metadata:b, metadata:c, metadata:d, metadata:e\)/,
      ],
    ];
    for (const [filter, message] of cases) {
      assert.match(
        xmlError(await get(server, `/api/query?type=vm&filter=${encodeURIComponent(filter)}`, s.alice), 400, 'BAD_REQUEST'),
        message,
      );
    }
  });
});

describe('errors', () => {
  test('bad filters, unknown types, sort fields, fields and page values are 400 BAD_REQUEST', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/api/query?type=vm&filter=name==', /Cannot parse the supplied filter/],
      ['/api/query?type=vm&filter=(name==a', /Cannot parse the supplied filter/],
      ['/api/query?type=vm&filter=colour==red', /Cannot parse the supplied filter: unknown field "colour"/],
      ['/api/query?type=vm&filter=numberOfCpus==many', /not a number/],
      ['/api/query?type=virtualMachine', /Unknown query type "virtualMachine"/],
      ['/api/query?type=VM', /Unknown query type "VM"/],
      ['/api/query?type=vm&sortAsc=colour', /sortAsc: "colour" is not a field/],
      ['/api/query?type=vm&sortAsc=name&sortDesc=name', /either sortAsc or sortDesc/],
      ['/api/query?type=vm&fields=name,colour', /fields: "colour"/],
      ['/api/query?type=vm&page=0', /"page" must be a whole number/],
      // In VCD's words, not the declared schema's pattern (until 2026-12-05: `querystring/pageSize must match pattern "^\s*...`).
      ['/api/query?type=vm&pageSize=ten', /The parameter "pageSize" must be a whole number from 1 to 999999999, got "ten"/],
      ['/api/query?type=vm&page=-1', /The parameter "page" must be a whole number from 1 to 999999999, got "-1"/],
      // A run of spaces that does not end the value: read once (until 2026-12-05 backtracked, 1.4 s at 64 KiB, before
      // authentication); and a value over 32 characters is refused by the declared schema before it is read.
      [`/api/query?type=vm&page=${'+'.repeat(20)}x`, /The parameter "page" must be a whole number/],
      [`/api/query?type=vm&page=${'+'.repeat(30_000)}x`, /querystring\/page must NOT have more than 32 characters/],
      ['/api/query?type=vm&format=csv', /"format" must be one of/],
      // VCD's guide lists offset without its semantics: 0 is taken, anything else refused rather than ignored.
      ['/api/query?type=vm&pageSize=3&offset=2', /The parameter "offset" is supported only as 0, got "2": page with "page" and "pageSize"/],
      ['/api/vms/query?offset=-1', /"offset" is supported only as 0/],
      ['/api/query?type=vm&type=vApp', /different values/],
      ['/api/query?type=vm&filter=%E0%A4%A', /not valid URL encoding/],
    ];
    for (const [path, message] of cases) {
      assert.match(xmlError(await get(server, path, s.alice), 400, 'BAD_REQUEST'), message, path);
    }
    assert.equal((await get(server, '/api/query?type=vm&offset=0', s.alice)).status, 200);
    // A parameter repeated with the same value is taken, as `type` always was (until 2026-12-05 the declared schema
    // refused the others: "querystring/pageSize must be string"); two different values are a 400 in VCD's words.
    const repeated = await get(
      server,
      '/api/query?type=vm&pageSize=5&pageSize=5&page=1&page=1&offset=0&offset=0&filterEncoded=true&filterEncoded=true',
      s.alice,
    );
    assert.equal(repeated.status, 200, repeated.text);
    assert.match(repeated.text, /pageSize="5"/);
    assert.match(
      xmlError(await get(server, '/api/query?type=vm&pageSize=5&pageSize=6', s.alice), 400, 'BAD_REQUEST'),
      /"pageSize" is given more than once with different values/,
    );
    // Leading zeros are the number's; past nine digits the message says the range.
    assert.match((await get(server, '/api/query?type=vm&pageSize=00000000000000000000005', s.alice)).text, /pageSize="5"/);
    assert.match(
      xmlError(await get(server, '/api/query?type=vm&page=99999999999999999999', s.alice), 400, 'BAD_REQUEST'),
      /from 1 to 999999999/,
    );
    // Spaces around a page number are still taken, as before.
    const spaced = await get(server, '/api/query?type=vm&page=+1+&pageSize=+2', s.alice);
    assert.equal(spaced.status, 200, spaced.text);
    assert.match(spaced.text, /pageSize="2"/);
  });

  test('a filter is bounded by what it costs: 32 comparisons, 4 of them on computed fields (no statement can be cut short)', async () => {
    const or = (n: number, comparison: (i: number) => string) =>
      encodeURIComponent(Array.from({ length: n }, (_, i) => comparison(i)).join(','));
    const names = (n: number) => or(n, (i) => `name==nothing-${i}*`);
    assert.equal((await get(server, `/api/query?type=vm&filter=${names(32)}`, s.alice)).status, 200);
    assert.match(
      xmlError(await get(server, `/api/query?type=vm&filter=${names(33)}`, s.alice), 400, 'BAD_REQUEST'),
      /33 comparisons; at most 32/,
    );
    // A vApp's CPUs and memory are sums over its VMs, one subquery per vApp and per comparison: 98 of them held the
    // server for seconds at 100,000 VMs (2026-12-05).
    const memory = (n: number) => or(n, (i) => `memoryAllocationMB==${i}`);
    assert.equal((await get(server, `/api/query?type=vApp&filter=${memory(4)}`, s.alice)).status, 200);
    assert.match(
      xmlError(await get(server, `/api/query?type=vApp&filter=${memory(5)}`, s.alice), 400, 'BAD_REQUEST'),
      /computed fields \(memoryAllocationMB\) 5 times; at most 4/,
    );
  });

  test('admin types and admin packaged queries are 403 for tenants', async () => {
    for (const path of ['/api/query?type=adminVM', '/api/query?type=adminVApp', '/api/query?type=adminOrgVdc', '/api/admin/vms/query']) {
      xmlError(await get(server, path, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    }
  });

  test('no credentials is 401', async () => {
    const reply = await get(server, '/api/query?type=vm', null);
    xmlError(reply, 401, 'UNAUTHORIZED');
  });
});

describe('isolation and the System view', () => {
  test('a tenant never sees another org: same names, foreign hrefs and filters return nothing of theirs', async () => {
    const hankAll = parseXml((await get(server, '/api/query?type=vm&pageSize=128', s.hank)).text);
    assert.deepEqual(names(hankAll).sort(), GLOBEX.map((p) => p.vm.name).sort());
    const web01 = records(parseXml((await get(server, '/api/query?type=vm&filter=name==web-01', s.hank)).text));
    assert.equal(web01.length, 1);
    assert.equal(web01[0]!.attrs.href, `${server.baseUrl}/api/vApp/vm-${demoIds.vm(globexId, 'globex-main', 'erp', 'web-01')}`);
    const acmeVdc = `${server.baseUrl}/api/vdc/${demoIds.vdc(acmeId, 'acme-prod')}`;
    assert.equal(parseXml((await get(server, `/api/query?type=vm&filter=vdc==${acmeVdc}`, s.hank)).text).attrs.total, '0');
    assert.equal(parseXml((await get(server, '/api/query?type=orgVdc&filter=orgName==acme', s.hank)).text).attrs.total, '0');
    assert.equal(parseXml((await get(server, '/api/query?type=user&filter=name==alice', s.hank)).text).attrs.total, '0');
  });

  test('adminVM: the System administrator sees every org, with org attributes', async () => {
    const all = parseXml((await get(server, '/api/query?type=adminVM&pageSize=128', s.admin)).text);
    assert.equal(all.attrs.total, String(ACME.length + GLOBEX.length));
    const recs = records(all, 'AdminVMRecord');
    assert.equal(recs.length, ACME.length + GLOBEX.length);
    assert.ok(recs.every((r) => new RegExp(`^${server.baseUrl}/api/org/(${acmeId}|${globexId})$`).test(r.attrs.org!)));
    const acmeOnly = parseXml((await get(server, `/api/query?type=adminVM&filter=org==${server.baseUrl}/api/org/${acmeId}`, s.admin)).text);
    assert.equal(acmeOnly.attrs.total, String(ACME.length));
  });

  test('an API-token session (the reason Tessera exists) runs the query', async () => {
    const { apiToken } = await createApiToken(server.baseUrl, s.alice, 'acme', `query-test-${randomUUID()}`);
    const access = await accessTokenFrom(server.baseUrl, 'acme', apiToken);
    const root = parseXml((await get(server, '/api/query?type=vm', access)).text);
    assert.equal(root.attrs.total, String(ACME.length));
  });
});

describe('exact totals across writes (cache invalidation)', () => {
  test('a VM added or removed behind the server shows in the very next answer', async () => {
    const path = '/api/query?type=vm&filter=isVAppTemplate==false&page=2';
    const before = parseXml((await get(server, path, s.alice)).text);
    assert.equal(before.attrs.total, String(ACME_NON_TEMPLATE.length));
    const again = parseXml((await get(server, path, s.alice)).text); // answered from the page cache
    assert.deepEqual(names(again), names(before));

    const vappId = demoIds.vapp(acmeId, 'acme-prod', 'web-frontend');
    const vm = await server.store.db.selectFrom('vms').selectAll().where('vapp_id', '=', vappId).executeTakeFirstOrThrow();
    const id = randomUUID();
    await server.store.db
      .insertInto('vms')
      .values({ ...vm, id, name: 'aaa-inserted' })
      .execute();
    const after = parseXml((await get(server, path, s.alice)).text);
    assert.equal(after.attrs.total, String(ACME_NON_TEMPLATE.length + 1));
    assert.notDeepEqual(names(after), names(before), 'page 2 shifted by the new first VM');

    await server.store.db.deleteFrom('vms').where('id', '=', id).execute();
    assert.equal(parseXml((await get(server, path, s.alice)).text).attrs.total, String(ACME_NON_TEMPLATE.length));
  });
});

describe('the page cache answers byte for byte what a fresh query would', () => {
  test('XML and JSON, from the cache and with Cache-Control: no-cache: same body, type and length', async () => {
    for (const accept of [undefined, JSON_ACCEPT]) {
      const path = '/api/query?type=vm&filter=isVAppTemplate==false&page=2&sortDesc=name';
      const first = await get(server, path, s.alice, accept);
      const cached = await get(server, path, s.alice, accept);
      const fresh = await get(server, path, s.alice, accept, { 'Cache-Control': 'no-cache' });
      assert.equal(first.status, 200);
      for (const reply of [cached, fresh]) {
        assert.equal(reply.text, first.text);
        for (const header of ['content-type', 'content-length']) assert.equal(reply.headers.get(header), first.headers.get(header));
      }
      // A packaged path with the same query string is another document (no `type=` in its hrefs).
      const packaged = await get(server, path.replace('/api/query', '/api/vms/query'), s.alice, accept);
      assert.equal(packaged.status, 200);
      assert.notEqual(packaged.text, first.text);
    }
  });
});

describe('filter by id', () => {
  test("id==<URN | href | id> finds that one entity (govcd's QueryVAppTemplateById); id is no rendered attribute", async () => {
    const all = parseXml((await get(server, '/api/query?type=vAppTemplate&format=idrecords&pageSize=128', s.alice)).text);
    const templates = records(all, 'VAppTemplateRecord');
    assert.ok(templates.length >= 2, 'two templates to tell apart');
    const target = templates[1]!;
    const uuid = target.attrs.id!.split(':').pop()!;
    for (const value of [target.attrs.id!, target.attrs.href!, uuid]) {
      const root = parseXml((await get(server, `/api/query?type=vAppTemplate&filter=id==${encodeURIComponent(value)}`, s.alice)).text);
      assert.equal(root.attrs.total, '1', value);
      const [record] = records(root, 'VAppTemplateRecord');
      assert.equal(record!.attrs.name, target.attrs.name);
      assert.equal(record!.attrs.id, undefined, 'records carry an href, no id attribute');
    }
    const others = parseXml((await get(server, `/api/query?type=vAppTemplate&filter=id!=${target.attrs.id}&pageSize=128`, s.alice)).text);
    assert.equal(Number(others.attrs.total), templates.length - 1);
    // Another org's entity by id is simply not in the caller's scope.
    const vm = GLOBEX[0]!;
    const globexVm = parseXml(
      (await get(server, `/api/query?type=vm&filter=id==${demoIds.vm(globexId, vm.vdc.name, vm.vapp.name, vm.vm.name)}`, s.alice)).text,
    );
    assert.equal(globexVm.attrs.total, '0');
    // A catalog's id is its own (inventory/catalogs.ts), resolved through the catalog index: a template's id, the
    // row that stands for a catalog, names no catalog (catalogs.test.ts finds catalogs by their own ids).
    const byTemplateId = parseXml((await get(server, `/api/query?type=catalog&filter=id==${target.attrs.id}`, s.alice)).text);
    assert.equal(byTemplateId.attrs.total, '0');
    // A malformed id is the filter's 400, as any malformed reference.
    xmlError(await get(server, '/api/query?type=vAppTemplate&filter=id==nope', s.alice), 400, 'BAD_REQUEST');
  });
});
