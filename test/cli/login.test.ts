/**
 * `tessera login` and `tessera logout` without a real server: what must be refused before anything is sent, and a
 * damaged session file.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './run-cli.js';

let dir: string;
let endpoint: string;
const requests: IncomingMessage[] = [];
const server = createServer((request, response) => {
  requests.push(request);
  response.writeHead(401, { 'content-type': 'application/json' });
  response.end('{"minorErrorCode":"UNAUTHORIZED","message":"Invalid credentials"}');
});

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-login-'));
  await mkdir(join(dir, 'tessera'), { recursive: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

test('login --password-stdin with nothing piped in is a usage error, and no password is sent', async () => {
  // Until 2026-12-06 the empty password was sent: a 401, counted against the account's sign-in budget.
  for (const input of ['', '\n']) {
    const result = await runCli(['login', '--endpoint', endpoint, '--org', 'acme', '--user', 'alice', '--password-stdin'], {
      input,
      env: { XDG_CONFIG_HOME: dir },
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^tessera: --password-stdin read an empty password/);
  }
  assert.equal(requests.length, 0, 'nothing reached the server');
});
