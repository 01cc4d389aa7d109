/**
 * SQLite's page cache (src/store/sqlite.ts, sqliteCacheKibibytes): the operator's TESSERA_SQLITE_CACHE_MB when set,
 * otherwise an eighth of the database file at start, between SQLite's own 2 MiB and 128 MiB, so that a
 * million-token store keeps its lookup index in memory while a small store's memory stays flat as it grows. A store
 * on a file has two connections (src/store/sqlite-connections.ts), each with its own cache: the bound is split, three
 * quarters to the reader, a quarter to the writer (sqliteCacheSplit), neither under 2 MiB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openSqliteStore, sqliteCacheKibibytes, sqliteCacheSplit } from '../../src/store/sqlite.js';

const MiB = 1024 * 1024;

test('sized from the file: an eighth of it, between 2 and 128 MiB', () => {
  assert.equal(sqliteCacheKibibytes(0, null), 2048, "a new store: SQLite's own 2 MiB");
  assert.equal(sqliteCacheKibibytes(8 * MiB, null), 2048, 'a small store: still 2 MiB, so its memory stays flat as it grows');
  assert.equal(sqliteCacheKibibytes(400 * MiB, null), 50 * 1024, 'a large store: an eighth of it');
  assert.equal(sqliteCacheKibibytes(940 * MiB, undefined), 117.5 * 1024, 'a million tokens: room for the 79 MB lookup index');
  assert.equal(sqliteCacheKibibytes(5000 * MiB, null), 128 * 1024, 'capped at 128 MiB');
});

test('split between the two connections: three quarters to the reader, a quarter to the writer, neither under 2 MiB', () => {
  assert.deepEqual(sqliteCacheSplit(128 * 1024, true), { reader: 96 * 1024, writer: 32 * 1024 });
  assert.deepEqual(sqliteCacheSplit(5 * 1024, true), { reader: 3840, writer: 2048 });
  assert.deepEqual(sqliteCacheSplit(2048, true), { reader: 2048, writer: 2048 });
  assert.deepEqual(sqliteCacheSplit(16 * 1024, false), { reader: 0, writer: 16 * 1024 }, 'in memory: one connection keeps it all');
});

test("the operator's figure wins, whatever the file's size", () => {
  assert.equal(sqliteCacheKibibytes(5000 * MiB, 16), 16 * 1024);
  assert.equal(sqliteCacheKibibytes(0, 512), 512 * 1024);
});

test('the store applies it: PRAGMA cache_size reads back the size, in KiB (negative: a size, not a count of pages)', async () => {
  const cacheSize = async (options: { sqliteCacheMb?: number | null }) => {
    const store = await openSqliteStore(':memory:', options);
    try {
      const { rows } = await sql<{ cache_size: number }>`PRAGMA cache_size`.execute(store.db);
      return rows[0]!.cache_size;
    } finally {
      await store.close();
    }
  };
  assert.equal(await cacheSize({}), -2048);
  assert.equal(await cacheSize({ sqliteCacheMb: 16 }), -16 * 1024);
});

test('a store opened on a large file gets an eighth of it', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const Database = (await import('better-sqlite3')).default;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-page-cache-'));
  try {
    const file = join(dir, 'tessera.db');
    const filler = new Database(file);
    filler.exec('CREATE TABLE filler (b BLOB)');
    filler.prepare('INSERT INTO filler VALUES (?)').run(Buffer.alloc(40 * MiB));
    filler.close();
    const store = await openSqliteStore(file, {});
    try {
      // 40 MiB of filler plus a few pages: an eighth is just over 5 MiB, three quarters of it the reader's. A PRAGMA
      // statement runs on the writer; the same pragma as a table-valued function is a read, and runs on the reader.
      const writer = (await sql<{ cache_size: number }>`PRAGMA cache_size`.execute(store.db)).rows[0]!.cache_size;
      const reader = (await sql<{ cache_size: number }>`select cache_size from pragma_cache_size()`.execute(store.db)).rows[0]!.cache_size;
      assert.equal(writer, -2048, 'the writer: a quarter, but not under 2 MiB');
      assert.ok(reader <= -3.75 * 1024 && reader > -4.5 * 1024, `the reader's cache_size ${reader}`);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
