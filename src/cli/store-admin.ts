/**
 * `tessera admin reset-password|backup|restore`: day-2 operations that work on the store itself, not through a
 * running server (the other `admin` subcommands, admin.ts, go through the API).
 *
 * - reset-password USER@ORG: for a locked-out System administrator. Opens the store as `serve` does; on SQLite
 *   it takes the single-server lock (src/store/sqlite-lock.ts), so it refuses while a server runs; on
 *   PostgreSQL it runs beside the nodes, and its user-level revocation reaches them through the feed.
 * - backup FILE: SQLite's online backup from a read-only connection; no lock, safe while the server serves.
 * - restore FILE: refuses while a server holds the lock; checks FILE is a Tessera database this version can
 *   run; keeps the old file as tessera.db.bak-<time>.
 * - check-schema: the store's schema compared with Tessera's at its migration level (after pg_restore; see
 *   postgres-schema-check.ts), on either backend.
 *
 * The store and better-sqlite3 are imported when a command runs: `tessera scan` must not load them.
 */
import type { Command } from 'commander';
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, chmodSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError, passwordInArgumentWarning, type Config } from '../config.js';
import { noDatabaseMessage, storeConfig, storeLocationOptions, type StoreLocationFlags } from './store-config.js';
import { action } from './io.js';
import { CliError, EXIT, usageError } from './exit-codes.js';
import { readAllStdin } from './prompt.js';
import { progressOnStderr } from './progress.js';
import { selfCommand } from './self-command.js';
import { passwordLockedUntil } from '../domain/account-lock.js';
import { nativeModuleFailure } from '../store/open-errors.js';

type StoreFlags = StoreLocationFlags;

// The steps of docs/operations.md, "Backup and restore", in brief: the dump holds the signing key and every hash (pg_dump
// writes it 0644 unless told otherwise), and a restored database is checked and gets a new key before a node starts.
export const POSTGRES_BACKUP_ADVICE =
  'On PostgreSQL, back up and restore with its own tools: ' +
  '(umask 077; pg_dump --format=custom --file=tessera.dump "$TESSERA_DATABASE_URL") while the nodes run (the dump holds ' +
  'the signing key: keep it as private as the database); to restore, with every node stopped, ' +
  'pg_restore --clean --if-exists --no-owner --dbname="$TESSERA_DATABASE_URL" tessera.dump, then tessera admin check-schema ' +
  'and tessera admin rotate-signing-key before starting the nodes (see docs/operations.md, "Backup and restore").';

const storeOptions = (command: Command) => storeLocationOptions(command);

export function registerStoreAdminCommands(admin: Command): void {
  storeOptions(
    admin
      .command('reset-password')
      .argument('<user@org>', 'the user, e.g. administrator@System')
      .description(
        "Set a new password directly in the store (a locked-out System administrator): ends the user's sessions on every node and clears a TOTP or account lockout",
      )
      .option('--password-stdin', 'read the new password from standard input (else a strong one is generated and printed once)'),
  )
    .addHelpText(
      'after',
      `
Works on the store, not through a server. SQLite: stop the server first (one process per file); PostgreSQL:
runs beside the nodes. The generated password goes to stdout, once.

Examples:
  $ tessera admin reset-password administrator@System --data-dir /var/lib/tessera
  $ pass show tessera/admin | tessera admin reset-password administrator@System --password-stdin`,
    )
    .action(action((who: string, flags: StoreFlags & { passwordStdin?: boolean }) => runResetPassword(who, flags)));

  storeLocationOptions(
    admin
      .command('backup')
      .argument('<file>', 'where to write the copy (mode 0600)')
      .description("Copy the SQLite database with SQLite's online backup; safe while the server runs"),
    'refused: PostgreSQL is backed up with pg_dump',
  )
    .option('--force', 'overwrite FILE if it exists')
    .addHelpText('after', '\nExamples:\n  $ tessera admin backup /backups/tessera-$(date +%F).db --data-dir /var/lib/tessera')
    .action(action((file: string, flags: StoreFlags & { force?: boolean }) => runBackup(file, flags)));

  storeLocationOptions(
    admin
      .command('restore')
      .argument('<file>', 'a backup made by tessera admin backup')
      .description('Replace the SQLite database with a backup (the server must be stopped); the old file is kept as tessera.db.bak-<time>'),
    'refused: PostgreSQL is restored with pg_restore',
  )
    .option('--revoke-again', 'revoke again the API tokens that the replaced database had revoked since the backup')
    .option('--reason <text>', "why, recorded in the restored store's signingKey.rotated audit event")
    .addHelpText(
      'after',
      `
The restored store gets a new signing key: every session from before the restore ends (API tokens still work),
audited as signingKey.rotated (the OS user, the host, the backup file, --reason).
What changed after the backup is undone; the restore lists what it can see of it in the replaced database.

Examples:
  $ tessera admin restore /backups/tessera-2026-12-01.db --data-dir /var/lib/tessera
  $ tessera admin restore /backups/tessera-2026-12-01.db --data-dir /var/lib/tessera --revoke-again`,
    )
    .action(action((file: string, flags: StoreFlags & { revokeAgain?: boolean; reason?: string }) => runRestore(file, flags)));

  storeLocationOptions(
    admin
      .command('compare-restore')
      .description(
        'PostgreSQL, after pg_restore: list what the restore undid (tokens revoked since the backup and live again, users disabled, passwords and TOTP changed), read from the database as it was before',
      ),
    'the restored store (PostgreSQL)',
  )
    .requiredOption('--before <url>', 'the database as it was before pg_restore (a copy of it: see docs/operations.md)')
    .option('--revoke-again', 'revoke again, in the restored store, the API tokens the database before had revoked since the backup')
    .addHelpText(
      'after',
      `
The SQLite restore does this itself. PostgreSQL's pg_restore --clean replaces the database, so keep what it replaces:
dump it first (pg_dump) and restore that into a scratch database, or rename the database and restore into a new one.
--revoke-again refuses while Tessera nodes are connected to the restored store (run it before starting them).

Examples:
  $ tessera admin compare-restore --database-url postgres://tessera@db/tessera --before postgres://tessera@db/tessera_before
  $ tessera admin compare-restore --before postgres://tessera@db/tessera_before --revoke-again    # TESSERA_DATABASE_URL set
Leave the password out of both URLs (PGPASSWORD or ~/.pgpass): other accounts read command lines in ps.`,
    )
    .action(action((flags: StoreFlags & { before: string; revokeAgain?: boolean }) => runCompareRestore(flags)));

  storeLocationOptions(
    admin
      .command('check-schema')
      .description(
        "Check that the store's schema (tables, columns, constraints, indexes, triggers and their functions, rules, policies, views) is Tessera's own at its migration level: after pg_restore, before anything writes to it",
      ),
  )
    .addHelpText(
      'after',
      `
Compares the store with Tessera's schema at the store's migration level, made for the check (PostgreSQL: a scratch
schema in the same database, dropped afterwards; SQLite: in memory), and names the first differences (exit 2). It
writes nothing to the store. A dump someone else could change may carry a trigger, a rule, a DEFAULT or a dropped
unique index that every write the nodes make would run or obey: run it after pg_restore, before rotate-signing-key
and before starting the nodes. tessera admin restore (SQLite) and compare-restore check this themselves.

Examples:
  $ tessera admin check-schema                       # TESSERA_DATABASE_URL set (PostgreSQL)
  $ tessera admin check-schema --data-dir /var/lib/tessera`,
    )
    .action(action((flags: StoreFlags) => runCheckSchema(flags)));

  storeLocationOptions(
    admin
      .command('rotate-signing-key')
      .description(
        "Replace the store's access-token signing key and portal secret: every session and access token ends (API tokens and service accounts keep working)",
      ),
  )
    .option('--force', 'PostgreSQL: rotate although other Tessera nodes are connected (every node must then be restarted)')
    .option('--reason <text>', 'why, recorded in the signingKey.rotated audit event')
    .addHelpText(
      'after',
      `
After pg_restore, after a suspected leak of a backup or of the store, or for a copy of production (staging).
SQLite: stop the server first. PostgreSQL: stop every node first (running nodes keep the old key in memory until
they restart); with other Tessera nodes connected it refuses unless --force.
Audited as signingKey.rotated, with the OS user, the host, --reason and, on PostgreSQL, the nodes still connected.

Examples:
  $ tessera admin rotate-signing-key --data-dir /var/lib/tessera --reason "backup tape lost"
  $ tessera admin rotate-signing-key --database-url postgres://tessera@db/tessera   # password: PGPASSWORD or ~/.pgpass`,
    )
    .action(action((flags: StoreFlags & { force?: boolean; reason?: string }) => runRotateSigningKey(flags)));
}

