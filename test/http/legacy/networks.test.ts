/**
 * Org VDC networks, derived from the VDCs (src/inventory/org-vdc-networks.ts), as the clients read them: a VDC's
 * AvailableNetworks and the href govcd's Vdc.GetOrgVdcNetworkByName follows, the `orgVdcNetwork` query
 * (pyvcloud's list_orgvdc_network_records, govcd's GetNetworkList with `vdc==<urn>`), and a vApp network's
 * ParentNetwork. Expected names come from the demo spec, never from the server's answers.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { demoWorld } from '../../conformance/expect.js';
import { DEMO_INVENTORY } from '../../../src/inventory/demo-spec.js';
import {
  JSON_ACCEPT,
  UUID,
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

before(async () => {
  ({ server, s } = await startDemoServer());
});
after(async () => server?.stop());

const records = (query: string, session: string) => queryRecords(server, query, session, 'OrgVdcNetworkRecord');
const expectedNetworks = (org: string) => demoWorld().vdcs.filter((v) => v.org === org);
const NETWORK_HREF = new RegExp(`/api/admin/network/(${UUID})$`);

/** The org's VDCs as the orgVdc query lists them: name → href. */
async function vdcHrefs(session: string): Promise<Map<string, string>> {
  const { records: vdcs } = await queryRecords(server, 'type=orgVdc&pageSize=100', session, 'OrgVdcRecord');
  return new Map(vdcs.map((r) => [r.attrs.name!, r.attrs.href!]));
}

test('each VDC lists its network in AvailableNetworks, and the href is the OrgVdcNetwork (isolated, no IP scope)', async () => {
  const expected = expectedNetworks('acme');
  assert.ok(expected.length >= 2, 'the demo has VDCs to tell apart');
  const vdcs = await vdcHrefs(s.alice);
  for (const { name: vdcName, network: networkName } of expected) {
    const vdc = parseXml((await get(server, vdcs.get(vdcName)!, s.alice)).text);
    const refs = childrenNamed(child(vdc, 'AvailableNetworks'), 'Network');
    assert.deepEqual(
      refs.map((r) => r.attrs.name),
      [networkName],
      vdcName,
    );
    assert.equal(child(vdc, 'UsedNetworkCount').text, '1');
    const ref = refs[0]!;
    const id = NETWORK_HREF.exec(ref.attrs.href!)?.[1];
    assert.ok(id, ref.attrs.href);
    assert.equal(ref.attrs.id, `urn:vcloud:network:${id}`);
    assert.equal(ref.attrs.type, 'application/vnd.vmware.vcloud.network+xml');

    const reply = await get(server, ref.attrs.href!, s.alice);
    assert.equal(reply.status, 200, reply.text);
    assert.match(String(reply.headers.get('content-type')), /^application\/vnd\.vmware\.vcloud\.orgVdcNetwork\+xml;version=36\.1/);
    const network = parseXml(reply.text);
    assert.equal(network.name, 'OrgVdcNetwork');
    assert.equal(network.attrs.name, networkName);
    assert.equal(network.attrs.href, ref.attrs.href);
    assert.equal(network.attrs.id, ref.attrs.id);
    assert.equal(links(network, 'up')[0]!.attrs.href, vdcs.get(vdcName));
    const configuration = child(network, 'Configuration');
    assert.equal(child(configuration, 'FenceMode').text, 'isolated');
    assert.deepEqual(childrenNamed(configuration, 'IpScopes'), [], 'no made-up addressing');
    assert.equal(child(network, 'IsShared').text, 'false');

    // The tenant href and a URN in the path name the same network; JSON renders the same document.
    const tenant = await get(server, `/api/network/urn:vcloud:network:${id}`, s.alice);
    assert.equal(tenant.status, 200, tenant.text);
    assert.equal(parseXml(tenant.text).attrs.href, `${server.baseUrl}/api/network/${id}`);
    // Its metadata (Terraform's data source reads it; pyvcloud's get_all_metadata follows the link): VCD's empty
    // document, at both hrefs. No allocatedAddresses link: not served for an org VDC network.
    const metadataLinks = links(network, 'down').filter((l) => l.attrs.type === 'application/vnd.vmware.vcloud.metadata+xml');
    assert.deepEqual(
      metadataLinks.map((l) => l.attrs.href),
      [`${ref.attrs.href}/metadata`],
    );
    assert.ok(!links(network, 'down').some((l) => /allocatedAddresses/.test(l.attrs.href!)));
    for (const metadataOf of [ref.attrs.href!, `${server.baseUrl}/api/network/${id}`]) {
      const metadata = await get(server, `${metadataOf}/metadata`, s.alice);
      assert.equal(metadata.status, 200, metadata.text);
      const root = parseXml(metadata.text);
      assert.equal(root.name, 'Metadata');
      assert.deepEqual(childrenNamed(root, 'MetadataEntry'), []);
      assert.equal(links(root, 'up')[0]!.attrs.href, metadataOf);
    }
    const json = await get(server, ref.attrs.href!, s.alice, JSON_ACCEPT);
    assert.equal(json.status, 200, json.text);
    const body = JSON.parse(json.text) as { name: string; configuration: { fenceMode: string } };
    assert.equal(body.name, networkName);
    assert.equal(body.configuration.fenceMode, 'isolated');
  }
});

