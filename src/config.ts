/**
 * Configuration: read once at boot from flags and `TESSERA_*` environment variables, validated with a clear
 * message for every bad value, then frozen. Defaults are documented here and in docs/configuration.md.
 * Precedence: flag > environment > configuration file (--config tessera.toml) > default.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parseTrustedProxies } from './trusted-proxies.js';
import { readGithubScanningKeys } from './github-scanning-keys.js';

export interface Config {
  /** Listen address. Default 127.0.0.1 (loopback only). */
  readonly host: string;
  /** Listen port. Default 8443 (HTTPS) or 8080 (--http). 0 picks a free port. */
  readonly port: number;
  /** Plain HTTP, for running behind a TLS-terminating proxy. Default false: HTTPS with a self-signed certificate. */
  readonly http: boolean;
  /** Where the SQLite file, the self-signed certificate and the key live. Default ./.tessera */
  readonly dataDir: string;
  /**
   * The operator's certificate (PEM, the chain after it) and its private key (PEM), both or neither. Null (default):
   * the self-signed certificate generated in the data directory. Re-read on SIGHUP, so a renewed one is served
   * without a restart.
   */
  readonly tlsCert: string | null;
  readonly tlsKey: string | null;
  /** postgres://... to use PostgreSQL instead of the embedded SQLite file. */
  readonly databaseUrl: string | null;
  /**
   * Where databaseUrl came from, for the messages of a store that cannot be opened: `--database-url`,
   * `TESSERA_DATABASE_URL` or `database_url in FILE`; null with databaseUrl. Not a setting of its own. (Until
   * 2026-12-07 those messages named --database-url even for the configuration file's URL.)
   */
  readonly databaseUrlSource: string | null;
  /**
   * postgres://... for the revocation feed's LISTEN connection alone, when databaseUrl is a connection pooler in
   * transaction mode (which cannot keep a LISTEN): PostgreSQL itself or a session-mode pool. Null: databaseUrl.
   */
  readonly databaseListenUrl: string | null;
  /** Where databaseListenUrl came from, as databaseUrlSource; null without one. Not a setting of its own. */
  readonly databaseListenUrlSource: string | null;
  /** Seed the demo orgs, users and inventory on first start. */
  readonly demo: boolean;
  /**
   * An inventory file (YAML or JSON, docs/inventory.md) applied at every start, after the first-start data and before
   * the server listens, as `tessera inventory apply FILE` applies it (source `file`, no prune). Null (default): none.
   * Kept as given, so that problems name the file as the operator wrote it.
   */
  readonly inventory: string | null;
  /**
   * GitHub's secret scanning public keys (the JSON of https://api.github.com/meta/public_keys/secret_scanning, saved
   * by the operator): with it, POST /oauth/secret-scanning/github revokes the tokens GitHub finds leaked (docs/security.md
   * "GitHub secret scanning"). Null (default): that endpoint does not exist (404). Re-read on SIGHUP.
   */
  readonly githubSecretScanningKeys: string | null;
  /**
   * Addresses and CIDRs of the reverse proxies whose X-Forwarded-For/-Proto/-Host headers are believed. Empty
   * (the default): those headers are ignored and the client is the socket's peer.
   */
  readonly trustProxy: readonly string[];
  /**
   * Addresses and CIDRs of the TCP load balancers (TLS passthrough) whose connections begin with a PROXY protocol
   * header (v1 or v2), read before TLS: the client address it names is the connection's (src/http/proxy-protocol.ts).
   * Empty (the default): no header is read from anyone.
   */
  readonly proxyProtocolFrom: readonly string[];
  /**
   * PostgreSQL: the longest this node goes without proof that its revocation feed is live before it refuses
   * authenticated requests (fail closed) and reports unhealthy. Milliseconds, default 2000.
   */
  readonly revocationFeedMaxLagMs: number;
  /** Public base URL (https://vcd.example.com) for hrefs; default: from each request's Host header. */
  readonly publicUrl: string | null;
  /** Lifetime of access tokens (sessions), seconds. Default 3600. */
  readonly accessTokenTtlSeconds: number;
  /**
   * Reported in the Session as sessionIdleTimeoutMinutes, as VCD does; not enforced: a session ends at its access
   * token's absolute expiry (--access-token-ttl; docs/design.md "Idle timeout"). Default 30.
   */
  readonly sessionIdleTimeoutMinutes: number;
  /** Second-factor attempts before a lockout, and its length. Defaults 5 and 300 s. */
  readonly totpMaxAttempts: number;
  readonly totpLockoutSeconds: number;
  /** Token-endpoint rate limits per client IP and per API token, per minute. Defaults 600 and 120. */
  readonly tokenRateLimitPerIp: number;
  readonly tokenRateLimitPerToken: number;
  /**
   * Service accounts: how long a spent refresh token, presented again from the same address, counts as a retry
   * of a lost answer (the same successor again) rather than as a copy (docs/service-accounts.md). Default 30 s;
   * 0 turns the grace off.
   */
  readonly serviceAccountRefreshGraceSeconds: number;
  /**
   * How long a revoked or expired user API token stays listed (greyed, with when and by whom) before housekeeping
   * deletes its row. Days, default 30 (issue 14; docs/portal.md "Token care"). 0 deletes at the next run.
   */
  readonly revokedTokenRetentionDays: number;
  /**
   * The installation's ceiling on a new API token's lifetime, in days (1-3650), or null (default: none). Every org's
   * policy stays within it: an org may set a shorter limit, never a longer one nor none, and a token created
   * without an expiry gets one at the lower of the two (auth/api-token-policy.ts). A provider's rule for all its
   * tenants, which an org's administrator cannot lift (GitHub's enterprise maximum over its orgs' policies).
   */
  readonly maxTokenLifetimeDays: number | null;
  /**
   * The installation's ceiling on how long an API token may go unused before it is revoked, in days (1-3650), or
   * null (default: none). Like the lifetime ceiling: every org's "unused for" limit stays within it, and an org
   * without its own gets this one (auth/idle-tokens.ts; GitHub removes tokens unused for a year, Keycloak ends
   * offline sessions idle for 30 days).
   */
  readonly maxTokenIdleDays: number | null;
  /** Sign-in attempts per client IP and user per minute. Default 20. */
  readonly signInRateLimit: number;
  /**
   * Failed sign-ins allowed per client address and per account within the failure window, before further
   * attempts are refused with 429 (without verifying the password). Defaults 30 and 10 per 600 s.
   */
  readonly signInFailuresPerAddress: number;
  readonly signInFailuresPerAccount: number;
  readonly signInFailureWindowSeconds: number;
  /** pino level. Default info ('silent' in tests). */
  readonly logLevel: string;
  /** Password for the System administrator on first start; generated and printed once when absent. */
  readonly adminPassword: string | null;
  /** Password for the demo users; generated and printed once when absent. */
  readonly demoPassword: string | null;
  /** Connections in each node's PostgreSQL pool. Default 10. */
  readonly databasePoolSize: number;
  /**
   * PostgreSQL: prepare the exchange's reads and the token list's statements once per connection
   * (store/prepared-statements.ts). Default true;
   * false behind a pooler in transaction mode that cannot keep them (PgBouncer before 1.21).
   */
  readonly databasePreparedStatements: boolean;
  /**
   * SQLite: the most memory its page cache may take, in MiB. Default null: sized at start from the database file
   * (an eighth of it, between SQLite's 2 MiB and 128 MiB; store/sqlite.ts), so a large store keeps its lookup
   * indexes in memory and a small one's memory stays flat while it grows.
   */
  readonly sqliteCacheMb: number | null;
  /** After SIGTERM, in-flight requests get this long; then the rest are cut and the process exits 1. Default 10. */
  readonly shutdownGraceSeconds: number;
  /** After SIGTERM, /health/ready answers 503 for this long while the node still serves, before it stops listening. Default 0. */
  readonly shutdownDrainSeconds: number;
  /** Which requests are logged: off, errors (5xx; the rest at debug) or all (src/http/request-log.ts). Default errors. */
  readonly requestLog: RequestLog;
  /** json (pino lines, default) or pretty (one readable line per entry, for a terminal). */
  readonly logFormat: LogFormat;
  /** Prometheus /metrics on a separate listener at this port; null (default) serves no metrics. */
  readonly metricsPort: number | null;
  /** Address of the metrics listener. Default 127.0.0.1. */
  readonly metricsHost: string;
  /**
   * A connection must send a whole request head within this many seconds of its accept (after the TLS handshake),
   * and each later request within this of its first byte; the wait between requests on a kept-alive connection is
   * not counted (that is the keep-alive timeout, 72 s). Default 20 (src/http/connection-limits.ts).
   */
  readonly requestHeadTimeoutSeconds: number;
  /** HTTPS: the TLS handshake must end within this many seconds of the TCP accept. Default 10. */
  readonly tlsHandshakeTimeoutSeconds: number;
  /**
   * A connection with answers queued that the client takes none of for this many seconds is closed (a client that
   * sends requests and never reads its answers). Progress is a whole answer taken by the kernel, so the largest answer
   * (the 0.8 MB OpenAPI document) must pass within it. Default 120 (src/http/write-stall.ts).
   */
  readonly writeStallTimeoutSeconds: number;
  /**
   * Connections open at once from one client address block (an IPv4 address, an IPv6 /64); the excess is closed at
   * accept. The trusted proxies (--trust-proxy) are exempt. Default 256.
   */
  readonly connectionsPerAddress: number;
  /** Connections open at once in all; the excess is closed at accept. Default 10000. */
  readonly maxConnections: number;
}

