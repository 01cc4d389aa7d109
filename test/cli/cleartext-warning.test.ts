/**
 * The CLI warns before a password or an API token goes to a plain-http endpoint off this machine (until 2026-12-05
 * it sent either without a word); loopback, where `serve --http` sits behind a local TLS proxy, is not warned about.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { warnIfCleartext } from '../../src/cli/connection.js';
import { generateApiToken } from '../../src/domain/api-token-format.js';
import { runCli } from './run-cli.js';

function warningsFor(endpoint: string): string {
  const written: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    warnIfCleartext(endpoint, 'the password');
  } finally {
    process.stderr.write = original;
  }
  return written.join('');
}

test('plain http off this machine is warned about, naming what would cross it', () => {
  for (const endpoint of ['http://vcd.example.com', 'http://10.0.0.5:8080/', 'http://[2001:db8::1]:80']) {
    assert.match(
      warningsFor(endpoint),
      /^tessera: warning: http:\/\/\S+ is plain http: the password crosses the network unencrypted; use https:\/\/\n$/,
      endpoint,
    );
  }
});

test('https, loopback and what is no URL at all are not', () => {
  for (const endpoint of ['https://vcd.example.com', 'http://127.0.0.1:8443', 'http://localhost:8080', 'http://[::1]:8080', 'not a url']) {
    assert.equal(warningsFor(endpoint), '', endpoint);
  }
});

/** An address of this machine that is not loopback (0.0.0.0, which Linux routes here, when it has none). */
function offLoopbackAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return '0.0.0.0';
}

test('headers and service-account token warn before sending a token to plain http off this machine', async () => {
  // Until 2026-12-06 only login and the commands of connection.ts warned: these two sent the token without a word.
  const server = createServer((_request, response) => {
    response.writeHead(400, { 'content-type': 'application/json' });
    response.end('{"error":"invalid_request"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const dir = await mkdtemp(join(tmpdir(), 'tessera-cleartext-'));
  try {
    const endpoint = `http://${offLoopbackAddress()}:${(server.address() as AddressInfo).port}`;
    const tokenFile = join(dir, 'token.json');
    await writeFile(tokenFile, `${JSON.stringify({ refresh_token: generateApiToken() })}\n`, { mode: 0o600 });
    for (const args of [
      ['headers', '--token-file', tokenFile, '--endpoint', endpoint, '--org', 'acme'],
      ['service-account', 'token', '--token-file', tokenFile, '--endpoint', endpoint, '--org', 'acme'],
    ]) {
      const result = await runCli(args, { env: { XDG_CONFIG_HOME: dir } });
      assert.notEqual(result.code, 0, result.stderr);
      assert.match(
        result.stderr,
        /^tessera: warning: http:\/\/\S+ is plain http: \S.* crosses the network unencrypted; use https:\/\/\n/,
        args[0],
      );
    }
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
