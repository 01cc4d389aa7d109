import { hostname } from 'node:os';

/**
 * The `application_name` this node's connections show in pg_stat_activity (and in PostgreSQL's log with %a):
 * "tessera", the host and the process, then what the connection is for (`listen`, `migrate`; none for the pool),
 * so that an operator can tell the nodes and their connections apart (until 2026-12-05 every one was blank).
 * Undefined when the URL names one (`?application_name=...`) or PGAPPNAME does: the operator's choice stands.
 * PostgreSQL keeps 63 bytes of it: the host is shortened so that the pid and the role fit.
 */
export function tesseraApplicationName(connectionString: string, role?: 'listen' | 'migrate'): string | undefined {
  if (process.env.PGAPPNAME) return undefined;
  try {
    if (new URL(connectionString).searchParams.has('application_name')) return undefined;
  } catch {
    // Not a URL (a key=value string, a socket path): pg parses it; a name in it wins over ours anyway.
  }
  const tail = `:${process.pid}${role ? ` ${role}` : ''}`;
  const host = hostname().replace(/[^\x20-\x7e]/g, '?');
  return `tessera ${host.slice(0, 63 - 'tessera '.length - tail.length)}${tail}`;
}
