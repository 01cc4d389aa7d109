/**
 * The SQLite statement cache (src/store/sqlite.ts): ordinary statements are prepared once and reused; multi-row
 * writes with many bound values (one SQL text per batch size) are prepared each time and never kept, so the cache
 * cannot fill with large one-off statements; and it stays within its bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_CACHED_PARAMETERS, withStatementCache } from '../../src/store/sqlite.js';

function fakeDatabase() {
  const prepared: string[] = [];
  return {
    prepared,
    database: {
      prepare: (sql: string) => {
        prepared.push(sql);
        return { sql } as never;
      },
      close: () => undefined as never,
      inTransaction: false,
    },
  };
}

const insertOf = (rows: number) =>
  `insert into "audit_events" ("id", "at") values ${Array.from({ length: rows }, () => '(?, ?)').join(', ')}`;

test('a statement is prepared once and reused', () => {
  const fake = fakeDatabase();
  const cache = withStatementCache(fake.database);
  const a = cache.prepare('select * from "users" where "id" = ?');
  const b = cache.prepare('select * from "users" where "id" = ?');
  assert.equal(a, b);
  assert.equal(fake.prepared.length, 1);
  assert.equal(cache.cachedStatements, 1);
});

test('multi-row writes with many values are not kept: one per batch size would fill the cache', () => {
  const fake = fakeDatabase();
  const cache = withStatementCache(fake.database);
  const small = insertOf(MAX_CACHED_PARAMETERS / 2); // exactly at the bound: kept
  cache.prepare(small);
  cache.prepare(small);
  assert.equal(fake.prepared.length, 1);
  for (let rows = MAX_CACHED_PARAMETERS / 2 + 1; rows < 500; rows++) cache.prepare(insertOf(rows));
  cache.prepare(insertOf(400));
  assert.equal(cache.cachedStatements, 1, 'only the small statement is cached');
  assert.equal(fake.prepared.length, 1 + (500 - MAX_CACHED_PARAMETERS / 2 - 1) + 1, 'large ones are prepared on every use');
});

test('the cache stays within its bound', () => {
  const fake = fakeDatabase();
  const cache = withStatementCache(fake.database, 10);
  for (let i = 0; i < 25; i++) cache.prepare(`select ${i}`);
  assert.ok(cache.cachedStatements <= 10);
});