function configFrom(flags: StoreFlags): Config {
  try {
    return storeConfig(flags);
  } catch (error) {
    if (error instanceof ConfigError) throw usageError(error.message);
    throw error;
  }
}

const sqliteFileOf = (config: Config) => join(config.dataDir, 'tessera.db');

/** The lock error, worded for these commands: what to do instead. */
async function lockedMessage(error: unknown, instead: string): Promise<CliError | null> {
  const { DataDirLockedError } = await import('../store/sqlite-lock.js');
  if (!(error instanceof DataDirLockedError)) return null;
  const who = error.owner ? `pid ${error.owner.pid} on host ${error.owner.host}, started ${error.owner.startedAt}` : 'another process';
  return new CliError(`A Tessera server is running on this data directory (${who}). ${instead}`);
}

// ------------------------------------------------------------------ reset-password

async function runResetPassword(who: string, flags: StoreFlags & { passwordStdin?: boolean }): Promise<void> {
  const at = who.lastIndexOf('@');
  if (at <= 0 || at === who.length - 1) throw usageError(`Name the user as USER@ORG, e.g. administrator@System (got "${who}")`);
  const userName = who.slice(0, at);
  const orgName = who.slice(at + 1);
  const config = configFrom(flags);
  // Opening a store creates it: a mistyped --data-dir must not leave an empty database behind.
  if (!config.databaseUrl && !existsSync(sqliteFileOf(config))) {
    throw usageError(noDatabaseMessage(sqliteFileOf(config)));
  }
  let chosen: string | null = null;
  if (flags.passwordStdin) {
    if (process.stdin.isTTY) throw usageError('--password-stdin needs the password piped in, not a terminal');
    chosen = await readAllStdin();
  }
  const [{ openStore }, { createServices }, { generatePassword, passwordProblem }] = await Promise.all([
    import('../store/index.js'),
    import('../services.js'),
    import('../auth/passwords.js'),
  ]);
  if (chosen !== null) {
    const problem = passwordProblem(chosen);
    if (problem) throw usageError(problem);
  }
  const log = {
    info: () => undefined,
    warn: (o: object, m: string) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`),
    error: (o: object, m: string) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`),
  };
  let store;
  try {
    store = await openStore(
      {
        databaseUrl: config.databaseUrl,
        databaseUrlSource: config.databaseUrlSource,
        listenUrl: config.databaseListenUrl,
        listenUrlSource: config.databaseListenUrlSource,
        preparedStatements: config.databasePreparedStatements,
        sqliteFile: sqliteFileOf(config),
        revocationFeedMaxLagMs: config.revocationFeedMaxLagMs,
      },
      log,
    );
  } catch (error) {
    throw (
      (await lockedMessage(
        error,
        'On SQLite only one process may open the store: stop the server and run this again, or, if another System ' +
          'administrator can still sign in, set the password through it: tessera admin user set-password NAME --in ORG.',
      )) ?? error
    );
  }
  const services = await createServices(config, store, log);
  try {
    const org = await store.getOrgByName(orgName);
    const user = org ? await store.getUserByName(org.id, userName) : undefined;
    if (!org || !user) throw new CliError(`No user "${userName}" in an organization named "${orgName}"`, EXIT.FORBIDDEN);
    const password = chosen ?? generatePassword();
    // UserService.update: the new hash, then a user-level revocation (sessions_not_before and the revocation
    // feed), so every running node refuses the user's old sessions.
    await services.users.update(user, { password });
    const wasLocked = user.totp_failures > 0 || Number(user.totp_locked_until) > Date.now();
    const wasAccountLocked = passwordLockedUntil(user, Date.now()) !== null;
    // Both lockouts end (the second factor's and the org's account lockout), with their counts.
    await store.updateUser(user.id, { totp_failures: 0, totp_locked_until: 0, password_failures: 0, password_locked_until: 0 });
    await services.audit.record({
      type: 'user.passwordChanged',
      actor: null,
      org: { id: org.id, name: org.name },
      details: {
        user: user.name,
        userId: user.id,
        via: 'tessera admin reset-password',
        totpLockoutCleared: wasLocked,
        accountLockoutCleared: wasAccountLocked,
      },
    });
    const name = `${user.name}@${org.name}`;
    if (chosen === null) {
      process.stdout.write(`${password}\n`);
      process.stderr.write(`New password for ${name} above (shown once).`);
    } else process.stderr.write(`Set the password of ${name}.`);
    const cleared = [wasLocked ? 'the TOTP lockout' : null, wasAccountLocked ? 'the account lockout' : null].filter((x) => x !== null);
    process.stderr.write(
      ` Their sessions have ended${cleared.length > 0 ? ` and ${cleared.join(' and ')} ${cleared.length > 1 ? 'are' : 'is'} cleared` : ''}; API tokens still work.\n`,
    );
    if (user.is_enabled === 0) process.stderr.write(`Note: ${name} is disabled and cannot sign in until enabled.\n`);
  } finally {
    await services.stop();
    await store.close();
  }
}

