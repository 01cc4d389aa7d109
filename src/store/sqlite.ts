/**
 * Embedded SQLite backend (better-sqlite3 12, WAL), on a writer and a reader connection (sqlite-connections.ts).
 * `synchronous=FULL` makes every commit durable before it returns, so a write that returned success survives
 * `kill -9` (and a power cut). Revocations are delivered in-process: there is only one node, and the file lock
 * (sqlite-lock.ts) makes sure of it.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type Driver, type SqliteDatabase } from 'kysely';
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DB } from './schema.js';
import { migrateToLatest } from './migrate.js';
import { Store, type RevocationBus, type RevocationEvent, type RowBatchWriter } from './store.js';
import { queryTimer, type StoreOptions } from './options.js';
import { lockSqliteFile } from './sqlite-lock.js';
import { createPrivateFile, makePrivateDirectory, narrowToOwner, refuseExposedStore } from './private-files.js';
import { SqliteConnectionPair } from './sqlite-connections.js';

class InProcessRevocationBus implements RevocationBus {
  private readonly listeners: Array<(e: RevocationEvent) => void> = [];
  subscribe(listener: (e: RevocationEvent) => void): void {
    this.listeners.push(listener);
  }
  onResync(): void {
    // Nothing to resync: every revocation is committed by this process.
  }
  healthy(): boolean {
    return true;
  }
  async whenHealthy(): Promise<boolean> {
    return true;
  }
  async committed(event: RevocationEvent): Promise<void> {
    for (const l of this.listeners) l(event);
  }
  observe(): void {
    // Nothing to observe: delivery is a function call, and there is no connection to lose.
  }
  async close(): Promise<void> {}
}

/**
 * kysely's SQLite driver prepared every statement anew (~10-200 µs each); statements are reusable, so keep them by
 * SQL text, one cache per connection (src/store/sqlite-connections.ts). Safe because each connection runs one
 * statement at a time (better-sqlite3 is synchronous) and Tessera never streams (a statement being iterated could
 * not be reused). SQLite re-prepares a cached statement by itself after a schema change.
 */
export function withStatementCache<S>(
  database: { prepare(sqlText: string): S; close(): unknown; readonly inTransaction: boolean },
  max = 1_000,
): { prepare(sqlText: string): S; close(): void; readonly inTransaction: boolean; readonly cachedStatements: number } {
  const statements = new Map<string, S>();
  return {
    close: () => void database.close(),
    get inTransaction() {
      return database.inTransaction;
    },
    prepare(sqlText: string): S {
      let statement = statements.get(sqlText);
      if (statement === undefined) {
        statement = database.prepare(sqlText);
        // Multi-row writes (the batched audit insert: one text per batch size, up to 1,000 rows of 11 values)
        // are not kept: each is large, used once or rarely, and one per size filled the cache with hundreds of
        // them, a native-memory growth over hours. The prepare is amortised over their rows anyway.
        if (parameterCount(sqlText) <= MAX_CACHED_PARAMETERS) {
          if (statements.size >= max) statements.clear();
          statements.set(sqlText, statement);
        }
      }
      return statement;
    },
    get cachedStatements() {
      return statements.size;
    },
  };
}

/** Statements with more bound values than this are not cached (see withStatementCache). */
export const MAX_CACHED_PARAMETERS = 64;
/**
 * The page cache's bound in KiB (SQLite's `cache_size`, given negative: a size, not a count of pages). The operator's
 * TESSERA_SQLITE_CACHE_MB when set; otherwise an eighth of the database file at start, between SQLite's own default
 * (2 MiB) and 128 MiB.
 *
 * Why: SQLite's default is sized for embedded use. At a million tokens the unique index the exchange looks tokens up
 * by is 79 MB (an eighth of that 940 MB file is 117 MiB: room for it), and with 2 MiB nearly every exchange of a
 * token not seen lately read its pages from the OS again (2.7 reads, ~11 KB per exchange). Why from the file and
 * not a fixed 128 MiB: the cache keeps every page it reads until it is full, so a store that grows while the server
 * runs (audit events, tokens) would grow the process's memory with it, which reads as a leak; sized at start, a small
 * store's memory stays flat and a large one gets the room. A store that outgrows its cache gets more at the next start.
 */
