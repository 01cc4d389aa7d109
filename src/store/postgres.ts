/**
 * PostgreSQL backend for many stateless nodes. Revocations travel by NOTIFY, sent inside the revoking
 * transaction (so it is delivered exactly when the revocation commits), and are received on a dedicated
 * `pg.Client` (never a pooled one: the pool closes idle clients and a LISTEN dies with them).
 * After any reconnect the node resyncs from the `revocations` table, because notifications sent while it was
 * disconnected are lost. While the listener is down, `healthy()` is false and authentication fails closed.
 */
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { DB } from './schema.js';
import { migrateToLatest } from './migrate.js';
import { Store, type RevocationBus, type RevocationEvent } from './store.js';
import { queryTimer, type StoreOptions } from './options.js';

export const REVOCATION_CHANNEL = 'tessera_revocation';

// int8 (epoch milliseconds, counts) as JS numbers: every value we store fits in 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

interface Logger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

class PgRevocationBus implements RevocationBus {
  private readonly listeners: Array<(e: RevocationEvent) => void> = [];
  private readonly resyncListeners: Array<() => Promise<void>> = [];
  private client: pg.Client | null = null;
  private connected = false;
  private closed = false;
  private pingTimer: NodeJS.Timeout | null = null;
  private reconnectDelayMs = 100;

  private readonly connectionString: string;
  private readonly log: Logger;

  constructor(connectionString: string, log: Logger) {
    this.connectionString = connectionString;
    this.log = log;
  }

  async start(): Promise<void> {
    await this.connect();
    // A silent server restart may not raise `error` on the client: probe it.
    this.pingTimer = setInterval(() => void this.ping(), 5_000);
    this.pingTimer.unref();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('notification', (msg) => {
      if (msg.channel !== REVOCATION_CHANNEL || !msg.payload) return;
      try {
        const event = JSON.parse(msg.payload) as RevocationEvent;
        for (const l of this.listeners) l(event);
      } catch {
        this.log.warn({}, 'ignored a malformed revocation notification');
      }
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
      this.client = client;
      // LISTEN is active before the resync reads the table, so nothing committed in between is missed.
      await Promise.all(this.resyncListeners.map((l) => l()));
    } catch (err) {
      if (this.client === client) this.client = null;
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw err;
    }
    if (this.client !== client) return; // lost again while resyncing
    this.connected = true;
    this.reconnectDelayMs = 100;
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client || this.closed) return;
    this.connected = false;
    this.client = null;
    client.removeAllListeners('end');
    client.end().catch(() => {});
    this.log.warn({ err: err.message }, 'revocation listener lost; failing closed until it is back');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, 5_000);
    setTimeout(() => {
      this.connect().catch((err: Error) => {
        this.log.warn({ err: err.message }, 'revocation listener reconnect failed');
        this.scheduleReconnect();
      });
    }, delay).unref();
  }

  private async ping(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('ping timed out')), 3_000).unref());
    try {
      await Promise.race([client.query('select 1'), timeout]);
    } catch (err) {
      this.lost(client, err as Error);
    }
  }

  subscribe(listener: (e: RevocationEvent) => void): void {
    this.listeners.push(listener);
  }
  onResync(listener: () => Promise<void>): void {
    this.resyncListeners.push(listener);
  }
  healthy(): boolean {
    return this.connected;
  }
  committed(event: RevocationEvent): void {
    // Applied locally at once; the NOTIFY echo arrives later and is idempotent.
    for (const l of this.listeners) l(event);
  }
  /** Test hook: drop the listener connection as a network fault would. */
  simulateConnectionLoss(): void {
    if (this.client) this.lost(this.client, new Error('simulated connection loss'));
  }
  async close(): Promise<void> {
    this.closed = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    const client = this.client;
    this.client = null;
    this.connected = false;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
    }
  }
}

export async function openPostgresStore(connectionString: string, log: Logger, options: StoreOptions = {}): Promise<Store> {
  const pool = new pg.Pool({ connectionString, max: options.poolSize ?? 10 });
  // An idle pooled connection killed by the server (restart, failover, admin) emits 'error' on the pool; without
  // a handler that would crash the process. The pool drops the client and the next query opens a new one.
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), ...queryTimer(options.onQuery) });
  await migrateToLatest(db, 'postgres');
  const bus = new PgRevocationBus(connectionString, log);
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
