/**
 * "Last used" time and the last few client IPs of each API token, written coalesced: the exchange path only
 * updates memory; a timer writes each changed token at most about once a minute (GitLab does the same at
 * 1-10 minutes). The first use of a token is written promptly so a fresh token shows as used.
 */
import type { Store } from '../store/store.js';

export const LAST_USED_IPS_KEPT = 5;
const FLUSH_EVERY_MS = 60_000;
/** A written token unused this long is dropped from memory (its row is up to date). */
export const IDLE_FORGET_MS = 5 * 60_000;
const MAX_TRACKED = 50_000;

interface Usage {
  lastUsedAt: number;
  ips: string[];
  dirty: boolean;
  lastWrittenAt: number;
}

export class TokenUsageRecorder {
  private readonly store: Store;
  private readonly usage = new Map<string, Usage>();
  private timer: NodeJS.Timeout | null = null;
  private readonly log: { warn(o: object, m: string): void };

  constructor(store: Store, log: { warn(o: object, m: string): void }) {
    this.store = store;
    this.log = log;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(false), 10_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush(true);
  }

  /** `knownIps` is read only the first time a token is seen (it parses the stored list). */
  record(tokenId: string, ip: string, knownIps: () => readonly string[], now = Date.now()): void {
    let entry = this.usage.get(tokenId);
    if (!entry) {
      entry = { lastUsedAt: now, ips: [...knownIps()], dirty: true, lastWrittenAt: 0 };
      this.usage.set(tokenId, entry);
    }
    entry.lastUsedAt = now;
    if (entry.ips[0] !== ip) {
      entry.ips = [ip, ...entry.ips.filter((x) => x !== ip)].slice(0, LAST_USED_IPS_KEPT);
    }
    entry.dirty = true;
    if (entry.lastWrittenAt === 0) setImmediate(() => void this.flushOne(tokenId));
  }

  /** The freshest usage known to this node (memory wins over the possibly older row). */
  pending(tokenId: string): { lastUsedAt: number; ips: string[] } | undefined {
    return this.usage.get(tokenId);
  }

  private async flushOne(tokenId: string): Promise<void> {
    const entry = this.usage.get(tokenId);
    if (!entry || !entry.dirty) return;
    entry.dirty = false;
    entry.lastWrittenAt = Date.now();
    try {
      await this.store.recordApiTokenUse(tokenId, entry.lastUsedAt, entry.ips);
    } catch (err) {
      entry.dirty = true;
      this.log.warn({ err: (err as Error).message }, 'could not record API token usage');
    }
  }

  async flush(all: boolean): Promise<void> {
    const now = Date.now();
    const due = [...this.usage.entries()].filter(([, u]) => u.dirty && (all || now - u.lastWrittenAt >= FLUSH_EVERY_MS));
    for (const [id] of due) await this.flushOne(id);
    // Forget tokens idle for a while once written: the row has their usage now. Without this every token ever
    // used stayed in memory (revoked ones included) until 50,000 of them had piled up (docs/performance-soak.md).
    for (const [id, u] of this.usage) if (!u.dirty && now - u.lastUsedAt > IDLE_FORGET_MS) this.usage.delete(id);
    if (this.usage.size > MAX_TRACKED) {
      for (const [id, u] of this.usage) if (!u.dirty) this.usage.delete(id);
    }
  }
}