test('type=orgVdcNetwork: one record per VDC network, filterable by vdc as govcd and pyvcloud ask', async () => {
  const expected = expectedNetworks('acme');
  const vdcs = await vdcHrefs(s.alice);
  const { root, records: found } = await records('type=orgVdcNetwork&format=idrecords&pageSize=25', s.alice);
  assert.equal(root.attrs.total, String(expected.length));
  assert.deepEqual(found.map((r) => `${r.attrs.vdcName}/${r.attrs.name}`).sort(), expected.map((v) => `${v.name}/${v.network}`).sort());
  for (const r of found) {
    assert.equal(r.attrs.linkType, '2', 'isolated');
    assert.equal(r.attrs.isShared, 'false');
    assert.equal(r.attrs.isBusy, 'false');
    assert.equal(r.attrs.defaultGateway, undefined, 'no made-up gateway');
    assert.equal(r.attrs.netmask, undefined);
    assert.match(r.attrs.id!, new RegExp(`^urn:vcloud:network:${UUID}$`));
    assert.match(r.attrs.href!, NETWORK_HREF);
    // The record's href is the one the VDC lists.
    const vdc = parseXml((await get(server, vdcs.get(r.attrs.vdcName!)!, s.alice)).text);
    assert.equal(child(child(vdc, 'AvailableNetworks'), 'Network').attrs.href, r.attrs.href);
  }

  // govcd's GetNetworkList: `vdc==<urn>`, and FindEdgeGatewayNameByNetwork's `name==...;vdc==...`; pyvcloud's
  // `vdc==<href>`; both with govcd's full field list.
  const [first] = expected;
  const vdcHref = vdcs.get(first!.name)!;
  const vdcUrn = `urn:vcloud:vdc:${vdcHref.split('/').at(-1)}`;
  for (const filter of [`vdc==${vdcUrn}`, `name==${first!.network};vdc==${vdcUrn}`, `vdc==${vdcHref}`]) {
    const fields = 'name,defaultGateway,netmask,dns1,dns2,dnsSuffix,linkType,connectedTo,vdc,isBusy,isShared,vdcName,isIpScopeInherited';
    const { records: one } = await records(`type=orgVdcNetwork&filter=${encodeURIComponent(filter)}&fields=${fields}`, s.alice);
    assert.deepEqual(
      one.map((r) => r.attrs.name),
      [first!.network],
      filter,
    );
    assert.equal(one[0]!.attrs.vdc, vdcHref);
  }
  const none = await records(`type=orgVdcNetwork&filter=${encodeURIComponent('defaultGateway==10.0.0.1')}`, s.alice);
  assert.equal(none.root.attrs.total, '0', 'an unknown gateway matches nothing');

  const list = await get(server, '/api/query', s.alice);
  assert.match(list.text, /type=orgVdcNetwork&amp;format=records/);
});

