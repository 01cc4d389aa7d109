/**
 * Single-row reads by key that arrive together, answered by one statement (PostgreSQL).
 *
 * On a store of a million tokens nearly every exchange misses the minted-token cache and reads its token, and
 * often its user. On PostgreSQL each read was a statement of its own: a round trip, a bind and an execute, about
 * 60 µs of PostgreSQL's CPU before any row is looked up (`select 1`, docs/performance.md §3), and a query's worth of
 * node-postgres and kysely work in Tessera. Under load many exchanges wait on such reads at once.
 *
 * How reads are gathered (group commit, for reads): a read goes out at once, at the end of the current microtask
 * queue, when fewer than `maxInFlight` statements are out; otherwise it waits, with every other read that arrives
 * meanwhile, for the next statement to come back, and they all go together as one `key = any($1)` statement. So an
 * idle server adds no delay, and a busy one shares each statement among all the reads that queued while the
 * previous ones ran. (A first version gathered each turn of the event loop with `setImmediate`: as fast under a
 * pure exchange load, but every read then waited for the rest of its turn's callbacks before going out, even on an
 * idle database; docs/performance.md §3 has both.)
 *
 * Nothing about what is read changes: the same columns, from the same committed state a single read would see
 * (each statement is its own snapshot, taken after every read in it was asked for), and each caller gets exactly
 * the row whose key equals the one it asked for, or none. The exchange still compares the row's hash with the
 * presented token's in constant time. A failed statement fails every read in it, as it would have failed each.
 * The same key asked twice while waiting is read once.
 */
export type ReadMany<Row> = (keys: readonly string[]) => Promise<readonly Row[]>;

interface Waiter<Row> {
  resolve(row: Row | undefined): void;
  reject(error: unknown): void;
}

export interface BatchOptions {
  /** The most keys in one statement; more waiting keys go in the next one. */
  maxBatch?: number;
  /** Statements out at once (each holds a pooled connection while it runs). */
  maxInFlight?: number;
}

export const MAX_BATCH = 128;
export const MAX_IN_FLIGHT = 2;

export function batchedLookup<Row>(
  readMany: ReadMany<Row>,
  keyOf: (row: Row) => string,
  { maxBatch = MAX_BATCH, maxInFlight = MAX_IN_FLIGHT }: BatchOptions = {},
): (key: string) => Promise<Row | undefined> {
  let waiting = new Map<string, Array<Waiter<Row>>>();
  let inFlight = 0;
  let sendQueued = false;

  const send = () => {
    sendQueued = false;
    while (inFlight < maxInFlight && waiting.size > 0) {
      let batch = waiting;
      if (batch.size > maxBatch) {
        // The first maxBatch keys go now (a Map keeps the order they were asked in); the rest keep waiting.
        batch = new Map();
        for (const [key, waiters] of waiting) {
          if (batch.size === maxBatch) break;
          batch.set(key, waiters);
          waiting.delete(key);
        }
      } else {
        waiting = new Map();
      }
      inFlight++;
      const keys = [...batch.keys()];
      readMany(keys)
        .then(
          (rows) => {
            const byKey = new Map<string, Row>();
            for (const row of rows) byKey.set(keyOf(row), row);
            for (const [key, waiters] of batch) for (const w of waiters) w.resolve(byKey.get(key));
          },
          (error: unknown) => {
            for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
          },
        )
        .finally(() => {
          inFlight--;
          send();
        });
    }
  };

  return (key) =>
    new Promise<Row | undefined>((resolve, reject) => {
      const waiters = waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else waiting.set(key, [{ resolve, reject }]);
      // Reads asked in the same synchronous run (and its microtasks) share the statement that goes first.
      if (!sendQueued && inFlight < maxInFlight) {
        sendQueued = true;
        queueMicrotask(send);
      }
    });
}
