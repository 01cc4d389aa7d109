/**
 * Catalogs, derived from the vApp templates (src/inventory/catalogs.ts), as pyvcloud and govcd read them: the
 * `catalog` query type (Org.list_catalogs), the Org document's links (Org.get_catalog), the Catalog document
 * (list_catalog_items) and the CatalogItem (get_catalog_item), whose Entity is the template. Expected names and
 * counts come from the demo spec, never from the server's answers.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { http } from '../../helpers/api.js';
import { demoWorld } from '../../conformance/expect.js';
import {
  JSON_ACCEPT,
  UUID,
  XML_ACCEPT,
  child,
  childrenNamed,
  get,
  links,
  parseXml,
  queryRecords,
  startDemoServer,
  xmlError,
  type DemoSessions,
} from './support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;
let globexId: string;

before(async () => {
  ({ server, s, acmeId, globexId } = await startDemoServer());
});
after(async () => server?.stop());

/** Catalog name → its templates' names, from the demo spec (the conformance suites' own reading of it). */
function expectedCatalogs(org: 'acme' | 'globex'): Map<string, string[]> {
  return new Map(
    demoWorld()
      .catalogs.filter((c) => c.org === org)
      .map((c) => [c.name, c.items]),
  );
}

const records = (query: string, session: string, element: string) => queryRecords(server, query, session, element);

test('type=catalog lists one record per catalog name of the org, with its template count', async () => {
  const expected = expectedCatalogs('acme');
  assert.ok(expected.size >= 2, 'the demo has two catalogs to sort and filter');
  const { root, records: found } = await records('type=catalog&format=idrecords&pageSize=25', s.alice, 'CatalogRecord');
  assert.equal(root.attrs.total, String(expected.size));
  assert.deepEqual(found.map((r) => r.attrs.name).sort(), [...expected.keys()].sort());
  for (const r of found) {
    assert.equal(r.attrs.numberOfVAppTemplates, String(expected.get(r.attrs.name!)!.length), r.attrs.name);
    assert.equal(r.attrs.numberOfMedia, '0');
    assert.equal(r.attrs.isPublished, 'false');
    assert.equal(r.attrs.isShared, 'false');
    assert.equal(r.attrs.isLocal, 'true', "the org's own (Terraform's vcd_catalog is_local)");
    assert.equal(r.attrs.orgName, 'acme');
    assert.equal(r.attrs.ownerName, 'alice', 'the owner of its oldest template');
    assert.match(r.attrs.id!, new RegExp(`^urn:vcloud:catalog:${UUID}$`));
    assert.ok(!Number.isNaN(Date.parse(r.attrs.creationDate!)));
  }

  // isLocal is a field like the others: asked for, and filtered on.
  assert.equal((await records('type=catalog&filter=isLocal==true', s.alice, 'CatalogRecord')).root.attrs.total, String(expected.size));
  assert.equal((await records('type=catalog&filter=isLocal==false', s.alice, 'CatalogRecord')).root.attrs.total, '0');

  // A filter and a sort, each checked against the spec.
  const names = [...expected.keys()].sort();
  const desc = await records('type=catalog&sortDesc=name', s.alice, 'CatalogRecord');
  assert.deepEqual(
    desc.records.map((r) => r.attrs.name),
    [...names].reverse(),
  );
  const last = names.at(-1)!;
  const filtered = await records(`type=catalog&filter=${encodeURIComponent(`name==${last}`)}`, s.alice, 'CatalogRecord');
  assert.equal(filtered.root.attrs.total, '1');
  assert.deepEqual(
    filtered.records.map((r) => r.attrs.name),
    [last],
  );
  const byCount = await records(`type=catalog&filter=${encodeURIComponent(`numberOfVAppTemplates=gt=1`)}`, s.alice, 'CatalogRecord');
  assert.deepEqual(
    byCount.records.map((r) => r.attrs.name).sort(),
    names.filter((n) => expected.get(n)!.length > 1),
  );

  // Counts stay per type: vApps, templates and catalogs are all rows of `vapps`.
  const templates = [...expected.values()].flat().length;
  for (const [type, element, total] of [
    ['vApp', 'VAppRecord', undefined],
    ['vAppTemplate', 'VAppTemplateRecord', templates],
    ['catalog', 'CatalogRecord', expected.size],
  ] as const) {
    const { root: r } = await records(`type=${type}&pageSize=1`, s.alice, element);
    if (total !== undefined) assert.equal(r.attrs.total, String(total), type);
  }

  // The org's packaged query, and the QueryList advertises the type.
  const packaged = await get(server, `/api/org/${acmeId}/catalogs/query`, s.alice);
  assert.equal(packaged.status, 200, packaged.text);
  assert.deepEqual(
    childrenNamed(parseXml(packaged.text), 'CatalogRecord')
      .map((r) => r.attrs.name)
      .sort(),
    names,
  );
  const list = await get(server, '/api/query', s.alice);
  assert.match(list.text, /type=catalog&amp;format=records/);
});

