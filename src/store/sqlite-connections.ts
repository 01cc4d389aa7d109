/**
 * SQLite on two connections to one WAL file: a **writer** for every write and read-write transaction, one at a time
 * (kysely's own SQLite driver has only this one, behind a mutex), and a **reader** (`query_only`) for reads outside a
 * transaction and for read-only transactions.
 *
 * Why: better-sqlite3 is synchronous, so kysely's single connection made every read wait for whatever transaction
 * held it. A sync batch of 6,000 inventory objects holds it for 0.4-2 s (28 indexes on `vms`), and every uncached
 * query page, token read and sign-in of every tenant waited that long behind it. In WAL mode a reader sees the last
 * committed state while a writer writes: the same "read committed" that PostgreSQL's pool gives, which the code is
 * already written (and tested) for.
 *
 * And a long write transaction gives the event loop back: awaiting a statement that better-sqlite3 ran synchronously
 * never yields to I/O, so a transaction of many statements held the whole process (hot exchanges too, which need no
 * store at all) until its commit. Past WRITE_SLICE_MS of statements, the next one waits for a turn of the event loop
 * (`setImmediate`); other requests run meanwhile, read through the reader, and queue their writes behind the writer's
 * mutex, so the transaction stays exactly as isolated as before.
 *
 * A store in memory (`:memory:`, tests) has no second connection to the same data: everything goes to the writer,
 * as with kysely's driver.
 */
import type Database from 'better-sqlite3';
import { CompiledQuery, SelectQueryNode, type DatabaseConnection, type Driver, type QueryResult, type TransactionSettings } from 'kysely';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long a write transaction may run statements before it lets the event loop turn. */
export const WRITE_SLICE_MS = 8;

/** A connection's statements kept by SQL text (kysely prepares every statement anew; ~10-200 µs each). */
export interface StatementSource {
  prepare(sqlText: string): Database.Statement;
  close(): void;
  /** SQLite's own view: false once it has rolled a transaction back by itself. */
  readonly inTransaction: boolean;
}

/** A mutex whose holders queue in order; `whenFree` waits without taking it. */
class Mutex {
  private held: Promise<void> | null = null;
  private release: (() => void) | null = null;

  get locked(): boolean {
    return this.held !== null;
  }

  async lock(): Promise<void> {
    while (this.held) await this.held;
    this.held = new Promise((resolve) => (this.release = resolve));
  }

  unlock(): void {
    const release = this.release;
    this.held = null;
    this.release = null;
    release?.();
  }

  async whenFree(): Promise<void> {
    while (this.held) await this.held;
  }
}

type Holding = 'none' | 'writer' | 'reader';

/** What kysely calls a connection: one caller's use of the pair, routed statement by statement. */
class RoutedConnection implements DatabaseConnection {
  holding: Holding = 'none';
  inTransaction = false;
  sliceStartedAt = 0;

  private readonly pair: SqliteConnectionPair;

  constructor(pair: SqliteConnectionPair) {
    this.pair = pair;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const pair = this.pair;
    if (this.holding === 'reader') return run<R>(pair.reader!.prepare(compiled.sql), compiled);
    if (this.holding === 'none') {
      const read = pair.readStatement(compiled);
      if (read) {
        // A read-only transaction holds the reader's snapshot; a read of its own must not join it.
        if (pair.readerLock.locked) await pair.readerLock.whenFree();
        return run<R>(read, compiled);
      }
      await pair.writerLock.lock();
      this.holding = 'writer';
    } else if (this.inTransaction && performance.now() - this.sliceStartedAt >= WRITE_SLICE_MS) {
      await nextTurn();
      this.sliceStartedAt = performance.now();
    }
    return run<R>(pair.writer.prepare(compiled.sql), compiled);
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    // Tessera never streams; kysely's driver allowed it for selects only, and a statement being iterated could not
    // be reused from the statement cache.
    throw new Error('streaming is not supported on this SQLite store');
  }
}

function run<R>(statement: Database.Statement, compiled: CompiledQuery): QueryResult<R> {
  const parameters = compiled.parameters as unknown[];
  if (statement.reader) return { rows: statement.all(parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

const RAW_READ = /^\s*(select|with)\b/i;
const BEGIN = CompiledQuery.raw('begin');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

/** The kysely driver over the two connections; `withWriter` is for work done on the writer outside kysely. */
export class SqliteConnectionPair implements Driver {
  readonly writerLock = new Mutex();
  readonly readerLock = new Mutex();
  /** Released connection objects, reused so kysely's per-connection setup (query logging) runs once for each. */
  private readonly idle: RoutedConnection[] = [];
  reader: StatementSource | null = null;

  readonly writer: StatementSource;

  constructor(writer: StatementSource) {
    this.writer = writer;
  }

  /** Attached once the schema is migrated: until then every statement goes to the writer, which runs the migrations. */
  attachReader(reader: StatementSource): void {
    this.reader = reader;
  }

  /** The statement prepared on the reader when it is a read that writes nothing; else null (the writer runs it). */
  readStatement(compiled: CompiledQuery): Database.Statement | null {
    if (!this.reader) return null;
    if (!SelectQueryNode.is(compiled.query) && !RAW_READ.test(compiled.sql)) return null;
    let statement: Database.Statement;
    try {
      statement = this.reader.prepare(compiled.sql);
    } catch {
      return null; // let the writer prepare it, and report its error if it has one
    }
    return statement.reader && statement.readonly ? statement : null;
  }

  /** Runs synchronous work on the writer between kysely's queries and transactions (row batches). */
  async withWriter<T>(work: () => T): Promise<T> {
    await this.writerLock.lock();
    try {
      return work();
    } finally {
      this.writerLock.unlock();
    }
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return this.idle.pop() ?? new RoutedConnection(this);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = connection as RoutedConnection;
    if (this.reader && settings.accessMode === 'read only' && c.holding === 'none') {
      await this.readerLock.lock();
      c.holding = 'reader';
      run(this.reader.prepare(BEGIN.sql), BEGIN);
    } else {
      if (c.holding !== 'writer') {
        await this.writerLock.lock();
        c.holding = 'writer';
      }
      run(this.writer.prepare(BEGIN.sql), BEGIN);
      c.sliceStartedAt = performance.now();
    }
    c.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.endTransaction(connection as RoutedConnection, COMMIT);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.endTransaction(connection as RoutedConnection, ROLLBACK);
  }

  private async endTransaction(c: RoutedConnection, end: CompiledQuery): Promise<void> {
    const source = c.holding === 'reader' ? this.reader! : this.writer;
    c.inTransaction = false;
    // SQLite rolls a transaction back by itself on some errors (a full disk, an I/O error): a second ROLLBACK would
    // fail with "no transaction is active" and hide the error that explains it (SQLITE_FULL) behind its own.
    if (end === ROLLBACK && !source.inTransaction) return;
    run(source.prepare(end.sql), end);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const c = connection as RoutedConnection;
    if (c.holding === 'writer') this.writerLock.unlock();
    else if (c.holding === 'reader') this.readerLock.unlock();
    c.holding = 'none';
    c.inTransaction = false;
    if (this.idle.length < 64) this.idle.push(c);
  }

  async destroy(): Promise<void> {
    this.reader?.close();
    this.writer.close();
  }
}
