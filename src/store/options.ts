/**
 * What the backends share in how they are opened.
 */
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
  /** SQLite: the page cache's bound in MiB; null or absent: sized from the file (sqliteCacheKibibytes). */
  sqliteCacheMb?: number | null;
}

/** Kysely's `log` option from an onQuery hook (kysely times each query only when `log` is set). */
export function queryTimer(onQuery: StoreOptions['onQuery']) {
  return onQuery
    ? { log: (event: { level: string; queryDurationMillis: number }) => onQuery(event.queryDurationMillis, event.level === 'error') }
    : {};
}