// ------------------------------------------------------------------ backup

function refusePostgres(config: Config, verb: 'backup' | 'restore'): void {
  if (config.databaseUrl) throw usageError(`tessera admin ${verb} is for SQLite. ${POSTGRES_BACKUP_ADVICE}`);
}

export async function runBackup(file: string, flags: StoreFlags & { force?: boolean }): Promise<void> {
  const config = configFrom(flags);
  refusePostgres(config, 'backup');
  const source = sqliteFileOf(config);
  if (!existsSync(source)) throw usageError(noDatabaseMessage(source));
  const target = resolve(file);
  if (target === resolve(source)) throw usageError('The backup must go to another file than the database itself');
  if (existsSync(target) && !flags.force) throw usageError(`${target} exists: choose another name or pass --force`);
  // A directory it makes is this user's alone: one others could write (0777 under umask 000, until 2026-12-07) lets
  // them replace a backup with one of their making, for the next restore.
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  const [{ default: Database }, { MIGRATION_NAMES }] = await Promise.all([import('better-sqlite3'), import('../store/migrate.js')]);
  // Read-only, and no lock: the server keeps serving.
  const db = new Database(source, { readonly: true, fileMustExist: true });
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  const progress = progressOnStderr();
  const started = Date.now();
  try {
    db.pragma('busy_timeout = 5000');
    // One read transaction for the whole copy: every step reads the same snapshot. Without it SQLite restarts
    // the backup whenever the server commits between two steps, and under steady writes it never ends
    // (measured: 1,400 restarts in 15 s at one write per 5 ms). In WAL mode the reader does not block the server.
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    createEmptyPrivateFile(partial);
    await db.backup(partial, {
      progress({ totalPages, remainingPages }) {
        const done = totalPages - remainingPages;
        progress.update(`Backup: ${Math.floor((done / Math.max(totalPages, 1)) * 100)}% (${done}/${totalPages} pages)`);
        return 1024; // pages per step (4 MiB at the default page size): how often progress is drawn
      },
    });
    db.exec('COMMIT'); // the snapshot is copied: let the server checkpoint past it
    progress.done();
    settle(Database, partial);
    chmodSync(partial, 0o600);
    const level = inspectTesseraDatabase(Database, partial, MIGRATION_NAMES);
    renameSync(partial, target);
    const size = statSync(target).size;
    process.stderr.write(
      `Backed up ${source} to ${target} (${(size / 1024 / 1024).toFixed(1)} MiB, migration ${level.latest}) in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
    );
  } catch (error) {
    progress.done();
    for (const leftover of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`]) rmSync(leftover, { force: true });
    throw error;
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
    db.close();
  }
}

// ------------------------------------------------------------------ restore

export interface DatabaseLevel {
  migrations: number;
  latest: string;
}

type DatabaseClass = typeof import('better-sqlite3');

/**
 * Checks that `file` is a Tessera SQLite database this version can run: its migrations are a prefix of ours
 * (an older one is migrated on the next start; a newer one is refused), and it passes SQLite's quick check.
 */
