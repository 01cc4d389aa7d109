/**
 * Bounds on connections, for a node that listens directly (the default: HTTPS on its own certificate, no proxy in
 * front). Until 2026-12-06 there were none: a connection that sent nothing was held 80-90 s on --http and 120-130 s
 * on HTTPS (Node's 120 s handshake timeout), and about 20,000 of them (the file-descriptor limit) made the server
 * reset every new client, with nothing logged.
 *
 * - Time: `timeouts()` gives Node's HTTP server a head timeout (`headersTimeout`: from the connection's accept, then
 *   from each request's first byte, to the end of its head; a kept-alive connection between requests is not
 *   counted, that wait is `keepAliveTimeout`'s) checked every `connectionsCheckingInterval`; TLS gets a handshake
 *   timeout (`handshakeTimeout`, Node's default 120 s). That one is a timer on the TLS socket which only decrypted
 *   data restarts, so it runs from the accept however the handshake's bytes trickle in (measured on Node 20: a
 *   ClientHello sent a byte every 300 ms is cut at the bound, as a silent connection is).
 * - Number: `limitConnections()` sets the listener's `maxConnections` (Node closes the excess before any JavaScript
 *   object is made for it, and emits `drop`) and caps the connections open from one client address block
 *   (domain/address-block.ts: an IPv4 address, an IPv6 /64), counted at the TCP socket, before TLS: the excess is
 *   destroyed at once. The configured trusted proxies (--trust-proxy) are exempt: every client behind them comes
 *   from their addresses; so are the PROXY protocol's balancers (TESSERA_PROXY_PROTOCOL_FROM), whose connections are
 *   counted under the client address their header names (proxy-protocol.ts). Refusals are logged at most once a minute per address block (and once a minute for
 *   `maxConnections`), with how many were refused since the last line, never one line per connection.
 * - Work: requests in flight on one connection are bounded by pipelining.ts (a client that pipelines without reading
 *   its answers is held at `PIPELINE_DEPTH` handled requests, and closed past `HELD_LIMIT` held ones).
 * - Unread answers: a connection whose queued answers the client takes none of for TESSERA_WRITE_STALL_TIMEOUT_SECONDS
 *   is closed (write-stall.ts). Both closures are logged and counted as connection cuts (connection-cuts.ts).
 */
import { isIPv4, type Server, type Socket } from 'node:net';
import { addressBlock } from '../domain/address-block.js';
import { trustedProxyList } from '../trusted-proxies.js';

export type ConnectionRefusal = 'per_address' | 'max_connections';

export interface ConnectionTimeouts {
  /** Milliseconds from the accept (then from a request's first byte) to the end of its head. */
  requestHeadTimeoutMs: number;
  /** Milliseconds from the TCP accept to the end of the TLS handshake. */
  tlsHandshakeTimeoutMs: number;
}

/**
 * How often Node looks for connections past their head or request timeout: a quarter of the head timeout, between
 * 100 ms and 2 s. Node's 30 s default let a connection live up to 30 s past its bound. Only connections in the
 * middle of a request are looked at (Node keeps them in a list of their own), so the check costs nothing when idle.
 */
export function connectionsCheckingIntervalMs(requestHeadTimeoutMs: number): number {
  return Math.min(2_000, Math.max(100, Math.floor(requestHeadTimeoutMs / 4)));
}

/** The options Node's http(s).createServer takes for the head timeout (merged into fastify's `http`/`https`). */
export function httpServerTimeouts(timeouts: ConnectionTimeouts): { headersTimeout: number; connectionsCheckingInterval: number } {
  return {
    headersTimeout: timeouts.requestHeadTimeoutMs,
    connectionsCheckingInterval: connectionsCheckingIntervalMs(timeouts.requestHeadTimeoutMs),
  };
}

/** How often a refusal is logged, per address block and for the global bound. */
export const REFUSAL_LOG_INTERVAL_MS = 60_000;

