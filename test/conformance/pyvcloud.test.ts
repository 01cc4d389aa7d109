/**
 * pyvcloud 23.0.4 (PyPI), unmodified, against Tessera on HTTPS with the demo inventory: the token is traded
 * with `requests`, then `Client.rehydrate_from_token(access, is_jwt_token=True)`, `get_org_by_name`, the
 * typed VM query across pages, and the same after revocation (UnauthorizedException from VCD's XML <Error>).
 * The script is test/conformance/pyvcloud/conformance.py; the venv comes from scripts/setup-conformance.sh.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTessera } from '../helpers/tessera.js';
import { demoWorld, pyvcloudScenario, type DemoWorld } from './expect.js';
import {
  CLIENT_TIMEOUT_MS,
  CONFORMANCE_DIR,
  VENV_PYTHON,
  describeFailure,
  readSummary,
  runProcess,
  scratchDir,
  setupConformance,
  verboseOutput,
} from './support.js';

type Server = Awaited<ReturnType<typeof startTessera>>;

interface PyvcloudSummary {
  [key: string]: unknown;
  versions: Record<string, string>;
  python: string;
  steps: string[];
  counts: Record<string, number>;
}

describe('pyvcloud 23.0.4 against Tessera', { timeout: 20 * 60_000 }, () => {
  let server: Server;
  let world: DemoWorld;
  const scratch = scratchDir('tessera-pyvcloud-');

  before(
    async () => {
      setupConformance('pyvcloud');
      world = demoWorld();
      server = await startTessera({ https: true, demo: true });
    },
    { timeout: 18 * 60_000 },
  );

  after(async () => {
    await server?.stop();
    scratch.remove();
  });

  async function run(t: { diagnostic(message: string): void }, label: string, scenario: object): Promise<PyvcloudSummary> {
    const file = scratch.write(`pyvcloud-${label.replace(/[^a-z]/gi, '-')}.json`, scenario);
    const result = await runProcess(
      VENV_PYTHON,
      [
        join(CONFORMANCE_DIR, 'pyvcloud', 'conformance.py'),
        '--url',
        server.baseUrl,
        '--scenario',
        file,
        '--timeout',
        String(CLIENT_TIMEOUT_MS / 1000 - 10),
      ],
      { timeoutMs: CLIENT_TIMEOUT_MS, env: { PYTHONDONTWRITEBYTECODE: '1' } },
    );
    const verbose = verboseOutput(result);
    if (verbose !== null) t.diagnostic(verbose);
    assert.equal(result.code, 0, describeFailure(`pyvcloud conformance (${label})`, result));
    const summary = readSummary<PyvcloudSummary>(result, 'PYVCLOUD-CONFORMANCE-SUMMARY');
    assert.equal(summary.versions.pyvcloud, '23.0.4', 'the venv holds the pinned pyvcloud');
    const { steps, ...rest } = summary;
    t.diagnostic(`pyvcloud: ${steps.length} steps passed; ${JSON.stringify(rest)}`);
    return summary;
  }

  test(
    'alice@acme: requests token exchange, rehydrate_from_token, get_org_by_name, typed vm query across pages, revocation',
    { timeout: CLIENT_TIMEOUT_MS + 30_000 },
    async (t) => {
      const scenario = pyvcloudScenario(world, { org: 'acme', user: 'alice', password: server.demoPassword });
      assert.ok(
        scenario.vmsAll.length > 25,
        `the demo inventory must hold more than 25 VMs in acme to exercise paging (has ${scenario.vmsAll.length})`,
      );
      const summary = await run(t, 'alice@acme', scenario);
      assert.ok((summary.counts.queryPages ?? 0) >= 2, 'the typed query went through more than one page');
    },
  );

  test(
    "administrator@System: the same flow on the provider's endpoint, then pyvcloud's Metadata writers on a tenant org and its org create and delete",
    { timeout: CLIENT_TIMEOUT_MS + 30_000 },
    async (t) => {
      // The tenant's reads (roles, rights, catalogs, networks, a vApp) are alice's above; the System org has none of them.
      const scenario = {
        ...pyvcloudScenario(world, { org: 'System', user: 'administrator', password: server.adminPassword }),
        roles: null,
        catalogs: null,
        networks: null,
        vapp: null,
      };
      const summary = await run(t, 'administrator@System', scenario);
      assert.ok(
        summary.steps.some((step) => step.startsWith('Metadata(admin org).set_metadata()')),
        `the provider's metadata writes ran: ${summary.steps.join(' | ')}`,
      );
      assert.ok(
        summary.steps.some((step) => step.startsWith('System.create_org()')),
        `the provider's org create and delete ran: ${summary.steps.join(' | ')}`,
      );
    },
  );
});
