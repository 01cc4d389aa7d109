/**
 * A command pointed at a server whose certificate it does not trust (the quick start's self-signed one) says to pass
 * `--insecure`: until 2026-12-07 it printed the SDK's advice, "use insecure: true (CLI: --insecure)", an option of
 * the SDK that a CLI user never types. The SDK itself keeps its wording.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTransport } from '../../src/client/transport.js';
import { loadOrCreateCertificate } from '../../src/tls.js';
import { runCli } from './run-cli.js';

test('an untrusted certificate: the CLI says --insecure, the SDK insecure: true', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-untrusted-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const tls = await loadOrCreateCertificate(dir, '127.0.0.1');
  const server = createServer({ key: tls.key, cert: tls.cert }, (_request, response) => response.end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const login = await runCli(['login', '--endpoint', endpoint, '--org', 'acme', '--user', 'alice'], {
    env: { XDG_CONFIG_HOME: dir, TESSERA_PASSWORD: 'not-sent-anyway' },
  });
  assert.equal(login.code, 5);
  assert.equal(
    login.stderr,
    `tessera: The TLS certificate of ${endpoint} is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT). ` +
      'For a self-signed lab server pass --insecure, or trust its CA with NODE_EXTRA_CA_CERTS\n',
  );

  await assert.rejects(createTransport({})({ method: 'GET', url: `${endpoint}/api/versions`, headers: {} }), {
    name: 'VcdNetworkError',
    message: /is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)\. For a self-signed lab server use insecure: true \(CLI: --insecure\)/,
  });
});
