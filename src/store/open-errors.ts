/**
 * Why a store could not be opened, in one line an operator can act on: which store (the SQLite file's directory,
 * or PostgreSQL's host, port and database, never its password), what went wrong, and what to check. Every command
 * that opens the store (serve, seed, admin, inventory apply, backup) reports these as they are; an error not
 * recognised here stays what it was (a bug, reported with its stack by `serve`).
 *
 * Until 2026-12-05 a refused PostgreSQL connection, a missing database or a wrong password read "database
 * migration failed" with a stack trace, and a data directory that could not be created "cannot listen on ...".
 */
import { dirname } from 'node:path';

/** A store that could not be opened, for a reason outside Tessera: the message says which and what to check. */
export class StoreOpenError extends Error {}

interface DriverError {
  code?: string;
  syscall?: string;
  path?: string;
  message?: string;
}

/** `host:port/database` of a PostgreSQL URL, without user or password; the URL's own text if it does not parse. */
export function postgresTarget(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(the user name)';
    return `${url.hostname || 'localhost'}:${url.port || '5432'}/${database}`;
  } catch {
    return 'the --database-url given';
  }
}

const POSTGRES_HINTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'nothing accepts connections there: is PostgreSQL running, and on that host and port?',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved now',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  // PostgreSQL's SQLSTATEs.
  '3D000': 'no such database: create it (createdb) or name another in the URL',
  '28P01': 'the password was refused: check the user and password in the URL',
  '28000': 'the server refused this user (pg_hba.conf, or no such role)',
  '57P03': 'the server is starting up or shutting down: retry in a moment',
  '53300': 'the server has no connection slot left (max_connections)',
};

/** OpenSSL's verification failures as Node names them (UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_HAS_EXPIRED, ...). */
const TLS_CERTIFICATE_CODES =
  /^(UNABLE_TO_|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)/;

/** The message for a PostgreSQL store that could not be reached, or null when `err` is something else. */
export function postgresOpenFailure(
  err: unknown,
  databaseUrl: string,
  source = '--database-url',
  what = 'the PostgreSQL store',
): string | null {
  const e = (err ?? {}) as DriverError;
  const message = e.message ?? String(err);
  let hint = e.code !== undefined ? POSTGRES_HINTS[e.code] : undefined;
  // Reached something that is not PostgreSQL (another service on that port), or a proxy that hung up.
  if (!hint && /^Connection terminated unexpectedly/.test(message))
    hint = 'the server closed the connection at once: is that host and port PostgreSQL (and not another service)?';
  // The startup handshake did not finish within the pool's bound: something accepts TCP there and never answers.
  if (!hint && /timeout expired|due to connection timeout/i.test(message))
    hint = 'no answer from the server in time: is that host and port PostgreSQL, and reachable?';
  if (!hint && /SASL: .*password must be a string/.test(message))
    hint = 'the server asks for a password and the URL has none: add it (postgres://user:password@host/db) or set PGPASSWORD';
  if (!hint && /does not support SSL/i.test(message))
    hint = 'the server does not offer TLS: remove sslmode from the URL, or enable ssl on the server';
  // Node's TLS refusals carry OpenSSL's codes: until 2026-12-06 a wrong or missing CA was a stack trace reading
  // only "unable to verify the first certificate", which did not say it was the database's certificate.
  if (!hint && e.code !== undefined && TLS_CERTIFICATE_CODES.test(e.code))
    hint =
      "the database server's TLS certificate was not accepted: name the CA that issued it with sslrootcert=/path/ca.pem in " +
      'the URL (or NODE_EXTRA_CA_CERTS), and connect by a host name the certificate names';
  // sslrootcert=, sslcert=, sslkey= in the URL name files that pg reads as it connects.
  if (!hint && (e.code === 'ENOENT' || e.code === 'EACCES') && e.syscall === 'open' && e.path)
    hint = `cannot read ${e.path}, named in the URL (sslrootcert, sslcert or sslkey)`;
  if (!hint && /SSL|certificate|self[- ]signed/i.test(message) && e.code === undefined)
    hint = 'the TLS connection failed: check sslmode and the server certificate';
  if (!hint) return null;
  return `cannot open ${what} at ${postgresTarget(databaseUrl)} (${source}): ${hint} (${message})`;
}

