/**
 * A store that cannot be opened says which and what to check, in one line (src/store/open-errors.ts), for every
 * command that opens one; a store migrated by a newer Tessera says so (src/store/migrate.ts). Until 2026-12-05 these
 * read "database migration failed" with a stack, or "cannot listen on ..." for a data directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { openStore, StoreOpenError } from '../../src/store/index.js';
import { MIGRATION_NAMES, NewerStoreError } from '../../src/store/migrate.js';
import { startTessera } from '../helpers/tessera.js';
import { nativeModuleFailure, postgresOpenFailure, postgresTarget, sqliteOpenFailure } from '../../src/store/open-errors.js';

const log = { warn: () => undefined, info: () => undefined };

test('PostgreSQL: the target without its password, and a hint per cause', () => {
  assert.equal(postgresTarget('postgres://tessera:s3cret@db.example:6543/tessera?sslmode=require'), 'db.example:6543/tessera');
  assert.equal(postgresTarget('postgres://db.example/'), 'db.example:5432/(the user name)');
  const url = 'postgres://tessera:s3cret@db.example/tessera';
  const cases: Array<[object, RegExp]> = [
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:5432' }, /is PostgreSQL running/],
    [{ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND db.example' }, /does not resolve/],
    [{ code: '3D000', message: 'database "tessera" does not exist' }, /no such database: create it/],
    [{ code: '28P01', message: 'password authentication failed for user "tessera"' }, /password was refused/],
    [{ message: 'The server does not support SSL connections' }, /does not offer TLS/],
  ];
  for (const [error, hint] of cases) {
    const message = postgresOpenFailure(error, url)!;
    assert.match(message, /^cannot open the PostgreSQL store at db\.example:5432\/tessera \(--database-url\): /);
    assert.match(message, hint);
    assert.doesNotMatch(message, /s3cret/);
  }
  assert.equal(postgresOpenFailure(new TypeError('x is not a function'), url), null, 'a bug stays a bug');
});

test('SQLite: the directory or the file, and what to check', () => {
  assert.match(
    sqliteOpenFailure({ code: 'EACCES', syscall: 'mkdir', message: 'EACCES' }, '/srv/t/data/tessera.db')!,
    /^cannot use the data directory \/srv\/t\/data: permission denied/,
  );
  assert.match(
    sqliteOpenFailure({ code: 'SQLITE_CANTOPEN', message: 'unable to open database file' }, '/srv/t/tessera.db')!,
    /writable by this user/,
  );
  assert.equal(sqliteOpenFailure({ code: 'EACCES', syscall: 'listen' }, '/srv/t/tessera.db'), null, 'not a file error');
  assert.match(nativeModuleFailure(new Error('was compiled against a different Node.js version using NODE_MODULE_VERSION 115'))!, /npm ci/);
  assert.equal(nativeModuleFailure(new Error('other')), null);
});

test('openStore: a data directory under a file, and a PostgreSQL port with nothing on it, are StoreOpenErrors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-open-'));
  try {
    writeFileSync(join(dir, 'file'), '');
    await assert.rejects(
      openStore({ databaseUrl: null, sqliteFile: join(dir, 'file', 'data', 'tessera.db') }, log),
      (err: unknown) => err instanceof StoreOpenError && /a part of the path is a file, not a directory/.test(err.message),
    );
    // A port just closed: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    await assert.rejects(
      openStore({ databaseUrl: `postgres://tessera:pw@127.0.0.1:${port}/tessera`, sqliteFile: '' }, log),
      (err: unknown) =>
        err instanceof StoreOpenError && err.message.includes(`127.0.0.1:${port}/tessera`) && /is PostgreSQL running/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a store migrated by a newer Tessera is refused with that reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-newer-'));
  const file = join(dir, 'tessera.db');
  try {
    const store = await openStore({ databaseUrl: null, sqliteFile: file }, log);
    await store.db
      .insertInto('kysely_migration' as never)
      .values({ name: '9999_from_the_future', timestamp: new Date().toISOString() } as never)
      .execute();
    await store.close();
    await assert.rejects(
      openStore({ databaseUrl: null, sqliteFile: file }, log),
      (err: unknown) =>
        err instanceof NewerStoreError && /written by a newer version of Tessera \(its migration 9999_from_the_future/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the log says when a start created or changed the store's schema, and nothing when it was current", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-schema-'));
  try {
    const schemaLines = async () => {
      const lines: string[] = [];
      const t = await startTessera({
        backend: 'sqlite',
        dataDir: dir,
        config: { logLevel: 'info' },
        logDestination: { write: (l) => void lines.push(l) },
      });
      await t.stop();
      return lines.filter((l) => /store's schema/.test(l));
    };
    const first = await schemaLines();
    assert.equal(first.length, 1);
    assert.match(first[0]!, new RegExp(`created the store's schema \\(${MIGRATION_NAMES.at(-1)}\\)`));
    assert.deepEqual(await schemaLines(), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
