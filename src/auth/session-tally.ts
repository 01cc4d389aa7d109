/**
 * How many sessions (access tokens) this node has issued that have not reached their expiry, by kind: the metrics'
 * "live sessions" (issue 15). Sessions are signed tokens, kept nowhere, so a node can count only those it issued,
 * and it counts them by expiry minute: a session is counted from its mint until the end of the minute it expires
 * in, and a revoked or signed-out one until then too (a revocation names sessions by user, token or time, not one
 * by one). Memory: one number per kind and minute of the access-token lifetime; the exchange pays two Map reads.
 */
import type { SessionKind } from '../domain/principal.js';

export class SessionTally {
  private readonly byKind = new Map<SessionKind, Map<number, number>>();

  /** A session of `kind` was issued, expiring at `expSeconds` (epoch seconds). */
  issued(kind: SessionKind, expSeconds: number): void {
    const minute = Math.ceil(expSeconds / 60);
    let counts = this.byKind.get(kind);
    if (!counts) this.byKind.set(kind, (counts = new Map()));
    const seen = counts.get(minute);
    if (seen !== undefined) {
      counts.set(minute, seen + 1);
      return;
    }
    // A new minute (once a minute per kind): forget the minutes that have passed, so an unscraped node stays bounded.
    forgetPast(counts, Math.floor(Date.now() / 60_000));
    counts.set(minute, 1);
  }

  /** Sessions issued here and not yet past their expiry minute, by kind (every kind present, 0 when none). */
  live(nowSeconds = Date.now() / 1000): Record<SessionKind, number> {
    const nowMinute = Math.floor(nowSeconds / 60);
    const out: Record<SessionKind, number> = { password: 0, api_token: 0, service_account: 0 };
    for (const [kind, counts] of this.byKind) {
      forgetPast(counts, nowMinute);
      for (const n of counts.values()) out[kind] += n;
    }
    return out;
  }
}

/** Drops the minutes at or before `nowMinute`: every session counted in them has expired. */
function forgetPast(counts: Map<number, number>, nowMinute: number): void {
  for (const minute of counts.keys()) if (minute <= nowMinute) counts.delete(minute);
}
