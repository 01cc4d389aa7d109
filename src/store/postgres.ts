/**
 * PostgreSQL backend for many stateless nodes. Revocations are written with a NOTIFY in the same transaction
 * and reach every node through its PgRevocationBus (src/store/pg-revocation-bus.ts), which also proves, by
 * heartbeats through the same channel, that the feed is live within a bound; when it cannot, the node fails closed.
 */
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { DB } from './schema.js';
import { MIGRATION_NAMES, migrateToLatest } from './migrate.js';
import { postgresOpenFailure, postgresTarget, StoreOpenError } from './open-errors.js';
import { Store } from './store.js';
import { countingFailedConnects, queryTimer, type StoreOptions } from './options.js';
import { PgRevocationBus, REVOCATION_CHANNEL, type BusLogger } from './pg-revocation-bus.js';
import { PreparedStatements, preparingPool } from './prepared-statements.js';
import { tesseraApplicationName } from './pg-application-name.js';

export { REVOCATION_CHANNEL } from './pg-revocation-bus.js';

/** The feed's default liveness bound (config: revocationFeedMaxLagMs). */
export const DEFAULT_FEED_MAX_LAG_MS = 2_000;

/**
 * Bounds on every pooled connection (docs/postgresql.md): a statement that runs longer, or a wait for a free
 * connection longer than this, fails (the client gets 503 and retries) instead of piling requests up behind a
 * stuck database. Migrations run first, on a connection of their own without the statement bound: an index build
 * on a large table may rightly take minutes.
 */
export const STATEMENT_TIMEOUT_MS = 30_000;
export const CONNECTION_WAIT_MS = 10_000;
/** The advisory lock key of a node's bootstrap (Store.oneNodeAtATime); kysely's migration lock uses another. */
const START_LOCK_KEY = 7_246_119_301;

// int8 (epoch milliseconds, counts) as JS numbers: every value we store fits in 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

/**
 * The database's default collation (the one `vms.name` and its indexes use): whether it orders text by its bytes,
 * and its name for the start-up warning. The provider decides before `datcollate` does: an ICU database
 * (`createdb --locale-provider=icu`, PostgreSQL 15+) still reports `datcollate = C.UTF-8` while sorting
 * linguistically, and until 2026-12-06 was taken for byte order, so the prefix seek's ranges (which assume it) left
 * names out and counted others several times. PostgreSQL 17's builtin provider (`C`, `C.UTF-8`) orders by code
 * point, which is UTF-8's byte order. `datlocprovider` (15+) and `datlocale`/`daticulocale` are read through
 * `to_jsonb` so that a server without those columns answers too.
 */
async function databaseCollation(db: Kysely<DB>): Promise<{ bytewise: boolean; name: string }> {
  const { rows } = await sql<{ collation: string; provider: string | null; locale: string | null }>`
    select d.datcollate as collation, to_jsonb(d) ->> 'datlocprovider' as provider,
           coalesce(to_jsonb(d) ->> 'datlocale', to_jsonb(d) ->> 'daticulocale') as locale
    from pg_database d where d.datname = current_database()`.execute(db);
  const row = rows[0];
  const collation = row?.collation ?? '';
  if (row?.provider === 'i') return { bytewise: false, name: `ICU ${row.locale ?? '(default)'}` };
  if (row?.provider === 'b') return { bytewise: true, name: `builtin ${row.locale ?? ''}`.trim() };
  return { bytewise: /^(C|POSIX|C\.UTF-?8)$/i.test(collation), name: collation };
}

/**
 * A database that holds tables but no Tessera store is another application's: refused before anything is written
 * (until 2026-12-06 the migrations ran into its `orgs` table with a stack trace and left kysely's two tables behind,
 * or, if it used kysely too, it was taken for a store of a newer Tessera). A Tessera store's migration table starts
 * with Tessera's first migration; an empty database goes on.
 */
