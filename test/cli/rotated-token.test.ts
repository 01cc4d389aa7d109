/**
 * A service account's refresh token rotates on every use and the used one is spent: the new one must never be lost
 * to a token file that cannot be rewritten. Until 2026-12-06 `service-account token` with a file in an unwritable
 * directory rotated the token on the server, then failed with a raw `EACCES ... t.json.<n>.tmp`: the new token was
 * gone and the old one spent. Now the directory is checked before anything is sent, and a write that still fails
 * prints the file's contents on stdout instead of losing them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { saveRotatedToken } from '../../src/cli/connection.js';
import { runCli } from './run-cli.js';

let dir: string;
let endpoint: string;
let exchanges = 0;
const server = createServer((request, response) => {
  exchanges++;
  request.resume();
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({ access_token: `access-${exchanges}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `rotated-${exchanges}` }),
  );
});

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-rotated-'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

/** A directory even root cannot write to (tests run as root here, where chmod stops nobody): immutable, or null. */
async function unwritableDirectory(name: string): Promise<string | null> {
  const locked = join(dir, name);
  await mkdir(locked);
  await writeFile(join(locked, 't.json'), `${JSON.stringify({ token_type: 'Service Account', refresh_token: 'the-current-token' })}\n`, {
    mode: 0o600,
  });
  if (process.getuid?.() !== 0) return spawnSync('chmod', ['500', locked]).status === 0 ? locked : null;
  return spawnSync('chattr', ['+i', locked]).status === 0 ? locked : null;
}

async function unlock(locked: string): Promise<void> {
  spawnSync('chattr', ['-i', locked]);
  spawnSync('chmod', ['700', locked]);
}

test('service-account token refuses (exit 2) a token file whose directory is not writable, before anything is sent', async (t) => {
  const locked = await unwritableDirectory('ro');
  if (!locked) return t.skip('cannot make a directory unwritable here (chattr +i needs root on ext4)');
  try {
    const before = exchanges;
    const result = await runCli([
      'service-account',
      'token',
      '--token-file',
      join(locked, 't.json'),
      '--endpoint',
      endpoint,
      '--org',
      'acme',
    ]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /is not writable .*nothing was sent/);
    assert.equal(result.stdout, '');
    assert.equal(exchanges, before, 'the token was not sent');
    assert.match(await readFile(join(locked, 't.json'), 'utf8'), /the-current-token/);
  } finally {
    await unlock(locked);
  }
});

test('a rotated token that cannot be written is printed on stdout (exit 1), not lost', async (t) => {
  // `headers` does not know the token file holds a service account's token until the server rotates it.
  const locked = await unwritableDirectory('ro2');
  if (!locked) return t.skip('cannot make a directory unwritable here (chattr +i needs root on ext4)');
  try {
    const result = await runCli(['headers', '--token-file', join(locked, 't.json'), '--endpoint', endpoint, '--org', 'acme']);
    assert.equal(result.code, 1, result.stderr);
    const printed = JSON.parse(result.stdout) as { token_type: string; refresh_token: string };
    assert.equal(printed.token_type, 'Service Account');
    assert.equal(printed.refresh_token, `rotated-${exchanges}`);
    assert.match(result.stderr, /^tessera: Could not write the rotated refresh token to \S+t\.json \(\w+\)\. .*printed on stdout/);
  } finally {
    await unlock(locked);
  }
});

test('saveRotatedToken: a failed write prints the file contents and says what to do', async () => {
  // Its own output, not process.stdout: the test runner writes its report there too (on Node 24, meanwhile).
  const written: string[] = [];
  const out = { write: (chunk: string) => (written.push(String(chunk)), true) } as Pick<NodeJS.WriteStream, 'write'>;
  await assert.rejects(
    saveRotatedToken(
      '/somewhere/t.json',
      'the-new-token',
      () => Promise.reject(Object.assign(new Error('denied'), { code: 'EACCES' })),
      out,
    ),
    /Could not write the rotated refresh token to \/somewhere\/t\.json \(EACCES\)\. .*spent.*save that in \/somewhere\/t\.json/,
  );
  assert.equal((JSON.parse(written.join('')) as { refresh_token: string }).refresh_token, 'the-new-token');
});

test('service-account token with a writable file prints the access token and saves the rotated one', async () => {
  const file = join(dir, 'ok.json');
  await writeFile(file, '{"refresh_token":"the-current-token"}\n', { mode: 0o600 });
  const result = await runCli(['service-account', 'token', '--token-file', file, '--endpoint', endpoint, '--org', 'acme']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `access-${exchanges}\n`);
  const saved = JSON.parse(await readFile(file, 'utf8')) as { token_type: string; refresh_token: string };
  assert.deepEqual([saved.token_type, saved.refresh_token], ['Service Account', `rotated-${exchanges}`]);
});
