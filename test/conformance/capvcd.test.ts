/**
 * CAPVCD's SDK (cloud-provider-for-cloud-director/pkg/vcdsdk on go-vcloud-director v2.26.0-alpha.6, the
 * versions CAPVCD pins), unmodified, against Tessera on HTTPS with the demo inventory: the Go program in
 * test/conformance/capvcd (built by scripts/setup-conformance.sh) does what CAPVCD's controllers do with an API
 * token, for a tenant and for a System administrator, and exits non-zero on the first failed assertion.
 * See docs/conformance.md.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera } from '../helpers/tessera.js';
import { apiTokenFor, call } from './tls-client.js';
import { DEMO_INVENTORY, demoVms } from '../../src/inventory/demo-spec.js';
import { demoIds } from '../../src/inventory/demo.js';
import { VCD_PRODUCT_VERSION } from '../../src/domain/product-version.js';
import {
  CAPVCD_BIN,
  CLIENT_TIMEOUT_MS,
  describeFailure,
  readSummary,
  runProcess,
  scratchDir,
  setupConformance,
  verboseOutput,
} from './support.js';

type Server = Awaited<ReturnType<typeof startTessera>>;

const CPI_MODULE = 'github.com/vmware/cloud-provider-for-cloud-director';
const CPI_VERSION = 'v0.0.0-20240422223843-6dd634aca882';
const GOVCD_VERSION = 'v2.26.0-alpha.6';

interface CapvcdSummary {
  module: string;
  version: string;
  govcdVersion: string;
  sysadmin: boolean;
  steps: string[];
  expectedErrors: Record<string, string>;
}

/** The VMs of one demo vApp as the scenario lists them: ids, ExtraConfig and tenant-visible metadata. */
function vappVms(acmeId: string, vdcName: string, vappName: string) {
  return demoVms(DEMO_INVENTORY.acme)
    .filter((p) => p.vdc.name === vdcName && p.vapp.name === vappName)
    .map((p) => ({
      name: p.vm.name,
      id: `urn:vcloud:vm:${demoIds.vm(acmeId, vdcName, vappName, p.vm.name)}`,
      extraConfig: Object.fromEntries(p.vm.extraConfig.map((e) => [e.key, e.value])),
      metadata: Object.fromEntries(p.vm.metadata.filter((m) => m.visibility !== 'PRIVATE').map((m) => [m.key, m.value])),
    }));
}

describe(`CAPVCD's vcdsdk (${CPI_MODULE} ${CPI_VERSION}, govcd ${GOVCD_VERSION}) against Tessera`, { timeout: 25 * 60_000 }, () => {
  let server: Server;
  let acmeId: string;
  const scratch = scratchDir('tessera-capvcd-');

  before(
    async () => {
      // Builds the binary (module proxy) or fails with the reason; quick when already built.
      setupConformance('capvcd');
      server = await startTessera({ https: true, demo: true });
      assert.match(server.baseUrl, /^https:\/\/127\.0\.0\.1:\d+$/, 'startTessera must serve HTTPS on loopback');
      acmeId = (await server.store.getOrgByName('acme'))!.id;
    },
    { timeout: 22 * 60_000 },
  );

  after(async () => {
    await server?.stop();
    scratch.remove();
  });

  for (const who of [
    // A tenant token: the SDK's System-org attempt must fail, then the tenant exchange succeeds.
    { label: 'alice@acme', user: 'alice', org: 'acme', userOrg: 'acme', sysadmin: false, vdc: 'acme-dev', vapp: 'ci-runners' },
    // A System administrator's token managing a cluster in a tenant org (IsSysAdmin, adminVM queries).
    {
      label: 'administrator@System',
      user: 'administrator',
      org: 'System',
      userOrg: 'system',
      sysadmin: true,
      vdc: 'acme-prod',
      vapp: 'db-cluster',
    },
  ]) {
    test(
      `${who.label}: client from secrets, VMs, guestinfo ExtraConfig, metadata, version, refresh, revocation`,
      { timeout: CLIENT_TIMEOUT_MS + 30_000 },
      async (t) => {
        const password = who.sysadmin ? server.adminPassword : server.demoPassword;
        const token = await apiTokenFor(server.baseUrl, who.user, who.org, password);
        const file = scratch.write(`capvcd-${who.user}.json`, {
          host: server.baseUrl,
          label: who.label,
          userOrg: who.userOrg,
          clusterOrg: 'acme',
          vdc: who.vdc,
          sysadmin: who.sysadmin,
          refreshToken: token.refreshToken,
          tokenId: token.tokenId,
          vapp: who.vapp,
          vms: vappVms(acmeId, who.vdc, who.vapp),
          absentKey: 'guestinfo.conformance.absent',
          vcdVersion: VCD_PRODUCT_VERSION,
        });
        const result = await runProcess(CAPVCD_BIN, ['-expect', file, '-timeout', `${CLIENT_TIMEOUT_MS / 1000 - 10}s`], {
          timeoutMs: CLIENT_TIMEOUT_MS,
        });
        const verbose = verboseOutput(result);
        if (verbose !== null) t.diagnostic(verbose);
        assert.equal(result.code, 0, describeFailure(`capvcd-conformance as ${who.label}`, result));
        const summary = readSummary<CapvcdSummary>(result, 'CAPVCD-CONFORMANCE-SUMMARY');
        assert.equal(summary.module, CPI_MODULE);
        assert.equal(summary.version, CPI_VERSION, 'the binary was built against the pinned SDK (go.sum)');
        assert.equal(summary.govcdVersion, GOVCD_VERSION, 'and the go-vcloud-director version CAPVCD pins');
        assert.equal(summary.sysadmin, who.sysadmin);
        assert.deepEqual(Object.keys(summary.expectedErrors).sort(), [
          'GetExtraConfigValue',
          'NewVCDClientFromSecrets',
          'RefreshBearerToken',
        ]);
        t.diagnostic(`vcdsdk: ${summary.steps.length} steps passed; errors after revocation: ${JSON.stringify(summary.expectedErrors)}`);
      },
    );
  }
});
