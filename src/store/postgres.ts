/**
 * PostgreSQL backend for many stateless nodes. Revocations are written with a NOTIFY in the same transaction
 * and reach every node through its PgRevocationBus (src/store/pg-revocation-bus.ts), which also proves, by
 * heartbeats through the same channel, that the feed is live within a bound; when it cannot, the node fails closed.
 */
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { DB } from './schema.js';
import { migrateToLatest } from './migrate.js';
import { Store } from './store.js';
import { queryTimer, type StoreOptions } from './options.js';
import { PgRevocationBus, REVOCATION_CHANNEL, type BusLogger } from './pg-revocation-bus.js';

export { REVOCATION_CHANNEL } from './pg-revocation-bus.js';

/** The feed's default liveness bound (config: revocationFeedMaxLagMs). */
export const DEFAULT_FEED_MAX_LAG_MS = 2_000;

// int8 (epoch milliseconds, counts) as JS numbers: every value we store fits in 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

export async function openPostgresStore(connectionString: string, log: BusLogger, options: StoreOptions = {}): Promise<Store> {
  const pool = new pg.Pool({ connectionString, max: options.poolSize ?? 10 });
  // An idle pooled connection killed by the server (restart, failover, admin) emits 'error' on the pool; without
  // a handler that would crash the process. The pool drops the client and the next query opens a new one.
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), ...queryTimer(options.onQuery) });
  await migrateToLatest(db, 'postgres');
  const bus = new PgRevocationBus({
    connectionString,
    pool,
    log,
    maxLagMs: options.revocationFeedMaxLagMs ?? DEFAULT_FEED_MAX_LAG_MS,
  });
  await bus.start();
  return new Store({
    db,
    dialect: 'postgres',
    bus,
    notifyInTransaction: async (trx, event) => {
      await sql`select pg_notify(${REVOCATION_CHANNEL}, ${JSON.stringify(event)})`.execute(trx);
    },
    close: () => db.destroy(),
  });
}