test("other orgs' networks are the same 403 as unknown ones; the provider lists every org's", async () => {
  const { records: acme } = await records('type=orgVdcNetwork', s.alice);
  const href = acme[0]!.attrs.href!;
  const globex = await records('type=orgVdcNetwork', s.hank);
  assert.deepEqual(
    globex.records.map((r) => r.attrs.name).sort(),
    expectedNetworks('globex')
      .map((v) => v.network)
      .sort(),
  );
  xmlError(await get(server, href, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(await get(server, `${href}/metadata`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(await get(server, '/api/admin/network/00000000-0000-4000-8000-000000000000', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(await get(server, '/api/admin/network/not-a-uuid', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(
    await get(server, `/api/admin/network/urn:vcloud:vdc:${href.split('/').at(-1)}`, s.alice),
    403,
    'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
  );
  assert.equal((await get(server, href, null)).status, 401);
  // A vApp network of another org is the same 403.
  const { records: vappNetworks } = await queryRecords(server, 'type=vAppNetwork', s.alice, 'VAppNetworkRecord');
  assert.ok(vappNetworks.length > 0);
  xmlError(await get(server, vappNetworks[0]!.attrs.href!, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  xmlError(await get(server, `${vappNetworks[0]!.attrs.href!}/metadata`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');

  // A vApp Author reads the network exactly when it reads the VDC.
  const vdcHref = (await vdcHrefs(s.alice)).get(expectedNetworks('acme')[0]!.name)!;
  assert.equal((await get(server, href, s.bob)).status, (await get(server, vdcHref, s.bob)).status);

  const all = await records('type=orgVdcNetwork&pageSize=100', s.admin);
  assert.equal(all.root.attrs.total, String(demoWorld().vdcs.length));
  assert.equal((await get(server, href, s.admin)).status, 200);
});

test("a vApp org network's ParentNetwork is its VDC's network, by href", async () => {
  const { records: linked } = await queryRecords(
    server,
    `type=vAppNetwork&filter=${encodeURIComponent('isLinked==true')}`,
    s.alice,
    'VAppNetworkRecord',
  );
  assert.ok(linked.length > 0, 'the demo has vApps on their VDC network');
  const { records: networks } = await records('type=orgVdcNetwork', s.alice);
  const hrefByName = new Map(networks.map((r) => [r.attrs.name!, r.attrs.href!]));
  const vappHref = linked[0]!.attrs.vApp!;
  const section = parseXml((await get(server, `${vappHref}/networkConfigSection/`, s.alice)).text);
  const parents = childrenNamed(section, 'NetworkConfig').flatMap((c) => childrenNamed(child(c, 'Configuration'), 'ParentNetwork'));
  assert.ok(parents.length > 0);
  for (const parent of parents) {
    assert.equal(parent.attrs.href, hrefByName.get(parent.attrs.name!), parent.attrs.name);
    assert.equal((await get(server, parent.attrs.href!, s.alice)).status, 200);
  }
});

test('each vApp network is linked from its NetworkConfig and served at that href, as its records name it', async () => {
  // What Terraform's vcd_vapp_network and vcd_vapp_org_network data sources do: find the NetworkConfig with a
  // Link and the network's name, and take the network's id from that href.
  const { records: vappNetworks } = await queryRecords(
    server,
    'type=vAppNetwork&format=idrecords&pageSize=100',
    s.alice,
    'VAppNetworkRecord',
  );
  const expected = DEMO_INVENTORY.acme.vdcs
    .flatMap((vdc) => vdc.vapps)
    .filter((vapp) => !vapp.template)
    .flatMap((vapp) => [...new Set(vapp.vms.map((vm) => vm.network).filter((n): n is string => !!n))].map((n) => `${vapp.name}/${n}`));
  assert.deepEqual(vappNetworks.map((r) => `${r.attrs.vAppName}/${r.attrs.name}`).sort(), expected.sort());
  assert.ok(
    vappNetworks.some((r) => r.attrs.isLinked === 'true'),
    'the demo has vApp org networks',
  );
  for (const record of vappNetworks) {
    // idrecords name the vApp by URN.
    const vappHref = `${server.baseUrl}/api/vApp/vapp-${record.attrs.vApp!.split(':').at(-1)}`;
    const section = parseXml((await get(server, `${vappHref}/networkConfigSection/`, s.alice)).text);
    const config = childrenNamed(section, 'NetworkConfig').find((c) => c.attrs.networkName === record.attrs.name);
    assert.ok(config, `${record.attrs.vAppName}/${record.attrs.name} is in its vApp's NetworkConfigSection`);
    const [link, ...others] = links(config);
    assert.equal(others.length, 0, 'one Link per NetworkConfig (govcd decodes one)');
    assert.equal(link!.attrs.href, record.attrs.href, "the NetworkConfig links the record's network");
    assert.equal(link!.attrs.type, 'application/vnd.vmware.vcloud.vAppNetwork+xml');
    assert.equal(config.children[0], link, 'Link comes first, as in VAppNetworkConfigurationType');
    assert.equal(child(child(config, 'Configuration'), 'RetainNetInfoAcrossDeployments').text, 'false');
    // Terraform's vcd_vapp_network dereferences GuestVlanAllowed: without it the provider panics.
    assert.deepEqual(
      child(config, 'Configuration').children.map((c) => c.name),
      [...(record.attrs.isLinked === 'true' ? ['ParentNetwork'] : []), 'FenceMode', 'RetainNetInfoAcrossDeployments', 'GuestVlanAllowed'],
      'NetworkConfigurationType order',
    );
    assert.equal(child(child(config, 'Configuration'), 'GuestVlanAllowed').text, 'false');

    const reply = await get(server, record.attrs.href!, s.alice);
    assert.equal(reply.status, 200, reply.text);
    assert.match(String(reply.headers.get('content-type')), /^application\/vnd\.vmware\.vcloud\.vAppNetwork\+xml;version=36\.1/);
    const network = parseXml(reply.text);
    assert.equal(network.name, 'VAppNetwork');
    assert.equal(network.attrs.name, record.attrs.name);
    assert.equal(network.attrs.href, record.attrs.href);
    assert.equal(network.attrs.id, record.attrs.id);
    assert.equal(links(network, 'up')[0]!.attrs.href, vappHref);
    const vapp = parseXml((await get(server, vappHref, s.alice)).text);
    assert.equal(network.attrs.deployed, vapp.attrs.deployed);
    // The same Configuration as in the section: bridged to the VDC's network, or isolated.
    const configuration = child(network, 'Configuration');
    const fenceMode = child(configuration, 'FenceMode').text;
    assert.equal(fenceMode, record.attrs.isLinked === 'true' ? 'bridged' : 'isolated');
    assert.equal(fenceMode, child(child(config, 'Configuration'), 'FenceMode').text);
    assert.equal(
      childrenNamed(configuration, 'ParentNetwork')[0]?.attrs.href,
      childrenNamed(child(config, 'Configuration'), 'ParentNetwork')[0]?.attrs.href,
    );
    assert.deepEqual(childrenNamed(configuration, 'IpScopes'), [], 'no made-up addressing');
    assert.deepEqual(
      network.children.map((c) => c.name),
      ['Link', 'Link', 'Link', 'Link', 'Description', 'Configuration'],
      'VAppNetworkType order: Link, Description, Configuration',
    );

    const id = NETWORK_HREF.exec(record.attrs.href!)![1]!;
    const tenant = await get(server, `/api/network/urn:vcloud:network:${id}`, s.alice);
    assert.equal(tenant.status, 200, tenant.text);
    assert.equal(parseXml(tenant.text).attrs.href, `${server.baseUrl}/api/network/${id}`);
    assert.ok(
      links(network, 'down').some((l) => l.attrs.href === `${record.attrs.href}/metadata`),
      'its metadata is linked',
    );
    const metadata = await get(server, `${record.attrs.href!}/metadata`, s.alice);
    assert.equal(metadata.status, 200, metadata.text);
    assert.equal(links(parseXml(metadata.text), 'up')[0]!.attrs.href, record.attrs.href);
    const json = await get(server, record.attrs.href!, s.alice, JSON_ACCEPT);
    assert.equal(json.status, 200, json.text);
    const body = JSON.parse(json.text) as { name: string; type: string; configuration: { fenceMode: string } };
    assert.equal(body.name, record.attrs.name);
    assert.equal(body.type, 'application/vnd.vmware.vcloud.vAppNetwork+json');
    assert.equal(body.configuration.fenceMode, fenceMode);

    // Read exactly when the vApp is.
    assert.equal((await get(server, record.attrs.href!, s.bob)).status, (await get(server, vappHref, s.bob)).status);
  }
});

test("a vApp links each of its networks by name, and each network lists the addresses its VMs hold (pyvcloud's list_ip_allocations)", async () => {
  const vapps = DEMO_INVENTORY.acme.vdcs.flatMap((vdc) => vdc.vapps).filter((vapp) => !vapp.template);
  const { records: vappRecords } = await queryRecords(server, 'type=vApp&pageSize=100', s.alice, 'VAppRecord');
  const hrefOf = new Map(vappRecords.map((r) => [r.attrs.name!, r.attrs.href!]));
  let addresses = 0;
  for (const spec of vapps) {
    const vapp = parseXml((await get(server, hrefOf.get(spec.name)!, s.alice)).text);
    const networkLinks = links(vapp, 'down').filter((l) => l.attrs.type === 'application/vnd.vmware.vcloud.vAppNetwork+xml');
    const names = [...new Set(spec.vms.map((vm) => vm.network).filter((n): n is string => !!n))].sort();
    assert.deepEqual(
      networkLinks.map((l) => l.attrs.name),
      names,
      `${spec.name}: one link per network, by name`,
    );
    for (const link of networkLinks) {
      assert.match(link.attrs.href!, new RegExp(`/api/network/${UUID}$`));
      const network = parseXml((await get(server, link.attrs.href!, s.alice)).text);
      assert.equal(network.attrs.name, link.attrs.name);
      const [down] = links(network, 'down').filter((l) => l.attrs.type === 'application/vnd.vmware.vcloud.allocatedNetworkAddress+xml');
      assert.equal(down?.attrs.href, `${link.attrs.href}/allocatedAddresses/`);
      const reply = await get(server, down!.attrs.href!, s.alice);
      assert.equal(reply.status, 200, reply.text);
      assert.match(String(reply.headers.get('content-type')), /^application\/vnd\.vmware\.vcloud\.allocatedNetworkAddress\+xml/);
      const allocated = parseXml(reply.text);
      assert.equal(allocated.name, 'AllocatedIpAddresses');
      assert.equal(links(allocated, 'up')[0]!.attrs.href, link.attrs.href);
      // Exactly the spec's VMs of this vApp with an address on this network, each naming its VM.
      const expected = spec.vms
        .filter((vm) => vm.network === link.attrs.name && vm.ipAddress)
        .map((vm) => `${vm.name} ${vm.ipAddress} ${vm.deployed}`)
        .sort();
      const got = childrenNamed(allocated, 'IpAddress').map((ip) => {
        assert.equal(ip.attrs.allocationType, 'vmAllocated');
        return `${links(ip, 'down')[0]!.attrs.name} ${child(ip, 'IpAddress').text} ${ip.attrs.isDeployed}`;
      });
      assert.deepEqual(got.sort(), expected, `${spec.name}/${link.attrs.name}`);
      addresses += got.length;
      const json = await get(server, down!.attrs.href!, s.alice, JSON_ACCEPT);
      assert.equal(json.status, 200, json.text);
      const body = JSON.parse(json.text) as { ipAddress: { ipAddress: string; allocationType: string }[] };
      assert.deepEqual(body.ipAddress.map((ip) => ip.ipAddress).sort(), got.map((g) => g.split(' ')[1]).sort());
    }
  }
  assert.ok(addresses > 0, 'the demo has VMs with addresses');

  // Only a vApp network's: an org VDC network's would be every VM of the VDC on it (not served, not linked).
  const { records: orgNetworks } = await records('type=orgVdcNetwork', s.alice);
  const orgNetwork = parseXml((await get(server, orgNetworks[0]!.attrs.href!, s.alice)).text);
  assert.equal(links(orgNetwork).filter((l) => /allocatedAddresses/.test(l.attrs.href!)).length, 0);
  xmlError(await get(server, `${orgNetworks[0]!.attrs.href!}/allocatedAddresses/`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  // Another org's vApp network is the same 403.
  const { records: vappNetworks } = await queryRecords(server, 'type=vAppNetwork', s.alice, 'VAppNetworkRecord');
  xmlError(await get(server, `${vappNetworks[0]!.attrs.href!}/allocatedAddresses/`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
});

test('a vApp network is gone at once when no VM of its vApp is on it', async () => {
  const { records: vappNetworks } = await queryRecords(server, 'type=vAppNetwork&pageSize=100', s.alice, 'VAppNetworkRecord');
  const target = vappNetworks[0]!;
  assert.equal((await get(server, target.attrs.href!, s.alice)).status, 200);
  const vappId = target.attrs
    .vApp!.split('/')
    .at(-1)!
    .replace(/^vapp-/, '');
  const onIt = await server.store.db
    .selectFrom('vms')
    .select('id')
    .where('vapp_id', '=', vappId)
    .where('network_name', '=', target.attrs.name!)
    .execute();
  assert.ok(onIt.length > 0);
  const ids = onIt.map((r) => r.id);
  await server.store.db
    .updateTable('vms')
    .set({ network_name: `${target.attrs.name}-moved` })
    .where('id', 'in', ids)
    .execute();
  try {
    xmlError(await get(server, target.attrs.href!, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  } finally {
    await server.store.db.updateTable('vms').set({ network_name: target.attrs.name! }).where('id', 'in', ids).execute();
  }
  assert.equal((await get(server, target.attrs.href!, s.alice)).status, 200);
});

test('a renamed VDC network is a new network: the old id is gone at once, on every lookup', async () => {
  const { records: before } = await records('type=orgVdcNetwork&sortAsc=name', s.alice);
  const target = before[0]!;
  assert.equal((await get(server, target.attrs.href!, s.alice)).status, 200);
  const vdcId = target.attrs.vdc!.split('/').at(-1)!;
  const renamed = `${target.attrs.name}-renamed`;
  await server.store.db.updateTable('vdcs').set({ network_name: renamed }).where('id', '=', vdcId).execute();
  try {
    xmlError(await get(server, target.attrs.href!, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    const { records: after } = await records(`type=orgVdcNetwork&filter=${encodeURIComponent(`name==${renamed}`)}`, s.alice);
    assert.equal(after.length, 1);
    assert.notEqual(after[0]!.attrs.href, target.attrs.href);
    assert.equal((await get(server, after[0]!.attrs.href!, s.alice)).status, 200);
  } finally {
    await server.store.db.updateTable('vdcs').set({ network_name: target.attrs.name! }).where('id', '=', vdcId).execute();
  }
  assert.equal((await get(server, target.attrs.href!, s.alice)).status, 200);
});