async function refuseForeignDatabase(db: Kysely<DB>, connectionString: string, source: string): Promise<void> {
  // pg_tables lists every table of the schema; information_schema.tables only those this role may use, so another
  // role's `orgs` went unseen (and the migrations failed on it, leaving kysely's tables beside it).
  const { rows } = await sql<{ name: string }>`
    select tablename as name from pg_catalog.pg_tables where schemaname = current_schema() order by tablename`.execute(db);
  const names = rows.map((r) => r.name);
  if (names.length === 0) return;
  const target = `the PostgreSQL database at ${postgresTarget(connectionString)} (${source})`;
  if (!names.includes('kysely_migration')) {
    throw new StoreOpenError(
      `${target} already holds tables of another application (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}) and no Tessera store: give Tessera an empty database of its own`,
    );
  }
  const first = await sql<{ name: string }>`select name from kysely_migration order by name limit 1`.execute(db);
  const name = first.rows[0]?.name;
  if (name !== undefined && name !== MIGRATION_NAMES[0]) {
    throw new StoreOpenError(
      `${target} holds another application's migrations (${name}), not a Tessera store: give Tessera an empty database of its own`,
    );
  }
}

/** See `openPostgresStore`: the error is reported elsewhere; this listener only keeps it from being uncaught. */
function ignoreCheckedOutClientError(): void {}

