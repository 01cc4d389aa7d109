/**
 * What the store deletes or overwrites does not stay in the SQLite file's free space (`PRAGMA secure_delete = FAST`
 * on the writing connection, src/store/sqlite.ts). Until 2026-12-06 such bytes could stay in tessera.db after the
 * write, and a backup (a page-by-page copy) carried them: a legacy session's row, signed out before the backup, was
 * found whole in it, its access token included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite.js';

const checkpoint = (file: string) => {
  const db = new Database(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
};

test('a deleted row and an overwritten value leave no bytes in tessera.db', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-deleted-secrets-'));
  try {
    const file = join(dir, 'tessera.db');
    const store = await openSqliteStore(file);
    const deleted = 'DELETED-SECRET-' + 'd'.repeat(40);
    const overwritten = 'OVERWRITTEN-SECRET-' + 'o'.repeat(40);
    try {
      await store.db.insertInto('meta').values({ key: 'test-deleted', value: deleted }).execute();
      await store.db.insertInto('meta').values({ key: 'test-overwritten', value: overwritten }).execute();
      checkpoint(file);
      assert.ok(readFileSync(file).includes(deleted), 'written to the file (the test sees what it looks for)');
      await store.db.deleteFrom('meta').where('key', '=', 'test-deleted').execute();
      await store.db.updateTable('meta').set({ value: 'short' }).where('key', '=', 'test-overwritten').execute();
    } finally {
      await store.close();
    }
    checkpoint(file);
    const bytes = readFileSync(file);
    assert.equal(bytes.indexOf(deleted), -1, 'the deleted value is gone from the file');
    assert.equal(bytes.indexOf(overwritten), -1, 'the overwritten value is gone from the file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
