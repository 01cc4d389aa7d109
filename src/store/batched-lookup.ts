/**
 * Single-row reads by key that arrive together, answered by one statement (PostgreSQL).
 *
 * On a store of a million tokens nearly every exchange misses the minted-token cache and reads its token, and
 * often its user. On PostgreSQL each read was a statement of its own: a round trip, a bind and an execute, about
 * 60 µs of PostgreSQL's CPU before any row is looked up (`select 1`, docs/performance.md §3), and a query's worth
 * of node-postgres work in Tessera. Under load many exchanges wait on such reads at once. The reads asked for in one
 * turn of the event loop are gathered and sent as one `key = any($1)` statement when the turn ends
 * (`setImmediate`): alone, a read waits for nothing but that turn; under load, the statements' fixed cost is
 * shared.
 *
 * Nothing about what is read changes: the same columns, from the same committed state a single read would see
 * (each statement is its own snapshot, taken after every read in it was asked for), and each caller gets exactly
 * the row whose key equals the one it asked for, or none. The exchange still compares the row's hash with the
 * presented token's in constant time. A failed statement fails every read in it, as it would have failed each.
 * The same key asked twice in one turn is read once.
 */
export type ReadMany<Row> = (keys: readonly string[]) => Promise<readonly Row[]>;

interface Waiter<Row> {
  resolve(row: Row | undefined): void;
  reject(error: unknown): void;
}

/** The most keys in one statement; a larger turn is sent as several. */
export const MAX_BATCH = 128;

export function batchedLookup<Row>(
  readMany: ReadMany<Row>,
  keyOf: (row: Row) => string,
  maxBatch = MAX_BATCH,
): (key: string) => Promise<Row | undefined> {
  let pending: Map<string, Array<Waiter<Row>>> | null = null;

  const send = (keys: string[], waiters: Map<string, Array<Waiter<Row>>>) => {
    readMany(keys).then(
      (rows) => {
        const byKey = new Map<string, Row>();
        for (const row of rows) byKey.set(keyOf(row), row);
        for (const key of keys) for (const w of waiters.get(key)!) w.resolve(byKey.get(key));
      },
      (error: unknown) => {
        for (const key of keys) for (const w of waiters.get(key)!) w.reject(error);
      },
    );
  };

  const flush = () => {
    const waiters = pending!;
    pending = null;
    const keys = [...waiters.keys()];
    for (let i = 0; i < keys.length; i += maxBatch) send(keys.slice(i, i + maxBatch), waiters);
  };

  return (key) =>
    new Promise<Row | undefined>((resolve, reject) => {
      if (pending === null) {
        pending = new Map();
        setImmediate(flush);
      }
      const waiting = pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else pending.set(key, [{ resolve, reject }]);
    });
}
