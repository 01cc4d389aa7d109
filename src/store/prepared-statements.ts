/**
 * Server-side prepared statements on PostgreSQL, for a fixed handful of statements that run on every request.
 *
 * kysely's PostgreSQL driver sends every query unnamed, so PostgreSQL parses and plans it on every call. For the
 * reads a cache miss makes on each exchange of a large token store (store/compiled-lookup.ts) that was most of
 * the database's work: PostgreSQL's own CPU per read, measured on a million-token database, 174-196 µs unnamed
 * against 82-120 µs named for the token by hash, 120-142 against 70-80 µs for the user by id (docs/performance.md
 * §3). node-postgres prepares a statement that has a `name` once per connection and then only binds and executes.
 *
 * Only statements registered here are named: the exchange's compiled reads, and the token list's statements
 * (store/token-listing.ts), whose text depends on the list's scope and never on a request's values. The set is
 * small and fixed, which matters: node-postgres keeps every named statement for the life of its connection, and
 * PostgreSQL keeps it in that session. Every other query goes through unnamed, as before.
 *
 * Behind a pooler in transaction mode, named statements need PgBouncer 1.21 or later with
 * `max_prepared_statements` set; `TESSERA_DATABASE_PREPARED_STATEMENTS=false` turns them off (docs/postgresql.md).
 */
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * The bound on named statements. Registration happens on the request path (the first time a shape runs), so
 * beyond it a statement is simply sent unnamed, as every statement used to be: slower, never an error, and never
 * one more statement kept per connection. The code registers about ten today.
 */
export const MAX_PREPARED_STATEMENTS = 16;

/**
 * PostgreSQL's answers when a named statement did not stay with the connection that prepared it: a pooler in
 * transaction mode that cannot keep them (PgBouncer before 1.21, or without max_prepared_statements) ran the
 * statement on another server connection, where it is missing or was prepared by another client.
 */
const NOT_KEPT = new Set(['26000', '42P05']); // invalid_sql_statement_name, duplicate_prepared_statement

/**
 * A statement's name is a digest of its text, the same on every node of every version. Until 2026-12-06 names were
 * numbered in the order a node first used its statements, so two nodes could give one name to two different texts:
 * through a pooler in transaction mode, which hands a server connection to any client, a node could then bind its
 * parameters to another node's statement of that name and read the wrong rows. Now one name is one text: a statement
 * found already prepared under its name is the same statement (and `NOT_KEPT` turns naming off anyway).
 */
export function preparedStatementName(sqlText: string): string {
  return `tessera_${createHash('sha256').update(sqlText).digest('hex').slice(0, 24)}`;
}

export class PreparedStatements {
  private readonly names = new Map<string, string>();
  private off = false;

  /** From now on every statement is sent unnamed (the connection does not keep them; see NOT_KEPT). */
  disable(): void {
    this.off = true;
  }

  get disabled(): boolean {
    return this.off;
  }

  /**
   * Marks a statement's exact text to be prepared once per connection; registering it again is a no-op. False
   * when the bound is reached and the text is not named.
   */
  register(sqlText: string): boolean {
    if (this.names.has(sqlText)) return true;
    if (this.names.size >= MAX_PREPARED_STATEMENTS) return false;
    this.names.set(sqlText, preparedStatementName(sqlText));
    return true;
  }

  nameOf(sqlText: string): string | undefined {
    return this.off ? undefined : this.names.get(sqlText);
  }

  get size(): number {
    return this.names.size;
  }
}

/**
 * The pool kysely is given: the same connections, whose queries are sent named when their text is registered.
 * One wrapper per connection (kysely keys its own per-connection state on the object it receives).
 */
export function preparingPool(pool: pg.Pool, statements: PreparedStatements, notKept: (err: Error) => void = () => {}): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => ({
    query: ((textOrCursor: unknown, values?: readonly unknown[]) => {
      if (typeof textOrCursor === 'string') {
        const name = statements.nameOf(textOrCursor);
        if (!name) return client.query(textOrCursor, values as unknown[]);
        // A named statement the connection did not keep (a transaction-mode pooler, with
        // TESSERA_DATABASE_PREPARED_STATEMENTS left on): until 2026-12-06 every such read was a 500, for as long as
        // the node ran. Now the node stops naming statements, says why once, and sends this one again unnamed (the
        // named statements are all reads).
        return client.query({ name, text: textOrCursor, values: values as unknown[] }).catch((err: Error & { code?: string }) => {
          if (!NOT_KEPT.has(err.code ?? '')) throw err;
          if (!statements.disabled) {
            statements.disable();
            notKept(err);
          }
          return client.query(textOrCursor, values as unknown[]);
        });
      }
      return client.query(textOrCursor as pg.Submittable);
    }) as unknown as PostgresPoolClient['query'],
    release: (destroy) => client.release(destroy),
  });
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) wrappers.set(client, (wrapper = wrap(client)));
      return wrapper;
    },
    end: () => pool.end(),
  };
}