export const REQUEST_LOG_MODES = ['off', 'errors', 'all'] as const;
export type RequestLog = (typeof REQUEST_LOG_MODES)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const DEFAULTS = {
  host: '127.0.0.1',
  httpsPort: 8443,
  httpPort: 8080,
  dataDir: '.tessera',
  accessTokenTtlSeconds: 3600,
  sessionIdleTimeoutMinutes: 30,
  totpMaxAttempts: 5,
  totpLockoutSeconds: 300,
  tokenRateLimitPerIp: 600,
  tokenRateLimitPerToken: 120,
  serviceAccountRefreshGraceSeconds: 30,
  revokedTokenRetentionDays: 30,
  maxTokenLifetimeDays: null,
  maxTokenIdleDays: null,
  signInRateLimit: 20,
  signInFailuresPerAddress: 30,
  signInFailuresPerAccount: 10,
  signInFailureWindowSeconds: 600,
  logLevel: 'info',
  databasePoolSize: 10,
  sqliteCacheMb: null as number | null,
  shutdownGraceSeconds: 10,
  shutdownDrainSeconds: 0,
  requestLog: 'errors',
  logFormat: 'json',
  metricsHost: '127.0.0.1',
  revocationFeedMaxLagMs: 2_000,
  requestHeadTimeoutSeconds: 20,
  tlsHandshakeTimeoutSeconds: 10,
  writeStallTimeoutSeconds: 120,
  connectionsPerAddress: 256,
  maxConnections: 10_000,
} as const;

