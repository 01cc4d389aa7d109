/**
 * Store failures that say "not now" rather than "wrong": the database is unreachable, a pooled connection could not
 * be had in time, a statement hit its time bound, or PostgreSQL is shutting down or out of connections. The HTTP
 * layer answers them 503 with Retry-After (a client or load balancer retries), never 500 (a bug to investigate).
 */
const TRANSIENT_SQLSTATES = new Set([
  '57014', // query_canceled: statement_timeout
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000', // connection_exception
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);
const TRANSIENT_MESSAGES = [
  'timeout exceeded when trying to connect', // pg.Pool: connectionTimeoutMillis
  'Connection terminated', // the server closed the connection mid-query
  'Query read timeout', // pg: query_timeout
];

export function isTransientStoreError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_NODE_CODES.has(code))) return true;
  // better-sqlite3: the writer lock was held past busy_timeout.
  if (code === 'SQLITE_BUSY') return true;
  return typeof message === 'string' && TRANSIENT_MESSAGES.some((m) => message.includes(m));
}

/**
 * The store refuses to write: its disk is full, its file system went read-only, an I/O error, or PostgreSQL is a
 * read-only server (a failover to a standby). Not a bug and not the client's fault: answered 503, and logged as an
 * error, since it lasts until an operator acts (reads go on being served). Until 2026-12-05 these were 500s.
 */
const WRITE_REFUSED_SQLSTATES = new Set([
  '53100', // disk_full
  '58030', // io_error
  '25006', // read_only_sql_transaction
]);

export function isStoreWriteRefusal(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code } = error as { code?: unknown };
  if (typeof code !== 'string') return false;
  // better-sqlite3's codes carry SQLite's extended codes: SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED, ...
  return WRITE_REFUSED_SQLSTATES.has(code) || /^SQLITE_(FULL|IOERR|READONLY)(_|$)/.test(code);
}
