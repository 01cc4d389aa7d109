/**
 * Taking an org apart as govcd's `AdminOrg.Delete(true, true)` does (what Terraform's `vcd_org` runs on destroy with
 * `delete_force` and `delete_recursive`): undeploy and delete every vApp of every VDC, delete the catalogs, disable and
 * delete every VDC, disable and delete the org (src/http/legacy/inventory-teardown.ts). Then the refusals: tenants
 * (an org administrator included) get VCD's 403 and change nothing, a vApp with a powered-on VM is not deleted, an
 * enabled VDC or one with content (without recursive) is not deleted, odd ids are 403, never a 500. And the decision
 * docs/inventory.md states: what is deleted or powered off here comes back at its source's next sync.
 * Runs on the selected backend (TESSERA_TEST_BACKEND).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { http } from '../../helpers/api.js';
import {
  XML_ACCEPT,
  child,
  childrenNamed,
  get,
  parseXml,
  startDemoServer,
  xmlError,
  type DemoSessions,
  type XmlElement,
} from './support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;
let globexId: string;

before(async () => {
  ({ server, s, acmeId, globexId } = await startDemoServer());
});
after(async () => server?.stop());

const UNDEPLOY = 'application/vnd.vmware.vcloud.undeployVAppParams+xml';
/** The body govcd's VApp.Undeploy sends. */
const undeployBody = (action = 'powerOff') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<UndeployVAppParams xmlns="http://www.vmware.com/vcloud/v1.5"><UndeployPowerAction>${action}</UndeployPowerAction></UndeployVAppParams>`;

const pathOf = (href: string) => new URL(href).pathname;

function call(method: string, path: string, token: string, body?: string, contentType?: string) {
  return http(`${server.baseUrl}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: XML_ACCEPT,
      ...(contentType ? { 'Content-Type': contentType } : {}),
    },
    ...(body !== undefined ? { body } : {}),
  });
}

/** A 202 whose body is a finished Task, polled at its href as govcd's WaitTaskCompletion does. */
async function finishedTask(reply: { status: number; text: string }, operationName: string): Promise<XmlElement> {
  assert.equal(reply.status, 202, reply.text);
  const task = parseXml(reply.text);
  assert.equal(task.name, 'Task');
  assert.equal(task.attrs.operationName, operationName);
  const polled = parseXml((await get(server, pathOf(task.attrs.href!), s.admin)).text);
  assert.equal(polled.attrs.status, 'success', 'the Task reads success where its href points');
  return task;
}

