/**
 * `--out FILE` of the commands that receive a secret once is checked before anything is sent: until 2026-12-06
 * `token create|regenerate --out DIR --force` minted the token and then failed on the rename (EISDIR), leaving
 * its only copy in a hidden temporary file (and regenerate --grace 0 had already stopped the old token).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './run-cli.js';

let dir: string;
let requests = 0;
const server = createServer((_request, response) => {
  requests++;
  response.writeHead(401, { 'content-type': 'application/json' });
  response.end('{"minorErrorCode":"UNAUTHORIZED","message":"Unauthorized"}');
});

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-out-'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await mkdir(join(dir, 'config/tessera'), { recursive: true });
  await mkdir(join(dir, 'outdir'));
  await writeFile(join(dir, 'existing.json'), '{"refresh_token":"old"}\n', { mode: 0o600 });
  const session = {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    org: 'acme',
    user: 'alice',
    apiVersion: '37.0',
    insecure: false,
    accessToken: 'a-saved-access-token',
    sessionId: null,
    signedInAt: new Date().toISOString(),
  };
  await writeFile(join(dir, 'config/tessera/session.json'), JSON.stringify(session), { mode: 0o600 });
});

after(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(args, { env: { XDG_CONFIG_HOME: join(dir, 'config') } });

test('a directory, a missing directory or an existing file without --force is refused (exit 2) before anything is sent', async () => {
  const outdir = join(dir, 'outdir');
  const cases: Array<{ args: string[]; message: RegExp }> = [
    { args: ['token', 'create', 'x', '--out', outdir, '--force'], message: /is a directory: give --out the path of a file/ },
    { args: ['token', 'create', 'x', '--out', outdir], message: /is a directory/ },
    { args: ['token', 'regenerate', 'x', '--out', `${outdir}/`, '--force'], message: /is a directory/ },
    { args: ['token', 'regenerate', 'x', '--grace', '0', '--out', outdir, '--force'], message: /is a directory/ },
    { args: ['service-account', 'authorize', 'ci', '--wait', '--out', outdir, '--force'], message: /is a directory/ },
    {
      args: ['token', 'create', 'x', '--out', join(dir, 'missing/sub/t.json')],
      message: /missing\/sub is not a directory this user can write to \(it does not exist\): create it first/,
    },
    {
      args: ['token', 'regenerate', 'x', '--out', join(dir, 'existing.json', 't.json')],
      message: /existing\.json is not a directory this user can write to \(it is a file\)/,
    },
    { args: ['token', 'create', 'x', '--out', join(dir, 'existing.json')], message: /exists: pass --force to replace it/ },
  ];
  for (const { args, message } of cases) {
    const result = await cli(args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
    assert.equal(result.stdout, '');
  }
  assert.equal(requests, 0, 'nothing was sent');
  assert.deepEqual(await readdir(outdir), [], 'no hidden temporary file is left');
  assert.deepEqual((await readdir(dir)).sort(), ['config', 'existing.json', 'outdir']);
});