export function inspectTesseraDatabase(Database: DatabaseClass, file: string, ours: readonly string[]): DatabaseLevel {
  let db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    // SQLite's driver that this Node.js cannot load says nothing about the file: not exit 2 ("not a Tessera database").
    const native = nativeModuleFailure(error);
    if (native) throw new CliError(native, EXIT.FAILED);
    throw new CliError(`${file} cannot be opened: ${(error as Error).message}`, EXIT.USAGE);
  }
  try {
    let tables: Set<string>;
    try {
      tables = new Set(
        (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name),
      );
    } catch (error) {
      throw new CliError(`${file} is not an SQLite database (${(error as Error).message})`, EXIT.USAGE);
    }
    for (const table of ['kysely_migration', 'meta', 'orgs', 'users']) {
      if (!tables.has(table)) throw new CliError(`${file} is not a Tessera database (no table ${table})`, EXIT.USAGE);
    }
    return checkMigrations(
      file,
      ours,
      (db.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as Array<{ name: string }>).map((r) => r.name),
      () => db!.pragma('quick_check', { simple: true }) as string,
    );
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
    db.close();
  }
}

/** One entry of sqlite_master: a table, an index (SQLite's own for a UNIQUE or a primary key too), a trigger, a view. */
interface SchemaObject {
  type: string;
  name: string;
  tableName: string;
  sql: string | null;
}

type SqliteDatabase = import('better-sqlite3').Database;

/**
 * The schema as SQLite keeps it (sqlite_master's CREATE statements, which SQLite itself parses at every open), less
 * ANALYZE's statistics tables (sqlite_stat1 to 4: an operator's ANALYZE makes them, and they only guide the planner).
 */
function schemaObjectsOf(database: SqliteDatabase): SchemaObject[] {
  return database
    .prepare("SELECT type, name, tbl_name AS tableName, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_stat%' ESCAPE '\\'")
    .all() as SchemaObject[];
}

interface ColumnInfo {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
  hidden: number;
}

/** What differs between two definitions of table `name`, as its columns show it; the clause otherwise. */
function tableDifference(backup: SqliteDatabase, reference: SqliteDatabase, name: string): string {
  const columnsOf = (database: SqliteDatabase) =>
    database.prepare('SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?)').all(name) as ColumnInfo[];
  const ours = new Map(columnsOf(reference).map((c) => [c.name, c]));
  const theirs = columnsOf(backup);
  for (const column of theirs) {
    const own = ours.get(column.name);
    if (own === undefined) return `an extra column ${shownName(column.name)}`;
    if (column.hidden !== own.hidden) return `column ${column.name} is ${column.hidden >= 2 ? 'generated' : 'not generated'} there`;
    if (column.dflt_value !== own.dflt_value) return `column ${column.name} has ${column.dflt_value === null ? 'no' : 'another'} DEFAULT`;
    if (column.type !== own.type || column.notnull !== own.notnull || column.pk !== own.pk) {
      return `column ${column.name} is declared otherwise (type, NOT NULL or primary key)`;
    }
  }
  const missing = [...ours.keys()].find((column) => !theirs.some((c) => c.name === column));
  if (missing !== undefined) return `no column ${missing}`;
  return 'a clause of its definition (a CHECK, a constraint, a collation)';
}

/**
 * Refuses a backup whose schema is not Tessera's at its migration level: every table, column, index, trigger and view
 * is compared with a store migrated to that level in memory (schema only, not rows: as fast on a large backup as on
 * an empty one). A trigger runs on every write the server makes: one planted in a backup (re-setting an
 * administrator's password hash after each change, re-enabling a user, copying a new token's row) would outlive
 * `reset-password` and every cleanup an operator does through Tessera. A table or an index changed does as much
 * quietly: a DEFAULT or a generated column fills in what the server never wrote, a dropped unique index on
 * api_tokens.secret_hash lets two tokens share a secret, an extra column keeps what the server deletes. Until
 * 2026-12-07 a backup was checked for its tables, migrations and integrity only; then, the same day, for its triggers
 * and views too, but not for its tables' definitions and indexes.
 */
async function refuseForeignSchema(
  Database: DatabaseClass,
  file: string,
  shown: string,
  latest: string,
  lead = `${shown} is not a backup Tessera made`,
): Promise<void> {
  const [{ Kysely, SqliteDialect }, { migrateTo }, { registerFunctions }] = await Promise.all([
    import('kysely'),
    import('../store/migrate.js'),
    import('../store/sqlite.js'),
  ]);
  const blank = new Database(':memory:');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    registerFunctions(blank);
    // Not destroyed (that would close `blank`, read below): the dialect holds no other resource.
    await migrateTo(new Kysely<any>({ dialect: new SqliteDialect({ database: blank }) }), 'sqlite', latest);
    const keyOf = (o: SchemaObject) => `${o.type} ${o.name}`;
    const reference = new Map(schemaObjectsOf(blank).map((o) => [keyOf(o), o]));
    const backup = schemaObjectsOf(db);
    const present = new Set(backup.map(keyOf));
    const extra: string[] = [];
    const changed: string[] = [];
    for (const o of backup) {
      const own = reference.get(keyOf(o));
      if (own === undefined) extra.push(shownName(keyOf(o)));
      else if (own.sql !== o.sql || own.tableName !== o.tableName) {
        const what =
          o.type === 'table' ? tableDifference(db, blank, o.name) : o.type === 'index' ? 'its table, columns or condition' : 'its body';
        changed.push(`${keyOf(o)} is not defined as Tessera's (${what})`);
      }
    }
    const missing = [...reference.keys()].filter((key) => !present.has(key));
    const differences = [
      ...(extra.length > 0 ? [`it holds ${listed(extra)}, which Tessera's schema at ${latest} does not have`] : []),
      ...changed.slice(0, 3),
      ...(changed.length > 3 ? [`${changed.length - 3} more object(s) are not defined as Tessera's`] : []),
      ...(missing.length > 0 ? [`it lacks ${listed(missing)}, which Tessera's schema at ${latest} has`] : []),
    ];
    if (differences.length === 0) return;
    throw new CliError(
      `${lead}: ${differences.join('; ')}. A backup is the whole store, with its users, hashes, ` +
        'and a schema whose triggers run and whose defaults and indexes apply on every write: restore only backups you ' +
        'made and kept where no one else could change them',
      EXIT.USAGE,
    );
  } finally {
    db.close();
    blank.close();
  }
}

