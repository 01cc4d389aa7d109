/**
 * Terraform v1.5.7 with the vmware/vcd provider v3.14.1, both unmodified, against Tessera on HTTPS with the demo
 * inventory (issue 12: "Terraform's vmware/vcd provider, unmodified"): what an operator onboarding a tenant and a
 * tenant automating with API tokens or a service account's token file run. Built by scripts/setup-conformance.sh
 * (module proxy); the provider is given to Terraform through a CLI configuration's dev_overrides, so nothing is
 * fetched from a registry.
 *
 * Every apply is followed by `terraform plan -detailed-exitcode`, which must find no difference: a value that does
 * not read back as written is drift on every run for a real user. What Terraform did is then checked through
 * Tessera's own API, not through Terraform's outputs alone.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTessera } from '../helpers/tessera.js';
import { apiTokenFor, call, exchangeFor, signInFor } from './tls-client.js';
import { addWorldGroups, demoWorld, type DemoWorld } from './expect.js';
import { DEMO_INVENTORY, demoVms } from '../../src/inventory/demo-spec.js';
import { SYSTEM_DEFAULT_POLICY_ID } from '../../src/inventory/compute-policies.js';
import { PREDEFINED_ROLES, RIGHT_CATALOGUE } from '../../src/domain/rights.js';
import { writeTokenFile } from '../../src/client/token-file.js';
import { CONFORMANCE_DIR, describeFailure, runProcess, scratchDir, setupConformance, type ProcessResult } from './support.js';

type Server = Awaited<ReturnType<typeof startTessera>>;

const TF_BIN = join(CONFORMANCE_DIR, 'terraform', 'bin');
const TERRAFORM = join(TF_BIN, 'terraform');
const RUN_TIMEOUT_MS = 3 * 60_000;
const XML = 'application/*+xml;version=36.1';
const JSON_ACCEPT = 'application/*+json;version=36.1';

describe('Terraform v1.5.7 + vmware/vcd v3.14.1 against Tessera', { timeout: 30 * 60_000 }, () => {
  let server: Server;
  let world: DemoWorld;
  const scratch = scratchDir('tessera-terraform-');
  let env: NodeJS.ProcessEnv;

  before(
    async () => {
      setupConformance('terraform');
      world = demoWorld();
      server = await startTessera({ https: true, demo: true, config: { signInRateLimit: 1000 } });
      await addWorldGroups(server.store, world);
      const cliConfig = join(scratch.dir, 'terraformrc');
      writeFileSync(cliConfig, `provider_installation {\n  dev_overrides { "vmware/vcd" = "${TF_BIN}" }\n  direct {}\n}\n`);
      // A home of its own (Terraform writes ~/.terraform.d), no update check, no colour, and the provider's own
      // log off: it writes go-vcloud-director's requests only when asked.
      env = { HOME: scratch.dir, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', NO_COLOR: '1' };
    },
    { timeout: 25 * 60_000 },
  );

  after(async () => {
    await server?.stop();
    scratch.remove();
  });

  const providerBlock = (auth: string) =>
    `terraform {\n  required_providers {\n    vcd = { source = "vmware/vcd" }\n  }\n}\n` +
    `provider "vcd" {\n  url = "${server.baseUrl}/api"\n  allow_unverified_ssl = true\n  max_retry_timeout = 30\n${auth}\n}\n`;

  /** A Terraform root module in its own directory; `files` are written beside main.tf. */
  function workspace(name: string, main: string, files: Record<string, string> = {}): string {
    const dir = join(scratch.dir, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.tf'), main);
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text, { mode: 0o600 });
    return dir;
  }

  const terraform = (dir: string, ...args: string[]): Promise<ProcessResult> =>
    runProcess(TERRAFORM, [`-chdir=${dir}`, ...args, '-no-color'], { env, timeoutMs: RUN_TIMEOUT_MS });

  async function apply(dir: string, label: string): Promise<void> {
    const result = await terraform(dir, 'apply', '-auto-approve', '-input=false');
    assert.equal(result.code, 0, describeFailure(`terraform apply (${label})`, result, RUN_TIMEOUT_MS));
    const plan = await terraform(dir, 'plan', '-detailed-exitcode', '-input=false');
    // 0: no changes; 2: changes (drift); 1: an error.
    assert.equal(plan.code, 0, describeFailure(`terraform plan after apply (${label}) must find no drift`, plan, RUN_TIMEOUT_MS));
  }

  async function destroy(dir: string, label: string): Promise<void> {
    const result = await terraform(dir, 'destroy', '-auto-approve', '-input=false');
    assert.equal(result.code, 0, describeFailure(`terraform destroy (${label})`, result, RUN_TIMEOUT_MS));
  }

  async function output(dir: string): Promise<Record<string, { value: unknown }>> {
    const result = await terraform(dir, 'output', '-json');
    assert.equal(result.code, 0, describeFailure('terraform output', result, RUN_TIMEOUT_MS));
    return JSON.parse(result.stdout) as Record<string, { value: unknown }>;
  }

  /** The org as the provider reads it back, through Tessera's admin API (the System administrator's session). */
  async function adminOrg(session: string, name: string) {
    const auth = { Authorization: `Bearer ${session}` };
    const list = JSON.parse((await call(`${server.baseUrl}/api/org`, { headers: { ...auth, Accept: JSON_ACCEPT } })).body) as {
      org: Array<{ name: string; href: string }>;
    };
    const ref = list.org.find((o) => o.name === name);
    if (!ref) return null;
    const href = ref.href.replace('/api/org/', '/api/admin/org/');
    const doc = await call(href, { headers: { ...auth, Accept: XML } });
    const metadata = await call(`${href}/metadata`, { headers: { ...auth, Accept: XML } });
    return { href, xml: doc.body, metadata: metadata.body };
  }

  const ORG = 'tf-tenant';
  const OPS_PASSWORD = 'Tf-Ops-Password-2026!';
  const orgConfig = (o: { description: string; costCenter: string; withTier: boolean; role: string }) =>
    `
resource "vcd_org" "tenant" {
  name             = "${ORG}"
  full_name        = "Terraform Tenant"
  description      = "${o.description}"
  is_enabled       = true
  delete_recursive = true
  delete_force     = true
  deployed_vm_quota = 40
  vapp_lease {
    maximum_runtime_lease_in_sec          = 3600
    power_off_on_runtime_lease_expiration = true
    maximum_storage_lease_in_sec          = 0
    delete_on_storage_lease_expiration    = false
  }
  vapp_template_lease {
    maximum_storage_lease_in_sec       = 604800
    delete_on_storage_lease_expiration = true
  }
  account_lockout {
    enabled                       = true
    invalid_logins_before_lockout = 10
    lockout_interval_minutes      = 60
  }
  metadata_entry {
    key         = "costcenter"
    value       = "${o.costCenter}"
    type        = "MetadataStringValue"
    user_access = "READWRITE"
    is_system   = false
  }
  metadata_entry {
    key         = "contract"
    value       = "gold"
    type        = "MetadataStringValue"
    user_access = "PRIVATE"
    is_system   = true
  }
${
  o.withTier
    ? `  metadata_entry {
    key         = "tier"
    value       = "2"
    type        = "MetadataNumberValue"
    user_access = "READWRITE"
    is_system   = false
  }`
    : ''
}
}

resource "vcd_org_user" "ops" {
  org            = vcd_org.tenant.name
  name           = "ops"
  password       = "${OPS_PASSWORD}"
  role           = "${o.role}"
  full_name      = "Tenant Operations"
  email_address  = "ops@example.com"
  enabled        = true
  take_ownership = true
}

output "org_id" { value = vcd_org.tenant.id }
output "user_id" { value = vcd_org_user.ops.id }
`;

  let orgDir = '';

  test('a System administrator (password) creates an org with settings and metadata, and its administrator', async () => {
    orgDir = workspace(
      'org',
      providerBlock(`  org = "System"\n  user = "administrator"\n  password = var.admin_password`) +
        'variable "admin_password" {\n  type = string\n  sensitive = true\n}\n' +
        orgConfig({ description: 'made by Terraform', costCenter: '42', withTier: true, role: 'Organization Administrator' }),
      { 'terraform.tfvars': `admin_password = "${server.adminPassword}"\n` },
    );
    await apply(orgDir, 'create the org and its user');
    const out = await output(orgDir);
    assert.match(String(out.org_id?.value), /^urn:vcloud:org:[0-9a-f-]{36}$/);
    assert.match(String(out.user_id?.value), /^urn:vcloud:user:[0-9a-f-]{36}$/);

    const admin = await signInFor(server.baseUrl, 'administrator', 'System', server.adminPassword);
    const org = await adminOrg(admin, ORG);
    assert.ok(org, `${ORG} exists`);
    assert.match(org.xml, /<Description>made by Terraform<\/Description>/);
    assert.match(org.xml, /<DeploymentLeaseSeconds>3600<\/DeploymentLeaseSeconds>/);
    assert.match(org.xml, /<InvalidLoginsBeforeLockout>10<\/InvalidLoginsBeforeLockout>/);
    assert.match(org.metadata, /<Key>costcenter<\/Key><TypedValue xsi:type="MetadataStringValue"><Value>42<\/Value>/);
    assert.match(org.metadata, /<Domain visibility="PRIVATE">SYSTEM<\/Domain><Key>contract<\/Key>/);
    assert.match(org.metadata, /<Key>tier<\/Key><TypedValue xsi:type="MetadataNumberValue"><Value>2<\/Value>/);
    // The new administrator signs in.
    assert.ok((await signInFor(server.baseUrl, 'ops', ORG, OPS_PASSWORD)).length > 32);
  });

  test('changes apply in place: description, a metadata value, a metadata entry removed, the user\u2019s role', async () => {
    writeFileSync(
      join(orgDir, 'main.tf'),
      readFileSync(join(orgDir, 'main.tf'), 'utf8').replace(
        /\nresource "vcd_org" "tenant"[\s\S]*$/,
        orgConfig({ description: 'changed by Terraform', costCenter: '43', withTier: false, role: 'vApp Author' }),
      ),
    );
    await apply(orgDir, 'update');
    const admin = await signInFor(server.baseUrl, 'administrator', 'System', server.adminPassword);
    const org = (await adminOrg(admin, ORG))!;
    assert.match(org.xml, /<Description>changed by Terraform<\/Description>/);
    assert.match(org.metadata, /<Key>costcenter<\/Key><TypedValue xsi:type="MetadataStringValue"><Value>43<\/Value>/);
    assert.doesNotMatch(org.metadata, /<Key>tier<\/Key>/);
    assert.match(org.xml, /<UserReference [^>]*name="ops"/);
    const session = await call(`${server.baseUrl}/cloudapi/1.0.0/sessions/current`, {
      headers: {
        Authorization: `Bearer ${await signInFor(server.baseUrl, 'ops', ORG, OPS_PASSWORD)}`,
        Accept: 'application/json;version=37.0',
      },
    });
    assert.deepEqual(JSON.parse(session.body).roles, ['vApp Author']);
  });

  let tokenDir = '';

  test('the new user creates an API token with vcd_api_token; a provider on that token file reads the org', async () => {
    tokenDir = workspace(
      'token',
      providerBlock(`  org = "${ORG}"\n  user = "ops"\n  password = "${OPS_PASSWORD}"`) +
        `resource "vcd_api_token" "ci" {\n  name = "ci"\n  file_name = "ci-token.json"\n  allow_token_file = true\n}\n` +
        'output "token_id" { value = vcd_api_token.ci.id }\n',
    );
    await apply(tokenDir, 'vcd_api_token');
    const file = JSON.parse(readFileSync(join(tokenDir, 'ci-token.json'), 'utf8')) as { token_type: string; refresh_token: string };
    assert.equal(file.token_type, 'API Token');
    assert.ok(file.refresh_token.length >= 32);
    const exchanged = await exchangeFor(server.baseUrl, ORG, file.refresh_token);
    assert.equal(exchanged.status, 200, exchanged.body);

    const readDir = workspace(
      'token-read',
      providerBlock(
        `  org = "${ORG}"\n  auth_type = "api_token_file"\n  api_token_file = "${join(tokenDir, 'ci-token.json')}"\n  allow_api_token_file = true`,
      ) + `data "vcd_org" "mine" {\n  name = "${ORG}"\n}\noutput "full_name" { value = data.vcd_org.mine.full_name }\n`,
    );
    await apply(readDir, 'a provider on the API token file');
    assert.equal((await output(readDir)).full_name?.value, 'Terraform Tenant');
    // The provider exchanged the token; the file is left as it was (an API token does not rotate).
    assert.equal(JSON.parse(readFileSync(join(tokenDir, 'ci-token.json'), 'utf8')).refresh_token, file.refresh_token);
  });

  test('destroying vcd_api_token revokes it: the file\u2019s token is refused from the next request', async () => {
    const file = JSON.parse(readFileSync(join(tokenDir, 'ci-token.json'), 'utf8')) as { refresh_token: string };
    await destroy(tokenDir, 'vcd_api_token');
    const refused = await exchangeFor(server.baseUrl, ORG, file.refresh_token);
    assert.equal(refused.status, 400, refused.body);
    // VCD's error envelope, as the token endpoint answers every OAuth error (docs/errors.md).
    assert.equal(JSON.parse(refused.body).minorErrorCode, 'invalid_grant', refused.body);
  });

  test('a tenant on an API token reads its org, its VDC with storage profiles, its VMs, a vApp and a VM as the demo holds them', async () => {
    const { refreshToken: apiToken } = await apiTokenFor(server.baseUrl, 'alice', 'acme', server.demoPassword);
    const { name: vdc, network } = world.vdcs.find((v) => v.org === 'acme')!;
    const vms = world.vms.filter((v) => v.org === 'acme' && v.vdc === vdc && !v.template).map((v) => v.name);
    // One vApp of that VDC and its first VM with a network, as the demo spec holds them.
    const placement = demoVms(DEMO_INVENTORY.acme).find((p) => p.vdc.name === vdc && !p.vapp.template && p.vm.network !== null)!;
    // A group with a role (the provider up to 3.14 reads the role without a nil check: src/inventory/documents/group.ts).
    const group = world.groups.find((g) => g.org === 'acme' && g.role !== '')!;
    // A catalog of acme's and its templates, as the demo spec holds them.
    const catalog = world.catalogs.find((c) => c.org === 'acme')!;
    // A vApp with a VM on the VDC's network: that network is one of the vApp's networks, a vApp org network.
    const bridged = demoVms(DEMO_INVENTORY.acme).find((p) => p.vdc.name === vdc && !p.vapp.template && p.vm.network === network)!;
    const dir = workspace(
      'tenant-reads',
      providerBlock(`  org = "acme"\n  auth_type = "api_token"\n  api_token = var.token`) +
        'variable "token" {\n  type = string\n  sensitive = true\n}\n' +
        `data "vcd_org" "acme" {\n  name = "acme"\n}\n` +
        `data "vcd_org_vdc" "vdc" {\n  org = "acme"\n  name = "${vdc}"\n}\n` +
        `data "vcd_resource_list" "vms" {\n  org = "acme"\n  vdc = "${vdc}"\n  name = "vms"\n  resource_type = "vcd_vapp_vm"\n  list_mode = "name"\n}\n` +
        `data "vcd_vapp" "app" {\n  org = "acme"\n  vdc = "${vdc}"\n  name = "${placement.vapp.name}"\n}\n` +
        `data "vcd_vapp_vm" "vm" {\n  org = "acme"\n  vdc = "${vdc}"\n  vapp_name = "${placement.vapp.name}"\n  name = "${placement.vm.name}"\n}\n` +
        `data "vcd_network_isolated" "net" {\n  org = "acme"\n  vdc = "${vdc}"\n  name = "${network}"\n}\n` +
        `data "vcd_vapp_org_network" "appnet" {\n  org = "acme"\n  vdc = "${vdc}"\n  vapp_name = "${bridged.vapp.name}"\n  org_network_name = "${network}"\n}\n` +
        // The same network through vcd_vapp_network, whose read dereferences GuestVlanAllowed (it panicked until 2026-12-05).
        `data "vcd_vapp_network" "appnet" {\n  org = "acme"\n  vdc = "${vdc}"\n  vapp_name = "${bridged.vapp.name}"\n  name = "${network}"\n}\n` +
        'output "vapp_network" { value = { id = data.vcd_vapp_network.appnet.id, guest_vlan = data.vcd_vapp_network.appnet.guest_vlan_allowed, parent = data.vcd_vapp_network.appnet.org_network_name } }\n' +
        `data "vcd_resource_list" "vapp_networks" {\n  org = "acme"\n  vdc = "${vdc}"\n  name = "vapp_networks"\n  resource_type = "vcd_vapp_org_network"\n  parent = "${bridged.vapp.name}"\n  list_mode = "name"\n}\n` +
        // Kinds Tessera holds none of: listed as empty, where an unknown query type failed the run.
        `data "vcd_resource_list" "disks" {\n  org = "acme"\n  vdc = "${vdc}"\n  name = "disks"\n  resource_type = "vcd_independent_disk"\n  list_mode = "name"\n}\n` +
        `data "vcd_resource_list" "gateways" {\n  org = "acme"\n  vdc = "${vdc}"\n  name = "gateways"\n  resource_type = "vcd_edgegateway"\n  list_mode = "name"\n}\n` +
        `data "vcd_resource_list" "nsxt_gateways" {\n  org = "acme"\n  vdc = "${vdc}"\n  name = "nsxt_gateways"\n  resource_type = "vcd_nsxt_edgegateway"\n  list_mode = "name"\n}\n` +
        'output "lists" { value = { vapp_networks = data.vcd_resource_list.vapp_networks.list, disks = data.vcd_resource_list.disks.list, gateways = data.vcd_resource_list.gateways.list, nsxt_gateways = data.vcd_resource_list.nsxt_gateways.list } }\n' +
        'output "vapp_org_network" { value = { id = data.vcd_vapp_org_network.appnet.id, fenced = data.vcd_vapp_org_network.appnet.is_fenced, retain = data.vcd_vapp_org_network.appnet.retain_ip_mac_enabled } }\n' +
        `data "vcd_org_group" "team" {\n  org = "acme"\n  name = "${group.name}"\n}\n` +
        'output "group" { value = { role = data.vcd_org_group.team.role, users = data.vcd_org_group.team.user_names, provider_type = data.vcd_org_group.team.provider_type } }\n' +
        `data "vcd_catalog" "cat" {\n  org = "acme"\n  name = "${catalog.name}"\n}\n` +
        `data "vcd_catalog_vapp_template" "tpl" {\n  org = "acme"\n  catalog_id = data.vcd_catalog.cat.id\n  name = "${catalog.items[0]}"\n}\n` +
        // The item through the Catalog document, with its (empty) metadata and its template's: this data source
        // failed on the item's metadata (404) until 2026-12-04.
        `data "vcd_catalog_item" "item" {\n  org = "acme"\n  catalog = "${catalog.name}"\n  name = "${catalog.items[0]}"\n}\n` +
        `data "vcd_vm_sizing_policy" "default" {\n  name = "System Default"\n}\n` +
        'output "catalog" { value = { templates = data.vcd_catalog.cat.number_of_vapp_templates, media = data.vcd_catalog.cat.number_of_media, items = data.vcd_catalog.cat.vapp_template_list, template = data.vcd_catalog_vapp_template.tpl.name, sizing = data.vcd_vm_sizing_policy.default.id } }\n' +
        'output "catalog_item" { value = { name = data.vcd_catalog_item.item.name, id = data.vcd_catalog_item.item.id, metadata = data.vcd_catalog_item.item.catalog_item_metadata } }\n' +
        'output "network" { value = { name = data.vcd_network_isolated.net.name, href = data.vcd_network_isolated.net.href, gateway = data.vcd_network_isolated.net.gateway } }\n' +
        'output "vapp_vms" { value = data.vcd_vapp.app.vm_names }\n' +
        'output "vm" { value = { cpus = data.vcd_vapp_vm.vm.cpus, memory = data.vcd_vapp_vm.vm.memory, network = data.vcd_vapp_vm.vm.network[0].name, ip = data.vcd_vapp_vm.vm.network[0].ip } }\n' +
        'output "full_name" { value = data.vcd_org.acme.full_name }\n' +
        'output "profiles" { value = [for p in data.vcd_org_vdc.vdc.storage_profile : p.name] }\n' +
        'output "vms" { value = data.vcd_resource_list.vms.list }\n',
      { 'terraform.tfvars': `token = "${apiToken}"\n` },
    );
    await apply(dir, 'tenant reads');
    const out = await output(dir);
    assert.equal(typeof out.full_name?.value, 'string');
    assert.ok((out.profiles?.value as string[]).length >= 1, 'the VDC lists its storage profiles');
    assert.deepEqual([...(out.vms?.value as string[])].sort(), [...vms].sort());
    assert.deepEqual([...(out.vapp_vms?.value as string[])].sort(), placement.vapp.vms.map((v) => v.name).sort());
    assert.deepEqual(out.vm?.value, {
      cpus: placement.vm.cpus,
      memory: placement.vm.memoryMb,
      network: placement.vm.network,
      ip: placement.vm.ipAddress ?? '',
    });
    // The VDC's org VDC network, as an isolated network without made-up addressing (src/inventory/org-vdc-networks.ts).
    const net = out.network?.value as { name: string; href: string; gateway: string | null };
    assert.equal(net.name, network);
    assert.match(net.href, /\/api\/admin\/network\/[0-9a-f-]{36}$/);
    assert.equal(net.gateway, null, 'no gateway: Terraform leaves it unset');
    // The vApp org network as the provider finds it: the NetworkConfig's link names the network the vAppNetwork
    // records name; bridged to the org network, not fenced.
    const alice = await signInFor(server.baseUrl, 'alice', 'acme', server.demoPassword);
    const filter = encodeURIComponent(`vAppName==${bridged.vapp.name};name==${network}`);
    const query = await call(`${server.baseUrl}/api/query?type=vAppNetwork&format=idrecords&filter=${filter}`, {
      headers: { Authorization: `Bearer ${alice}`, Accept: 'application/*+json;version=36.1' },
    });
    const records = (JSON.parse(query.body) as { record: { id: string }[] }).record;
    assert.equal(records.length, 1);
    assert.deepEqual(out.vapp_org_network?.value, { id: records[0]!.id, fenced: false, retain: false });
    assert.deepEqual(out.vapp_network?.value, { id: records[0]!.id, guest_vlan: false, parent: network });
    const vappNetworks = [...new Set(bridged.vapp.vms.map((v) => v.network).filter((n): n is string => n === network))];
    assert.deepEqual(out.lists?.value, { vapp_networks: vappNetworks, disks: [], gateways: [], nsxt_gateways: [] });
    // The catalog through the catalog query, its (empty) media query and metadata, and its templates; the VDCs' one
    // sizing policy through the compute policies' list.
    assert.deepEqual(out.catalog?.value, {
      templates: catalog.items.length,
      media: 0,
      items: catalog.items,
      template: catalog.items[0],
      sizing: 'urn:vcloud:vdcComputePolicy:' + SYSTEM_DEFAULT_POLICY_ID,
    });
    const item = out.catalog_item?.value as { name: string; id: string; metadata: Record<string, string> };
    assert.equal(item.name, catalog.items[0]);
    assert.match(item.id, /^urn:vcloud:catalogitem:[0-9a-f-]{36}$/);
    assert.deepEqual(item.metadata, {}, "the item's metadata: none");
    // The group as govcd finds it in the AdminOrg's Groups, then its Group document.
    const team = out.group?.value as { role: string; users: string[]; provider_type: string };
    assert.deepEqual(team, { role: group.role, users: group.users, provider_type: 'INTEGRATED' });
    // Reading did not use the token up: it still exchanges after the run.
    assert.equal((await exchangeFor(server.baseUrl, 'acme', apiToken)).status, 200);
  });

  test('the provider reads a global role and a rights bundle: their rights and the orgs they are published to', async () => {
    const dir = workspace(
      'provider-reads',
      providerBlock(`  org = "System"\n  user = "administrator"\n  password = var.admin_password`) +
        'variable "admin_password" {\n  type = string\n  sensitive = true\n}\n' +
        'data "vcd_global_role" "author" {\n  name = "vApp Author"\n}\n' +
        'data "vcd_rights_bundle" "default" {\n  name = "Default Rights Bundle"\n}\n' +
        'output "role" { value = { rights = data.vcd_global_role.author.rights, all = data.vcd_global_role.author.publish_to_all_tenants, tenants = data.vcd_global_role.author.tenants } }\n' +
        'output "bundle" { value = { rights = length(data.vcd_rights_bundle.default.rights), all = data.vcd_rights_bundle.default.publish_to_all_tenants } }\n',
      { 'terraform.tfvars': `admin_password = "${server.adminPassword}"\n` },
    );
    await apply(dir, 'provider reads');
    const out = await output(dir);
    const role = out.role?.value as { rights: string[]; all: boolean; tenants: string[] };
    assert.deepEqual([...role.rights].sort(), [...PREDEFINED_ROLES['vApp Author'].rights].sort());
    assert.equal(role.all, true);
    const bundle = out.bundle?.value as { rights: number; all: boolean };
    assert.equal(bundle.rights, RIGHT_CATALOGUE.filter((r) => !r.providerOnly).length);
    assert.equal(bundle.all, true);
  });

  // A service account (VCD 10.4; docs/service-accounts.md) on the provider's `service_account_token_file`: the
  // provider reads the file, exchanges its refresh token, and writes the rotated one back (govcd's
  // SetServiceAccountApiToken) on every configure, so each run must leave a new token in a file still 0600.
  const SA_SOFTWARE_ID = '0b5a1d2e-7c3f-4e8a-9b6d-2f1e0c9a8b7d';
  let saId = '';
  let saDir = '';
  let saFile = '';

  /** RFC 8628 as an Organization Administrator of acme runs it (docs/service-accounts.md): the first refresh token. */
  async function authorizeServiceAccount(session: string, clientId: string): Promise<string> {
    const auth = await call(`${server.baseUrl}/oauth/tenant/acme/device_authorization`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ client_id: clientId }).toString(),
    });
    assert.equal(auth.status, 200, auth.body);
    const { user_code: userCode, device_code: deviceCode } = JSON.parse(auth.body) as { user_code: string; device_code: string };
    const granted = await call(`${server.baseUrl}/cloudapi/1.0.0/deviceLookup/grant`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json', Accept: 'application/json;version=37.0' },
      body: JSON.stringify({ userCode }),
    });
    assert.equal(granted.status, 204, granted.body);
    const first = await call(`${server.baseUrl}/oauth/tenant/acme/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: clientId,
        device_code: deviceCode,
      }).toString(),
    });
    assert.equal(first.status, 200, first.body);
    return JSON.parse(first.body).refresh_token as string;
  }

  async function serviceAccountStatus(session: string): Promise<string> {
    const res = await call(`${server.baseUrl}/cloudapi/1.0.0/serviceAccounts/urn:vcloud:serviceAccount:${saId}`, {
      headers: { Authorization: `Bearer ${session}`, Accept: 'application/json;version=37.0' },
    });
    assert.equal(res.status, 200, res.body);
    return JSON.parse(res.body).status as string;
  }

  /** The file as the provider left it: govcd's format, mode 0600. */
  function readSaFile(): { token_type: string; refresh_token: string } {
    assert.equal(statSync(saFile).mode & 0o777, 0o600, 'the token file stays 0600');
    const file = JSON.parse(readFileSync(saFile, 'utf8')) as { token_type: string; refresh_token: string };
    assert.equal(file.token_type, 'Service Account');
    assert.match(file.refresh_token, /^\S{32,}$/);
    return file;
  }

  test('a service account on service_account_token_file reads acme twice; each run rotates the file (0600)', async () => {
    const alice = await signInFor(server.baseUrl, 'alice', 'acme', server.demoPassword);
    const register = await call(`${server.baseUrl}/oauth/tenant/acme/register`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${alice}`, 'Content-Type': 'application/json', Accept: 'application/json;version=' },
      body: JSON.stringify({ client_name: 'tf-reader', scope: 'urn:vcloud:role:vApp%20Author', software_id: SA_SOFTWARE_ID }),
    });
    assert.equal(register.status, 200, register.body);
    saId = JSON.parse(register.body).client_id as string;
    const first = await authorizeServiceAccount(alice, saId);
    assert.equal(await serviceAccountStatus(alice), 'ACTIVE');

    const { name: vdc } = world.vdcs.find((v) => v.org === 'acme')!;
    const vms = world.vms.filter((v) => v.org === 'acme' && v.vdc === vdc && !v.template).map((v) => v.name);
    const profiles = DEMO_INVENTORY.acme.vdcs
      .find((v) => v.name === vdc)!
      .storageProfiles.map((p) => p.name)
      .sort();
    saDir = workspace(
      'service-account',
      providerBlock(
        `  org = "acme"\n  auth_type = "service_account_token_file"\n  service_account_token_file = "sa-token.json"\n  allow_service_account_token_file = true`,
      ) +
        `data "vcd_org" "acme" {\n  name = "acme"\n}\n` +
        `data "vcd_org_vdc" "vdc" {\n  org = "acme"\n  name = "${vdc}"\n}\n` +
        `data "vcd_resource_list" "vms" {\n  org = "acme"\n  vdc = "${vdc}"\n  name = "vms"\n  resource_type = "vcd_vapp_vm"\n  list_mode = "name"\n}\n` +
        'output "full_name" { value = data.vcd_org.acme.full_name }\n' +
        'output "profiles" { value = [for p in data.vcd_org_vdc.vdc.storage_profile : p.name] }\n' +
        'output "vms" { value = data.vcd_resource_list.vms.list }\n',
    );
    // The provider's path is relative to the root module (terraform runs with -chdir).
    saFile = join(saDir, 'sa-token.json');
    await writeTokenFile(saFile, first, 'tessera-conformance');

    const seen = [first];
    for (const run of [1, 2]) {
      await apply(saDir, `service account token file, run ${run}`);
      const out = await output(saDir);
      assert.equal(out.full_name?.value, (await server.store.getOrgByName('acme'))!.full_name);
      assert.deepEqual([...(out.profiles?.value as string[])].sort(), profiles);
      assert.deepEqual([...(out.vms?.value as string[])].sort(), [...vms].sort());
      const now = readSaFile().refresh_token;
      assert.ok(!seen.includes(now), `run ${run} left a new refresh token in the file`);
      seen.push(now);
    }
    // The token the file held before the second run was spent by it: the exchange refuses it. Its successor was
    // used too (the plan after the apply exchanged again), so this is reuse (RFC 9700 §4.14.2), not a retry within
    // the grace window, and it ends the chain: checked in the next case.
    const spent = await exchangeFor(server.baseUrl, 'acme', seen[1]!);
    assert.equal(spent.status, 400, spent.body);
    assert.equal(JSON.parse(spent.body).minorErrorCode, 'invalid_grant', spent.body);
  });

  test('a revoked service account fails the next run with the provider\u2019s auth error; the file is left whole', async () => {
    const alice = await signInFor(server.baseUrl, 'alice', 'acme', server.demoPassword);
    // The reuse above ended the chain: the account is CREATED again and the file's newest token is refused too.
    assert.equal(await serviceAccountStatus(alice), 'CREATED');
    const ended = await exchangeFor(server.baseUrl, 'acme', readSaFile().refresh_token);
    assert.equal(ended.status, 400, ended.body);
    assert.equal(JSON.parse(ended.body).minorErrorCode, 'invalid_grant', ended.body);
    // Authorized anew, a run works on the new token, then the administrator revokes the account.
    await writeTokenFile(saFile, await authorizeServiceAccount(alice, saId), 'tessera-conformance');
    const plan = await terraform(saDir, 'plan', '-detailed-exitcode', '-input=false');
    assert.equal(plan.code, 0, describeFailure('terraform plan on the re-authorized account', plan, RUN_TIMEOUT_MS));
    const revoke = await call(`${server.baseUrl}/cloudapi/1.0.0/serviceAccounts/urn:vcloud:serviceAccount:${saId}/revoke`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${alice}`, Accept: 'application/json;version=37.0' },
    });
    assert.equal(revoke.status, 204, revoke.body);
    const before = readFileSync(saFile, 'utf8');

    const refused = await terraform(saDir, 'plan', '-input=false');
    assert.equal(refused.code, 1, describeFailure('terraform plan after the revoke must fail', refused, RUN_TIMEOUT_MS));
    // govcd's words, with the token endpoint's error code.
    assert.match(
      refused.stderr,
      /something went wrong during authentication: .*error authorizing service account: .*invalid_grant/,
      refused.stderr,
    );
    // The provider wrote nothing: the same file, still govcd's format and 0600.
    assert.equal(readFileSync(saFile, 'utf8'), before);
    readSaFile();
  });

  test('destroying the org and its user removes both', async () => {
    await destroy(orgDir, 'the org and its user');
    const admin = await signInFor(server.baseUrl, 'administrator', 'System', server.adminPassword);
    assert.equal(await adminOrg(admin, ORG), null);
  });
});
