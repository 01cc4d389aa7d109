/**
 * `tessera login` saves the session (a bearer access token) through a temporary file renamed into place. Until
 * 2026-12-07 that file was `session.json.<pid>.tmp`, opened with 'w': a symlink planted at the predictable name was
 * followed, so the token was written into whatever file the link pointed to, and the link itself was then renamed
 * to session.json.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadSession, saveSession, type SavedSession } from '../../src/cli/session-file.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-session-file-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const session: SavedSession = {
  endpoint: 'https://vcd.example.com',
  org: 'acme',
  user: 'alice',
  apiVersion: '37.0',
  insecure: false,
  accessToken: 'secret-access-token',
  sessionId: null,
  signedInAt: '2026-12-07T00:00:00.000Z',
};

test('a symlink planted at the old temporary name is not followed; the session lands 0600 by rename', async () => {
  const env = { XDG_CONFIG_HOME: dir };
  const configDir = join(dir, 'tessera');
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  const victim = join(dir, 'victim.txt');
  await writeFile(victim, 'untouched\n', { mode: 0o644 });
  const planted = join(configDir, `session.json.${process.pid}.tmp`);
  await symlink(victim, planted);

  const path = await saveSession(session, env);

  assert.equal(path, join(configDir, 'session.json'));
  assert.equal(await readFile(victim, 'utf8'), 'untouched\n', 'the file the link points to is not written');
  const info = await lstat(path);
  assert.ok(info.isFile(), 'session.json is a regular file, not the planted link');
  assert.equal(info.mode & 0o777, 0o600);
  assert.equal((await stat(configDir)).mode & 0o777, 0o700);
  assert.deepEqual(await loadSession(env), session);
  // The planted link is left alone, and no temporary file of ours is left behind.
  assert.deepEqual((await readdir(configDir)).sort(), [`session.json.${process.pid}.tmp`, 'session.json'].sort());
  assert.ok((await lstat(planted)).isSymbolicLink());
});

test('saving again replaces the session (rename over the existing file), still 0600', async () => {
  const env = { XDG_CONFIG_HOME: dir };
  await saveSession({ ...session, accessToken: 'second' }, env);
  const path = join(dir, 'tessera', 'session.json');
  assert.equal((await loadSession(env))?.accessToken, 'second');
  assert.equal((await stat(path)).mode & 0o777, 0o600);
});