const FILE_HINTS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied: run as a user who may write there, or choose another with --data-dir',
  EPERM: 'operation not permitted: choose another with --data-dir',
  EROFS: 'the file system is read-only: choose another with --data-dir',
  ENOTDIR: 'a part of the path is a file, not a directory: choose another with --data-dir',
  ENOSPC: 'the disk is full',
  EEXIST: 'a file of that name is in the way: choose another with --data-dir',
};

/** The message for a SQLite store whose directory or file could not be made or opened, or null. */
export function sqliteOpenFailure(err: unknown, sqliteFile: string): string | null {
  const e = (err ?? {}) as DriverError;
  const dataDir = dirname(sqliteFile);
  const hint = e.code !== undefined ? FILE_HINTS[e.code] : undefined;
  if (hint && (e.syscall === 'mkdir' || e.syscall === 'open' || e.syscall === 'stat' || e.syscall === 'access')) {
    return `cannot use the data directory ${dataDir}: ${hint}`;
  }
  return sqliteFileFailure(err, sqliteFile);
}

/**
 * SQLite's own refusals of the file, wherever the start meets them (opening it, or the first read or write after
 * that): it cannot be opened, it is read-only for this user, or it is damaged. Null for anything else. Until
 * 2026-12-05 a damaged file, and a read-only one whose first write came after the open, were a stack trace.
 */
export function sqliteFileFailure(err: unknown, sqliteFile: string): string | null {
  const e = (err ?? {}) as DriverError;
  // store/private-files.ts: a store another account could read or replace; the message says which and what to do.
  if (e.code === 'EXPOSED_STORE') return e.message ?? null;
  const dataDir = dirname(sqliteFile);
  // better-sqlite3's words when the file cannot be created or opened (a directory without write permission).
  if (e.code === 'SQLITE_CANTOPEN' || /unable to open database file/.test(e.message ?? '')) {
    return `cannot open the SQLite file ${sqliteFile}: is the data directory ${dataDir} writable by this user? (choose another with --data-dir)`;
  }
  if (e.code?.startsWith('SQLITE_READONLY')) return `the SQLite file ${sqliteFile} is read-only for this user: ${FILE_HINTS.EACCES}`;
  if (e.code?.startsWith('SQLITE_CORRUPT') || e.code === 'SQLITE_NOTADB') {
    return (
      `the SQLite file ${sqliteFile} is damaged (${e.message ?? e.code}): restore it from a backup with ` +
      `tessera admin restore BACKUP --data-dir ${dataDir} (the damaged file is kept beside it)`
    );
  }
  return null;
}

/**
 * The message when a native module was built for another Node.js than the one running (NODE_MODULE_VERSION), or
 * null. It happens after switching Node versions in a checkout: `npm ci` again with the new one, with
 * `npm_config_nodedir` pointing at it when npm's configured headers are another version's (README, Prerequisites).
 */
export function nativeModuleFailure(err: unknown): string | null {
  const message = (err as DriverError | null)?.message ?? '';
  if (!/NODE_MODULE_VERSION/.test(message)) return null;
  return (
    `better-sqlite3 was built for another Node.js version than this one (${process.version}): rebuild it with this ` +
    `Node.js, \`npm ci\` in a checkout or \`npm rebuild better-sqlite3\` where the package is installed (if npm is ` +
    `configured with another version's headers, as \`npm config get nodedir\` shows, add ` +
    `npm_config_nodedir=<this Node.js's install directory>); see the README, Prerequisites, and docs/packaging.md`
  );
}
