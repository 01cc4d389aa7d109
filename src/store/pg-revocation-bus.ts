/**
 * The PostgreSQL revocation feed of one node. Revocations travel by NOTIFY, sent inside the revoking
 * transaction (so it is delivered exactly when the revocation commits), and are received on a dedicated
 * `pg.Client` (never a pooled one: the pool closes idle clients and a LISTEN dies with them). After any
 * reconnect the node resyncs from the `revocations` table, because notifications sent while it was away are lost.
 *
 * A connection can stall without closing (a silent network partition, a hung proxy): no `error`, no `end`,
 * just nothing. So the bus does not trust "connected"; it asks for proof. Every `maxLagMs / 4` it sends a
 * heartbeat NOTIFY on the revocation channel, from the listening connection itself, and notes when it was sent.
 * PostgreSQL delivers a listener's notifications in commit order, whichever session committed them, so when heartbeat
 * H (sent at S) arrives on the LISTEN connection, every revocation committed before S has arrived too: the
 * view is current as of S. `healthy()` is true only while the newest such S is at most `maxLagMs` old; past
 * that the node fails closed, drops the listener and reconnects (LISTEN, then resync).
 *
 * "From the next request on" holds across nodes too: the revoking request does not answer until every other node
 * seen alive (its heartbeat arrived within maxLagMs) has said, by an acknowledgement NOTIFY, that it applied the
 * revocation, or until maxLagMs have passed since the commit. Past that bound a node that has not applied it has
 * had no heartbeat sent after the commit (they arrive in commit order), so it refuses every request (fail closed)
 * until it has. Until 2026-12-06 the 204 went out at once, and a client behind a balancer that retried on another
 * node within a few milliseconds was still served (13 of 73 immediate retries in one run).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { tesseraApplicationName } from './pg-application-name.js';
import type { RevocationBus, RevocationEvent, RevocationFeedObserver } from './store.js';
import { StoreOpenError } from './open-errors.js';

export const REVOCATION_CHANNEL = 'tessera_revocation';
/** Requests that may wait at once for a late heartbeat (whenHealthy); more are refused at once. */
export const MAX_WAITERS = 1_000;

export interface BusLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** A heartbeat as it travels in the NOTIFY payload; nodes ignore each other's (theirs carry their node id). */
interface Heartbeat {
  heartbeat: string;
  sentAt: number;
}

/** A listener's proof that it receives other sessions' notifications (see `proveSessionOfItsOwn`); ignored by the rest. */
interface Probe {
  probe: string;
}

/** "Node `node` has applied revocation `ack`", sent to the node that committed it (`to`). */
interface Ack {
  ack: number;
  node: string;
  to: string;
}

/** Acknowledgements that arrived before their revocation's `committed` call asked for them: kept this long. */
const EARLY_ACK_MS = 10_000;

export interface PgRevocationBusOptions {
  /** Where the LISTEN connection goes: the store's URL, or TESSERA_DATABASE_LISTEN_URL (past a transaction-mode pooler). */
  connectionString: string;
  /** Where acknowledgements are sent from: the pool the store writes through. */
  pool: pg.Pool;
  log: BusLogger;
  /** Longest time without proof of a live feed before this node refuses (fail closed). */
  maxLagMs: number;
}

export class PgRevocationBus implements RevocationBus {
  private readonly listeners: Array<(e: RevocationEvent) => void> = [];
  private readonly observers: RevocationFeedObserver[] = [];
  private readonly resyncListeners: Array<() => Promise<void>> = [];
  private client: pg.Client | null = null;
  private connected = false;
  private closed = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private reconnectDelayMs = 100;
  /** Monotonic time (performance.now()) as of which this node's view is known to be complete; 0: never. */
  private currentAsOf = 0;
  private heartbeatsInFlight = 0;
  /** When this node's heartbeats not yet back through the feed were sent, oldest first (performance.now()). */
  private readonly unanswered: number[] = [];
  /** When the last tick ran, to tell a stalled feed from a node whose own event loop was held up. */
  private lastTickAt = 0;
  /** When the listener was lost (performance.now()), for the line that says it is back; null while connected. */
  private lostAt: number | null = null;
  /** Distinguishes this node's heartbeats (and revocations, as `origin`) from those of the other nodes. */
  readonly nodeId = randomUUID();
  /** The other nodes on the channel: when each one's last heartbeat arrived (performance.now()). */
  private readonly peers = new Map<string, number>();
  /** This node's committed revocations whose acknowledgements are awaited, by seq. */
  private readonly awaited = new Map<number, { waiting: Set<string>; done: () => void }>();
  /** Acknowledgements of this node's revocations that arrived before they were awaited: seq -> nodes, and when. */
  private readonly earlyAcks = new Map<number, { nodes: Set<string>; at: number }>();
  /** Requests waiting for proof of a live feed (whenHealthy), resolved by the next heartbeat or resync. */
  private readonly waiters = new Set<(healthy: boolean) => void>();
  /** Probes sent and not yet back on the listener, by id. */
  private readonly probes = new Map<string, () => void>();