export async function openPostgresStore(connectionString: string, log: BusLogger, options: StoreOptions = {}): Promise<Store> {
  const migrator = new Kysely<DB>({
    dialect: new PostgresDialect({
      pool: new pg.Pool({
        connectionString,
        max: 1,
        application_name: tesseraApplicationName(connectionString, 'migrate'),
        // A host that accepts TCP and never answers (a stalled proxy) held the start for ever, silently.
        connectionTimeoutMillis: CONNECTION_WAIT_MS,
      }),
    }),
  });
  let migrationsApplied: string[];
  try {
    await refuseForeignDatabase(migrator, connectionString, options.databaseUrlSource ?? '--database-url');
    migrationsApplied = await migrateToLatest(migrator, 'postgres');
  } finally {
    await migrator.destroy();
  }
  const newPool = (boundAtConnect: boolean): pg.Pool => {
    const created = new pg.Pool({
      connectionString,
      application_name: tesseraApplicationName(connectionString),
      max: options.poolSize ?? 10,
      ...(boundAtConnect ? { statement_timeout: STATEMENT_TIMEOUT_MS } : {}),
      // The same bound seen from this side: a database cut off by the network cannot cancel anything itself.
      query_timeout: STATEMENT_TIMEOUT_MS + 5_000,
      connectionTimeoutMillis: CONNECTION_WAIT_MS,
    });
    // An idle pooled connection killed by the server (restart, failover, admin) emits 'error' on the pool; without
    // a handler that would crash the process. The pool drops the client and the next query opens a new one.
    created.on('error', (err) => log.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
    // A connection lost while checked out (held by a transaction or a batch, or written to just as it died) emits
    // 'error' on its client too, and the pool listens only while the client is idle: an 'error' event with no
    // listener is an uncaught exception, which ended the process. The loss already reaches the caller, as its
    // query's rejection or the next query's; the pool discards the client when it comes back
    // (test/store/connection-loss.test.ts).
    created.on('connect', (client) => client.on('error', ignoreCheckedOutClientError));
    return created;
  };
  const statementBound = async (p: pg.Pool): Promise<string> =>
    String((await p.query<{ statement_timeout: string }>('show statement_timeout')).rows[0]?.statement_timeout ?? '0');
  let pool = newPool(true);
  let bound: string;
  try {
    bound = await statementBound(pool);
  } catch (err) {
    await pool.end().catch(() => {});
    // PgBouncer refuses startup parameters it does not track, statement_timeout among them, unless its
    // ignore_startup_parameters names them: until 2026-12-06 the node did not start behind a pooler so configured,
    // with a stack trace. The bound is then asked of the role instead (the warning below).
    if (!/unsupported startup parameter: statement_timeout/.test((err as Error | null)?.message ?? '')) throw err;
    pool = newPool(false);
    try {
      bound = await statementBound(pool);
    } catch (again) {
      await pool.end().catch(() => {});
      throw again;
    }
  }
  if (bound === '0') {
    log.warn(
      { statementTimeout: bound },
      `PostgreSQL does not bound this node's statements (statement_timeout = 0): a connection pooler refused or ignored ` +
        `the ${STATEMENT_TIMEOUT_MS / 1000}s bound Tessera asks for at connect. Set it for Tessera's role: ` +
        `ALTER ROLE <role> SET statement_timeout = '${STATEMENT_TIMEOUT_MS / 1000}s' (the node itself gives up on a ` +
        `statement after ${STATEMENT_TIMEOUT_MS / 1000 + 5}s, but PostgreSQL would go on running it)`,
    );
  }
  const prepared = options.preparedStatements === false ? undefined : new PreparedStatements();
  const preparedNotKept = (err: Error) =>
    log.warn(
      { err: err.message },
      'the database connection does not keep prepared statements (a connection pooler in transaction mode?): sending ' +
        'every statement unnamed from now on; set TESSERA_DATABASE_PREPARED_STATEMENTS=false (docs/postgresql.md, "Prepared statements")',
    );
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({
      pool: countingFailedConnects(prepared ? preparingPool(pool, prepared, preparedNotKept) : pool, options.onQuery),
    }),
    ...queryTimer(options.onQuery),
  });
  const bus = new PgRevocationBus({
    connectionString: options.listenUrl ?? connectionString,
    pool,
    log,
    maxLagMs: options.revocationFeedMaxLagMs ?? DEFAULT_FEED_MAX_LAG_MS,
  });
  try {
    await bus.start();
  } catch (err) {
    // The pool's connections would otherwise keep the process (a CLI command, a test) from ending.
    await pool.end().catch(() => {});
    // The LISTEN connection's own URL (beside a pooler in transaction mode) is named when it cannot be reached, and
    // where it came from: until 2026-12-08 the failure named the store's URL, which had just opened fine.
    const reason =
      options.listenUrl && !(err instanceof StoreOpenError)
        ? postgresOpenFailure(
            err,
            options.listenUrl,
            options.listenUrlSource ?? 'TESSERA_DATABASE_LISTEN_URL',
            "the revocation feed's LISTEN connection",
          )
        : null;
    throw reason === null ? err : new StoreOpenError(reason, { cause: err });
  }
  const collation = await databaseCollation(db);
  if (!collation.bytewise) {
    // Not an error: everything works, in the database's own order. But it is not SQLite's, nor another node's
    // on a C-collated copy, and name-prefix queries walk instead of seeking (docs/postgresql.md, "Collation").
    log.warn(
      { collation: collation.name },
      `the database sorts text by its collation (${collation.name}), not by code point as SQLite does: names sort and compare (=lt=, =gt=) in that order, and name-prefix queries are slower; create the database with --locale=C.UTF-8 --locale-provider=libc for byte order`,
    );
  }
  return new Store({
    db,
    dialect: 'postgres',
    migrationsApplied,
    bus,
    bytewiseTextOrder: collation.bytewise,
    notifyInTransaction: async (trx, event) => {
      // `origin`: the other nodes acknowledge it to this one (pg-revocation-bus.ts).
      await sql`select pg_notify(${REVOCATION_CHANNEL}, ${JSON.stringify({ ...event, origin: bus.nodeId })})`.execute(trx);
    },
    close: () => db.destroy(),
    prepareStatement: prepared && ((sqlText) => prepared.register(sqlText)),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: options.poolSize ?? 10 }),
    oneNodeAtATime: async (work) => {
      // A transaction's lock, held by a connection of its own (in a transaction until `work` is done) while `work`
      // runs on the pool's other connections. Until 2026-12-06 it was a session lock taken and released by two
      // separate statements: through a pooler in transaction mode each ran on whichever server connection was free,
      // so a second node's statement could land on the lock's own server connection and take it again at once (two
      // nodes bootstrapped side by side), and the unlock could miss it, leaving it held. An open transaction keeps
      // its server connection in every pool mode.
      const client = await pool.connect();
      try {
        await client.query('begin');
        try {
          await client.query('select pg_advisory_xact_lock($1)', [START_LOCK_KEY]);
          const result = await work();
          await client.query('commit');
          return result;
        } catch (err) {
          await client.query('rollback').catch(() => {});
          throw err;
        }
      } finally {
        client.release();
      }
    },
  });
}
