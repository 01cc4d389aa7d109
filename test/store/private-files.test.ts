/**
 * The SQLite store's files hold the signing key (store/private-files.ts): a new data directory is 0700, the
 * database and its -wal and -shm files 0600 whatever the umask, and a store left readable by others (an older
 * Tessera's) is narrowed to its owner when opened. Until 2026-12-05 they were 0644 in a 0755 directory: any local
 * account could read the key and sign a System administrator's session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

test('a new store: its directory 0700, the database and its -wal and -shm 0600, even under umask 022', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-private-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const previous = process.umask(0o022);
  t.after(() => process.umask(previous));
  const dir = join(root, 'data', 'nested');
  const file = join(dir, 'tessera.db');
  const store = await openSqliteStore(file);
  try {
    await store.db.insertInto('meta').values({ key: 'private-files-test', value: 'x' }).execute();
    assert.equal(modeOf(dir), 0o700, 'the data directory');
    for (const path of [file, `${file}-wal`, `${file}-shm`]) {
      assert.ok(existsSync(path), path);
      assert.equal(modeOf(path), 0o600, path);
    }
  } finally {
    await store.close();
  }
});

test('a store readable by others (made before 2026-12-05) is narrowed to its owner when opened', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-private-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const file = join(root, 'tessera.db');
  const first = await openSqliteStore(file);
  await first.close();
  for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o644);
  const again = await openSqliteStore(file);
  try {
    for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) assert.equal(modeOf(path), 0o600, path);
    assert.deepEqual(again.migrationsApplied, [], 'and it opens as the same, current store');
  } finally {
    await again.close();
  }
});

test('a data directory other accounts may write is refused, in one line, before anything is written there', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-private-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'shared');
  mkdirSync(dir);
  chmodSync(dir, 0o777);
  await assert.rejects(
    openSqliteStore(join(dir, 'tessera.db')),
    /the data directory .*shared is writable by other accounts \(mode 0777\).*chmod 700/,
  );
  assert.ok(!existsSync(join(dir, 'tessera.db')), 'no store was made there');
});

test('a data directory or a database file of another account is refused (it could chmod them back)', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('SKIPPED: making a file of another account needs root (CI runs as root)');
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'tessera-private-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  // Another account made the directory, or only the file (in a directory of ours), before the first start.
  const theirs = join(root, 'theirs');
  mkdirSync(theirs, { mode: 0o700 });
  chownSync(theirs, 65534, 65534);
  await assert.rejects(openSqliteStore(join(theirs, 'tessera.db')), /the data directory .*theirs belongs to another account \(uid 65534\)/);
  const ours = join(root, 'ours');
  mkdirSync(ours, { mode: 0o700 });
  writeFileSync(join(ours, 'tessera.db'), '', { mode: 0o666 });
  chownSync(join(ours, 'tessera.db'), 65534, 65534);
  await assert.rejects(openSqliteStore(join(ours, 'tessera.db')), /tessera\.db belongs to another account \(uid 65534\)/);
});

test('narrowing never follows a symbolic link: a -wal linked to another file leaves that file as it was', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-private-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'data');
  const file = join(dir, 'tessera.db');
  await (await openSqliteStore(file)).close();
  const outside = join(root, 'outside.txt');
  writeFileSync(outside, 'not the store', { mode: 0o644 });
  chmodSync(outside, 0o644);
  rmSync(`${file}-wal`, { force: true });
  symlinkSync(outside, `${file}-wal`);
  const store = await openSqliteStore(file).catch((error: unknown) => error);
  if (!(store instanceof Error)) await (store as Awaited<ReturnType<typeof openSqliteStore>>).close();
  assert.equal(modeOf(outside), 0o644, 'the link was not followed');
});

test('a refused data directory gets nothing made through a link planted at the lock file, before the refusal', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-private-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'shared');
  mkdirSync(dir);
  chmodSync(dir, 0o1777);
  // Another account's link, to a file it wants made as this user (a root server's /etc/nologin, say).
  const chosen = join(root, 'made-by-tessera');
  symlinkSync(chosen, join(dir, 'tessera.db.lock'));
  await assert.rejects(openSqliteStore(join(dir, 'tessera.db')), /the data directory .*shared is writable by other accounts/);
  assert.equal(existsSync(chosen), false, 'the link was not followed');
  assert.equal(existsSync(join(dir, 'tessera.db.lock-journal')), false, 'nothing was written in the refused directory');
});