/** The keys of Config an operator sets (flag, environment, file): all but what loadConfig derives. */
export type Setting = Exclude<keyof Config, 'databaseUrlSource' | 'databaseListenUrlSource'>;

/** Raw values as they arrive from flags (commander) or environment: strings, booleans or undefined. */
export type RawConfig = Partial<Record<Setting, string | boolean | number | null | undefined>>;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const ENV_NAMES: Record<Setting, string> = {
  host: 'TESSERA_HOST',
  port: 'TESSERA_PORT',
  http: 'TESSERA_HTTP',
  dataDir: 'TESSERA_DATA_DIR',
  tlsCert: 'TESSERA_TLS_CERT',
  tlsKey: 'TESSERA_TLS_KEY',
  databaseUrl: 'TESSERA_DATABASE_URL',
  databaseListenUrl: 'TESSERA_DATABASE_LISTEN_URL',
  demo: 'TESSERA_DEMO',
  inventory: 'TESSERA_INVENTORY',
  githubSecretScanningKeys: 'TESSERA_GITHUB_SECRET_SCANNING_KEYS',
  publicUrl: 'TESSERA_PUBLIC_URL',
  trustProxy: 'TESSERA_TRUST_PROXY',
  proxyProtocolFrom: 'TESSERA_PROXY_PROTOCOL_FROM',
  revocationFeedMaxLagMs: 'TESSERA_REVOCATION_FEED_MAX_LAG_MS',
  accessTokenTtlSeconds: 'TESSERA_ACCESS_TOKEN_TTL',
  sessionIdleTimeoutMinutes: 'TESSERA_SESSION_IDLE_TIMEOUT_MINUTES',
  totpMaxAttempts: 'TESSERA_TOTP_MAX_ATTEMPTS',
  totpLockoutSeconds: 'TESSERA_TOTP_LOCKOUT_SECONDS',
  tokenRateLimitPerIp: 'TESSERA_TOKEN_RATE_LIMIT_PER_IP',
  tokenRateLimitPerToken: 'TESSERA_TOKEN_RATE_LIMIT_PER_TOKEN',
  serviceAccountRefreshGraceSeconds: 'TESSERA_SA_REFRESH_GRACE_SECONDS',
  revokedTokenRetentionDays: 'TESSERA_REVOKED_TOKEN_RETENTION_DAYS',
  maxTokenLifetimeDays: 'TESSERA_MAX_TOKEN_LIFETIME_DAYS',
  maxTokenIdleDays: 'TESSERA_MAX_TOKEN_IDLE_DAYS',
  signInRateLimit: 'TESSERA_SIGN_IN_RATE_LIMIT',
  signInFailuresPerAddress: 'TESSERA_SIGN_IN_FAILURES_PER_ADDRESS',
  signInFailuresPerAccount: 'TESSERA_SIGN_IN_FAILURES_PER_ACCOUNT',
  signInFailureWindowSeconds: 'TESSERA_SIGN_IN_FAILURE_WINDOW_SECONDS',
  logLevel: 'TESSERA_LOG_LEVEL',
  adminPassword: 'TESSERA_ADMIN_PASSWORD',
  demoPassword: 'TESSERA_DEMO_PASSWORD',
  databasePoolSize: 'TESSERA_DATABASE_POOL_SIZE',
  databasePreparedStatements: 'TESSERA_DATABASE_PREPARED_STATEMENTS',
  sqliteCacheMb: 'TESSERA_SQLITE_CACHE_MB',
  shutdownGraceSeconds: 'TESSERA_SHUTDOWN_GRACE_SECONDS',
  shutdownDrainSeconds: 'TESSERA_SHUTDOWN_DRAIN_SECONDS',
  requestLog: 'TESSERA_REQUEST_LOG',
  logFormat: 'TESSERA_LOG_FORMAT',
  metricsPort: 'TESSERA_METRICS_PORT',
  metricsHost: 'TESSERA_METRICS_HOST',
  requestHeadTimeoutSeconds: 'TESSERA_REQUEST_HEAD_TIMEOUT_SECONDS',
  tlsHandshakeTimeoutSeconds: 'TESSERA_TLS_HANDSHAKE_TIMEOUT_SECONDS',
  writeStallTimeoutSeconds: 'TESSERA_WRITE_STALL_TIMEOUT_SECONDS',
  connectionsPerAddress: 'TESSERA_CONNECTIONS_PER_ADDRESS',
  maxConnections: 'TESSERA_MAX_CONNECTIONS',
};

