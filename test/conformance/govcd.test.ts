/**
 * go-vcloud-director v2.26.1 and v3.1.1, unmodified, against Tessera on HTTPS with the demo inventory:
 * the Go program in test/conformance/govcd (built by scripts/setup-conformance.sh) runs one scenario per
 * user and version and exits non-zero on the first failed assertion. See docs/conformance.md.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTessera } from '../helpers/tessera.js';
import { addScratchCatalog, addWorldGroups, demoWorld, govcdScenario, type DemoWorld } from './expect.js';
import {
  CLIENT_TIMEOUT_MS,
  GOVCD_BIN,
  describeFailure,
  readSummary,
  runProcess,
  scratchDir,
  setupConformance,
  verboseOutput,
} from './support.js';

type Server = Awaited<ReturnType<typeof startTessera>>;

interface GovcdSummary {
  [key: string]: unknown;
  module: string;
  version: string;
  go: string;
  apiVersion: string;
  steps: string[];
  counts: Record<string, number>;
}

const VERSIONS = [
  { major: 'v2', module: 'github.com/vmware/go-vcloud-director/v2', version: 'v2.26.1' },
  { major: 'v3', module: 'github.com/vmware/go-vcloud-director/v3', version: 'v3.1.1' },
] as const;

describe('go-vcloud-director (v2.26.1, v3.1.1) against Tessera', { timeout: 25 * 60_000 }, () => {
  let server: Server;
  let world: DemoWorld;
  const scratch = scratchDir('tessera-govcd-');

  before(
    async () => {
      // Builds both binaries (module proxy) or fails with the reason; quick when already built.
      setupConformance('govcd');
      world = demoWorld();
      server = await startTessera({ https: true, demo: true });
      assert.match(server.baseUrl, /^https:\/\/127\.0\.0\.1:\d+$/, 'startTessera must serve HTTPS on loopback');
      await addWorldGroups(server.store, world);
    },
    { timeout: 22 * 60_000 },
  );

  after(async () => {
    await server?.stop();
    scratch.remove();
  });

  for (const v of VERSIONS) {
    for (const who of [
      { label: 'tenant alice@acme (Organization Administrator)', org: 'acme', user: 'alice', admin: false },
      { label: 'System administrator (adminVM across orgs)', org: 'System', user: 'administrator', admin: true },
    ]) {
      test(`${v.module} ${v.version}: ${who.label}`, { timeout: CLIENT_TIMEOUT_MS + 30_000 }, async (t) => {
        const password = who.admin ? server.adminPassword : server.demoPassword;
        const scenario = govcdScenario(world, { org: who.org, user: who.user, password, sysadmin: who.admin });
        // The provider deletes a catalog of its own making; the tenant reads only the demo's catalogs by name.
        if (who.admin) scenario.deleteCatalog = await addScratchCatalog(server.store, `conformance-scratch-${v.major}`);
        const file = scratch.write(`govcd-${v.major}-${who.user}.json`, scenario);
        const binary = join(GOVCD_BIN, `govcd-${v.major}`);
        const result = await runProcess(
          binary,
          ['-url', server.baseUrl, '-expect', file, '-timeout', `${CLIENT_TIMEOUT_MS / 1000 - 10}s`],
          {
            timeoutMs: CLIENT_TIMEOUT_MS,
          },
        );
        const verbose = verboseOutput(result);
        if (verbose !== null) t.diagnostic(verbose);
        assert.equal(result.code, 0, describeFailure(`govcd-${v.major} (${v.module} ${v.version}) as ${who.user}@${who.org}`, result));
        const summary = readSummary<GovcdSummary>(result, 'GOVCD-CONFORMANCE-SUMMARY');
        assert.equal(summary.module, v.module, 'the binary was built against the intended module');
        assert.equal(summary.version, v.version, 'the binary was built against the pinned version (go.sum)');
        assert.ok(summary.steps.length >= 20, `the run went through every step (${summary.steps.length})`);
        const { steps, ...rest } = summary;
        t.diagnostic(`govcd: ${steps.length} steps passed; ${JSON.stringify(rest)}`);
      });
    }
  }
});