export function sqliteCacheKibibytes(fileBytes: number, configuredMb: number | null | undefined): number {
  if (configuredMb !== null && configuredMb !== undefined) return configuredMb * 1024;
  const eighth = Math.ceil(fileBytes / 8 / 1024);
  return Math.min(128 * 1024, Math.max(2 * 1024, eighth));
}

/**
 * The page cache's bound shared by the two connections (each has its own cache): three quarters to the reader, which
 * serves the exchange's token lookups and every page, a quarter to the writer (its batches of "last used" and audit
 * rows, token and inventory writes, whose pages the OS's cache holds anyway). Neither below SQLite's 2 MiB default.
 * A store in memory has only the writer, which keeps it all.
 */
export function sqliteCacheSplit(totalKibibytes: number, twoConnections: boolean): { reader: number; writer: number } {
  if (!twoConnections) return { reader: 0, writer: totalKibibytes };
  const floor = 2 * 1024;
  return { reader: Math.max(floor, Math.ceil((totalKibibytes * 3) / 4)), writer: Math.max(floor, Math.floor(totalKibibytes / 4)) };
}

function parameterCount(sqlText: string): number {
  let n = 0;
  for (let i = sqlText.indexOf('?'); i !== -1; i = sqlText.indexOf('?', i + 1)) n++;
  return n;
}

/**
 * Store.RowBatchWriter on better-sqlite3: the rows in one synchronous transaction of one prepared statement (a few
 * µs a row), holding the writer (`withWriter`), so no kysely write or transaction can interleave with it.
 * `relaxedDurability` lowers `synchronous` to NORMAL for that commit only (in WAL mode the commit is then in the OS
 * but not yet on disk; the next FULL commit or checkpoint syncs it) and restores FULL.
 */
function rowBatchWriter(connections: SqliteConnectionPair, database: Database.Database): RowBatchWriter {
  const statements = new Map<string, Database.Statement>();
  return {
    write(statement, rows, { relaxedDurability }) {
      if (rows.length === 0) return Promise.resolve();
      return connections.withWriter(() => {
        let prepared = statements.get(statement);
        if (!prepared) statements.set(statement, (prepared = database.prepare(statement)));
        const run = prepared;
        if (relaxedDurability) database.pragma('synchronous = NORMAL');
        try {
          database.transaction(() => {
            for (const row of rows) run.run(...row);
          })();
        } finally {
          if (relaxedDurability) database.pragma('synchronous = FULL');
        }
      });
    },
  };
}

/** kysely's SQLite dialect (compiler, adapter, introspector) over Tessera's two connections. */
class SqlitePairDialect extends SqliteDialect {
  private readonly connections: SqliteConnectionPair;

  constructor(connections: SqliteConnectionPair) {
    super({ database: connections.writer as unknown as SqliteDatabase });
    this.connections = connections;
  }
  override createDriver(): Driver {
    return this.connections;
  }
}

function refuseUnwritable(file: string): void {
  try {
    accessSync(file, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw Object.assign(new Error(`attempt to write a readonly database (${file})`), { code: 'SQLITE_READONLY' });
    }
    if (code !== 'ENOENT') throw error; // EROFS and the like: open-errors.ts names the file system's state
  }
}

/**
 * Opens (creating if needed) the SQLite file, or `:memory:` for tests, and migrates it. A file is locked for
 * this store's lifetime (src/store/sqlite-lock.ts): a second store on it throws DataDirLockedError.
 */
/**
 * Where SQLite writes its temporary files (a transaction's statement journal, a large sort): SQLITE_TMPDIR, TMPDIR,
 * /var/tmp, /usr/tmp, /tmp, then the working directory, the first it may write. In a container with a read-only root
 * file system and only the data directory writable (Kubernetes' readOnlyRootFilesystem, `docker run --read-only`)
 * there is none: the demo's inventory failed to load at start and every inventory write was refused as "full or
 * read-only", the data directory being writable (until 2026-12-06). Then, and only then, the data directory is used
 * (SQLite's process-wide temp_store_directory); elsewhere nothing changes.
 */
