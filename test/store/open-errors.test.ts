/**
 * A store that cannot be opened says which and what to check, in one line (src/store/open-errors.ts), for every
 * command that opens one; a store migrated by a newer Tessera says so (src/store/migrate.ts). Until 2026-12-05 these
 * read "database migration failed" with a stack, or "cannot listen on ..." for a data directory; and a damaged
 * SQLite file, or one this user may read but not write, was a stack trace at `serve`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { once } from 'node:events';
import pg from 'pg';
import { openStore, StoreOpenError } from '../../src/store/index.js';
import { MIGRATION_NAMES, NewerStoreError } from '../../src/store/migrate.js';
import { ADMIN_PASSWORD, createTestDatabase, startTessera } from '../helpers/tessera.js';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { BIN } from '../cli/run-cli.js';
import { nativeModuleFailure, postgresOpenFailure, postgresTarget, sqliteOpenFailure } from '../../src/store/open-errors.js';
import { inspectTesseraDatabase } from '../../src/cli/store-admin.js';
import { CliError, EXIT } from '../../src/cli/exit-codes.js';

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
    // Until 2026-12-06 these three were stack traces (another service on the port, a URL without the password the
    // server asks for, a host that accepts TCP and never answers).
    [{ message: 'Connection terminated unexpectedly' }, /is that host and port PostgreSQL \(and not another service\)/],
    [{ message: 'SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string' }, /the URL has none: add it/],
    [{ message: 'Connection terminated due to connection timeout' }, /no answer from the server in time/],
    // Until 2026-12-06 stack traces that did not say they were about the database's TLS.
    [
      { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'unable to verify the first certificate' },
      /TLS certificate was not accepted: .*sslrootcert=/,
    ],
    [{ code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' }, /TLS certificate was not accepted/],
    [
      { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" },
      /a host name the certificate names/,
    ],
    [
      { code: 'ENOENT', syscall: 'open', path: '/etc/tessera/db-ca.pem', message: 'ENOENT: no such file or directory' },
      /cannot read \/etc\/tessera\/db-ca\.pem, named in the URL \(sslrootcert/,
    ],
  ];
  for (const [error, hint] of cases) {
    const message = postgresOpenFailure(error, url)!;
    assert.match(message, /^cannot open the PostgreSQL store at db\.example:5432\/tessera \(--database-url\): /);
    assert.match(message, hint);
    assert.doesNotMatch(message, /s3cret/);
  }
  assert.equal(postgresOpenFailure(new TypeError('x is not a function'), url), null, 'a bug stays a bug');
  // The URL named where it came from: a configuration file's key, or the variable (Config.databaseUrlSource).
  const [refused] = cases[0]!;
  assert.match(
    postgresOpenFailure(refused, url, 'database_url in /etc/tessera/tessera.toml')!,
    /\/tessera \(database_url in \/etc\/tessera\/tessera\.toml\): /,
  );
  assert.match(postgresOpenFailure(refused, url, 'TESSERA_DATABASE_URL')!, /\/tessera \(TESSERA_DATABASE_URL\): /);
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

test("a LISTEN URL with nothing behind it is named, and where it came from, not the store's URL that opened", async (t) => {
  if (!process.env.TESSERA_TEST_DATABASE_URL) assert.fail('TESSERA_TEST_DATABASE_URL is not set: run scripts/start-postgres.sh');
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const listenUrl = `postgres://tessera:pw@127.0.0.1:${port}/tessera`;
  const config = loadConfig({}, { TESSERA_DATABASE_URL: database.url, TESSERA_DATABASE_LISTEN_URL: listenUrl });
  assert.equal(config.databaseListenUrlSource, 'TESSERA_DATABASE_LISTEN_URL');
  await assert.rejects(
    openStore(
      { databaseUrl: database.url, listenUrl: config.databaseListenUrl, listenUrlSource: config.databaseListenUrlSource, sqliteFile: '' },
      log,
    ),
    (err: unknown) => {
      assert.ok(err instanceof StoreOpenError, `a StoreOpenError, got ${String(err)}`);
      assert.match(
        err.message,
        new RegExp(
          `^cannot open the revocation feed's LISTEN connection at 127\\.0\\.0\\.1:${port}/tessera \\(TESSERA_DATABASE_LISTEN_URL\\): .*is PostgreSQL running`,
        ),
      );
      assert.doesNotMatch(err.message, new RegExp(postgresTarget(database.url).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.doesNotMatch(err.message, /:pw@/);
      return true;
    },
  );
});

test('a host that accepts TCP and never answers: a StoreOpenError within the connection bound, not a silent hang', async () => {
  const silent = createServer(() => {}).listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const { port } = silent.address() as { port: number };
  try {
    await assert.rejects(
      openStore({ databaseUrl: `postgres://tessera:pw@127.0.0.1:${port}/tessera`, sqliteFile: '' }, log),
      (err: unknown) => err instanceof StoreOpenError && /no answer from the server in time/.test(err.message),
    );
  } finally {
    silent.close();
  }
});

test("another application's PostgreSQL database is refused before anything is written in it", async (t) => {
  if (!process.env.TESSERA_TEST_DATABASE_URL) assert.fail('TESSERA_TEST_DATABASE_URL is not set: run scripts/start-postgres.sh');
  for (const [label, setUp, reason] of [
    [
      'tables of its own',
      'create table orgs (id int); create table invoices (id int)',
      /already holds tables of another application \(invoices, orgs\)/,
    ],
    [
      'kysely migrations of its own',
      "create table kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null); insert into kysely_migration values ('2024_01_init', 'x')",
      /holds another application's migrations \(2024_01_init\)/,
    ],
  ] as const) {
    const database = await createTestDatabase();
    t.after(() => database.drop());
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(setUp);
    const before = (await client.query(`select table_name from information_schema.tables where table_schema = 'public' order by 1`)).rows;
    await assert.rejects(
      openStore({ databaseUrl: database.url, sqliteFile: '' }, log),
      (err: unknown) => err instanceof StoreOpenError && reason.test(err.message),
      label,
    );
    const after = (await client.query(`select table_name from information_schema.tables where table_schema = 'public' order by 1`)).rows;
    assert.deepEqual(after, before, `${label}: nothing was added to it`);
    await client.end();
  }
  // Tables of another role, which Tessera's role may not even read (information_schema hid them until 2026-12-06).
  const shared = await createTestDatabase();
  t.after(() => shared.drop());
  const suffix = Math.random().toString(36).slice(2, 8);
  const [tessera, other] = [`tessera_t_${suffix}`, `other_t_${suffix}`];
  const admin = new pg.Client({ connectionString: shared.url });
  await admin.connect();
  await admin.query(
    `create role ${tessera} login; create role ${other} login; grant create, usage on schema public to ${tessera}, ${other}`,
  );
  await admin.query(`set role ${other}; create table orgs (id int); reset role`);
  t.after(async () => {
    const c = new pg.Client({ connectionString: process.env.TESSERA_TEST_DATABASE_URL });
    await c.connect();
    // One statement each: DROP DATABASE cannot run in the implicit transaction of a multi-statement query.
    await c.query(`drop database if exists ${new URL(shared.url).pathname.slice(1)} with (force)`);
    for (const role of [tessera, other]) await c.query(`drop role if exists ${role}`);
    await c.end();
  });
  const asTessera = new URL(shared.url);
  asTessera.username = tessera;
  await assert.rejects(
    openStore({ databaseUrl: asTessera.toString(), databaseUrlSource: 'TESSERA_DATABASE_URL', sqliteFile: '' }, log),
    (err: unknown) =>
      err instanceof StoreOpenError && /\(TESSERA_DATABASE_URL\) already holds tables of another application \(orgs\)/.test(err.message),
  );
  assert.deepEqual((await admin.query(`select tablename from pg_tables where schemaname = 'public' order by 1`)).rows, [
    { tablename: 'orgs' },
  ]);
  await admin.end();

  // Tessera's own store, with its two dozen tables, opens again (the check must not count it as another's).
  const own = await createTestDatabase();
  t.after(() => own.drop());
  await (await openStore({ databaseUrl: own.url, sqliteFile: '' }, log)).close();
  await (await openStore({ databaseUrl: own.url, sqliteFile: '' }, log)).close();
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

/** A Tessera store in one file (no -wal beside it), made by an open and a close, in the journal mode asked for. */
async function tesseraFile(journal: 'DELETE' | 'WAL' = 'DELETE'): Promise<{ dir: string; bytes: Buffer }> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-damaged-'));
  const store = await openStore({ databaseUrl: null, sqliteFile: join(dir, 'tessera.db') }, log);
  await store.currentSigningKey();
  await store.close();
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(join(dir, 'tessera.db'));
  db.pragma(`journal_mode = ${journal}`);
  db.close();
  return { dir, bytes: readFileSync(join(dir, 'tessera.db')) };
}