test('other orgs see none of these catalogs; adminCatalog is for the System administrator only', async () => {
  const globex = await records('type=catalog', s.hank, 'CatalogRecord');
  assert.equal(globex.root.attrs.total, String(expectedCatalogs('globex').size));
  xmlError(await get(server, '/api/query?type=adminCatalog', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(await get(server, `/api/org/${acmeId}/catalogs/query`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');

  const admin = await records('type=adminCatalog&pageSize=100', s.admin, 'AdminCatalogRecord');
  const all = [...expectedCatalogs('acme').keys(), ...expectedCatalogs('globex').keys()].sort();
  assert.deepEqual(admin.records.map((r) => r.attrs.name).sort(), all);
});

test("type=catalogItem, as govcd's Catalog.QueryCatalogItemList (catalog==<urn>), Vdc.QueryCatalogItemList (vdc==) and QueryCatalogItem (id==, name==) run it", async () => {
  const expected = expectedCatalogs('acme');
  const catalogs = (await records('type=catalog&format=idrecords', s.alice, 'CatalogRecord')).records;
  const allItems = (await records('type=catalogItem&format=idrecords&pageSize=128', s.alice, 'CatalogItemRecord')).records;
  assert.deepEqual(allItems.map((r) => r.attrs.name).sort(), [...expected.values()].flat().sort(), 'one item per template in a catalog');
  const templates = (await records('type=vAppTemplate&format=idrecords&pageSize=128', s.alice, 'VAppTemplateRecord')).records;

  for (const catalog of catalogs) {
    const want = expected.get(catalog.attrs.name!)!;
    // govcd sends the URN; an href or the bare id name the same catalog.
    const bareId = catalog.attrs.id!.split(':').at(-1)!;
    for (const value of [catalog.attrs.id!, `${server.baseUrl}/api/catalog/${bareId}`, bareId]) {
      const items = await records(`type=catalogItem&filter=${encodeURIComponent(`catalog==${value}`)}`, s.alice, 'CatalogItemRecord');
      assert.deepEqual(items.records.map((r) => r.attrs.name).sort(), [...want].sort(), `catalog==${value}`);
      assert.equal(items.root.attrs.total, String(want.length));
    }
    const byId = await records(`type=catalog&filter=${encodeURIComponent(`id==${catalog.attrs.id}`)}`, s.alice, 'CatalogRecord');
    assert.deepEqual(
      byId.records.map((r) => r.attrs.name),
      [catalog.attrs.name],
      "govcd's Org.GetCatalogById: the catalog query by id",
    );
    const others = await records(
      `type=catalogItem&filter=${encodeURIComponent(`catalog!=${catalog.attrs.id}`)}`,
      s.alice,
      'CatalogItemRecord',
    );
    assert.equal(others.root.attrs.total, String(allItems.length - want.length), 'catalog!= is the rest');

    for (const name of want) {
      const [item] = (
        await records(
          `type=catalogItem&filter=${encodeURIComponent(`catalog==${catalog.attrs.id};name==${name}`)}`,
          s.alice,
          'CatalogItemRecord',
        )
      ).records;
      assert.ok(item, `QueryCatalogItem(${name})`);
      const a = item.attrs;
      const template = templates.find((t) => t.attrs.name === name && t.attrs.catalogName === catalog.attrs.name)!;
      assert.equal(a.entityType, 'vapptemplate');
      assert.equal(a.entityName, name);
      assert.equal(a.catalogName, catalog.attrs.name);
      assert.equal(a.catalog, `${server.baseUrl}/api/catalog/${bareId}`);
      assert.equal(a.entity, `${server.baseUrl}/api/vAppTemplate/vappTemplate-${template.attrs.id!.split(':').at(-1)}`);
      assert.equal(a.vdcName, template.attrs.vdcName);
      assert.equal(a.ownerName, template.attrs.ownerName);
      assert.equal(a.isPublished, 'false');
      // The item's own href is the CatalogItem document, whose Entity is the same template; the template record
      // names the same item and catalog.
      const itemPath = new URL(a.href!).pathname;
      assert.match(itemPath, new RegExp(`^/api/catalogItem/${UUID}$`));
      const doc = parseXml((await get(server, itemPath, s.alice)).text);
      assert.equal(child(doc, 'Entity').attrs.href, a.entity);
      const templateRecord = (
        await records(
          `type=vAppTemplate&filter=${encodeURIComponent(`catalogItem==${itemPath.split('/').at(-1)}`)}`,
          s.alice,
          'VAppTemplateRecord',
        )
      ).records;
      assert.deepEqual(
        templateRecord.map((t) => [t.attrs.name, t.attrs.catalogItem, t.attrs.catalog]),
        [[name, a.href, a.catalog]],
        'the vAppTemplate record names its catalog item and catalog, and filters by them',
      );
      const byItemId = await records(
        `type=catalogItem&format=idrecords&filter=${encodeURIComponent(`id==urn:vcloud:catalogitem:${itemPath.split('/').at(-1)}`)}`,
        s.alice,
        'CatalogItemRecord',
      );
      assert.deepEqual(
        byItemId.records.map((r) => r.attrs.name),
        [name],
      );
    }
  }

  // By VDC: every item's template lives in some VDC of acme; the VDC filter partitions them.
  const vdcs = (await records('type=orgVdc&format=idrecords', s.alice, 'OrgVdcRecord')).records;
  let perVdc = 0;
  for (const vdc of vdcs) {
    const items = await records(`type=catalogItem&filter=${encodeURIComponent(`vdc==${vdc.attrs.id}`)}`, s.alice, 'CatalogItemRecord');
    assert.ok(items.records.every((r) => r.attrs.vdcName === vdc.attrs.name));
    perVdc += items.records.length;
  }
  assert.equal(perVdc, allItems.length);

  // Ids that name nothing in the caller's scope: unknown, and (to globex's hank) acme's.
  for (const [value, session] of [
    ['urn:vcloud:catalog:00000000-0000-4000-8000-000000000000', s.alice],
    [catalogs[0]!.attrs.id!, s.hank],
  ] as const) {
    const none = await records(`type=catalogItem&filter=${encodeURIComponent(`catalog==${value}`)}`, session, 'CatalogItemRecord');
    assert.equal(none.root.attrs.total, '0', value);
    const none2 = await records(`type=catalog&filter=${encodeURIComponent(`id==${value}`)}`, session, 'CatalogRecord');
    assert.equal(none2.root.attrs.total, '0', value);
  }
  assert.match(
    xmlError(await get(server, `/api/query?type=catalogItem&filter=${encodeURIComponent('catalog==nope')}`, s.alice), 400, 'BAD_REQUEST'),
    /expected an href, a URN or an id/,
  );

  // JSON, the admin type for the provider only, and the QueryList.
  const json = await get(
    server,
    `/api/query?type=catalogItem&filter=${encodeURIComponent(`catalog==${catalogs[0]!.attrs.id}`)}`,
    s.alice,
    JSON_ACCEPT,
  );
  assert.equal(json.status, 200, json.text);
  const body = JSON.parse(json.text) as { record: Array<{ _type: string; catalogName: string }> };
  assert.ok(
    body.record.length > 0 &&
      body.record.every((r) => r._type === 'QueryResultCatalogItemRecordType' && r.catalogName === catalogs[0]!.attrs.name),
  );
  xmlError(await get(server, '/api/query?type=adminCatalogItem', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  const admin = await records(
    `type=adminCatalogItem&pageSize=128&filter=${encodeURIComponent(`catalog==${catalogs[0]!.attrs.id}`)}`,
    s.admin,
    'AdminCatalogItemRecord',
  );
  assert.deepEqual(admin.records.map((r) => r.attrs.name).sort(), [...expected.get(catalogs[0]!.attrs.name!)!].sort());
  assert.match((await get(server, '/api/query', s.alice)).text, /type=catalogItem&amp;format=records/);
});

test('Org → Catalog → CatalogItem → vAppTemplate, in XML, following the hrefs', async () => {
  const expected = expectedCatalogs('acme');
  const org = parseXml((await get(server, `/api/org/${acmeId}`, s.alice)).text);
  const catalogLinks = links(org, 'down').filter((l) => l.attrs.type === 'application/vnd.vmware.vcloud.catalog+xml');
  assert.deepEqual(catalogLinks.map((l) => l.attrs.name).sort(), [...expected.keys()].sort());
  assert.ok(links(org, 'down').some((l) => l.attrs.href === `${server.baseUrl}/api/org/${acmeId}/catalogs/query`));

  for (const link of catalogLinks) {
    const reply = await get(server, link.attrs.href!, s.alice);
    assert.equal(reply.status, 200, reply.text);
    assert.match(String(reply.headers.get('content-type')), /^application\/vnd\.vmware\.vcloud\.catalog\+xml/);
    const catalog = parseXml(reply.text);
    assert.equal(catalog.name, 'Catalog');
    assert.equal(catalog.attrs.name, link.attrs.name);
    assert.equal(catalog.attrs.href, link.attrs.href);
    assert.match(catalog.attrs.id!, new RegExp(`^urn:vcloud:catalog:${UUID}$`));
    assert.equal(links(catalog, 'up')[0]!.attrs.href, `${server.baseUrl}/api/org/${acmeId}`);
    assert.equal(child(catalog, 'IsPublished').text, 'false');
    assert.equal(child(catalog, 'VersionNumber').text, '1');
    assert.equal(child(child(catalog, 'Owner'), 'User').attrs.name, 'alice');
    const items = childrenNamed(child(catalog, 'CatalogItems'), 'CatalogItem');
    assert.deepEqual(items.map((i) => i.attrs.name).sort(), [...expected.get(link.attrs.name!)!].sort());

    for (const item of items) {
      const itemReply = await get(server, item.attrs.href!, s.alice);
      assert.equal(itemReply.status, 200, itemReply.text);
      const doc = parseXml(itemReply.text);
      assert.equal(doc.name, 'CatalogItem');
      assert.equal(doc.attrs.id, item.attrs.id);
      assert.equal(links(doc, 'up')[0]!.attrs.href, link.attrs.href);
      const entity = child(doc, 'Entity');
      assert.equal(entity.attrs.type, 'application/vnd.vmware.vcloud.vAppTemplate+xml');
      assert.equal(entity.attrs.name, item.attrs.name);
      const template = await get(server, entity.attrs.href!, s.alice);
      assert.equal(template.status, 200, template.text);
      assert.equal(parseXml(template.text).attrs.name, item.attrs.name);
      // ... and back: the template names its catalog item (govcd's VAppTemplate.GetCatalogItemHref).
      const back = links(parseXml(template.text), 'catalogItem');
      assert.deepEqual(
        back.map((l) => [l.attrs.href, l.attrs.type]),
        [[item.attrs.href, 'application/vnd.vmware.vcloud.catalogItem+xml']],
      );
    }
  }

  // The AdminOrg lists the same catalogs as CatalogReferences to their admin view.
  const adminOrg = parseXml((await get(server, `/api/admin/org/${acmeId}`, s.alice)).text);
  const refs = childrenNamed(child(adminOrg, 'Catalogs'), 'CatalogReference');
  assert.deepEqual(refs.map((r) => r.attrs.name).sort(), [...expected.keys()].sort());
  const adminCatalog = await get(server, refs[0]!.attrs.href!, s.alice);
  assert.equal(adminCatalog.status, 200, adminCatalog.text);
  assert.equal(parseXml(adminCatalog.text).name, 'AdminCatalog');
});

test('the Catalog and CatalogItem in VCD JSON', async () => {
  const expected = expectedCatalogs('acme');
  const { records: found } = await records('type=catalog', s.alice, 'CatalogRecord');
  const name = [...expected.keys()].sort()[0]!;
  const href = found.find((r) => r.attrs.name === name)!.attrs.href!;
  const reply = await http(href, { headers: { Authorization: `Bearer ${s.alice}`, Accept: JSON_ACCEPT } });
  assert.equal(reply.status, 200, reply.text);
  assert.match(String(reply.headers.get('content-type')), /^application\/vnd\.vmware\.vcloud\.catalog\+json/);
  const catalog = reply.json();
  assert.equal(catalog.name, name);
  assert.equal(catalog.isPublished, false);
  assert.equal(catalog.versionNumber, 1);
  const items = catalog.catalogItems.catalogItem as Array<{ name: string; href: string }>;
  assert.ok(Array.isArray(items));
  assert.deepEqual(items.map((i) => i.name).sort(), [...expected.get(name)!].sort());

  const itemReply = await http(items[0]!.href, { headers: { Authorization: `Bearer ${s.alice}`, Accept: JSON_ACCEPT } });
  assert.equal(itemReply.status, 200, itemReply.text);
  const item = itemReply.json();
  assert.equal(item.entity.name, items[0]!.name);
  assert.equal(item.entity.type, 'application/vnd.vmware.vcloud.vAppTemplate+json');
});

test("unknown, malformed and other orgs' catalog and item ids are the same 403", async () => {
  const { records: found } = await records('type=catalog', s.alice, 'CatalogRecord');
  const catalogPath = new URL(found[0]!.attrs.href!).pathname;
  const catalog = parseXml((await get(server, catalogPath, s.alice)).text);
  const itemPath = new URL(childrenNamed(child(catalog, 'CatalogItems'), 'CatalogItem')[0]!.attrs.href!).pathname;
  for (const path of [catalogPath, itemPath, catalogPath.replace('/api/', '/api/admin/')]) {
    xmlError(await get(server, path, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  }
  for (const path of [
    '/api/catalog/not-a-uuid',
    `/api/catalog/${globexId}`,
    `/api/catalogItem/${globexId}`,
    `/api/catalog/urn:vcloud:vdc:${catalogPath.split('/').at(-1)}`,
  ]) {
    xmlError(await get(server, path, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  }
  // The System administrator reads any org's.
  assert.equal((await get(server, catalogPath, s.admin)).status, 200);
  assert.equal((await get(server, itemPath, s.admin)).status, 200);
});

// Last in this file: it deletes one of acme's catalogs.
test("DELETE of a catalog, as govcd's AdminOrg.Delete(force, recursive) runs it before the org: the provider's, recursive deletes its templates", async () => {
  const [name, templates] = [...expectedCatalogs('acme')].find(([, t]) => t.length === 1) ?? [...expectedCatalogs('acme')][0]!;
  const adminOrg = parseXml((await get(server, `/api/admin/org/${acmeId}`, s.admin)).text);
  const reference = childrenNamed(child(adminOrg, 'Catalogs'), 'CatalogReference').find((r) => r.attrs.name === name)!;
  assert.ok(reference, `the AdminOrg lists ${name}`);
  const path = new URL(reference.attrs.href!).pathname;
  assert.match(path, /^\/api\/admin\/catalog\/[0-9a-f-]{36}$/);
  const del = (session: string, query = '') =>
    http(`${server.baseUrl}${path}${query}`, { method: 'DELETE', headers: { Authorization: `Bearer ${session}`, Accept: XML_ACCEPT } });
  const templateCount = async () => {
    const { records: found } = await records('type=vAppTemplate&pageSize=128', s.alice, 'VAppTemplateRecord');
    return found.filter((r) => r.attrs.catalogName === name).length;
  };
  assert.equal(await templateCount(), templates.length);

  xmlError(await del(s.alice, '?force=true&recursive=true'), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(await del(s.hank, '?force=true&recursive=true'), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  assert.match(xmlError(await del(s.admin), 400, 'BAD_REQUEST'), /recursive=true/);
  assert.equal(await templateCount(), templates.length, 'refused deletes change nothing');

  // VCD 10.x answers the delete with its Task, which govcd's Catalog.Delete decodes and waits on (an empty body fails).
  const done = await del(s.admin, '?force=true&recursive=true');
  assert.equal(done.status, 202, done.text);
  const task = parseXml(done.text);
  assert.equal(task.name, 'Task');
  assert.equal(task.attrs.status, 'success');
  assert.equal(task.attrs.operationName, 'catalogDelete');
  const owner = child(task, 'Owner');
  assert.equal(owner.attrs.href, reference.attrs.href, 'the Task is about the catalog, at its AdminCatalog href');
  assert.equal(owner.attrs.type, 'application/vnd.vmware.admin.catalog+xml');
  assert.equal(owner.attrs.name, name);
  assert.match(owner.attrs.id!, /^urn:vcloud:catalog:[0-9a-f-]{36}$/);
  const polled = parseXml((await get(server, new URL(task.attrs.href!).pathname, s.admin)).text);
  assert.equal(polled.attrs.status, 'success', 'the Task is readable where its href points');
  const { records: taskRecords } = await records(
    `type=adminTask&filter=${encodeURIComponent('name==catalogDelete')}`,
    s.admin,
    'AdminTaskRecord',
  );
  assert.equal(taskRecords.length, 1);
  assert.equal(taskRecords[0]!.attrs.object, reference.attrs.href, "the task query's object is the catalog");
  assert.equal(taskRecords[0]!.attrs.objectName, name);
  assert.equal(await templateCount(), 0, 'its templates are gone');
  xmlError(await get(server, path, s.admin), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  const after = childrenNamed(
    child(parseXml((await get(server, `/api/admin/org/${acmeId}`, s.admin)).text), 'Catalogs'),
    'CatalogReference',
  );
  assert.ok(!after.some((r) => r.attrs.name === name), 'the AdminOrg no longer lists it');
  const events = await server.store.db.selectFrom('audit_events').select('details').where('event_type', '=', 'catalog.deleted').execute();
  assert.ok(
    events.some((e) => String(e.details).includes(name)),
    'audited',
  );
});

test('media: no records, as Terraform\'s data "vcd_catalog" reads a catalog\'s (type=media&filter=catalog==<href>); not an unknown type', async () => {
  const catalog = (await records('type=catalog&pageSize=25', s.alice, 'CatalogRecord')).records[0]!;
  const filter = `catalog==${encodeURIComponent(catalog.attrs.href!)}`;
  for (const [type, session, element] of [
    ['media', s.alice, 'MediaRecord'],
    ['media', s.bob, 'MediaRecord'],
    ['adminMedia', s.admin, 'AdminMediaRecord'],
  ] as const) {
    for (const format of ['records', 'idrecords', 'references']) {
      const { root, records: found } = await records(`type=${type}&format=${format}&filter=${filter}`, session, element);
      assert.equal(root.attrs.total, '0', `${type} ${format}`);
      assert.equal(found.length, 0);
    }
    const json = await get(server, `/api/query?type=${type}&filter=${filter}&sortAsc=name`, session, 'application/*+json;version=36.1');
    assert.equal(json.status, 200, json.text);
    assert.deepEqual([json.json().total, json.json().record], [0, []]);
  }
  // Its fields are VCD's: a well-formed filter on any of them is answered, an unknown one is the 400 it always was.
  const all = await records('type=media&filter=name==*;isIso==true;storageB=gt=0&sortDesc=creationDate', s.alice, 'MediaRecord');
  assert.equal(all.root.attrs.total, '0');
  xmlError(await get(server, '/api/query?type=media&filter=nope==1', s.alice), 400, 'BAD_REQUEST');
  // Like the catalogs it belongs to: adminMedia is the provider's.
  xmlError(await get(server, '/api/query?type=adminMedia', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  const queryList = new Set(links(parseXml((await get(server, '/api/query', s.alice)).text)).map((l) => l.attrs.name));
  assert.ok(queryList.has('media'), 'the QueryList offers it');
});

test("a catalog's metadata (govcd's Catalog.GetMetadata, Terraform's vcd_catalog): VCD's empty Metadata, at both hrefs, read like the catalog", async () => {
  const catalog = (await records('type=catalog&pageSize=25', s.alice, 'CatalogRecord')).records[0]!;
  const id = new URL(catalog.attrs.href!).pathname.split('/').pop()!;
  for (const path of [`/api/catalog/${id}`, `/api/admin/catalog/${id}`]) {
    for (const suffix of ['/metadata', '/metadata/']) {
      const reply = await get(server, `${path}${suffix}`, s.bob);
      assert.equal(reply.status, 200, reply.text);
      assert.match(String(reply.headers.get('content-type')), /^application\/vnd\.vmware\.vcloud\.metadata\+xml/);
      const metadata = parseXml(reply.text);
      assert.equal(metadata.attrs.href, `${server.baseUrl}${path}/metadata`);
      assert.equal(childrenNamed(metadata, 'MetadataEntry').length, 0);
      assert.equal(links(metadata, 'up')[0]!.attrs.href, `${server.baseUrl}${path}`);
    }
    xmlError(await get(server, `${path}/metadata`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  }
  xmlError(await get(server, `/api/catalog/${globexId}/metadata`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
});

test("a catalog item's metadata (govcd's CatalogItem.GetMetadata, pyvcloud's get_all_metadata_from_catalog_item): linked from the item and the catalog, empty", async () => {
  const catalog = (await records('type=catalog&pageSize=25', s.alice, 'CatalogRecord')).records[0]!;
  const catalogDoc = parseXml((await get(server, new URL(catalog.attrs.href!).pathname, s.alice)).text);
  const metadataLink = links(catalogDoc, 'down').find((l) => l.attrs.type === 'application/vnd.vmware.vcloud.metadata+xml');
  assert.equal(metadataLink?.attrs.href, `${catalog.attrs.href}/metadata`, "the catalog links its metadata, as pyvcloud's reads look for");
  const itemHref = childrenNamed(child(catalogDoc, 'CatalogItems'), 'CatalogItem')[0]!.attrs.href!;
  const itemDoc = parseXml((await get(server, new URL(itemHref).pathname, s.alice)).text);
  const itemLink = links(itemDoc, 'down').find((l) => l.attrs.type === 'application/vnd.vmware.vcloud.metadata+xml');
  assert.equal(itemLink?.attrs.href, `${itemHref}/metadata`);
  for (const suffix of ['/metadata', '/metadata/']) {
    const reply = await get(server, `${new URL(itemHref).pathname}${suffix}`, s.bob);
    assert.equal(reply.status, 200, reply.text);
    const metadata = parseXml(reply.text);
    assert.equal(metadata.attrs.href, `${itemHref}/metadata`);
    assert.equal(childrenNamed(metadata, 'MetadataEntry').length, 0);
    assert.equal(links(metadata, 'up')[0]!.attrs.href, itemHref);
  }
  xmlError(await get(server, `${new URL(itemHref).pathname}/metadata`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(await get(server, `/api/catalogItem/${globexId}/metadata`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
});