/** The `tessera serve` flags (src/cli/serve.ts); settings without one are set through the environment only. */
const FLAG_NAMES: Partial<Record<Setting, string>> = {
  host: '--host',
  port: '--port',
  http: '--http',
  dataDir: '--data-dir',
  tlsCert: '--tls-cert',
  tlsKey: '--tls-key',
  databaseUrl: '--database-url',
  demo: '--demo',
  inventory: '--inventory',
  githubSecretScanningKeys: '--github-secret-scanning-keys',
  publicUrl: '--public-url',
  trustProxy: '--trust-proxy',
  proxyProtocolFrom: '--proxy-protocol-from',
  revocationFeedMaxLagMs: '--revocation-feed-max-lag',
  accessTokenTtlSeconds: '--access-token-ttl',
  logLevel: '--log-level',
  databasePoolSize: '--database-pool-size',
  shutdownGraceSeconds: '--shutdown-grace',
  shutdownDrainSeconds: '--shutdown-drain',
  requestLog: '--request-log',
  logFormat: '--log-format',
  metricsPort: '--metrics-port',
  metricsHost: '--metrics-host',
};

/** The key of a setting in a configuration file: its variable without TESSERA_, lower case (`data_dir`). */
export function fileKeyOf(key: Setting): string {
  return ENV_NAMES[key].replace(/^TESSERA_/, '').toLowerCase();
}

/**
 * Settings read from a TOML file (`--config` / TESSERA_CONFIG), by Config key, with the file's name for messages,
 * and the file's own problems, which loadConfig reports with every other one.
 */
export interface ConfigFile {
  path: string;
  values: RawConfig;
  /** An unreadable file, bad TOML, unknown keys, values of the wrong type; each names the file (and the key). */
  problems?: readonly string[];
}

/** Why a file could not be read, in words (the code alone, `ENOENT`, is what the operator had to look up). */
function readProblem(err: NodeJS.ErrnoException): string {
  const words: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
  };
  return (err.code && words[err.code]) ?? err.code ?? String(err);
}

/**
 * Reads a TOML configuration file: top-level `key = value` pairs named as fileKeyOf() names them (`port = 8443`,
 * `database_url = "postgres://..."`). Does not throw: an unreadable file, bad TOML, an unknown key (with the
 * closest known one when one is close) or a value that is not a string, number or boolean is a problem naming
 * the file (and the key), kept in `problems` for loadConfig to report with those of the values, the environment
 * and the flags: one message lists them all.
 */
export function loadConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return {
      path,
      values: {},
      problems: [`cannot read the configuration file ${path}: ${readProblem(err as NodeJS.ErrnoException)}`],
    };
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    // smol-toml's error carries where (1-based line and column); until 2026-12-05 only its first line was shown.
    const { line, column } = err as { line?: unknown; column?: unknown };
    const where = typeof line === 'number' && typeof column === 'number' ? `:${line}:${column}` : '';
    return { path, values: {}, problems: [`${path}${where} is not valid TOML: ${first}`] };
  }
  const byFileKey = new Map((Object.keys(ENV_NAMES) as Array<Setting>).map((key) => [fileKeyOf(key), key]));
  const problems: string[] = [];
  const values: RawConfig = {};
  for (const [name, value] of Object.entries(parsed)) {
    const key = byFileKey.get(name);
    if (!key) {
      const near = closestKey(name, [...byFileKey.keys()]);
      problems.push(
        near
          ? `unknown setting "${name}" in ${path}: did you mean "${near}"?`
          : `unknown setting "${name}" in ${path} (known: ${[...byFileKey.keys()].join(', ')})`,
      );
    } else if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
      values[key] = value;
    } else {
      problems.push(`${name} in ${path} must be a string, a number or true/false`);
    }
  }
  return { path, values, problems };
}

