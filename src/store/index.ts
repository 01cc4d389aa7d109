import type { Store } from './store.js';
import { openSqliteStore } from './sqlite.js';
import { openPostgresStore } from './postgres.js';
import type { StoreOptions } from './options.js';
import { StoreOpenError, nativeModuleFailure, postgresOpenFailure, sqliteOpenFailure } from './open-errors.js';

export { Store } from './store.js';
export type { StoreOptions } from './options.js';
export { StoreOpenError } from './open-errors.js';

/**
 * Opens the store the config names: PostgreSQL when a `postgres://` URL is given, else the SQLite file. A store that
 * cannot be reached or created for a reason outside Tessera is a StoreOpenError whose message says which and what
 * to check (open-errors.ts).
 */
export async function openStore(
  options: { databaseUrl: string | null; sqliteFile: string } & StoreOptions,
  log: { warn(o: object, m: string): void; info(o: object, m: string): void },
): Promise<Store> {
  const { databaseUrl, sqliteFile } = options;
  try {
    return databaseUrl ? await openPostgresStore(databaseUrl, log, options) : await openSqliteStore(sqliteFile, options);
  } catch (err) {
    if (err instanceof StoreOpenError) throw err;
    const reason = databaseUrl
      ? postgresOpenFailure(err, databaseUrl, options.databaseUrlSource ?? undefined)
      : (sqliteOpenFailure(err, sqliteFile) ?? nativeModuleFailure(err));
    if (reason) throw new StoreOpenError(reason, { cause: err });
    throw err;
  }
}
