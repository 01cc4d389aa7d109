/**
 * examples/inventory-agent/push-inventory.mjs against a real server: the example export goes in as one
 * generation; a second run changes nothing; an export without a VM deletes it at the commit; a tenant's token
 * is refused and the script says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTessera, ADMIN_PASSWORD, DEMO_PASSWORD } from '../helpers/tessera.js';
import { createTransport } from '../../src/client/transport.js';
import { signIn } from '../helpers/api.js';

const AGENT = fileURLToPath(new URL('../../examples/inventory-agent/push-inventory.mjs', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../examples/inventory-agent/export.example.json', import.meta.url));

function runAgent(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AGENT, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the example inventory agent pushes an export as one generation', async (t) => {
  const tessera = await startTessera({ demo: true });
  const dir = mkdtempSync(join(tmpdir(), 'tessera-agent-'));
  t.after(async () => {
    await tessera.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const system = await signIn(tessera.baseUrl, 'administrator', 'System', ADMIN_PASSWORD);
  const env = { TESSERA_URL: tessera.baseUrl, TESSERA_BEARER: system };

  const first = await runAgent([EXAMPLE, '--source', 'vcenter-1'], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /generation 1: 3 batches, 4 created, 0 updated, 0 deleted, 0 unchanged; commit deleted 0 VMs/);
  const second = await runAgent([EXAMPLE, '--source', 'vcenter-1'], env);
  assert.match(second.stdout, /generation 2: 3 batches, 0 created, 0 updated, 0 deleted, 4 unchanged; commit deleted 0 VMs/);

  const exported = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { vms: unknown[] };
  const smaller = join(dir, 'smaller.json');
  writeFileSync(smaller, JSON.stringify({ ...exported, vms: exported.vms.slice(0, 1) }));
  const third = await runAgent([smaller, '--source', 'vcenter-1'], env);
  assert.match(third.stdout, /commit deleted 1 VMs, 0 vApps, 0 VDCs/);
  const names = await tessera.store.db.selectFrom('vms').select('name').where('source', '=', 'vcenter-1').execute();
  assert.deepEqual(
    names.map((n) => n.name),
    ['payroll-db'],
  );

  const alice = await signIn(tessera.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const refused = await runAgent([EXAMPLE, '--source', 'vcenter-1'], { ...env, TESSERA_BEARER: alice });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /HTTP 403/);
});

test('against the self-signed HTTPS server: without the certificate it says how to trust it; with it, it syncs', async (t) => {
  const tessera = await startTessera({ demo: true, https: true });
  t.after(() => tessera.stop());
  const signedIn = await createTransport({ insecure: true })({
    method: 'POST',
    url: `${tessera.baseUrl}/cloudapi/1.0.0/sessions/provider`,
    headers: {
      accept: 'application/json;version=37.0',
      authorization: `Basic ${Buffer.from(`administrator@System:${ADMIN_PASSWORD}`).toString('base64')}`,
    },
  });
  assert.equal(signedIn.status, 200, signedIn.body);
  const system = signedIn.headers.get('x-vmware-vcloud-access-token')!;
  const env = { TESSERA_URL: tessera.baseUrl, TESSERA_BEARER: system };
  // Until 2026-12-05: undici's stack trace ("fetch failed"), with nothing about the certificate.
  const untrusted = await runAgent([EXAMPLE, '--source', 'vcenter-1'], env);
  assert.equal(untrusted.code, 1);
  assert.match(untrusted.stderr, /^sync not started: cannot reach https:\/\/127\.0\.0\.1:\d+: DEPTH_ZERO_SELF_SIGNED_CERT\n/);
  assert.match(untrusted.stderr, /NODE_EXTRA_CA_CERTS=<data dir>\/tls-cert\.pem/);
  assert.doesNotMatch(untrusted.stderr, /\bat \w+ \(/, 'no stack trace');
  const trusted = await runAgent([EXAMPLE, '--source', 'vcenter-1'], {
    ...env,
    NODE_EXTRA_CA_CERTS: join(tessera.config.dataDir, 'tls-cert.pem'),
  });
  assert.equal(trusted.code, 0, trusted.stderr);
  assert.match(trusted.stdout, /generation 1: 3 batches, 4 created/);
});
