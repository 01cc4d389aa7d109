/**
 * The SQLite store's files hold the signing key (store/private-files.ts): a new data directory is 0700, the
 * database and its -wal and -shm files 0600 whatever the umask, and a store left readable by others (an older
 * Tessera's) is narrowed to its owner when opened. Until 2026-12-05 they were 0644 in a 0755 directory: any local
 * account could read the key and sign a System administrator's session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
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
