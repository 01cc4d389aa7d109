/**
 * What the backends share in how they are opened.
 */
import type { PostgresPool } from 'kysely';
/**
 * Options every backend takes: PostgreSQL's pool size and revocation feed bound (SQLite ignores both), and a hook
 * told each query's duration (metrics).
 */
export interface StoreOptions {
  poolSize?: number;
  revocationFeedMaxLagMs?: number;
  onQuery?: (durationMs: number, failed: boolean) => void;
  /** PostgreSQL: prepare the fixed-shape hot statements once per connection (default true; store/prepared-statements.ts). */
  preparedStatements?: boolean;
  /**
   * PostgreSQL: where the revocation feed's LISTEN connection goes when the store's URL is a connection pooler in
   * transaction mode, which cannot keep a LISTEN (TESSERA_DATABASE_LISTEN_URL; docs/postgresql.md). Absent: the store's URL.
   */
  listenUrl?: string | null;
  /** PostgreSQL: where listenUrl came from, named when it cannot be reached (Config.databaseListenUrlSource). */
  listenUrlSource?: string | null;
  /** PostgreSQL: where the URL came from, named when it cannot be opened (Config.databaseUrlSource; default --database-url). */
  databaseUrlSource?: string | null;
  /** SQLite: the page cache's bound in MiB; null or absent: sized from the file (sqliteCacheKibibytes). */
  sqliteCacheMb?: number | null;
}

/** Kysely's `log` option from an onQuery hook (kysely times each query only when `log` is set). */
export function queryTimer(onQuery: StoreOptions['onQuery']) {
  return onQuery
    ? { log: (event: { level: string; queryDurationMillis: number }) => onQuery(event.queryDurationMillis, event.level === 'error') }
    : {};
}

/**
 * A PostgreSQL pool whose failed connects count as failed queries for onQuery, with the time they waited: kysely's
 * `log` hook sees only queries that reached a connection, so with PostgreSQL down the metric of every store query
 * counted none of the requests it refused (until 2026-12-05: 1 error in an 11 s outage with 90 refusals).
 */
export function countingFailedConnects(pool: PostgresPool, onQuery: StoreOptions['onQuery']): PostgresPool {
  if (!onQuery) return pool;
  return {
    async connect() {
      const started = performance.now();
      try {
        return await pool.connect();
      } catch (error) {
        onQuery(performance.now() - started, true);
        throw error;
      }
    },
    end: () => pool.end(),
  };
}