const inventoryOf = async (orgId: string) => {
  const count = async (table: 'vdcs' | 'vapps' | 'vms') =>
    Number(
      (
        await server.store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('org_id', '=', orgId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  // Metadata of the inventory (VDCs, vApps, VMs): the org's own stays with the org.
  const metadata = async () =>
    Number(
      (
        await server.store.db
          .selectFrom('metadata')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('org_id', '=', orgId)
          .where('entity_kind', '<>', 'org')
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { vdcs: await count('vdcs'), vapps: await count('vapps'), vms: await count('vms'), metadata: await metadata() };
};

/** Everything a refused call must leave as it was. */
const snapshot = async (orgId: string) =>
  JSON.stringify({
    counts: await inventoryOf(orgId),
    vdcs: await server.store.db.selectFrom('vdcs').select(['id', 'is_enabled']).where('org_id', '=', orgId).orderBy('id').execute(),
    vapps: await server.store.db
      .selectFrom('vapps')
      .select(['id', 'status', 'is_deployed'])
      .where('org_id', '=', orgId)
      .orderBy('id')
      .execute(),
    vms: await server.store.db
      .selectFrom('vms')
      .select(['id', 'status', 'is_deployed'])
      .where('org_id', '=', orgId)
      .orderBy('id')
      .execute(),
  });

/** A vApp (not a template) of the org with a powered-on VM, and its VDC. */
async function runningVApp(orgId: string) {
  const row = await server.store.db
    .selectFrom('vms')
    .innerJoin('vapps', 'vapps.id', 'vms.vapp_id')
    .select(['vapps.id as vappId', 'vapps.name', 'vapps.vdc_id as vdcId'])
    .where('vms.org_id', '=', orgId)
    .where('vms.status', '=', 'POWERED_ON')
    .where('vapps.is_template', '=', 0)
    .orderBy('vapps.name')
    .executeTakeFirstOrThrow();
  return row;
}

test('tenants, an org administrator included, get 403 on every teardown route and change nothing', async () => {
  const { vappId, vdcId } = await runningVApp(globexId);
  const before = await snapshot(globexId);
  // hank administers globex; alice is another org's administrator; bob is a vApp user of acme.
  for (const [who, token] of [
    ['hank (globex org admin)', s.hank],
    ['alice (acme org admin)', s.alice],
    ['bob', s.bob],
  ] as const) {
    const replies = [
      await call('POST', `/api/vApp/vapp-${vappId}/action/undeploy`, token, undeployBody(), UNDEPLOY),
      await call('DELETE', `/api/vApp/vapp-${vappId}`, token),
      await call('POST', `/api/admin/vdc/${vdcId}/action/disable`, token),
      await call('POST', `/api/admin/vdc/${vdcId}/action/enable`, token),
      await call('DELETE', `/api/admin/vdc/${vdcId}?force=true&recursive=true`, token),
    ];
    for (const reply of replies) xmlError(reply, 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    assert.equal(await snapshot(globexId), before, `${who}: nothing changed`);
  }
  assert.equal((await call('DELETE', `/api/vApp/vapp-${vappId}`, '')).status, 401);
});

test('odd ids are the 403 of every unknown entity (or a 400 for a VM ref), never a 500', async () => {
  const unknown = randomUUID();
  for (const path of [
    `/api/vApp/vapp-${unknown}`,
    '/api/vApp/vapp-not-a-uuid',
    '/api/vApp/nonsense',
    `/api/vApp/vappTemplate-${unknown}`,
    `/api/vApp/vapp-urn:vcloud:vapp:${unknown}`,
  ]) {
    xmlError(await call('DELETE', path, s.admin), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await call('POST', `${path}/action/undeploy`, s.admin, undeployBody(), UNDEPLOY), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  }
  for (const id of [unknown, 'x', `urn:vcloud:vdc:${unknown}`, `urn:vcloud:org:${acmeId}`, acmeId]) {
    xmlError(await call('DELETE', `/api/admin/vdc/${id}?recursive=true&force=true`, s.admin), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await call('POST', `/api/admin/vdc/${id}/action/disable`, s.admin), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  }
  // A template is not a vApp here (its href is /api/vAppTemplate), and a VM ref names no vApp.
  const template = await server.store.db.selectFrom('vapps').select('id').where('is_template', '=', 1).executeTakeFirstOrThrow();
  xmlError(await call('DELETE', `/api/vApp/vapp-${template.id}`, s.admin), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  const vm = await server.store.db.selectFrom('vms').select('id').where('is_template', '=', 0).executeTakeFirstOrThrow();
  assert.match(xmlError(await call('DELETE', `/api/vApp/vm-${vm.id}`, s.admin), 400, 'BAD_REQUEST'), /whole vApps/);
  // Bodies: not XML, another root, an action VCD does not have; and none at all.
  const { vappId } = await runningVApp(globexId);
  const before = await snapshot(globexId);
  const undeploy = `/api/vApp/vapp-${vappId}/action/undeploy`;
  xmlError(await call('POST', undeploy, s.admin, 'not xml', UNDEPLOY), 400, 'BAD_REQUEST');
  xmlError(
    await call('POST', undeploy, s.admin, '<DeployVAppParams xmlns="http://www.vmware.com/vcloud/v1.5"/>', UNDEPLOY),
    400,
    'BAD_REQUEST',
  );
  assert.match(
    xmlError(await call('POST', undeploy, s.admin, undeployBody('explode'), UNDEPLOY), 400, 'BAD_REQUEST'),
    /UndeployPowerAction/,
  );
  assert.equal((await call('POST', undeploy, s.admin)).status, 400);
  xmlError(await call('DELETE', `/api/admin/vdc/${globexId}?recursive=maybe`, s.admin), 400, 'BAD_REQUEST');
  assert.equal(await snapshot(globexId), before, 'nothing changed');
});

test('the refusals: a powered-on vApp, an enabled VDC, a VDC with content without recursive, running VMs without force', async () => {
  const { vappId, vdcId, name } = await runningVApp(globexId);
  const before = await snapshot(globexId);
  const refusal = xmlError(await call('DELETE', `/api/vApp/vapp-${vappId}`, s.admin), 400, 'BAD_REQUEST');
  assert.match(refusal, new RegExp(`vApp "${name}"\\. Stop the vApp and try again`), "VCD's wording");
  assert.match(
    xmlError(await call('DELETE', `/api/admin/vdc/${vdcId}?recursive=true&force=true`, s.admin), 400, 'BAD_REQUEST'),
    /must be disabled/,
  );
  assert.equal(await snapshot(globexId), before, 'nothing changed');

  assert.equal((await call('POST', `/api/admin/vdc/${vdcId}/action/disable`, s.admin)).status, 204);
  assert.equal((await call('POST', `/api/admin/vdc/${vdcId}/action/disable`, s.admin)).status, 204, 'again: no error');
  const disabled = await server.store.db.selectFrom('vdcs').select('is_enabled').where('id', '=', vdcId).executeTakeFirstOrThrow();
  assert.equal(disabled.is_enabled, 0);
  const vdcDoc = parseXml((await get(server, `/api/admin/vdc/${vdcId}`, s.admin)).text);
  assert.equal(child(vdcDoc, 'IsEnabled').text, 'false', 'the VDC reads disabled');
  const afterDisable = await snapshot(globexId);
  assert.match(xmlError(await call('DELETE', `/api/admin/vdc/${vdcId}`, s.admin), 400, 'BAD_REQUEST'), /not empty .*recursive=true/);
  assert.match(
    xmlError(await call('DELETE', `/api/admin/vdc/${vdcId}?recursive=true`, s.admin), 400, 'BAD_REQUEST'),
    /powered-on VM.*force=true/,
  );
  assert.equal(await snapshot(globexId), afterDisable, 'nothing changed');
  assert.equal((await call('POST', `/api/admin/vdc/${vdcId}/action/enable`, s.admin)).status, 204);
  assert.equal(await snapshot(globexId), before, 'enabled again: as it was');
  const events = await server.store.db
    .selectFrom('audit_events')
    .select('event_type')
    .where('event_type', 'in', ['vdc.disabled', 'vdc.enabled'])
    .execute();
  assert.deepEqual(
    events.map((e) => e.event_type).sort(),
    ['vdc.disabled', 'vdc.enabled'],
    'audited once each (the repeat changed nothing)',
  );
});

test("govcd's AdminOrg.Delete(true, true), call by call, takes apart an org with VDCs, vApps, VMs and catalogs", async () => {
  const held = await inventoryOf(acmeId);
  assert.ok(held.vdcs >= 2 && held.vapps >= 3 && held.vms >= 3, JSON.stringify(held));
  const adminOrg = parseXml((await get(server, `/api/admin/org/${acmeId}`, s.admin)).text);
  const vdcHrefs = childrenNamed(child(adminOrg, 'Vdcs'), 'Vdc').map((v) => v.attrs.href!);
  const catalogs = childrenNamed(child(adminOrg, 'Catalogs'), 'CatalogReference');
  assert.equal(vdcHrefs.length, held.vdcs);
  assert.ok(catalogs.length >= 1, 'the org holds a catalog');

  // undeployAllVApps, then removeAllVApps: per VDC (its tenant href, getVdcByAdminHREF), each vApp it lists.
  const vappsOf = async (adminHref: string) => {
    const vdc = parseXml((await get(server, pathOf(adminHref).replace('/api/admin/', '/api/'), s.admin)).text);
    return childrenNamed(child(vdc, 'ResourceEntities'), 'ResourceEntity').filter(
      (r) => r.attrs.type === 'application/vnd.vmware.vcloud.vApp+xml',
    );
  };
  let undeployed = 0;
  for (const href of vdcHrefs) {
    for (const entity of await vappsOf(href)) {
      const vapp = parseXml((await get(server, pathOf(entity.attrs.href!), s.admin)).text);
      const task = await finishedTask(
        await call('POST', `${pathOf(vapp.attrs.href!)}/action/undeploy`, s.admin, undeployBody(), UNDEPLOY),
        'vappUndeployPowerOff',
      );
      assert.equal(child(task, 'Owner').attrs.href, vapp.attrs.href, 'the Task is about the vApp');
      const after = parseXml((await get(server, pathOf(vapp.attrs.href!), s.admin)).text);
      assert.equal(after.attrs.deployed, 'false');
      assert.equal(after.attrs.status, '8', 'POWERED_OFF');
      undeployed++;
    }
  }
  assert.ok(undeployed >= 3);
  const stillOn = await server.store.db
    .selectFrom('vms')
    .select('id')
    .where('org_id', '=', acmeId)
    .where('is_template', '=', 0)
    .where('status', '=', 'POWERED_ON')
    .execute();
  assert.deepEqual(stillOn, [], 'no VM of a vApp is powered on');
  for (const href of vdcHrefs) {
    for (const entity of await vappsOf(href)) {
      await finishedTask(await call('DELETE', pathOf(entity.attrs.href!), s.admin), 'vdcDeleteVapp');
      xmlError(await get(server, pathOf(entity.attrs.href!), s.admin), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    }
    assert.deepEqual(await vappsOf(href), [], 'the VDC lists no vApp');
  }
  const templates = await inventoryOf(acmeId);
  assert.ok(templates.vapps > 0, 'the templates are still there, in their catalogs');

  // removeCatalogs: FindAdminCatalogRecords (the adminCatalog query by name and org), then the delete.
  for (const catalog of catalogs) {
    const filter = `name==${encodeURIComponent(catalog.attrs.name!)};orgName==acme`;
    const found = parseXml((await get(server, `/api/query?type=adminCatalog&filter=${filter}&filterEncoded=true`, s.admin)).text);
    assert.equal(childrenNamed(found, 'AdminCatalogRecord').length, 1, catalog.attrs.name);
    const id = catalog.attrs.href!.split('/api/admin/catalog/')[1]!;
    await finishedTask(await call('DELETE', `/api/admin/catalog/${id}?force=true&recursive=true`, s.admin), 'catalogDelete');
  }

  // removeAllOrgVDCs: disable (checkResp only), then delete with recursive and force, and wait on the Task.
  for (const href of vdcHrefs) {
    const id = href.split('/api/admin/vdc/')[1]!;
    const disabled = await call('POST', `/api/admin/vdc/${id}/action/disable`, s.admin);
    assert.equal(disabled.status, 204, disabled.text);
    const task = await finishedTask(await call('DELETE', `/api/admin/vdc/${id}?recursive=true&force=true`, s.admin), 'vdcDeleteVdc');
    assert.equal(child(task, 'Owner').attrs.href, href, 'the Task is about the VDC, at its admin href');
    xmlError(await get(server, `/api/admin/vdc/${id}`, s.admin), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  }
  assert.deepEqual(await inventoryOf(acmeId), { vdcs: 0, vapps: 0, vms: 0, metadata: 0 });

  // Then the org: disabled, deleted with force and recursive (it still holds its users).
  assert.equal((await call('POST', `/api/admin/org/${acmeId}/action/disable`, s.admin)).status, 204);
  await finishedTask(await call('DELETE', `/api/admin/org/${acmeId}?force=true&recursive=true`, s.admin), 'orgDeleteOrg');
  assert.equal(await server.store.getOrg(acmeId), undefined);

  const audited = await server.store.db
    .selectFrom('audit_events')
    .select('event_type')
    .where('event_type', 'in', ['vapp.undeployed', 'vapp.deleted', 'vdc.deleted'])
    .execute();
  const countOf = (type: string) => audited.filter((e) => e.event_type === type).length;
  assert.equal(countOf('vapp.undeployed'), undeployed);
  assert.equal(countOf('vapp.deleted'), undeployed);
  assert.equal(countOf('vdc.deleted'), vdcHrefs.length);
});

test("what the teardown deletes or powers off comes back at its source's next sync (the agent is the truth)", async () => {
  const created = await call(
    'POST',
    '/api/admin/orgs',
    s.admin,
    '<AdminOrg xmlns="http://www.vmware.com/vcloud/v1.5" name="teardown-sync"><FullName>Teardown</FullName><IsEnabled>true</IsEnabled></AdminOrg>',
    'application/vnd.vmware.admin.organization+xml',
  );
  assert.equal(created.status, 201, created.text);
  const orgId = (await server.store.getOrgByName('teardown-sync'))!.id;
  const everything = {
    vdcs: [{ id: 'td-vdc', org: 'teardown-sync', name: 'td-vdc' }],
    vapps: [{ id: 'td-vapp', vdc: 'td-vdc', name: 'td-app', status: 'POWERED_ON' }],
    vms: [{ id: 'td-vm', vapp: 'td-vapp', name: 'td-vm', status: 'POWERED_ON', metadata: [{ key: 'k', value: 'v' }] }],
  };
  const sync = async () => {
    const reply = await http(`${server.baseUrl}/cloudapi/x-tessera/inventory/sources/teardown`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${s.admin}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(everything),
    });
    assert.equal(reply.status, 200, reply.text);
  };
  await sync();
  const vapp = await server.store.db.selectFrom('vapps').select('id').where('org_id', '=', orgId).executeTakeFirstOrThrow();
  const vmStatus = async () =>
    (await server.store.db.selectFrom('vms').select('status').where('org_id', '=', orgId).executeTakeFirst())?.status ?? 'gone';

  await finishedTask(
    await call('POST', `/api/vApp/vapp-${vapp.id}/action/undeploy`, s.admin, undeployBody(), UNDEPLOY),
    'vappUndeployPowerOff',
  );
  assert.equal(await vmStatus(), 'POWERED_OFF');
  await sync();
  assert.equal(await vmStatus(), 'POWERED_ON', 'the next sync writes the VM as the agent sees it');

  await finishedTask(
    await call('POST', `/api/vApp/vapp-${vapp.id}/action/undeploy`, s.admin, undeployBody(), UNDEPLOY),
    'vappUndeployPowerOff',
  );
  await finishedTask(
    await call('POST', `/api/vApp/vapp-${vapp.id}/action/undeploy`, s.admin, undeployBody(), UNDEPLOY),
    'vappUndeployPowerOff',
  );
  await finishedTask(await call('DELETE', `/api/vApp/vapp-${vapp.id}`, s.admin), 'vdcDeleteVapp');
  assert.deepEqual(await inventoryOf(orgId), { vdcs: 1, vapps: 0, vms: 0, metadata: 0 }, 'the VM and its metadata went with the vApp');
  await sync();
  assert.deepEqual(await inventoryOf(orgId), { vdcs: 1, vapps: 1, vms: 1, metadata: 1 }, 'back at the next sync, with the same href');
  assert.equal((await get(server, `/api/vApp/vapp-${vapp.id}`, s.admin)).status, 200);
});
