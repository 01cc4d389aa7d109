/**
 * On PostgreSQL, how far this node's clock is from the database server's: the one clock every node can compare with.
 *
 * Nodes date what they write by their own clocks: a session's `iat` (another node refuses one more than 60 s in its
 * future), a revocation's time, a password change's cut-off ("sessions issued before"). A node minutes ahead makes its
 * sessions fail elsewhere and, after a password change made through it, refuses the new password's sign-ins on the
 * others until their clocks catch up; a node behind dates revocations early. None of it said anything: a node 250 s
 * behind reported itself healthy and logged nothing (until 2026-12-06). This reads the database's clock at start and
 * every minute, warns once when the difference passes `WARN_ABOVE_MS` and again when it is back in step, and gives the
 * last reading to the metrics (`tessera_clock_skew_seconds`). It changes nothing it checks: keeping clocks in step is
 * NTP's job, and a node that refused to serve for a skew it cannot correct would turn a slow clock into an outage.
 */
import { sql } from 'kysely';
import type { Store } from './store.js';

/** Beyond this the nodes' datings disagree visibly (sessions, revocations): a warning. NTP keeps clocks within ms. */
export const WARN_ABOVE_MS = 5_000;
const EVERY_MS = 60_000;
/** A reading whose round trip took longer than this says little about the clocks: it is not used. */
const MAX_ROUND_TRIP_MS = 1_000;

export class ClockSkewWatch {
  private readonly store: Store;
  private readonly log: { warn(o: object, m: string): void; info(o: object, m: string): void };
  private timer: NodeJS.Timeout | null = null;
  private warned = false;
  /** The last reading: this clock minus the database's, in ms (positive: this node is ahead); null before one. */
  skewMs: number | null = null;

  constructor(store: Store, log: { warn(o: object, m: string): void; info(o: object, m: string): void }) {
    this.store = store;
    this.log = log;
  }

  /** Reads once (awaited, so a start-up with a skewed clock says so among its first lines), then every minute. */
  async start(): Promise<void> {
    if (this.store.dialect !== 'postgres') return; // one process, one clock
    await this.check();
    this.timer = setInterval(() => void this.check(), EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One reading: the database's clock against the midpoint of the round trip. Never throws (a store down is reported elsewhere). */
  async check(): Promise<void> {
    try {
      const sent = Date.now();
      const { rows } = await sql<{ now: string | number }>`select extract(epoch from clock_timestamp()) * 1000 as now`.execute(
        this.store.db,
      );
      const received = Date.now();
      if (received - sent > MAX_ROUND_TRIP_MS) return;
      this.observe((sent + received) / 2 - Number(rows[0]!.now));
    } catch {
      // The store's own checks (health, the revocation feed) say when it is unreachable.
    }
  }

  /** Records a reading and logs a change of state (separate for its test). */
  observe(skewMs: number): void {
    this.skewMs = skewMs;
    const off = Math.abs(skewMs) > WARN_ABOVE_MS;
    const seconds = (Math.abs(skewMs) / 1000).toFixed(1);
    if (off && !this.warned) {
      this.warned = true;
      this.log.warn(
        { clockSkewMs: Math.round(skewMs) },
        `this node's clock is ${seconds} s ${skewMs > 0 ? 'ahead of' : 'behind'} the database server's: every node dates sessions, revocations and password changes by its own clock, so sessions issued here are refused by other nodes beyond 60 s of difference, and a password changed through a node ahead of the others is refused at their sign-ins until they catch up; keep every node and the database host in step with NTP (chrony, systemd-timesyncd)`,
      );
    } else if (!off && this.warned) {
      this.warned = false;
      this.log.info(
        { clockSkewMs: Math.round(skewMs) },
        `this node's clock is back within ${WARN_ABOVE_MS / 1000} s of the database server's`,
      );
    }
  }
}