/** A name read from the backup, as the message shows it: its control characters escaped (no terminal sequences). */
const shownName = (name: string) =>
  name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const listed = (names: string[]) => `${names.slice(0, 5).join(', ')}${names.length > 5 ? ` and ${names.length - 5} more` : ''}`;

function checkMigrations(file: string, ours: readonly string[], applied: string[], quickCheck: () => string): DatabaseLevel {
  const unknown = applied.filter((name) => !ours.includes(name));
  if (unknown.length > 0) {
    throw new CliError(
      `${file} was written by a newer Tessera (migration ${unknown.at(-1)} is unknown to this one): restore it with that version or later`,
      EXIT.USAGE,
    );
  }
  if (applied.length === 0 || applied.some((name, i) => ours[i] !== name)) {
    throw new CliError(`${file} is not a Tessera database this version can run (migrations: ${applied.join(', ') || 'none'})`, EXIT.USAGE);
  }
  const check = quickCheck();
  if (check !== 'ok') throw new CliError(`${file} is damaged (SQLite quick_check: ${check})`, EXIT.USAGE);
  return { migrations: applied.length, latest: applied.at(-1)! };
}

/**
 * A copy keeps the source's WAL mode in its header, and every later open (even read-only) would leave -wal and
 * -shm files beside it; a copy is a single file in rollback-journal mode (the server switches back to WAL).
 */
/**
 * The file a copy of the store is written into: it holds the signing key and every hash, so it is made empty and 0600
 * before SQLite writes a page (SQLite reads an empty file as a new database), and never through a link planted at its
 * name ('wx' neither follows nor reuses one; a leftover is removed first). Until 2026-12-07 SQLite created it under
 * the umask (0644 for the whole copy: another account could open it then and read it all after the chmod) and
 * followed a symbolic link planted at its predictable name in a shared directory, writing the copy into the
 * planter's own file.
 */
function createEmptyPrivateFile(file: string): void {
  rmSync(file, { force: true });
  closeSync(openSync(file, 'wx', 0o600));
}

function settle(Database: DatabaseClass, file: string): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
    db.close();
  }
}

/** SQLite's codes for a file that is not a database, or one whose pages are damaged or cut short. */
const DAMAGED_CODES = new Set([
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT_VTAB',
  'SQLITE_CORRUPT_SEQUENCE',
  'SQLITE_CORRUPT_INDEX',
]);

/**
 * Checkpoints the current store before it is moved aside; null when done, or what SQLite said when the file is
 * damaged. A damaged store is what a restore is for: until 2026-12-05 its "database disk image is malformed" stopped
 * the restore (exit 1, read as "a server holds the file"). Any other failure (busy, permissions) still stops it.
 */
function checkpointOrDamage(Database: DatabaseClass, target: string): string | null {
  // Read first on a read-only connection: a read-write one opens the file's -wal and, at its close, folds it in or
  // deletes it, which on a damaged file would alter or lose what is to be kept aside as it was.
  const damage = (error: unknown): string | null => {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && DAMAGED_CODES.has(code) ? (error as Error).message : null;
  };
  try {
    const probe = new Database(target, { readonly: true, fileMustExist: true });
    try {
      probe.prepare('SELECT count(*) FROM sqlite_master').get();
    } finally {
      probe.close();
    }
  } catch (error) {
    const found = damage(error);
    if (found !== null) return found;
    // Anything else (a log that only a writer can recover, say) is the read-write checkpoint's to report.
  }
  let old;
  try {
    old = new Database(target, { fileMustExist: true });
    const [result] = old.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    if (result && result.busy !== 0) throw new CliError(`${target} is busy (a reader holds it): try again`);
    return null;
  } catch (error) {
    const found = damage(error);
    if (found !== null) return found;
    throw error;
  } finally {
    old?.close();
  }
}

const stamp = () =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/**
 * SQLite's header says the file is in WAL mode (bytes 18 and 19 are 2; `tessera admin backup` writes 1) and no
 * `-wal` is beside it: a `cp` of a running store, whose recent commits were in the log it left behind.
 */