export function temporaryDirectoryFor(
  dataDir: string,
  candidates: ReadonlyArray<string | undefined> = [
    process.env.SQLITE_TMPDIR,
    process.env.TMPDIR,
    '/var/tmp',
    '/usr/tmp',
    '/tmp',
    process.cwd(),
  ],
): string | null {
  for (const dir of candidates) {
    if (!dir) continue;
    try {
      if (!statSync(dir).isDirectory()) continue;
      accessSync(dir, constants.W_OK | constants.X_OK);
      return null;
    } catch {
      // not there, or not ours to write: the next one
    }
  }
  return dataDir;
}

function keepTemporaryFilesWritable(database: Database.Database, dataDir: string): void {
  const dir = temporaryDirectoryFor(dataDir);
  if (dir !== null) database.pragma(`temp_store_directory = '${dir.replaceAll("'", "''")}'`);
}

export async function openSqliteStore(file: string, options: StoreOptions = {}): Promise<Store> {
  if (file !== ':memory:') makePrivateDirectory(dirname(file));
  const lock = file === ':memory:' ? null : lockSqliteFile(file);
  try {
    // A file this user may read but not write (another user's, mode 0644) opens and migrates without a write when
    // its schema is current: the first write came later, in the services' start, as a stack trace (until
    // 2026-12-05). Asked here, it is the read-only message of open-errors.ts.
    if (file !== ':memory:') {
      // The signing key lives in this file: this user's only (store/private-files.ts).
      refuseExposedStore(file);
      refuseUnwritable(file);
      createPrivateFile(file);
      narrowToOwner(file);
    }
    const database = new Database(file);
    registerFunctions(database);
    if (file !== ':memory:') keepTemporaryFilesWritable(database, dirname(file));
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
    // What a write removes (a deleted row, the old value of an updated one) is zeroed in its page, at no extra I/O.
    // Until 2026-12-06 such bytes could stay in the file's free space, and `tessera admin backup` copied them: the
    // row of a legacy session signed out before the backup, its access token included, was in the backup.
    database.pragma('secure_delete = FAST');
    const fileBytes = file === ':memory:' ? 0 : statSync(file).size;
    const cache = sqliteCacheSplit(sqliteCacheKibibytes(fileBytes, options.sqliteCacheMb), file !== ':memory:');
    database.pragma(`cache_size = ${-cache.writer}`); // negative: KiB, not pages
    const connections = new SqliteConnectionPair(withStatementCache(database));
    const db = new Kysely<DB>({
      dialect: new SqlitePairDialect(connections),
      ...queryTimer(options.onQuery),
    });
    const migrationsApplied = await migrateToLatest(db, 'sqlite').catch(async (err: unknown) => {
      await db.destroy();
      throw err;
    });
    if (file !== ':memory:') {
      const reader = new Database(file);
      registerFunctions(reader);
      reader.pragma('query_only = ON');
      reader.pragma('busy_timeout = 5000');
      reader.pragma(`cache_size = ${-cache.reader}`);
      connections.attachReader(withStatementCache(reader));
    }
    return new Store({
      db,
      dialect: 'sqlite',
      migrationsApplied,
      bytewiseTextOrder: true,
      rowBatches: rowBatchWriter(connections, database),
      bus: new InProcessRevocationBus(),
      notifyInTransaction: async () => {},
      close: async () => {
        await db.destroy();
        lock?.release();
      },
    });
  } catch (err) {
    lock?.release();
    throw err;
  }
}

/**
 * `tessera_lower(text)`: lower case as JavaScript (and PostgreSQL under a UTF-8 locale) makes it, every letter;
 * SQLite's own `lower()` folds A-Z only, so a search for "äpfel" missed "Äpfel" on SQLite alone (Store.lower).
 */
export function registerFunctions(database: Database.Database): void {
  database.function('tessera_lower', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
  // Store.searchKey: NFKC, then lower case (nameKey), as PostgreSQL's lower(normalize(x, NFKC)).
  database.function('tessera_search_key', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? value.normalize('NFKC').toLowerCase() : value,
  );
}
