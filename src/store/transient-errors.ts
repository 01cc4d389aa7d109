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
