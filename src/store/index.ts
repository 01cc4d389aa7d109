import type { Store } from './store.js';
import { openSqliteStore } from './sqlite.js';
import { openPostgresStore } from './postgres.js';

export { Store } from './store.js';

/** Opens the store the config names: PostgreSQL when a `postgres://` URL is given, else the SQLite file. */
export async function openStore(
  options: { databaseUrl: string | null; sqliteFile: string; revocationFeedMaxLagMs?: number },
  log: { warn(o: object, m: string): void; info(o: object, m: string): void },
): Promise<Store> {
  return options.databaseUrl
    ? openPostgresStore(options.databaseUrl, log, { revocationFeedMaxLagMs: options.revocationFeedMaxLagMs })
    : openSqliteStore(options.sqliteFile);
}
