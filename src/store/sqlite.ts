/**
 * Embedded SQLite backend (better-sqlite3 12, WAL). `synchronous=FULL` makes every commit durable before it
 * returns, so a write that returned success survives `kill -9` (and a power cut). Revocations are delivered
 * in-process: there is only one node.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DB } from './schema.js';
import { migrateToLatest } from './migrate.js';
import { Store, type RevocationBus, type RevocationEvent } from './store.js';

class InProcessRevocationBus implements RevocationBus {
  private readonly listeners: Array<(e: RevocationEvent) => void> = [];
  subscribe(listener: (e: RevocationEvent) => void): void {
    this.listeners.push(listener);
  }
  onResync(): void {
    // Nothing to resync: every revocation is committed by this process.
  }
  healthy(): boolean {
    return true;
  }
  committed(event: RevocationEvent): void {
    for (const l of this.listeners) l(event);
  }
  async close(): Promise<void> {}
}

/** Opens (creating if needed) the SQLite file, or `:memory:` for tests, and migrates it. */
export async function openSqliteStore(file: string): Promise<Store> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database }) });
  await migrateToLatest(db, 'sqlite');
  return new Store({
    db,
    dialect: 'sqlite',
    bus: new InProcessRevocationBus(),
    notifyInTransaction: async () => {},
    close: () => db.destroy(),
  });
}
