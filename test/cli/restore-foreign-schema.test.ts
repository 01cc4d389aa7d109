/**
 * `tessera admin restore` of a backup someone else could have changed: a schema that is not Tessera's at the backup's
 * migration level (a trigger or a view it does not have, a table, a column or an index defined otherwise, one missing)
 * is refused (exit 2) before anything is written, since a trigger runs on every write the server makes (one re-setting
 * a password hash outlives `reset-password`) and a DEFAULT, a generated column or a dropped unique index changes what
 * every write stores. Until 2026-12-07 only the tables' names, the migrations and SQLite's integrity check were looked
 * at; then the triggers and views, not yet the tables' definitions and indexes. A backup Tessera made restores as
 * before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { openSqliteStore, registerFunctions } from '../../src/store/sqlite.js';
import { MIGRATION_NAMES, migrateTo } from '../../src/store/migrate.js';
import { runBackup } from '../../src/cli/store-admin.js';
import { runCli } from './run-cli.js';

test('a backup with a planted trigger is refused, and a clean one restores', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-restore-foreign-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const live = join(root, 'live');
  await (await openSqliteStore(join(live, 'tessera.db'))).close();
  const clean = join(root, 'clean.db');
  await runBackup(clean, { dataDir: live });
  const crafted = join(root, 'crafted.db');
  await runBackup(crafted, { dataDir: live });
  const db = new Database(crafted);
  db.exec("CREATE TRIGGER keep_my_hash AFTER UPDATE ON users BEGIN UPDATE users SET password_hash = 'known' WHERE id = NEW.id; END");
  db.exec('CREATE VIEW everything AS SELECT * FROM meta');
  db.close();

  const target = join(root, 'target');
  const refused = await runCli(['admin', 'restore', crafted, '--data-dir', target]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /is not a backup Tessera made: it holds trigger keep_my_hash, view everything/);
  assert.match(refused.stderr, /restore only backups you made/);
  assert.equal(existsSync(join(target, 'tessera.db')), false, 'nothing was restored');

  const restored = await runCli(['admin', 'restore', clean, '--data-dir', target]);
  assert.equal(restored.code, 0, restored.stderr);
  assert.ok(existsSync(join(target, 'tessera.db')));
});

/**
 * Rebuilds `table` from its definition as `edit` changes it (SQLite's own recipe for a change ALTER TABLE cannot make),
 * with its rows, indexes and triggers: a backup changed as a forger with the file would change it, which SQLite's
 * quick check, the migrations and the triggers all pass.
 */
function rebuild(db: Database.Database, table: string, edit: (sql: string) => string): void {
  const { sql } = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) as { sql: string };
  const dependents = db
    .prepare("SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL")
    .all(table) as Array<{ sql: string }>;
  const edited = edit(sql);
  assert.notEqual(edited, sql, 'the edit changes the definition');
  db.pragma('foreign_keys = OFF');
  db.pragma('legacy_alter_table = ON'); // the other tables' triggers naming it are left as they are
  db.exec(edited.replace(`CREATE TABLE "${table}"`, `CREATE TABLE "${table}_forged"`));
  db.exec(
    `INSERT INTO "${table}_forged" SELECT * FROM "${table}"; DROP TABLE "${table}"; ALTER TABLE "${table}_forged" RENAME TO "${table}"`,
  );
  for (const dependent of dependents) db.exec(dependent.sql);
}

test("a backup whose tables, columns or indexes are not Tessera's is refused, naming the first difference", async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-restore-forged-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const live = join(root, 'live');
  await (await openSqliteStore(join(live, 'tessera.db'))).close();
  // Until 2026-12-07 each of these restored: only the triggers and views were compared.
  const forgeries: Array<[string, (db: Database.Database) => void, RegExp]> = [
    [
      // Two tokens could share a secret: the hash no longer names one token.
      'unique-secret-dropped',
      (db) => rebuild(db, 'api_tokens', (sql) => sql.replace('"secret_hash" text unique', '"secret_hash" text')),
      /table api_tokens is not defined as Tessera's .*; it lacks index sqlite_autoindex_api_tokens_2, which Tessera's schema at \S+ has/,
    ],
    [
      // Every user written without the column (a new one) would have two-factor "enabled" with no key.
      'default-added',
      (db) => rebuild(db, 'users', (sql) => sql.replace('"totp_enabled" integer not null', '"totp_enabled" integer not null default 1')),
      /table users is not defined as Tessera's \(column totp_enabled has another DEFAULT\)/,
    ],
    [
      'extra-column',
      (db) => db.exec('ALTER TABLE api_tokens ADD COLUMN kept_secret text'),
      /table api_tokens is not defined as Tessera's \(an extra column kept_secret\)/,
    ],
    [
      'generated-column',
      (db) => db.exec('ALTER TABLE users ADD COLUMN hash_copy text GENERATED ALWAYS AS (password_hash) VIRTUAL'),
      /table users is not defined as Tessera's \(an extra column hash_copy\)/,
    ],
    [
      'check-added',
      (db) =>
        rebuild(db, 'users', (sql) =>
          sql.replace('"is_enabled" integer not null', '"is_enabled" integer not null check ("is_enabled" = 1)'),
        ),
      /table users is not defined as Tessera's \(a clause of its definition/,
    ],
    [
      // The live-token index would hold the revoked ones: the planner's lists read through it.
      'partial-index-predicate',
      (db) =>
        db.exec(
          'DROP INDEX api_tokens_user_live; CREATE INDEX "api_tokens_user_live" on "api_tokens" ("user_id", "created_at") where "revoked_at" is not null',
        ),
      /index api_tokens_user_live is not defined as Tessera's \(its table, columns or condition\)/,
    ],
  ];
  for (const [name, forge, message] of forgeries) {
    const backup = join(root, `${name}.db`);
    await runBackup(backup, { dataDir: live });
    const db = new Database(backup);
    forge(db);
    assert.equal(db.pragma('quick_check', { simple: true }), 'ok', name);
    db.close();
    const target = join(root, `target-${name}`);
    const refused = await runCli(['admin', 'restore', backup, '--data-dir', target]);
    assert.equal(refused.code, 2, `${name}: ${refused.stderr}`);
    assert.match(refused.stderr, /is not a backup Tessera made: /, name);
    assert.match(refused.stderr, message, name);
    assert.equal(existsSync(join(target, 'tessera.db')), false, `${name}: nothing was restored`);
  }
});

test('a backup Tessera made at an older migration level restores: it is compared with that level, not the latest', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-restore-older-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const older = join(root, 'older.db');
  const level = MIGRATION_NAMES[MIGRATION_NAMES.length - 4]!;
  const database = new Database(older);
  registerFunctions(database);
  const kysely = new Kysely<any>({ dialect: new SqliteDialect({ database }) });
  await migrateTo(kysely, 'sqlite', level);
  await kysely.destroy();
  const restored = await runCli(['admin', 'restore', older, '--data-dir', join(root, 'target')]);
  assert.equal(restored.code, 0, restored.stderr);
  assert.match(restored.stdout + restored.stderr, new RegExp(`migration ${level}`));
});