export function looksLikeWalFileCopy(file: string): boolean {
  if (existsSync(`${file}-wal`)) return false;
  let fd;
  try {
    fd = openSync(file, 'r');
    const header = Buffer.alloc(20);
    if (readSync(fd, header, 0, 20, 0) < 20) return false;
    return header.toString('latin1', 0, 16) === 'SQLite format 3\u0000' && header[18] === 2 && header[19] === 2;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const when = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

async function runRestore(file: string, flags: StoreFlags & { revokeAgain?: boolean; reason?: string }): Promise<void> {
  const config = configFrom(flags);
  refusePostgres(config, 'restore');
  const source = resolve(file);
  if (!existsSync(source)) throw usageError(`${source} does not exist`);
  const target = sqliteFileOf(config);
  if (source === resolve(target)) throw usageError('That is the database itself: name a backup file');
  const [{ default: Database }, { lockSqliteFile }, { MIGRATION_NAMES }] = await Promise.all([
    import('better-sqlite3'),
    import('../store/sqlite-lock.js'),
    import('../store/migrate.js'),
  ]);
  // Said before the checks: a copy taken before the server's first checkpoint may not even hold the schema.
  if (looksLikeWalFileCopy(source)) {
    process.stderr.write(
      `warning: ${source} looks like a file copy of a running store, not a backup (WAL mode, no -wal beside it): ` +
        `it may miss recent writes; use tessera admin backup\n`,
    );
  }
  const level = inspectTesseraDatabase(Database, source, MIGRATION_NAMES);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 }); // as the server makes it (store/private-files.ts)
  // Held throughout: no server may start on the directory while its database is swapped.
  let lock;
  try {
    lock = lockSqliteFile(target);
  } catch (error) {
    throw (await lockedMessage(error, 'Stop it before restoring (tessera admin backup works while it runs).')) ?? error;
  }
  const incoming = `${target}.restore-${process.pid}`;
  try {
    // A copy through SQLite, not of the bytes: a backup left with a -wal beside it comes whole.
    const from = new Database(source, { readonly: true, fileMustExist: true });
    try {
      createEmptyPrivateFile(incoming);
      await from.backup(incoming);
    } finally {
      from.close();
    }
    settle(Database, incoming);
    chmodSync(incoming, 0o600);
    const level = inspectTesseraDatabase(Database, incoming, MIGRATION_NAMES);
    // Before the first write to it below, which would run them.
    await refuseForeignSchema(Database, incoming, source, level.latest);
    const { rotateSqliteKeys, newestAuditEvent, undoneSinceBackup, revokeAgain } = await import('./signing-keys.js');
    let kept: string | null = null;
    let unreadable: string | null = null;
    let undone: import('./signing-keys.js').UndoneSinceBackup | null = null;
    let revokedAgain = 0;
    let compareFailed: string | null = null;
    let backupTime: number | null;
    const restored = new Database(incoming, { fileMustExist: true });
    try {
      backupTime = newestAuditEvent(restored);
      // A new signing key and portal secret: no session or cookie from before the restore, nor one made on another
      // copy of this backup, is accepted by the restored store.
      rotateSqliteKeys(restored, {
        via: 'tessera admin restore',
        reason: flags.reason ?? null,
        backupFile: source,
        backupTime: backupTime === null ? null : when(backupTime),
      });
      if (existsSync(target)) {
        // Fold the old file's write-ahead log into it first (a server killed with -9 leaves one), so the kept
        // copy is whole on its own.
        unreadable = checkpointOrDamage(Database, target);
        if (unreadable === null) {
          const current = new Database(target, { readonly: true, fileMustExist: true });
          try {
            undone = await undoneSinceBackup(current, restored);
          } catch (error) {
            // What it undid is advice: a replaced store that cannot be compared (a schema of its own) stops nothing.
            compareFailed = (error as Error).message;
          } finally {
            current.close();
          }
          if (undone && flags.revokeAgain) revokedAgain = revokeAgain(restored, undone.tokens);
        }
      }
    } finally {
      restored.close();
    }
    if (existsSync(target)) {
      kept = `${target}.bak-${stamp()}`;
      renameSync(target, kept);
      // It holds the signing key, as the store does (store/private-files.ts), whatever mode an older store had.
      chmodSync(kept, 0o600);
      // A damaged store's log was not folded in: it goes aside with it, under the names SQLite pairs with the
      // kept file, so that whatever can be salvaged from the two stays together.
      if (unreadable !== null) {
        for (const suffix of ['-wal', '-shm']) if (existsSync(`${target}${suffix}`)) renameSync(`${target}${suffix}`, `${kept}${suffix}`);
      }
    }
    for (const leftover of [`${target}-wal`, `${target}-shm`]) rmSync(leftover, { force: true });
    renameSync(incoming, target);
    const taken =
      backupTime !== null
        ? `its newest audit event is from ${when(backupTime)}`
        : `no audit event in it; the file is dated ${when(statSync(source).mtimeMs)}`;
    const lines = [
      ...(unreadable !== null ? [`The current database ${target} could not be read (${unreadable}); it is kept as ${kept}.`] : []),
      `Restored ${source} into ${target} (migration ${level.latest}; ${taken}).` +
        (kept && unreadable === null ? ` The previous database is kept as ${kept}.` : ''),
      'Everything done after the backup is undone: API token revocations, password changes, user disables, TOTP ' +
        'enrolments and service-account token rotations (a service account that rotated since must be authorized again).',
      'The restored store has a new signing key: every session from before the restore has ended (API tokens still work).',
      ...(undone ? describeUndone(undone, revokedAgain, Boolean(flags.revokeAgain)) : []),
      ...(compareFailed !== null
        ? [
            `Could not compare with the previous database (${compareFailed}): its apiToken.revoked audit events name what was revoked since.`,
          ]
        : []),
      `Start the server: ${selfCommand()} serve --data-dir ${config.dataDir}`,
    ];
    process.stderr.write(`${lines.join('\n')}\n`);
  } finally {
    for (const leftover of [incoming, `${incoming}-wal`, `${incoming}-shm`, `${incoming}-journal`]) rmSync(leftover, { force: true });
    lock.release();
  }
}

function describeUndone(
  undone: import('./signing-keys.js').UndoneSinceBackup,
  revokedAgain: number,
  asked: boolean,
  again = 'tessera admin restore --revoke-again does it during the restore',
): string[] {
  const out: string[] = [];
  const { tokens } = undone;
  if (tokens.length > 0) {
    out.push(
      asked
        ? `Revoked again ${revokedAgain} API token(s) that the previous database had revoked since the backup:`
        : `${tokens.length} API token(s) revoked in the previous database are live again:`,
    );
    for (const t of tokens) out.push(`  urn:vcloud:token:${t.id}  ${t.name}  (${t.owner}@${t.org}, revoked ${when(t.revokedAt)})`);
    if (!asked) {
      out.push(
        'Revoke them again once the server serves: DELETE /cloudapi/1.0.0/tokens/ID as a System administrator (or in ' +
          `the portal), one per id above. (${again}.)`,
      );
    }
  } else out.push('No API token revoked in the previous database is live in the restored one.');
  const list = (what: string, names: string[]) => {
    if (names.length > 0) out.push(`${what}: ${names.join(', ')}`);
  };
  list('Disabled in the previous database, enabled again', undone.disabledUsers);
  list('Password changed since the backup (the old one works again)', undone.passwordsChanged);
  list('TOTP enrolment changed since the backup', undone.totpChanged);
  list('Service accounts to authorize again', undone.serviceAccounts);
  return out;
}

