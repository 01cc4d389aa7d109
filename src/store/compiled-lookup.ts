/**
 * A hot single-row read compiled once. kysely builds and compiles a query on every call (about 6 µs of CPU on the
 * exchange path, measured in docs/performance.md §3); the read a cache miss makes on every exchange of a
 * million-token store is always the same SQL with one different value. The compiled SQL is kept and run through
 * kysely's own executor (`executeQuery`), so the connection handling, the query log and the dialect's
 * placeholders stay kysely's. Only for reads whose one parameter is the value looked up.
 *
 * `prepare`, when given, is told the SQL text once: on PostgreSQL it becomes a named statement, parsed and planned
 * once per connection instead of on every call (store/prepared-statements.ts). SQLite's statement cache already
 * keeps it prepared (store/sqlite.ts).
 */
import { createQueryId, type Compilable, type Kysely } from 'kysely';

export function compiledLookup<Row, DB>(
  db: Kysely<DB>,
  query: Compilable<Row>,
  prepare?: (sqlText: string) => void,
): (value: unknown) => Promise<Row | undefined> {
  const compiled = query.compile();
  if (compiled.parameters.length !== 1) throw new Error(`compiledLookup takes one parameter; the query has ${compiled.parameters.length}`);
  prepare?.(compiled.sql);
  return async (value) => {
    const result = await db.executeQuery<Row>({ ...compiled, parameters: [value], queryId: createQueryId() });
    return result.rows[0];
  };
}

/**
 * The same for a read of many rows by one array parameter (`key = any($1)` on PostgreSQL): compiled once with an
 * empty array, then run with the keys (store/batched-lookup.ts).
 */
export function compiledManyLookup<Row, DB>(
  db: Kysely<DB>,
  query: Compilable<Row>,
  prepare?: (sqlText: string) => void,
): (values: readonly unknown[]) => Promise<Row[]> {
  const compiled = query.compile();
  if (compiled.parameters.length !== 1)
    throw new Error(`compiledManyLookup takes one parameter; the query has ${compiled.parameters.length}`);
  prepare?.(compiled.sql);
  return async (values) => {
    const result = await db.executeQuery<Row>({ ...compiled, parameters: [values], queryId: createQueryId() });
    return result.rows;
  };
}
