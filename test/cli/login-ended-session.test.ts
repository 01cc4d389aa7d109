/**
 * A failed `tessera login` names the session saved before it. Until 2026-12-07 it always said "Still signed in ...:
 * the other commands keep using that session", also when that session had ended on the server (expired, signed out
 * elsewhere, or ended by `tessera admin reset-password`), so the newcomer was told to rely on a session that every
 * other command then refused.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTransport } from '../../src/client/transport.js';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { runCli } from './run-cli.js';

let tessera: TesseraHandle;
let home: string;
let env: Record<string, string>;

before(async () => {
  tessera = await startTessera({ https: true });
  home = await mkdtemp(join(tmpdir(), 'tessera-cli-ended-'));
  env = { XDG_CONFIG_HOME: join(home, 'config'), TESSERA_PASSWORD: tessera.demoPassword };
});
after(async () => {
  await tessera.stop();
  await rm(home, { recursive: true, force: true });
});

test('a failed login says the saved session is still live only while the server takes it', async () => {
  const login = (user: string, password: string) =>
    runCli(['login', '--endpoint', tessera.baseUrl, '--org', 'acme', '--insecure', '--user', user], {
      env: { ...env, TESSERA_PASSWORD: password },
    });
  assert.equal((await login('alice', tessera.demoPassword)).code, 0);

  const live = await login('bob', 'wrong');
  assert.equal(live.code, 3, live.stderr);
  assert.match(
    live.stderr,
    /\n {2}Still signed in as alice@acme at https:\/\/127\.0\.0\.1:\d+: the other commands keep using that session/,
  );

  // The saved session ends on the server (as a sign-out elsewhere, an expiry or a password reset would end it).
  const saved = JSON.parse(await readFile(join(home, 'config', 'tessera', 'session.json'), 'utf8')) as { accessToken: string };
  const signedOut = await createTransport({ insecure: true })({
    method: 'DELETE',
    url: `${tessera.baseUrl}/cloudapi/1.0.0/sessions/current`,
    headers: { authorization: `Bearer ${saved.accessToken}`, accept: 'application/json;version=37.0' },
  });
  assert.equal(signedOut.status, 204);

  const ended = await login('bob', 'wrong');
  assert.equal(ended.code, 3, ended.stderr);
  assert.match(
    ended.stderr,
    /\n {2}The saved session of alice@acme at https:\/\/127\.0\.0\.1:\d+ has ended too \(expired, signed out or revoked\): the other commands need a tessera login\.\n$/,
  );
  assert.doesNotMatch(ended.stderr, /Still signed in/);
  const vms = await runCli(['vms'], { env });
  assert.equal(vms.code, 3, 'the other commands indeed refuse it');
});
