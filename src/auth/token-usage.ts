/**
 * "Last used" time and the last few client IPs of each API token, written coalesced and in batches: the
 * exchange path only updates memory. What reaches the store, and when:
 *   - a token's very first use (its row lists no address yet) within FIRST_USE_DELAY_MS, so a fresh token soon
 *     shows as used, written together with every other first use of that moment in one commit;
 *   - its later uses at most about once a minute per token (GitLab does the same at 1-10 minutes), again all
 *     due tokens in one commit;
 *   - everything pending, at once, when MAX_TRACKED tokens are held (a node seeing that many distinct tokens
 *     within a minute): the bound on this memory, so a token may then be written sooner than its minute;
 *   - everything still pending when the server stops gracefully (services.stop -> stop()).
 * A crash (kill -9) loses at most the last minute of "last used" updates; nothing else depends on them.
 * One commit per batch instead of one per token: with a million tokens used at random, nearly every exchange is
 * a first use, and a write (an fsync on SQLite) per exchange was the exchange's bottleneck.
 */
import { LAST_USED_IPS_KEPT, type Store } from '../store/store.js';

export { LAST_USED_IPS_KEPT };
const FLUSH_EVERY_MS = 60_000;
/** How long first uses are gathered before they are written together. */
export const FIRST_USE_DELAY_MS = 1_000;
const TICK_MS = 10_000;
/** A written token unused this long is dropped from memory (its row is up to date). */
export const IDLE_FORGET_MS = 5 * 60_000;
/**
 * At most this many tokens' usage is held in memory (about 150 bytes each). Without a bound the map held every
 * distinct token of the last minute, so a node's memory grew with its rate: at a million tokens drawn at random,
 * 480,000 entries at 8,000 exchanges a second, and twice that on a machine twice as fast. When a new token would
 * pass the bound, everything pending is written at once, in one batch, and the written entries are dropped. The
 * rows written are the same ones the minute's batch would write, only sooner. A token used again after its entry
 * was dropped gets a new one and is written again with a later batch: an extra write at worst, never a lost one.
 */
export const MAX_TRACKED = 100_000;

/**
 * One token's usage in memory. A class whose constructor sets every field, in one order, with one kind of value
 * each: a node holds one per token used in the last minute (up to a minute of a node's distinct tokens, nearly every
 * request at a million tokens drawn at random), and V8 then keeps each in a small fixed-layout object. Object
 * literals here were found kept as hash-table objects in the server (about 440 bytes more each; heap snapshot of a
 * million-token run, 171,332 of them, 75 MB).
 */
class Usage {
  lastUsedAt: number;
  ips: string[];
  dirty: boolean;
  lastWrittenAt: number;

  constructor(lastUsedAt: number, ips: string[], lastWrittenAt: number) {
    this.lastUsedAt = lastUsedAt;
    this.ips = ips;
    this.dirty = true;
    this.lastWrittenAt = lastWrittenAt;
  }
}

export class TokenUsageRecorder {
  private readonly store: Store;
  private readonly usage = new Map<string, Usage>();
  private timer: NodeJS.Timeout | null = null;
  private firstUseTimer: NodeJS.Timeout | null = null;
  /** Batches are written one after another; stop() waits for the last. */
  private writing: Promise<void> = Promise.resolve();
  /** A write of everything pending because the map reached MAX_TRACKED is under way. */
  private shedding = false;
  /** When a batch last failed: no early write is tried for a tick after that (no retry storm on a store that is down). */
  private lastFailureAt = -Infinity;
  private readonly log: { warn(o: object, m: string): void };

