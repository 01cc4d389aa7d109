import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { walkFiles } from '../../../src/cli/scan/walk.js';

const roots: string[] = [];
after(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

test('recurses in order, skips .git and node_modules, follows file links, not directory links', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tessera-walk-'));
  roots.push(root);
  for (const dir of ['src/deep', '.git/objects', 'node_modules/pkg', 'docs']) await mkdir(join(root, dir), { recursive: true });
  for (const file of ['b.txt', 'a.txt', 'src/deep/c.ts', '.git/config', 'node_modules/pkg/index.js', 'docs/.env']) {
    await writeFile(join(root, file), 'x');
  }
  await symlink(join(root, 'a.txt'), join(root, 'link-to-a'));
  await symlink(root, join(root, 'docs/loop'));
  const seen: string[] = [];
  for await (const entry of walkFiles(root)) seen.push(relative(root, entry.path));
  assert.deepEqual(seen, ['a.txt', 'b.txt', 'docs/.env', 'link-to-a', 'src/deep/c.ts']);
});

test('a file root yields itself; a missing root throws ENOENT', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tessera-walk-'));
  roots.push(root);
  await writeFile(join(root, 'one'), 'abc');
  const seen = [];
  for await (const entry of walkFiles(join(root, 'one'))) seen.push(entry);
  assert.deepEqual(seen, [{ path: join(root, 'one'), size: 3 }]);
  await assert.rejects(
    async () => {
      for await (const _ of walkFiles(join(root, 'missing'))) void _;
    },
    { code: 'ENOENT' },
  );
});

test('a directory that cannot be listed is handed to onUnreadable and the walk goes on; without it, it throws', async () => {
  // Until 2026-12-06 the first unreadable subdirectory ended the walk: the directories after it were never read.
  const root = await mkdtemp(join(tmpdir(), 'tessera-walk-'));
  roots.push(root);
  for (const dir of ['a', 'locked/inner', 'z']) await mkdir(join(root, dir), { recursive: true });
  for (const file of ['a/1.txt', 'locked/inner/2.txt', 'z/3.txt']) await writeFile(join(root, file), 'x');
  const { readdir } = await import('node:fs/promises');
  const denying = async (path: string) => {
    if (path === join(root, 'locked'))
      throw Object.assign(new Error(`EACCES: permission denied, scandir '${path}'`), { code: 'EACCES', path });
    return readdir(path);
  };
  const seen: string[] = [];
  const unreadable: string[] = [];
  for await (const entry of walkFiles(root, {
    readdir: denying,
    onUnreadable: (path, error) => unreadable.push(`${relative(root, path)} ${error.code}`),
  })) {
    seen.push(relative(root, entry.path));
  }
  assert.deepEqual(seen, ['a/1.txt', 'z/3.txt']);
  assert.deepEqual(unreadable, ['locked EACCES']);
  await assert.rejects(async () => {
    for await (const _ of walkFiles(root, { readdir: denying })) void _;
  }, /EACCES/);
});