// ------------------------------------------------------------------ check-schema

async function runCheckSchema(flags: StoreFlags): Promise<void> {
  const config = configFrom(flags);
  if (config.databaseUrl) {
    const { refuseForeignPostgresSchema } = await import('./postgres-schema-check.js');
    const client = await connectPostgres(config.databaseUrl, 'check-schema');
    try {
      const level = await refuseForeignPostgresSchema(client, config.databaseUrl);
      process.stderr.write(
        `The PostgreSQL store's schema is Tessera's at ${level} (tables, columns, constraints, indexes, triggers and their functions, rules, policies, views).\n`,
      );
    } finally {
      await client.end().catch(() => undefined);
    }
    return;
  }
  const file = sqliteFileOf(config);
  if (!existsSync(file)) throw usageError(noDatabaseMessage(file));
  const [{ default: Database }, { MIGRATION_NAMES }] = await Promise.all([import('better-sqlite3'), import('../store/migrate.js')]);
  const level = inspectTesseraDatabase(Database, file, MIGRATION_NAMES);
  await refuseForeignSchema(Database, file, file, level.latest, `${file} does not hold Tessera's schema`);
  process.stderr.write(`The schema of ${file} is Tessera's at ${level.latest} (tables, columns, indexes, triggers, views).\n`);
}

// ------------------------------------------------------------------ compare-restore (PostgreSQL)

type PgClient = import('pg').Client;

async function connectPostgres(url: string, role: string): Promise<PgClient> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, application_name: `tessera-admin ${role}`, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new CliError(`Cannot connect to the PostgreSQL store: ${(error as Error).message}`, EXIT.FAILED);
  }
  return client;
}

/** The Tessera nodes connected to the client's database, by the names they give their connections. */
async function connectedNodes(client: PgClient): Promise<string[]> {
  // Nodes name their connections "tessera HOST:PID[ role]" (store/pg-application-name.ts).
  const nodes = await client.query<{ application_name: string }>(
    `SELECT DISTINCT application_name FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE 'tessera %'
     ORDER BY application_name`,
  );
  return [...new Set(nodes.rows.map((r) => r.application_name.replace(/ (listen|migrate)$/, '')))];
}

async function runCompareRestore(flags: StoreFlags & { before: string; revokeAgain?: boolean }): Promise<void> {
  const config = configFrom(flags);
  const shown = passwordInArgumentWarning('--before', flags.before);
  if (shown !== null) process.stderr.write(`tessera: warning: ${shown}\n`);
  if (!config.databaseUrl) {
    throw usageError('tessera admin compare-restore is for PostgreSQL (--database-url): tessera admin restore lists what it undid itself');
  }
  const { undoneBetween, postgresReader } = await import('./signing-keys.js');
  const restored = await connectPostgres(config.databaseUrl, 'compare-restore');
  let before: PgClient | null = null;
  try {
    before = await connectPostgres(flags.before, 'compare-restore');
    for (const [which, client] of [
      ['--database-url', restored],
      ['--before', before],
    ] as const) {
      const meta = await client.query("SELECT to_regclass('meta') IS NOT NULL AS present");
      if (!meta.rows[0]?.present) throw usageError(`The ${which} database is not a Tessera store (no table meta)`);
    }
    // Before anything is read from it or written to it (--revoke-again): a dump's own trigger would run on that write.
    const { refuseForeignPostgresSchema } = await import('./postgres-schema-check.js');
    await refuseForeignPostgresSchema(restored, config.databaseUrl);
    const [r, b] = await Promise.all(
      [restored, before].map(
        async (c) =>
          (await c.query('SELECT current_database() AS db, host(inet_server_addr()) AS host, inet_server_port() AS port')).rows[0],
      ),
    );
    if (r.db === b.db && r.host === b.host && r.port === b.port) {
      throw usageError('--before names the restored database itself: name the copy of the database as it was before pg_restore');
    }
    if (flags.revokeAgain) {
      const names = await connectedNodes(restored);
      if (names.length > 0) {
        throw new CliError(
          `${names.length} Tessera node(s) are connected to the restored database (${names.join(', ')}): stop every node, ` +
            'revoke again, then start them (or revoke through the API once they serve: DELETE /cloudapi/1.0.0/tokens/ID).',
        );
      }
    }
    const undone = await undoneBetween(postgresReader(before), postgresReader(restored));
    const revokedAgain = flags.revokeAgain ? await revokeAgainPostgres(restored, undone.tokens) : 0;
    const lines = [
      'Compared the restored store with the database as it was before pg_restore.',
      ...describeUndone(
        undone,
        revokedAgain,
        Boolean(flags.revokeAgain),
        'tessera admin compare-restore --revoke-again does it before the nodes start',
      ),
    ];
    process.stderr.write(`${lines.join('\n')}\n`);
  } finally {
    await restored.end().catch(() => undefined);
    await before?.end().catch(() => undefined);
  }
}