  private readonly connectionString: string;
  private readonly pool: pg.Pool;
  private readonly log: BusLogger;
  readonly maxLagMs: number;

  constructor(options: PgRevocationBusOptions) {
    this.connectionString = options.connectionString;
    this.pool = options.pool;
    this.log = options.log;
    this.maxLagMs = options.maxLagMs;
  }

  async start(): Promise<void> {
    await this.connect();
    this.heartbeatTimer = setInterval(() => this.tick(), this.tickIntervalMs());
    this.heartbeatTimer.unref();
  }

  private tickIntervalMs(): number {
    return Math.max(25, Math.floor(this.maxLagMs / 4));
  }

  private async connect(): Promise<void> {
    // Each step is bounded: on a stalled network a connect, LISTEN or resync would otherwise wait for ever and
    // no reconnect would ever be tried.
    const stepTimeoutMs = Math.max(5_000, 2 * this.maxLagMs);
    const client = new pg.Client({
      connectionString: this.connectionString,
      connectionTimeoutMillis: stepTimeoutMs,
      application_name: tesseraApplicationName(this.connectionString, 'listen'),
    });
    client.on('notification', (msg) => this.received(client, msg));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await within(client.query(`LISTEN ${REVOCATION_CHANNEL}`), stepTimeoutMs, 'LISTEN');
      this.client = client;
      await this.proveSessionOfItsOwn(stepTimeoutMs);
      // LISTEN is active before the resync reads the table, so nothing committed in between is missed, and
      // the view is complete as of the moment the resync starts.
      const resyncStartedAt = performance.now();
      await within(Promise.all(this.resyncListeners.map((l) => l())), stepTimeoutMs, 'resync');
      if (this.client === client) this.currentAsOf = Math.max(this.currentAsOf, resyncStartedAt);
    } catch (err) {
      if (this.client === client) this.client = null;
      client.removeAllListeners('end');
      destroy(client);
      throw err;
    }
    if (this.client !== client) return; // lost again while resyncing
    this.connected = true;
    this.reconnectDelayMs = 100;
    this.unanswered.length = 0;
    if (this.lostAt !== null) {
      // The warning said it was lost: say it is back, so that a log does not end on an alarm that is over.
      this.log.info({ downMs: Math.round(performance.now() - this.lostAt) }, 'revocation listener back: resynced, serving again');
      this.lostAt = null;
    }
    this.wakeWaiters();
  }

  /**
   * Proves that the LISTEN connection is a PostgreSQL session of its own, which receives what other sessions notify:
   * a probe sent through the pool must arrive on it. Through a connection pooler in transaction (or statement) mode
   * it is not: each statement runs on whichever server connection is free, the LISTEN stays behind on one of them,
   * and the pooler drops the notifications that server connection receives while no client is linked to it
   * (PgBouncer: "got packet 'A' from server when not linked"). The heartbeats, sent from the listening connection
   * itself, still came back, so until 2026-12-06 such a node took its feed for live and went on accepting tokens
   * revoked on other nodes: exchanges for 30 s (its token cache), access tokens until they expired. The node now
   * refuses to start, and at a reconnect stays failed closed, saying why.
   */
  private async proveSessionOfItsOwn(timeoutMs: number): Promise<void> {
    const id = randomUUID();
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    this.probes.set(id, arrived);
    try {
      const payload: Probe = { probe: id };
      await within(this.pool.query('select pg_notify($1, $2)', [REVOCATION_CHANNEL, JSON.stringify(payload)]), timeoutMs, 'probe');
      await within(arrival, timeoutMs, 'probe').catch(() => {
        throw new StoreOpenError(
          `the revocation feed's LISTEN connection received nothing that other connections notified (waited ${timeoutMs} ms): ` +
            `it is not a PostgreSQL session of its own, as through a connection pooler in transaction or statement mode ` +
            `(PgBouncer pool_mode = transaction), and revocations made on other nodes would not reach this node. ` +
            `Point TESSERA_DATABASE_LISTEN_URL at PostgreSQL itself or at a session-mode pool (docs/postgresql.md, "Connection poolers")`,
        );
      });
    } finally {
      this.probes.delete(id);
    }
  }

  private received(client: pg.Client, msg: pg.Notification): void {
    if (msg.channel !== REVOCATION_CHANNEL || !msg.payload || client !== this.client) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(msg.payload);
    } catch {
      this.log.warn({}, 'ignored a malformed revocation notification');
      return;
    }
    if (isHeartbeat(parsed)) {
      if (parsed.heartbeat === this.nodeId) {
        this.currentAsOf = Math.max(this.currentAsOf, parsed.sentAt);
        while (this.unanswered.length > 0 && this.unanswered[0]! <= parsed.sentAt) this.unanswered.shift();
        const delayMs = performance.now() - parsed.sentAt;
        for (const o of this.observers) o.heartbeat(delayMs);
        this.wakeWaiters();
      } else {
        // Another node's: proves nothing about this node's view, but says that node is alive (its acks are awaited).
        this.peers.set(parsed.heartbeat, performance.now());
      }
      return;
    }
    if (isAck(parsed)) {
      if (parsed.to === this.nodeId) this.acknowledged(parsed.ack, parsed.node);
      return;
    }
    if (isProbe(parsed)) {
      this.probes.get(parsed.probe)?.();
      return;
    }
    const { origin, ...event } = parsed as RevocationEvent & { origin?: unknown };
    for (const l of this.listeners) l(event);
    // Applied (the listeners are synchronous): tell the node that committed it, which holds its answer until then.
    if (typeof origin === 'string' && origin !== this.nodeId) this.sendAck({ ack: event.seq, node: this.nodeId, to: origin });
  }

  /**
   * A NOTIFY on the revocation channel, bounded by maxLagMs. Never rejects: a heartbeat or an acknowledgement that
   * does not arrive is itself the signal (the node fails closed; the revoking node stops waiting).
   *
   * Heartbeats go on the listening connection, not through the pool, whose queue fills with the requests of a burst:
   * until 2026-12-06 they waited there behind a client's thousands of parallel requests, and the node took its own
   * feed for stalled and refused everyone (a 503 to other callers too). A listening session receives its own
   * notifications like any other's, in commit order, so such a heartbeat proves the same. Dropped while no listener
   * is connected (the node refuses then anyway). Acknowledgements go through the pool: one disable can revoke
   * thousands of users at once, and their acknowledgements, queued on the one listening connection, would hold up the
   * heartbeats behind them; a late acknowledgement only makes the revoking request wait, at most the bound.
   */
  private notify(payload: Heartbeat | Ack, via: 'listener' | 'pool'): Promise<void> {
    const query = {
      text: 'select pg_notify($1, $2)',
      values: [REVOCATION_CHANNEL, JSON.stringify(payload)],
      query_timeout: this.maxLagMs,
    } as pg.QueryConfig;
    const listener = this.connected ? this.client : null;
    if (via === 'listener' && !listener) return Promise.resolve();
    return (via === 'listener' ? listener!.query(query) : this.pool.query(query)).then(
      () => undefined,
      () => undefined,
    );
  }

  private sendAck(ack: Ack): void {
    void this.notify(ack, 'pool');
  }

  private acknowledged(seq: number, node: string): void {
    const awaited = this.awaited.get(seq);
    if (awaited) {
      awaited.waiting.delete(node);
      if (awaited.waiting.size === 0) awaited.done();
      return;
    }
    const now = performance.now();
    for (const [s, early] of this.earlyAcks) if (now - early.at > EARLY_ACK_MS) this.earlyAcks.delete(s);
    const early = this.earlyAcks.get(seq) ?? { nodes: new Set<string>(), at: now };
    early.nodes.add(node);
    this.earlyAcks.set(seq, early);
  }

  /** Every maxLag/4: send a heartbeat, and drop a listener that has gone quiet for longer than the bound. */
  private tick(): void {
    if (this.closed) return;
    const client = this.client;
    const now = performance.now();
    // A tick far behind its time means this node's own event loop was held up (a busy start, a long GC): the
    // heartbeats due meanwhile were not sent and the ones in flight not read, which proves nothing about the feed.
    // Until 2026-12-06 a busy start dropped a healthy listener with "no heartbeat ... for more than 2000 ms".
    const heldUp = this.lastTickAt !== 0 && now - this.lastTickAt > this.tickIntervalMs() + this.maxLagMs / 2;
    this.lastTickAt = now;
    // The feed is stalled when a heartbeat sent more than maxLag ago has not come back (healthy() already refuses
    // meanwhile: this drops the listener and reconnects).
    const oldest = this.unanswered[0];
    if (!heldUp && client && this.connected && oldest !== undefined && now - oldest > this.maxLagMs) {
      this.lost(client, new Error(`no heartbeat through the revocation feed for more than ${this.maxLagMs} ms`));
    }
    this.sendHeartbeat();
  }

  private sendHeartbeat(): void {
    // A stalled connection holds its heartbeats until the stall is noticed (tick): a few in flight are enough.
    if (this.heartbeatsInFlight >= 3) return;
    const beat: Heartbeat = { heartbeat: this.nodeId, sentAt: performance.now() };
    if (this.unanswered.length < 64) this.unanswered.push(beat.sentAt);
    this.heartbeatsInFlight++;
    void this.notify(beat, 'listener').finally(() => this.heartbeatsInFlight--);
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client || this.closed) return;
    this.connected = false;
    this.client = null;
    client.removeAllListeners('end');
    destroy(client);
    this.unanswered.length = 0;
    this.lostAt ??= performance.now();
    for (const o of this.observers) o.lost();
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

  subscribe(listener: (e: RevocationEvent) => void): void {
    this.listeners.push(listener);
  }
  onResync(listener: () => Promise<void>): void {
    this.resyncListeners.push(listener);
  }
  observe(observer: RevocationFeedObserver): void {
    this.observers.push(observer);
  }
  /** Listening, resynced, and shown live by a heartbeat sent no more than maxLagMs ago. */
  healthy(): boolean {
    return this.connected && performance.now() - this.currentAsOf <= this.maxLagMs;
  }

  /**
   * Healthy now, or as soon as a heartbeat sent now (or a reconnect's resync) arrives, within `waitMs`. The
   * proof is the same as healthy()'s: a request served after the wait sees every revocation committed before
   * the heartbeat was sent. At most MAX_WAITERS requests wait; the rest are refused at once, so a feed that is
   * really down cannot make requests pile up.
   */
  whenHealthy(waitMs: number): Promise<boolean> {
    if (this.healthy()) return Promise.resolve(true);
    if (this.closed || waitMs <= 0 || this.waiters.size >= MAX_WAITERS) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (healthy: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve(healthy);
      };
      const timer = setTimeout(() => done(this.healthy()), waitMs);
      timer.unref();
      this.waiters.add(done);
      if (this.connected) this.sendHeartbeat();
    });
  }

  private wakeWaiters(): void {
    if (this.waiters.size === 0 || !this.healthy()) return;
    for (const done of [...this.waiters]) done(true);
  }
  /**
   * Applied locally at once (the NOTIFY echo arrives later and is idempotent); resolves once every other node seen
   * alive within maxLagMs has acknowledged it, or maxLagMs after this call (see the file's comment for why that
   * bound is safe). Never rejects: the revocation is committed whatever the peers say.
   */
  committed(event: RevocationEvent): Promise<void> {
    for (const l of this.listeners) l(event);
    const now = performance.now();
    const waiting = new Set<string>();
    for (const [node, seenAt] of this.peers) {
      if (now - seenAt <= this.maxLagMs) waiting.add(node);
      else if (now - seenAt > 10 * this.maxLagMs) this.peers.delete(node); // gone: stopped, or its id changed
    }
    for (const node of this.earlyAcks.get(event.seq)?.nodes ?? []) waiting.delete(node);
    this.earlyAcks.delete(event.seq);
    if (waiting.size === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.awaited.delete(event.seq);
        resolve();
      };
      const timer = setTimeout(() => {
        this.log.warn(
          { seq: event.seq, unconfirmed: waiting.size, waitedMs: this.maxLagMs },
          'a revocation was not confirmed by every node in time; those nodes refuse requests until they have applied it',
        );
        done();
      }, this.maxLagMs);
      timer.unref();
      this.awaited.set(event.seq, { waiting, done });
    });
  }
  /** Test hook: drop the listener connection as a network fault would. */
  simulateConnectionLoss(): void {
    if (this.client) this.lost(this.client, new Error('simulated connection loss'));
  }
  async close(): Promise<void> {
    this.closed = true;
    for (const done of [...this.waiters]) done(false);
    for (const { done } of [...this.awaited.values()]) done();
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    const client = this.client;
    this.client = null;
    this.connected = false;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
    }
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function isAck(value: unknown): value is Ack {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Ack).ack === 'number' &&
    typeof (value as Ack).node === 'string' &&
    typeof (value as Ack).to === 'string'
  );
}

function isProbe(value: unknown): value is Probe {
  return typeof value === 'object' && value !== null && typeof (value as Probe).probe === 'string';
}

function isHeartbeat(value: unknown): value is Heartbeat {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Heartbeat).heartbeat === 'string' &&
    typeof (value as Heartbeat).sentAt === 'number'
  );
}

/**
 * Ends a client without waiting on it: `end()` waits for the server's goodbye, which a stalled connection
 * never sends, so the socket is destroyed too.
 */
function destroy(client: pg.Client): void {
  client.end().catch(() => {});
  const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  stream?.destroy();
}
