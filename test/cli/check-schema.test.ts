/**
 * `tessera admin check-schema`: a store whose schema is not Tessera's at its migration level is refused (exit 2),
 * naming the first differences. On PostgreSQL this is the check a `pg_restore` of a dump someone else could change
 * needs before a node writes to it (a planted trigger and its function, a rule, a row-level policy, an added DEFAULT,
 * a dropped unique index on api_tokens.secret_hash): until 2026-12-07 nothing looked, and `compare-restore` compared
 * rows only. The reference is a scratch schema in the same database, dropped afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createTestDatabase, defaultBackend, startTessera } from '../helpers/tessera.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { runCli } from './run-cli.js';

const onPostgres = defaultBackend() === 'postgres';
const postgresOnly = !onPostgres && 'PostgreSQL only: set TESSERA_TEST_BACKEND=postgres and TESSERA_TEST_DATABASE_URL';

function run(command: string, args: string[]): void {
  const done = spawnSync(command, args, { encoding: 'utf8' });
  assert.equal(done.status, 0, `${command}: ${done.stderr}`);
}

async function onDatabase<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

test(
  "a pg_restore'd store passes; one with a planted trigger, rule, policy, DEFAULT or a dropped unique index is refused",
  { skip: postgresOnly },
  async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'tessera-check-schema-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const live = await createTestDatabase();
    t.after(() => live.drop());
    // A store a node has served (its demo rows), dumped as docs/operations.md says.
    await (await startTessera({ backend: 'postgres', databaseUrl: live.url })).stop();
    const dump = join(root, 'tessera.dump');
    run('pg_dump', ['--format=custom', `--file=${dump}`, live.url]);

    const restoredWith = async (forgery: string | null) => {
      const database = await createTestDatabase();
      t.after(() => database.drop());
      run('pg_restore', ['--no-owner', `--dbname=${database.url}`, dump]);
      if (forgery !== null) await onDatabase(database.url, (c) => c.query(forgery));
      return database.url;
    };
    const scratchSchemas = (url: string) =>
      onDatabase(url, async (c) => (await c.query("select nspname from pg_namespace where nspname like 'tessera_schema_check_%'")).rows);

    const clean = await restoredWith(null);
    const passed = await runCli(['admin', 'check-schema', '--database-url', clean]);
    assert.equal(passed.code, 0, passed.stderr);
    assert.match(passed.stderr, /The PostgreSQL store's schema is Tessera's at 00\d\d_/);
    assert.deepEqual(await scratchSchemas(clean), [], 'the scratch schema is dropped');

    // An extension installed into the schema by the database's owner is not the dump's: its objects are not compared.
    const withExtensions = await restoredWith('create extension citext; create extension pg_trgm');
    const extended = await runCli(['admin', 'check-schema', '--database-url', withExtensions]);
    assert.equal(extended.code, 0, extended.stderr);

    // Each restored unchecked until 2026-12-07.
    const forgeries: Array<[string, string, RegExp]> = [
      [
        'planted trigger',
        `create function keep_my_hash() returns trigger language plpgsql as $$ begin new.password_hash := 'known'; return new; end $$;
         create trigger keep_my_hash before update on users for each row execute function keep_my_hash()`,
        /it holds trigger users\.keep_my_hash, function keep_my_hash\(\), which Tessera's schema at \S+ does not have/,
      ],
      [
        'trigger function body changed',
        `create or replace function tessera_bump_inventory_version() returns trigger language plpgsql as $$
           begin update users set is_enabled = 1; return null; end $$`,
        /function tessera_bump_inventory_version\(\) is not defined as Tessera's \(its body\)/,
      ],
      [
        'added DEFAULT',
        'alter table users alter column totp_enabled set default 1',
        /column users\.totp_enabled is not defined as Tessera's \(its default\)/,
      ],
      [
        'dropped unique index',
        'alter table api_tokens drop constraint api_tokens_secret_hash_key',
        /it lacks constraint api_tokens\.api_tokens_secret_hash_key, index api_tokens_secret_hash_key, which Tessera's schema/,
      ],
      ['rule', 'create rule keep_tokens as on delete to api_tokens do instead nothing', /it holds rule api_tokens\.keep_tokens/],
      [
        'row-level policy',
        'alter table users enable row level security; alter table users force row level security; create policy hide on users using (false)',
        /it holds policy users\.hide.*; table users is not defined as Tessera's \(its row level security, forced row level security\)/,
      ],
      ['name with a control character', 'create view "x\u001b[2Jy" as select 1 as one', /it holds view x\\u001b\[2Jy/],
    ];
    for (const [name, forgery, message] of forgeries) {
      const url = await restoredWith(forgery);
      const refused = await runCli(['admin', 'check-schema', '--database-url', url]);
      assert.equal(refused.code, 2, `${name}: ${refused.stderr}`);
      assert.match(refused.stderr, /The PostgreSQL store \(schema public\) is not Tessera's schema at \S+: /, name);
      assert.match(refused.stderr, message, name);
      assert.match(refused.stderr, /restore only dumps you made/, name);
      assert.doesNotMatch(refused.stderr, /\u001b/, `${name}: no control character reaches the terminal`);
      assert.deepEqual(await scratchSchemas(url), [], `${name}: the scratch schema is dropped`);
    }

    // compare-restore, the step after pg_restore, refuses it too before it reads or writes (--revoke-again) a row.
    const planted = await restoredWith(forgeries[0]![1]);
    const compared = await runCli(['admin', 'compare-restore', '--database-url', planted, '--before', clean, '--revoke-again']);
    assert.equal(compared.code, 2, compared.stderr);
    assert.match(compared.stderr, /it holds trigger users\.keep_my_hash/);
    const cleanCompare = await runCli(['admin', 'compare-restore', '--database-url', clean, '--before', planted]);
    assert.equal(cleanCompare.code, 0, cleanCompare.stderr);

    // rotate-signing-key, the step after those, refuses it before it writes: the planted trigger never ran.
    const keyOf = async (url: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query<{ value: string }>("select value from meta where key = 'signing_key'")).rows[0]?.value;
      } finally {
        await client.end();
      }
    };
    const keyBefore = await keyOf(planted);
    const rotated = await runCli(['admin', 'rotate-signing-key', '--database-url', planted, '--force']);
    assert.equal(rotated.code, 2, rotated.stderr);
    assert.match(rotated.stderr, /it holds trigger users\.keep_my_hash/);
    assert.equal(await keyOf(planted), keyBefore, 'the signing key is unchanged');
  },
);

test('check-schema on SQLite: the store passes; one with a planted trigger is refused', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-check-schema-sqlite-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const file = join(root, 'tessera.db');
  await (await openSqliteStore(file)).close();
  const passed = await runCli(['admin', 'check-schema', '--data-dir', root]);
  assert.equal(passed.code, 0, passed.stderr);
  assert.match(passed.stderr, /The schema of .*tessera\.db is Tessera's at 00\d\d_/);
  const db = new Database(file);
  db.exec("CREATE TRIGGER keep_my_hash AFTER UPDATE ON users BEGIN UPDATE users SET password_hash = 'known' WHERE id = NEW.id; END");
  db.close();
  const refused = await runCli(['admin', 'check-schema', '--data-dir', root]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /tessera\.db does not hold Tessera's schema: it holds trigger keep_my_hash/);
});