/**
 * The known key an unknown one most likely means: the same words spelt as a variable (`TESSERA_LOG_LEVEL`), a flag
 * (`data-dir`) or in camelCase (`dataDir`), else the nearest by edit distance (a transposition counts one: `prot`
 * is `port`) when it is within a third of the name's length; undefined when nothing is that close.
 */
function closestKey(name: string, known: readonly string[]): string | undefined {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[-.\s]/g, '_')
    .replace(/^tessera_/, '');
  if (known.includes(words)) return words;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(words.length / 3)) + 1;
  for (const key of known) {
    const d = editDistance(words, key);
    if (d < bestDistance) [best, bestDistance] = [key, d];
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
/**
 * `TESSERA_*` variables read by something other than the server's settings above: the client commands (docs/cli.md),
 * the first start's passwords, the test suite, the scripts, the benchmarks and the example agent. Kept whole so that
 * an unknown name can be told (`test/config.test.ts` holds it to every name the repository mentions).
 */
export const OTHER_ENV_NAMES: readonly string[] = [
  'TESSERA_ADMIN_PASSWORD',
  'TESSERA_DEMO_PASSWORD',
  'TESSERA_CONFIG',
  'TESSERA_API_TOKEN',
  'TESSERA_API_VERSION',
  'TESSERA_ENDPOINT',
  'TESSERA_ORG',
  'TESSERA_USER',
  'TESSERA_PASSWORD',
  'TESSERA_NEW_PASSWORD',
  'TESSERA_TOTP',
  'TESSERA_SEED_PASSWORD',
  'TESSERA_URL',
  'TESSERA_BEARER',
  'TESSERA_TEST_BACKEND',
  'TESSERA_TEST_DATABASE_URL',
  'TESSERA_SKIP_POSTGRES',
  'TESSERA_CHROMIUM',
  'TESSERA_CONFORMANCE_PASSWORD',
  'TESSERA_CONFORMANCE_VERBOSE',
  'TESSERA_FUZZ_RUNS',
  'TESSERA_FUZZ_SEED',
  'TESSERA_EXTENSIONS',
  'TESSERA_PG_PORT',
  'TESSERA_PG_DIR',
  'TESSERA_SOAK_COMMIT',
  'TESSERA_SOAK_DATABASE_URL',
];

/**
 * A warning when the configuration file holds a secret (`admin_password`, `demo_password`, a password in
 * `database_url` or `database_listen_url`) and other accounts may read it: docs/configuration.md asks for such a
 * file to be private, and until 2026-12-07 nothing checked. Null when it holds none, is private, or cannot be read.
 */
export function secretsInReadableFileWarning(file: ConfigFile): string | null {
  const v = file.values;
  const urlPassword = (url: unknown) => {
    if (typeof url !== 'string') return false;
    try {
      return new URL(url).password !== '';
    } catch {
      return false;
    }
  };
  const secrets = [
    ...(typeof v.adminPassword === 'string' && v.adminPassword !== '' ? ['admin_password'] : []),
    ...(typeof v.demoPassword === 'string' && v.demoPassword !== '' ? ['demo_password'] : []),
    ...(urlPassword(v.databaseUrl) ? ['the password in database_url'] : []),
    ...(urlPassword(v.databaseListenUrl) ? ['the password in database_listen_url'] : []),
  ];
  if (secrets.length === 0) return null;
  let mode: number;
  try {
    mode = statSync(file.path).mode & 0o777;
  } catch {
    return null;
  }
  if ((mode & 0o044) === 0) return null;
  return (
    `${file.path} holds ${secrets.join(', ')} and other accounts on this host may read it (mode 0${mode.toString(8)}): ` +
    `chmod 600 ${file.path}, or pass the secrets in the environment`
  );
}

/**
 * A warning when a PostgreSQL URL given as a command-line argument (`--database-url`, `--before`) carries a
 * password: other local accounts read every process's arguments (`ps`, /proc/PID/cmdline) for as long as it runs.
 * The variable and the configuration file are not on show. Null when there is none, or the URL does not parse
 * (the settings' own check says so).
 */
export function passwordInArgumentWarning(flag: string, url: string | undefined): string | null {
  if (url === undefined) return null;
  let password: string;
  try {
    password = new URL(url).password;
  } catch {
    return null;
  }
  if (password === '') return null;
  const instead = flag === '--database-url' ? 'pass the URL in TESSERA_DATABASE_URL (or a configuration file of mode 0600), or ' : '';
  return (
    `${flag} holds a password, which other accounts on this host can read in the process list (ps) while the command ` +
    `runs: ${instead}leave it out of the URL and give it in PGPASSWORD or ~/.pgpass`
  );
}

/**
 * A warning for each `TESSERA_*` variable that nothing reads, with the setting it was probably meant to be: a typo
 * (`PROT` for `PORT`) otherwise leaves the default in force without a word, where the same typo in the
 * configuration file is refused (until 2026-12-05 nothing said so).
 */
export function unknownEnvironmentWarnings(env: NodeJS.ProcessEnv): string[] {
  const settings = Object.values(ENV_NAMES);
  const known = new Set([...settings, ...OTHER_ENV_NAMES]);
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('TESSERA_') || known.has(name)) continue;
    let near: string | undefined;
    let nearDistance = Math.max(2, Math.floor(name.length / 6)) + 1;
    for (const candidate of known) {
      const d = editDistance(name, candidate);
      if (d < nearDistance) [near, nearDistance] = [candidate, d];
    }
    warnings.push(`${name} is not a setting of Tessera and is ignored${near ? `: did you mean ${near}?` : ''}`);
  }
  return warnings;
}