test('SQLite: a damaged file (truncated, not a database) is one line naming it and saying to restore a backup', async () => {
  assert.match(
    sqliteOpenFailure({ code: 'SQLITE_CORRUPT', message: 'database disk image is malformed' }, '/srv/t/tessera.db')!,
    /^the SQLite file \/srv\/t\/tessera\.db is damaged \(database disk image is malformed\): restore it from a backup with tessera admin restore BACKUP --data-dir \/srv\/t /,
  );
  assert.match(sqliteOpenFailure({ code: 'SQLITE_NOTADB', message: 'file is not a database' }, '/srv/t/tessera.db')!, /is damaged/);
  const { dir, bytes } = await tesseraFile();
  try {
    const garbled = Buffer.from(bytes);
    garbled.fill(0xab, 0, 100);
    for (const [damaged, said] of [
      [bytes.subarray(0, Math.floor(bytes.length / 3)), 'database disk image is malformed'],
      [garbled, 'file is not a database'],
    ] as const) {
      const file = join(dir, 'tessera.db');
      writeFileSync(file, damaged);
      await assert.rejects(openStore({ databaseUrl: null, sqliteFile: file }, log), (err: unknown) => {
        assert.ok(err instanceof StoreOpenError, String(err));
        assert.equal(
          err.message,
          `the SQLite file ${file} is damaged (${said}): restore it from a backup with tessera admin restore BACKUP --data-dir ${dir} (the damaged file is kept beside it)`,
        );
        return true;
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged page met after the open (at the first read of the start) is the same one line, not a stack', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-damaged-'));
  try {
    const file = join(dir, 'tessera.db');
    const store = await openStore({ databaseUrl: null, sqliteFile: file }, log);
    store.currentSigningKey = async () => {
      throw Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
    };
    const config = loadConfig(
      { host: '127.0.0.1', port: 0, http: true, dataDir: dir, logLevel: 'silent', adminPassword: ADMIN_PASSWORD },
      {},
    );
    await assert.rejects(
      startServer(config, { store }),
      (err: unknown) =>
        err instanceof StoreOpenError && err.message.startsWith(`the SQLite file ${file} is damaged (database disk image is malformed)`),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** `tessera serve` in a child process (as another user when given): its exit code and everything it wrote. */
function serve(dataDir: string, user?: { uid: number; gid: number }): Promise<{ code: number | null; output: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_')));
  const child = spawn(process.execPath, [BIN, 'serve', '--http', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], {
    env: { ...env, TESSERA_ADMIN_PASSWORD: ADMIN_PASSWORD, HOME: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(user ?? {}),
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGTERM'), 20_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

test('serve on a damaged tessera.db: one line and exit 1, no stack', async () => {
  const { dir, bytes } = await tesseraFile();
  try {
    writeFileSync(join(dir, 'tessera.db'), bytes.subarray(0, Math.floor(bytes.length / 3)));
    const { code, output } = await serve(dir);
    assert.equal(code, 1, output);
    assert.equal(
      output,
      `tessera: the SQLite file ${join(dir, 'tessera.db')} is damaged (database disk image is malformed): restore it from a backup with tessera admin restore BACKUP --data-dir ${dir} (the damaged file is kept beside it)\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("serve on a tessera.db this user may read but not write (its own read-only, or another account's): one line that says which, no stack", async () => {
  // In WAL mode, as a server leaves it: opening it then writes nothing (a file in rollback mode is refused at the open
  // already, when it is switched to WAL).
  const { dir } = await tesseraFile('WAL');
  try {
    const file = join(dir, 'tessera.db');
    // As root every file is writable: the server runs as nobody, in a directory of nobody's, and the file stays
    // root's (mode 0644): another account's file is refused as such since 2026-12-05 (store/private-files.ts), before
    // it is read. Otherwise the file is made read-only for its owner, this user: the read-only line.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(dir, 65534, 65534);
    chmodSync(dir, 0o700);
    chmodSync(file, asRoot ? 0o644 : 0o444);
    const copy = join(dir, 'before.db');
    copyFileSync(file, copy);
    const { code, output } = await serve(dir, asRoot ? { uid: 65534, gid: 65534 } : undefined);
    assert.equal(code, 1, output);
    assert.equal(
      output,
      asRoot
        ? `tessera: ${file} belongs to another account (uid 0), which could read or replace the store and the signing key it holds: it must be this user's\n`
        : `tessera: the SQLite file ${file} is read-only for this user: permission denied: run as a user who may write there, or choose another with --data-dir\n`,
    );
    assert.ok(readFileSync(file).equals(readFileSync(copy)), 'the file is untouched');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('restore with a driver built for another Node.js: that is said (exit 1), not "the backup cannot be opened" (exit 2)', () => {
  // Until 2026-12-05 `admin restore` wrapped the driver's load error as a usage error about the backup file.
  const wrongBuild = class {
    constructor() {
      throw new Error('The module was compiled against a different Node.js version using NODE_MODULE_VERSION 115');
    }
  } as unknown as Parameters<typeof inspectTesseraDatabase>[0];
  assert.throws(
    () => inspectTesseraDatabase(wrongBuild, '/backups/tessera.db', []),
    (error: unknown) =>
      error instanceof CliError &&
      error.exitCode === EXIT.FAILED &&
      /better-sqlite3 was built for another Node.js version/.test(error.message) &&
      /npm rebuild better-sqlite3/.test(error.message) &&
      !/backups/.test(error.message),
  );
});
