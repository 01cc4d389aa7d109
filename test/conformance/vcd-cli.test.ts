/**
 * vcd-cli 24.0.1 (PyPI: VMware's `vcd` command, on pyvcloud 23.0.4), unmodified, against Tessera on HTTPS with the
 * demo inventory: the read commands an operator or a tenant runs, each with `-j` (JSON output), compared with the
 * demo inventory's own spec. vcd-cli signs in with a password (it has no API-token login); its profile goes to a
 * scratch HOME. The venv comes from scripts/setup-conformance.sh; test/conformance/vcd-cli/vcd.py starts the command.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEMO_INVENTORY } from '../../src/inventory/demo-spec.js';
import { startTessera } from '../helpers/tessera.js';
import { basic } from '../helpers/api.js';
import { call } from './tls-client.js';
import { demoWorld, type DemoWorld } from './expect.js';
import { CLIENT_TIMEOUT_MS, CONFORMANCE_DIR, VENV_PYTHON, describeFailure, runProcess, scratchDir, setupConformance } from './support.js';

type Server = Awaited<ReturnType<typeof startTessera>>;
type Row = Record<string, unknown>;

describe('vcd-cli 24.0.1 against Tessera', { timeout: 20 * 60_000 }, () => {
  let server: Server;
  let world: DemoWorld;
  const home = scratchDir('tessera-vcd-cli-');

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
    home.remove();
  });

  /** Runs `vcd ARGS`; fails the test with the command's output unless it exits 0. */
  async function vcd(...args: string[]): Promise<string> {
    const result = await runProcess(VENV_PYTHON, [join(CONFORMANCE_DIR, 'vcd-cli', 'vcd.py'), ...args], {
      timeoutMs: CLIENT_TIMEOUT_MS,
      env: { HOME: home.dir, PYTHONDONTWRITEBYTECODE: '1', VCD_USE_COLORED_OUTPUT: '0', VCD_PASSWORD: server.demoPassword },
    });
    // vcd-cli prints its errors and exits 0 for some of them: an error on stderr fails the step too.
    assert.equal(result.code, 0, describeFailure(`vcd ${args.join(' ')}`, result));
    assert.doesNotMatch(result.stderr, /error|exception|traceback/i, describeFailure(`vcd ${args.join(' ')}`, result));
    return result.stdout;
  }
  const rows = async (...args: string[]): Promise<Row[]> => {
    const out = await vcd('-j', ...args);
    const parsed = JSON.parse(out) as unknown;
    assert.ok(Array.isArray(parsed), `vcd -j ${args.join(' ')}: a JSON list, got ${out.slice(0, 200)}`);
    return parsed as Row[];
  };
  const names = (list: Row[], key = 'name') => list.map((r) => String(r[key])).sort();

  test('alice@acme: login, lists of orgs, VDCs, vApps, VMs, catalogs, users, roles and tasks by status, vApp and VM info', async () => {
    const acme = DEMO_INVENTORY.acme!;
    const host = new URL(server.baseUrl).host;
    // The password from VCD_PASSWORD, as vcd-cli's help suggests for scripts: not in the command line a failure prints.
    const login = await vcd('login', host, 'acme', 'alice', '--no-verify-ssl-certs', '--disable-warnings');
    assert.match(login, /alice logged in, org: 'acme'/);

    assert.deepEqual(names(await rows('org', 'list')), ['acme'], 'a tenant sees its own org');
    assert.deepEqual(
      names(await rows('vdc', 'list')),
      world.vdcs
        .filter((v) => v.org === 'acme')
        .map((v) => v.name)
        .sort(),
    );

    const vapps = acme.vdcs.flatMap((vdc) => vdc.vapps.filter((a) => !a.template).map((a) => ({ vdc: vdc.name, vapp: a })));
    assert.deepEqual(
      names(await rows('vapp', 'list')),
      vapps.map((a) => a.vapp.name).sort(),
      'vapp list: every vApp of the org (not the templates)',
    );

    const { vdc, vapp } = vapps.find((a) => a.vapp.vms.length > 0)!;
    await vcd('vdc', 'use', vdc);
    // Table output: pyvcloud's vapp_to_dict keeps lxml elements (a VM's ComputerName), which `-j` cannot serialize,
    // against a real VCD as here.
    const info = await vcd('vapp', 'info', vapp.name);
    assert.match(info, new RegExp(`^name\\s+${vapp.name}$`, 'm'), info);
    const vm = vapp.vms[0]!;
    const vmInfo = JSON.parse(await vcd('-j', 'vm', 'info', vapp.name, vm.name)) as Row;
    assert.equal(vmInfo.name ?? vmInfo['computer-name'], vm.name, JSON.stringify(vmInfo));
    assert.equal(vmInfo.vapp, vapp.name);

    assert.deepEqual(
      names(await rows('search', 'vm')),
      world.vms
        .filter((v) => v.org === 'acme')
        .map((v) => v.name)
        .sort(),
      "search vm: the typed VM query, every page (the templates' VMs too, as VCD lists them)",
    );
    assert.deepEqual(
      names(await rows('catalog', 'list')),
      world.catalogs
        .filter((c) => c.org === 'acme')
        .map((c) => c.name)
        .sort(),
    );
    assert.ok(names(await rows('user', 'list')).includes('bob'));
    assert.ok(names(await rows('role', 'list')).includes('vApp Author'));
    // vcd-cli's statuses are TaskStatus's member names: status==QUEUED,status==PRE_RUNNING,status==RUNNING.
    assert.deepEqual(await rows('task', 'list', 'QUEUED', 'PRE_RUNNING', 'RUNNING'), [], 'no task is unfinished');

    assert.match(await vcd('logout'), /logged out/i);
  });

  test('bob@acme: `login --session-id` with an x-vcloud-authorization id from POST /api/sessions, then commands', async () => {
    const host = new URL(server.baseUrl).host;
    const signIn = await call(`${server.baseUrl}/api/sessions`, {
      method: 'POST',
      headers: { Authorization: basic('bob', 'acme', server.demoPassword), Accept: 'application/*+xml;version=36.0' },
    });
    assert.equal(signIn.status, 200, signIn.body);
    const sessionId = String(signIn.headers['x-vcloud-authorization']);
    // pyvcloud's rehydrate_from_token keeps the id GET /api/session answers with; vcd-cli saves it in its profile.
    const login = await vcd('login', host, 'acme', 'bob', '--session-id', sessionId, '--no-verify-ssl-certs', '--disable-warnings');
    assert.match(login, /bob logged in, org: 'acme'/);
    assert.deepEqual(names(await rows('org', 'list')), ['acme'], 'the next command runs on the saved session id');
    assert.match(await vcd('logout'), /logged out/i);
  });
});
