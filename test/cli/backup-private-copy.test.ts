/**
 * `tessera admin backup` writes a copy of the store (the signing key, every hash) into a temporary file beside the
 * target, `.NAME.partial-PID`, then renames it. That file is 0600 from its first byte, whatever the umask, and is
 * never written through a symbolic link another account planted at its predictable name in a shared directory.
 * Until 2026-12-07 SQLite created it under the umask (0644 while the copy ran) and followed such a link, writing the
 * whole store into the planter's file. Run in this process, so that the PID in the name is known.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { runBackup } from '../../src/cli/store-admin.js';

async function storeIn(t: { after: (fn: () => void) => void }): Promise<{ root: string; dataDir: string }> {
  const root = mkdtempSync(join(tmpdir(), 'tessera-backup-private-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dataDir = join(root, 'data');
  const store = await openSqliteStore(join(dataDir, 'tessera.db'));
  await store.close();
  return { root, dataDir };
}

test("a link planted at the partial copy's name is not written through", async (t) => {
  const { root, dataDir } = await storeIn(t);
  const shared = join(root, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  const planted = join(root, 'planter-owned.db');
  writeFileSync(planted, '');
  chmodSync(planted, 0o666);
  symlinkSync(planted, join(shared, `.nightly.db.partial-${process.pid}`));
  const target = join(shared, 'nightly.db');
  await runBackup(target, { dataDir });
  assert.equal(readFileSync(planted).length, 0, "the planter's file received nothing");
  assert.ok(lstatSync(target).isFile() && !lstatSync(target).isSymbolicLink(), 'the backup is a file of its own');
  assert.equal(statSync(target).mode & 0o777, 0o600);
});

test('the partial copy is 0600 while it is written, even under umask 000', async (t) => {
  const { root, dataDir } = await storeIn(t);
  const out = join(root, 'backups');
  mkdirSync(out);
  const previous = process.umask(0o000);
  t.after(() => process.umask(previous));
  const seen: number[] = [];
  const watcher = watch(out, (_event, name) => {
    const path = join(out, String(name));
    if (String(name).includes('.partial-') && existsSync(path)) seen.push(statSync(path).mode & 0o777);
  });
  // Looked at as it appears and between the backup's steps (it awaits between them), before its final chmod.
  const partial = join(out, `.nightly.db.partial-${process.pid}`);
  const check = setInterval(() => {
    if (existsSync(partial)) seen.push(statSync(partial).mode & 0o777);
  }, 0);
  try {
    await runBackup(join(out, 'nightly.db'), { dataDir });
  } finally {
    clearInterval(check);
    watcher.close();
  }
  assert.ok(seen.length > 0, 'the partial file was seen while the backup ran');
  assert.deepEqual([...new Set(seen)], [0o600], `the partial file's modes: ${seen.map((m) => m.toString(8)).join(', ')}`);
});

test('the directories a backup makes for its file are 0700, even under umask 000', async (t) => {
  const { root, dataDir } = await storeIn(t);
  const previous = process.umask(0o000);
  t.after(() => process.umask(previous));
  const target = join(root, 'backups', 'nightly', 'tessera.db');
  await runBackup(target, { dataDir });
  for (const dir of [join(root, 'backups'), join(root, 'backups', 'nightly')]) assert.equal(statSync(dir).mode & 0o777, 0o700, dir);
  assert.equal(statSync(target).mode & 0o777, 0o600);
});