export interface ConnectionLimitOptions {
  /** Open connections allowed from one client address block (IPv4 address, IPv6 /64). */
  perAddress: number;
  /** Open connections allowed in all (the listener's maxConnections). */
  max: number;
  /** --trust-proxy's entries: peers exempt from the per-address cap. */
  trustProxy: readonly string[];
  /**
   * TESSERA_PROXY_PROTOCOL_FROM's entries, exempt too. A connection from them is counted under the client address
   * its PROXY header names (proxy-protocol.ts hands it over only then); one that names none (a health check's LOCAL,
   * v1's UNKNOWN) keeps the balancer's address, which is not capped.
   */
  proxyProtocolFrom?: readonly string[];
  log: { warn(o: object, m: string): void };
  onRefused?: (reason: ConnectionRefusal) => void;
  now?: () => number;
}

/** Counts refusals and says so at most once per interval, with how many there were since the last line. */
export class RefusalLog {
  private lastAt = Number.NEGATIVE_INFINITY;
  private unlogged = 0;
  /** True when this refusal is to be logged; `since` is then the number refused since the last line, this one included. */
  note(now: number): { log: boolean; since: number } {
    this.unlogged++;
    if (now - this.lastAt < REFUSAL_LOG_INTERVAL_MS) return { log: false, since: 0 };
    const since = this.unlogged;
    this.lastAt = now;
    this.unlogged = 0;
    return { log: true, since };
  }
  quietSince(now: number): boolean {
    return now - this.lastAt >= REFUSAL_LOG_INTERVAL_MS;
  }
}

/**
 * A RefusalLog per key (an address block, a balancer's address, a reason and a block), made when a key is first
 * refused. Once it holds 1,000 keys, those quiet for a minute are dropped before a new one is added, so it holds only
 * the keys refused lately, however many a flood names.
 */
export class KeyedRefusalLogs {
  private readonly logs = new Map<string, RefusalLog>();
  note(key: string, now: number): { log: boolean; since: number } {
    let log = this.logs.get(key);
    if (!log) {
      if (this.logs.size >= 1_000) for (const [k, l] of this.logs) if (l.quietSince(now)) this.logs.delete(k);
      this.logs.set(key, (log = new RefusalLog()));
    }
    return log.note(now);
  }
}

export interface ConnectionLimiter {
  /** Open connections by address block (those counted: not the trusted proxies'). */
  openByBlock(): ReadonlyMap<string, number>;
}

export function limitConnections(server: Server, options: ConnectionLimitOptions): ConnectionLimiter {
  const now = options.now ?? Date.now;
  server.maxConnections = options.max;
  const globalLog = new RefusalLog();
  server.on('drop', (data?: { remoteAddress?: string }) => {
    options.onRefused?.('max_connections');
    const { log, since } = globalLog.note(now());
    if (log) {
      options.log.warn(
        { maxConnections: options.max, refused: since, remoteAddress: data?.remoteAddress },
        `connections refused: ${options.max} are open, the most this node accepts (TESSERA_MAX_CONNECTIONS); logged at most once a minute`,
      );
    }
  });

  const proxies = trustedProxyList([...options.trustProxy, ...(options.proxyProtocolFrom ?? [])]);
  const open = new Map<string, number>();
  const logs = new KeyedRefusalLogs();
  // Before TLS's and HTTP's own listeners (prepended): a refused socket is destroyed before a TLS session or an
  // HTTP parser is set up for it. Both listeners still run on it and let go of it at its close.
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) return;
    if (proxies !== null && proxies.check(address, isIPv4(address) ? 'ipv4' : 'ipv6')) return;
    const block = addressBlock(address);
    const count = open.get(block) ?? 0;
    if (count >= options.perAddress) {
      socket.destroy();
      options.onRefused?.('per_address');
      const noted = logs.note(block, now());
      if (noted.log) {
        options.log.warn(
          { addressBlock: block, open: count, connectionsPerAddress: options.perAddress, refused: noted.since },
          `connections refused from ${block}: ${count} are open from it, the most one address may hold (TESSERA_CONNECTIONS_PER_ADDRESS); logged at most once a minute per address`,
        );
      }
      return;
    }
    open.set(block, count + 1);
    socket.once('close', () => {
      const left = (open.get(block) ?? 1) - 1;
      if (left <= 0) open.delete(block);
      else open.set(block, left);
    });
  });
  return { openByBlock: () => open };
}