function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i]!;
      const above = rows[i - 1]!;
      row[j] = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
  }
  return rows[a.length]![b.length]!;
}

export function environmentName(key: Setting): string {
  return ENV_NAMES[key];
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Builds the frozen Config from flags, environment and the configuration file. Throws ConfigError listing every
 * problem at once: the file's own (unknown keys, unreadable, bad TOML) first, then each bad value with its source.
 */
export function loadConfig(flags: RawConfig = {}, env: NodeJS.ProcessEnv = process.env, file: ConfigFile | null = null): Config {
  const problems: string[] = [...(file?.problems ?? [])];
  const fromFile = (key: Setting) =>
    file !== null && flags[key] === undefined && (env[ENV_NAMES[key]] ?? '') === '' && file.values[key] !== undefined;
  const raw = (key: Setting): string | boolean | number | null | undefined => {
    const flag = flags[key];
    if (flag !== undefined) return flag;
    const fromEnv = env[ENV_NAMES[key]];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    return file?.values[key];
  };
  // Name the flag `tessera serve` really has (e.g. --access-token-ttl), or only the variable when there is none:
  // deriving flags from key names named ones that do not exist (--access-token-ttl-seconds, --totp-max-attempts).
  const label = (key: Setting) => {
    if (fromFile(key)) return `${fileKeyOf(key)} in ${file!.path}`;
    const flag = FLAG_NAMES[key];
    return flag ? `${flag} (${ENV_NAMES[key]})` : ENV_NAMES[key];
  };

  // The one place a value came from, where label() names a flag with its variable.
  const sourceOf = (key: Setting): string => {
    if (fromFile(key)) return `${fileKeyOf(key)} in ${file!.path}`;
    return flags[key] !== undefined ? (FLAG_NAMES[key] ?? ENV_NAMES[key]) : ENV_NAMES[key];
  };

  const bool = (key: Setting, fallback: boolean): boolean => {
    const v = raw(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    const s = String(v).toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(s)) return true;
    if (['0', 'false', 'no', 'off'].includes(s)) return false;
    problems.push(`${label(key)} must be true or false, got "${v}"`);
    return fallback;
  };
  const int = (key: Setting, fallback: number, min: number, max: number): number => {
    const v = raw(key);
    if (v === undefined || v === null) return fallback;
    const s = String(v).trim();
    if (!/^\d+$/.test(s) || Number(s) < min || Number(s) > max) {
      problems.push(`${label(key)} must be a whole number from ${min} to ${max}, got "${v}"`);
      return fallback;
    }
    return Number(s);
  };
  const str = (key: Setting): string | null => {
    const v = raw(key);
    return v === undefined || v === null ? null : String(v);
  };

  const http = bool('http', false);
  const port = int('port', http ? DEFAULTS.httpPort : DEFAULTS.httpsPort, 0, 65535);
  const host = str('host') ?? DEFAULTS.host;
  if (!/^[A-Za-z0-9.:\-\[\]]+$/.test(host)) problems.push(`${label('host')} is not a host name or address: "${host}"`);

  const tlsCertRaw = str('tlsCert');
  const tlsKeyRaw = str('tlsKey');
  const tlsCert = tlsCertRaw === null || tlsCertRaw === '' ? null : resolve(tlsCertRaw);
  const tlsKey = tlsKeyRaw === null || tlsKeyRaw === '' ? null : resolve(tlsKeyRaw);
  if ((tlsCert === null) !== (tlsKey === null)) {
    problems.push(`${label(tlsCert === null ? 'tlsKey' : 'tlsCert')} needs ${label(tlsCert === null ? 'tlsCert' : 'tlsKey')} too`);
  } else if (tlsCert !== null && http) {
    problems.push(`${label('tlsCert')} is for HTTPS: drop it, or drop ${label('http')} (behind a proxy, the proxy holds the certificate)`);
  } else if (tlsCert !== null && tlsKey !== null) {
    for (const [key, path] of [
      ['tlsCert', tlsCert],
      ['tlsKey', tlsKey],
    ] as const) {
      if (!existsSync(path)) problems.push(`${label(key)}: no such file ${path}`);
    }
  }

  const isPostgresUrl = (value: string): boolean => {
    try {
      const u = new URL(value);
      return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
    } catch {
      return false;
    }
  };
  const databaseUrl = str('databaseUrl');
  if (databaseUrl !== null && !isPostgresUrl(databaseUrl)) {
    problems.push(`${label('databaseUrl')} must be a postgres://user@host:port/database URL`);
  }
  const databaseListenUrl = str('databaseListenUrl') || null;
  if (databaseListenUrl !== null) {
    if (!isPostgresUrl(databaseListenUrl)) problems.push(`${label('databaseListenUrl')} must be a postgres://user@host:port/database URL`);
    else if (databaseUrl === null) problems.push(`${label('databaseListenUrl')} is for PostgreSQL: it needs ${label('databaseUrl')} too`);
  }

  // Standard input is the command's (`inventory apply -`); a server reads its file again at every start.
  const inventoryRaw = str('inventory');
  const inventory = inventoryRaw === null || inventoryRaw === '' ? null : inventoryRaw;
  // Read here so that a missing or bad key file is reported with every other problem, before anything starts.
  const githubKeysRaw = str('githubSecretScanningKeys');
  const githubSecretScanningKeys = githubKeysRaw === null || githubKeysRaw === '' ? null : resolve(githubKeysRaw);
  if (githubSecretScanningKeys !== null) {
    try {
      readGithubScanningKeys(githubSecretScanningKeys);
    } catch (err) {
      problems.push(`${label('githubSecretScanningKeys')}: ${(err as Error).message}`);
    }
  }
  if (inventory === '-') problems.push(`${label('inventory')} cannot be "-" (standard input): name a file`);

  let publicUrl = str('publicUrl');
  if (publicUrl !== null) {
    try {
      const u = new URL(publicUrl);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
      const origin = `${u.protocol}//${u.host}`;
      // Tessera is served at the root of its host, as VCD is: the portal's links, forms and redirects are absolute
      // paths, and go-vcloud-director builds /cloudapi from the host alone. Until 2026-12-06 a path (a proxy's prefix,
      // `/vcd`) was dropped without a word, and every href then named a URL the proxy did not route to Tessera.
      if (u.pathname !== '/' || u.search !== '' || u.hash !== '' || u.username !== '' || u.password !== '') {
        problems.push(
          `${label('publicUrl')} must be the origin alone (scheme, host and port), such as ${origin}: Tessera is ` +
            `served at the root of its host, and a proxy cannot serve it under a path prefix (docs/configuration.md)`,
        );
        publicUrl = null;
      } else {
        publicUrl = origin;
      }
    } catch {
      problems.push(`${label('publicUrl')} must be an absolute http(s) URL such as https://vcd.example.com`);
      publicUrl = null;
    }
  }

  let trustProxy: string[] = [];
  const trustProxyRaw = str('trustProxy');
  if (trustProxyRaw !== null) {
    const parsed = parseTrustedProxies(trustProxyRaw);
    if (parsed.ok) trustProxy = parsed.entries;
    else problems.push(`${label('trustProxy')} ${parsed.problem}`);
  }
  let proxyProtocolFrom: string[] = [];
  const proxyProtocolFromRaw = str('proxyProtocolFrom');
  if (proxyProtocolFromRaw !== null) {
    const parsed = parseTrustedProxies(proxyProtocolFromRaw);
    if (parsed.ok) proxyProtocolFrom = parsed.entries;
    else problems.push(`${label('proxyProtocolFrom')} ${parsed.problem.replace('proxy addresses', 'load balancer addresses')}`);
  }

  const logLevel = str('logLevel') ?? DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`${label('logLevel')} must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  const adminPassword = str('adminPassword');
  const demoPassword = str('demoPassword');
  for (const [key, value] of [
    ['adminPassword', adminPassword],
    ['demoPassword', demoPassword],
  ] as const) {
    if (value !== null && value.length < 8) problems.push(`${label(key)} must be at least 8 characters`);
  }

  const oneOf = <T extends string>(key: Setting, allowed: readonly T[], fallback: T): T => {
    const v = str(key) ?? fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    problems.push(`${label(key)} must be one of ${allowed.join(', ')}, got "${v}"`);
    return fallback;
  };
  // Unset means "sized from the file" (null), so there is no number to fall back to.
  const sqliteCacheMbRaw = raw('sqliteCacheMb');
  const sqliteCacheMb =
    sqliteCacheMbRaw === undefined || sqliteCacheMbRaw === null ? DEFAULTS.sqliteCacheMb : int('sqliteCacheMb', 2, 2, 65_536);
  const metricsPortRaw = raw('metricsPort');
  const metricsPort = metricsPortRaw === undefined || metricsPortRaw === null ? null : int('metricsPort', 0, 0, 65535);
  // Unset or empty: no ceiling (null), so there is no number to fall back to.
  const optionalDays = (key: 'maxTokenLifetimeDays' | 'maxTokenIdleDays') => {
    const value = raw(key);
    return value === undefined || value === null || value === '' ? null : int(key, 1, 1, 3650);
  };
  const maxTokenLifetimeDays = optionalDays('maxTokenLifetimeDays');
  const maxTokenIdleDays = optionalDays('maxTokenIdleDays');
  const metricsHost = str('metricsHost') ?? DEFAULTS.metricsHost;
  if (!/^[A-Za-z0-9.:\-\[\]]+$/.test(metricsHost)) problems.push(`${label('metricsHost')} is not a host name or address: "${metricsHost}"`);

  const config: Config = {
    host,
    port,
    http,
    dataDir: resolve(str('dataDir') ?? DEFAULTS.dataDir),
    tlsCert,
    tlsKey,
    databaseUrl,
    databaseUrlSource: databaseUrl === null ? null : sourceOf('databaseUrl'),
    databaseListenUrl,
    databaseListenUrlSource: databaseListenUrl === null ? null : sourceOf('databaseListenUrl'),
    demo: bool('demo', false),
    inventory,
    githubSecretScanningKeys,
    publicUrl,
    trustProxy: Object.freeze(trustProxy) as readonly string[],
    proxyProtocolFrom: Object.freeze(proxyProtocolFrom) as readonly string[],
    // Below ~200 ms the heartbeat (a quarter of the bound) would load the database for little gain.
    revocationFeedMaxLagMs: int('revocationFeedMaxLagMs', DEFAULTS.revocationFeedMaxLagMs, 200, 60_000),
    accessTokenTtlSeconds: int('accessTokenTtlSeconds', DEFAULTS.accessTokenTtlSeconds, 1, 86_400),
    sessionIdleTimeoutMinutes: int('sessionIdleTimeoutMinutes', DEFAULTS.sessionIdleTimeoutMinutes, 1, 1440),
    totpMaxAttempts: int('totpMaxAttempts', DEFAULTS.totpMaxAttempts, 1, 100),
    totpLockoutSeconds: int('totpLockoutSeconds', DEFAULTS.totpLockoutSeconds, 1, 86_400),
    tokenRateLimitPerIp: int('tokenRateLimitPerIp', DEFAULTS.tokenRateLimitPerIp, 1, 10_000_000),
    tokenRateLimitPerToken: int('tokenRateLimitPerToken', DEFAULTS.tokenRateLimitPerToken, 1, 10_000_000),
    serviceAccountRefreshGraceSeconds: int('serviceAccountRefreshGraceSeconds', DEFAULTS.serviceAccountRefreshGraceSeconds, 0, 300),
    revokedTokenRetentionDays: int('revokedTokenRetentionDays', DEFAULTS.revokedTokenRetentionDays, 0, 3650),
    maxTokenLifetimeDays,
    maxTokenIdleDays,
    signInRateLimit: int('signInRateLimit', DEFAULTS.signInRateLimit, 1, 10_000_000),
    signInFailuresPerAddress: int('signInFailuresPerAddress', DEFAULTS.signInFailuresPerAddress, 1, 10_000_000),
    signInFailuresPerAccount: int('signInFailuresPerAccount', DEFAULTS.signInFailuresPerAccount, 1, 10_000_000),
    signInFailureWindowSeconds: int('signInFailureWindowSeconds', DEFAULTS.signInFailureWindowSeconds, 1, 86_400),
    logLevel,
    adminPassword,
    demoPassword,
    databasePoolSize: int('databasePoolSize', DEFAULTS.databasePoolSize, 1, 1000),
    databasePreparedStatements: bool('databasePreparedStatements', true),
    sqliteCacheMb,
    shutdownGraceSeconds: int('shutdownGraceSeconds', DEFAULTS.shutdownGraceSeconds, 0, 3600),
    shutdownDrainSeconds: int('shutdownDrainSeconds', DEFAULTS.shutdownDrainSeconds, 0, 600),
    requestLog: oneOf('requestLog', REQUEST_LOG_MODES, DEFAULTS.requestLog),
    logFormat: oneOf('logFormat', LOG_FORMATS, DEFAULTS.logFormat),
    metricsPort,
    metricsHost,
    // At most the 120 s a whole request may take (app.ts): Node refuses a head timeout above the request timeout.
    requestHeadTimeoutSeconds: int('requestHeadTimeoutSeconds', DEFAULTS.requestHeadTimeoutSeconds, 1, 120),
    tlsHandshakeTimeoutSeconds: int('tlsHandshakeTimeoutSeconds', DEFAULTS.tlsHandshakeTimeoutSeconds, 1, 120),
    writeStallTimeoutSeconds: int('writeStallTimeoutSeconds', DEFAULTS.writeStallTimeoutSeconds, 1, 3600),
    connectionsPerAddress: int('connectionsPerAddress', DEFAULTS.connectionsPerAddress, 1, 1_000_000),
    maxConnections: int('maxConnections', DEFAULTS.maxConnections, 1, 1_000_000),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
