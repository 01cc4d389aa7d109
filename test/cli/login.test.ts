/**
 * `tessera login` and `tessera logout` without a real server: what must be refused before anything is sent, and a
 * damaged session file.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
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

test('logout removes a damaged session file (exit 0), saying the session could not be ended on the server', async () => {
  // Until 2026-12-06 every command said "run tessera logout, then tessera login" and logout failed the same way.
  const file = join(dir, 'tessera', 'session.json');
  for (const damaged of ['{bad', 'null', '[]', '{"endpoint":"https://vcd.example.com","org":"acme"}', '{"org":"acme","accessToken":"x"}']) {
    await writeFile(file, damaged, { mode: 0o600 });
    const list = await runCli(['token', 'list'], { env: { XDG_CONFIG_HOME: dir } });
    assert.equal(list.code, 2, damaged);
    assert.match(list.stderr, /run tessera logout, then tessera login/, damaged);
    const logout = await runCli(['logout'], { env: { XDG_CONFIG_HOME: dir } });
    assert.equal(logout.code, 0, `${damaged}: ${logout.stderr}`);
    assert.match(logout.stderr, /^Removed \S+session\.json, which .*could not be ended on the server/, damaged);
    assert.equal(existsSync(file), false, damaged);
    const after = await runCli(['token', 'list'], { env: { XDG_CONFIG_HOME: dir } });
    assert.equal(after.code, 3, after.stderr);
    assert.match(after.stderr, /Not signed in/);
  }
  assert.equal(requests.length, 0, 'nothing was sent');
});

test('with TESSERA_API_TOKEN exported and no --endpoint, a saved session is named and the way to use it said', async () => {
  // Until 2026-12-06 `token list` said only `--endpoint is required with an API token`, with a session saved.
  const file = join(dir, 'tessera', 'session.json');
  const session = {
    endpoint,
    org: 'acme',
    user: 'alice',
    apiVersion: '37.0',
    insecure: false,
    accessToken: 'x',
    sessionId: null,
    signedInAt: '',
  };
  await writeFile(file, JSON.stringify(session), { mode: 0o600 });
  try {
    for (const args of [
      ['token', 'list'],
      ['admin', 'user', 'list', '--in', 'acme'],
    ]) {
      const result = await runCli(args, { env: { XDG_CONFIG_HOME: dir, TESSERA_API_TOKEN: 'a-token-for-the-sdk' } });
      assert.equal(result.code, 2, result.stderr);
      assert.match(
        result.stderr,
        /TESSERA_API_TOKEN is set, .*needs --endpoint and --org.* saved session of alice@acme at http:\/\/127\.0\.0\.1:\d+ instead, unset TESSERA_API_TOKEN/,
      );
    }
    assert.equal(requests.length, 0, 'the token was sent nowhere');
  } finally {
    await rm(file, { force: true });
  }
});