  constructor(store: Store, log: { warn(o: object, m: string): void }) {
    this.store = store;
    this.log = log;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(false), TICK_MS);
    this.timer.unref();
  }

  /** Writes everything pending, whatever its age, and waits for it (graceful shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.firstUseTimer) clearTimeout(this.firstUseTimer);
    this.timer = this.firstUseTimer = null;
    await this.flush(true);
  }

  /** `knownIps` is read only the first time a token is seen (it parses the stored list). */
  record(tokenId: string, ip: string, knownIps: () => readonly string[], now = Date.now()): void {
    let entry = this.usage.get(tokenId);
    if (!entry) {
      if (this.usage.size >= MAX_TRACKED) this.shed();
      const ips = [...knownIps()];
      // A token whose row already lists addresses was used before (here or on another node): its new use is a
      // later use, written with the minute's batch. Only a token's very first use is hurried (within a second,
      // so a fresh token soon shows as used). With a million tokens used at random nearly every use is the first
      // this node has seen for a while; one batch a minute writes far fewer pages than one a second.
      entry = new Usage(now, ips, ips.length > 0 ? now : 0);
      this.usage.set(tokenId, entry);
    }
    entry.lastUsedAt = now;
    if (entry.ips[0] !== ip) {
      entry.ips = [ip, ...entry.ips.filter((x) => x !== ip)].slice(0, LAST_USED_IPS_KEPT);
    }
    entry.dirty = true;
    if (entry.lastWrittenAt === 0 && this.firstUseTimer === null) {
      this.firstUseTimer = setTimeout(() => {
        this.firstUseTimer = null;
        void this.writeDue((u) => u.lastWrittenAt === 0);
      }, FIRST_USE_DELAY_MS);
      this.firstUseTimer.unref();
    }
  }

  /**
   * Writes every dirty entry now and, once written, drops every entry that is still clean: the bound on memory.
   * Entries stay in the map until their write is done, so `pending` keeps answering for them meanwhile; those of a
   * failed write are dirty again and kept for the next tick, and the map may then pass the bound until the store
   * answers again (usage is kept rather than lost; the tick retries it, not every new token).
   */
  private shed(): void {
    if (this.shedding || Date.now() - this.lastFailureAt < TICK_MS) return;
    this.shedding = true;
    void this.writeDue(() => true).then(() => {
      this.shedding = false;
      for (const [id, u] of this.usage) if (!u.dirty) this.usage.delete(id);
    });
  }

  /** The freshest usage known to this node (memory wins over the possibly older row). */
  pending(tokenId: string): { lastUsedAt: number; ips: string[] } | undefined {
    return this.usage.get(tokenId);
  }

  /** Writes the dirty entries that are due (all of them when `all`), in one batch. */
  async flush(all: boolean): Promise<void> {
    const now = Date.now();
    await this.writeDue((u) => all || now - u.lastWrittenAt >= FLUSH_EVERY_MS);
    // Forget tokens idle for a while once written: the row has their usage now. Without this every token ever
    // used stayed in memory (revoked ones included) until 50,000 of them had piled up (docs/performance-soak.md).
    for (const [id, u] of this.usage) if (!u.dirty && now - u.lastUsedAt > IDLE_FORGET_MS) this.usage.delete(id);
  }

  private writeDue(isDue: (u: Usage) => boolean): Promise<void> {
    const now = Date.now();
    const batch: { id: string; lastUsedAt: number; ips: string[]; entry: Usage }[] = [];
    for (const [id, u] of this.usage) {
      if (!u.dirty || !isDue(u)) continue;
      u.dirty = false;
      u.lastWrittenAt = now;
      batch.push({ id, lastUsedAt: u.lastUsedAt, ips: u.ips, entry: u });
    }
    if (batch.length === 0) return this.writing;
    this.writing = this.writing.then(async () => {
      try {
        await this.store.recordApiTokenUses(batch);
      } catch (err) {
        for (const b of batch) b.entry.dirty = true; // retried by the next tick
        this.lastFailureAt = Date.now();
        this.log.warn({ err: (err as Error).message, tokens: batch.length }, 'could not record API token usage');
      }
    });
    return this.writing;
  }
}