/** As revokeAgain (signing-keys.ts) for SQLite: each token revoked with its original time and author, and audited. */
async function revokeAgainPostgres(client: PgClient, tokens: readonly import('./signing-keys.js').RevokedSince[]): Promise<number> {
  const [{ timeOrderedUuid }, { postgresReader }] = await Promise.all([
    import('../domain/time-ordered-id.js'),
    import('./signing-keys.js'),
  ]);
  const revokedBy = await postgresReader(client).hasColumn('api_tokens', 'revoked_by');
  let count = 0;
  const now = Date.now();
  await client.query('BEGIN');
  try {
    for (const t of tokens) {
      const updated = await client.query<{ user_id: string; org_id: string }>(
        revokedBy
          ? 'UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL RETURNING user_id, org_id'
          : 'UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING user_id, org_id',
        revokedBy ? [t.revokedAt, t.revokedBy, t.id] : [t.revokedAt, t.id],
      );
      const row = updated.rows[0];
      if (!row) continue;
      count++;
      await client.query(
        `INSERT INTO audit_events (id, at, event_type, outcome, actor_id, actor_name, org_id, org_name, token_id, ip, details)
         SELECT $1, $2, 'apiToken.revoked', 'success', NULL, NULL, $3, o.name, $4, NULL, $5
         FROM (SELECT 1) one LEFT JOIN orgs o ON o.id = $3`,
        [
          timeOrderedUuid(),
          now,
          row.org_id,
          t.id,
          JSON.stringify({
            name: t.name,
            owner: row.user_id,
            via: 'tessera admin compare-restore --revoke-again (revoked after the backup)',
          }),
        ],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return count;
}

// ------------------------------------------------------------------ rotate-signing-key

async function runRotateSigningKey(flags: StoreFlags & { force?: boolean; reason?: string }): Promise<void> {
  const config = configFrom(flags);
  if (config.databaseUrl) return rotatePostgres(config.databaseUrl, Boolean(flags.force), flags.reason ?? null);
  const target = sqliteFileOf(config);
  if (!existsSync(target)) throw usageError(noDatabaseMessage(target));
  const [{ default: Database }, { lockSqliteFile }, { rotateSqliteKeys }] = await Promise.all([
    import('better-sqlite3'),
    import('../store/sqlite-lock.js'),
    import('./signing-keys.js'),
  ]);
  let lock;
  try {
    lock = lockSqliteFile(target);
  } catch (error) {
    throw (await lockedMessage(error, 'Stop it first: a running server keeps the old key until it restarts.')) ?? error;
  }
  try {
    const db = new Database(target, { fileMustExist: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
      if (!tables) throw usageError(`${target} is not a Tessera database (no table meta)`);
      rotateSqliteKeys(db, { via: 'tessera admin rotate-signing-key', reason: flags.reason ?? null });
    } finally {
      db.close();
    }
  } finally {
    lock.release();
  }
  process.stderr.write(
    `Rotated the signing key and the portal secret of ${target}: every session and access token from before has ended ` +
      `(API tokens and service accounts keep working; clients exchange them again).\n` +
      `Start the server: ${selfCommand()} serve --data-dir ${config.dataDir}\n`,
  );
}

async function rotatePostgres(url: string, force: boolean, reason: string | null): Promise<void> {
  const [{ default: pg }, { freshKeyRows, rotationEventDetails, SIGNING_KEY_ROTATED }, { timeOrderedUuid }] = await Promise.all([
    import('pg'),
    import('./signing-keys.js'),
    import('../domain/time-ordered-id.js'),
  ]);
  const client = new pg.Client({
    connectionString: url,
    application_name: 'tessera-admin rotate-signing-key',
    connectionTimeoutMillis: 10_000,
  });
  try {
    await client.connect();
  } catch (error) {
    throw new CliError(`Cannot connect to the PostgreSQL store: ${(error as Error).message}`, EXIT.FAILED);
  }
  try {
    const meta = await client.query("SELECT to_regclass('meta') IS NOT NULL AS present");
    if (!meta.rows[0]?.present) throw usageError('That database is not a Tessera store (no table meta)');
    // The rotation writes (meta, legacy_sessions, audit_events), and is the documented step after pg_restore: a
    // trigger planted in the dump would run on those writes, so the schema is checked first, as check-schema does,
    // for an operator who skipped that step (until 2026-12-07 nothing here looked).
    const { refuseForeignPostgresSchema } = await import('./postgres-schema-check.js');
    await refuseForeignPostgresSchema(client, url);
    // Nodes name their connections "tessera HOST:PID[ role]" (store/pg-application-name.ts).
    const nodes = await client.query<{ application_name: string; client_addr: string | null }>(
      `SELECT DISTINCT application_name, host(client_addr) AS client_addr FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE 'tessera %'
       ORDER BY application_name`,
    );
    const names = [...new Set(nodes.rows.map((r) => r.application_name.replace(/ (listen|migrate)$/, '')))];
    if (names.length > 0 && !force) {
      throw new CliError(
        `${names.length} Tessera node(s) are connected to this database (${names.join(', ')}): stop every node first ` +
          '(a running node keeps the old key until it restarts), or pass --force and then restart every node.',
      );
    }
    await client.query('BEGIN');
    for (const [key, value] of freshKeyRows()) {
      await client.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
        key,
        value,
      ]);
    }
    await client.query('DELETE FROM legacy_sessions');
    // Who ended every session, from where and why, in the same transaction (an auditor reads it in /auditTrail).
    await client.query(
      `INSERT INTO audit_events (id, at, event_type, outcome, actor_id, actor_name, org_id, org_name, token_id, ip, details)
       VALUES ($1, $2, $3, 'success', NULL, NULL, NULL, NULL, NULL, NULL, $4)`,
      [
        timeOrderedUuid(),
        Date.now(),
        SIGNING_KEY_ROTATED,
        rotationEventDetails({
          via: 'tessera admin rotate-signing-key',
          reason,
          forced: force && names.length > 0,
          connectedNodes: names.length > 0 ? names.join(', ') : null,
        }),
      ],
    );
    await client.query('COMMIT');
    process.stderr.write(
      'Rotated the signing key and the portal secret of the PostgreSQL store: every session and access token from before ' +
        'has ended (API tokens and service accounts keep working; clients exchange them again).\n' +
        (names.length > 0
          ? `warning: ${names.length} node(s) were connected (${names.join(', ')}): they keep the old key in memory; restart every node now.\n`
          : 'Start the nodes.\n'),
    );
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
