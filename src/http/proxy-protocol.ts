/**
 * The PROXY protocol (HAProxy's proxy-protocol.txt, versions 1 and 2), for a node behind a load balancer in TLS
 * passthrough (HAProxy `mode tcp` with `send-proxy`/`send-proxy-v2`, F5, NSX ALB, AWS NLB): the balancer does not
 * decrypt, so it cannot add X-Forwarded-For, and without this every client came from the balancer's address: one
 * client's failed sign-ins put the brakes on everyone's, the per-address connection cap counted all clients as one
 * and the audit trail named the balancer.
 *
 * Off unless `TESSERA_PROXY_PROTOCOL_FROM` names the balancers. Then:
 * - A connection from a named peer must begin with a PROXY header (the specification: the receiver "MUST not try to
 *   guess whether the protocol header is present or not"). It is read before TLS and before HTTP, and the client's
 *   address from it becomes the connection's peer address for everything that reads one (`request.ip`, the sign-in
 *   brakes, rate limits, the per-address connection cap, the audit trail, "last used", logs). A malformed header, a
 *   v1 line longer than 107 bytes, a v2 header longer than V2_MAX_BYTES or no header within the head timeout
 *   (TESSERA_REQUEST_HEAD_TIMEOUT_SECONDS) closes the connection, before any other code sees it. `LOCAL` (v2, the
 *   balancer's own health checks), `UNKNOWN` (v1), and v2 `PROXY` of an unspecified, UNIX or datagram source keep
 *   the balancer's address; TLVs are skipped unread.
 * - A connection from any other peer is served as it was before: its bytes are not looked at, and a PROXY header it
 *   sends reaches TLS or HTTP as what it is (a failed handshake, a 400), so no client can choose its address. It is
 *   not refused, so that an operator's or a monitor's direct connection to the node keeps working.
 *
 * How: the listener's `connection` event is held (Server#emit is wrapped) until the header is read, then emitted with
 * the bytes after the header put back (`unshift`; TLS and HTTP both read what a socket has buffered when they take it
 * over). Every `connection` listener, whenever added (TLS's, HTTP's, the connection cap's, the shutdown's), thus
 * sees the socket once, with the client's address. The address is given by the TCP handle's getpeername, which both
 * the socket and, for HTTPS, the TLS socket made on it ask (Node's TLSWrap forwards getpeername to the TCP handle):
 * one place, so `remoteAddress`, `remotePort` and `remoteFamily` agree on both. These are Node internals (checked by
 * test/http/proxy-protocol.test.ts on the Node version in use); a socket without them is closed, never served with
 * the balancer's address in place of the client's.
 *
 * A hand parser rather than a library: the two formats are short and fixed, the parser must be strict and bounded
 * (a library that buffers until a CRLF or trusts v2's length would be the unbounded read this replaces), and the npm
 * packages for it (proxy-protocol-js, findhit-proxywrap) either parse only or patch `net` globally.
 */
import { isIPv4, isIPv6, SocketAddress, type Server, type Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { trustedProxyList } from '../trusted-proxies.js';
import { KeyedRefusalLogs } from './connection-limits.js';

/** The longest v1 header, CRLF included (the specification's worst case: TCP6 with the longest addresses and ports). */
export const V1_MAX_BYTES = 107;
/**
 * The longest v2 header accepted, its 16 fixed bytes included: the addresses (at most 216, UNIX) and TLVs of a few
 * kilobytes (AWS's VPC endpoint id, Azure's link id, HAProxy's TLS details). v2's length field allows 65,551 bytes.
 */
export const V2_MAX_BYTES = 4096;

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');

/** The client, as the balancer reports it. */
export interface ProxySource {
  address: string;
  family: 'IPv4' | 'IPv6';
  port: number;
}

/**
 * Why a balancer's connection was closed, as counted in `tessera_proxy_protocol_refused_total`: `malformed` (not a
 * PROXY header, or one that breaks the specification), `oversized` (a v1 line past 107 bytes, a v2 header past
 * V2_MAX_BYTES), `timeout` (no whole header within the head timeout), `unsupported` (the client address could not be
 * set on this Node version).
 */
export type ProxyProtocolRefusal = 'malformed' | 'oversized' | 'timeout' | 'unsupported';
export const PROXY_PROTOCOL_REFUSALS: readonly ProxyProtocolRefusal[] = ['malformed', 'oversized', 'timeout', 'unsupported'];

export type ProxyHeaderResult =
  | { state: 'incomplete' }
  | { state: 'invalid'; reason: string; oversized?: true }
  /** `length`: the header's bytes; `source` null: keep the peer's address (LOCAL, UNKNOWN, not TCP over IP). */
  | { state: 'complete'; version: 1 | 2; length: number; source: ProxySource | null };

/** Whether `buffer` begins as `prefix` does, as far as either goes. */
function startsLike(buffer: Buffer, prefix: Buffer): boolean {
  const n = Math.min(buffer.length, prefix.length);
  return buffer.subarray(0, n).equals(prefix.subarray(0, n));
}

/** Reads a PROXY header at the start of `buffer`: complete, incomplete (read more) or invalid (close). */
export function parseProxyHeader(buffer: Buffer): ProxyHeaderResult {
  if (buffer.length === 0) return { state: 'incomplete' };
  if (startsLike(buffer, V2_SIGNATURE)) return parseV2(buffer);
  if (startsLike(buffer, V1_PREFIX)) return parseV1(buffer);
  return { state: 'invalid', reason: 'the connection does not begin with a PROXY protocol header' };
}

const PORT = /^(?:0|[1-9]\d{0,4})$/;

function parseV1(buffer: Buffer): ProxyHeaderResult {
  const end = buffer.subarray(0, V1_MAX_BYTES).indexOf('\r\n');
  if (end === -1) {
    if (buffer.length >= V1_MAX_BYTES)
      return { state: 'invalid', reason: `PROXY v1 header without CRLF in its first ${V1_MAX_BYTES} bytes`, oversized: true };
    // A bare LF or a byte outside printable ASCII cannot become a valid line by reading more.
    if (/[^\x20-\x7e\r]/.test(buffer.toString('latin1')))
      return { state: 'invalid', reason: 'PROXY v1 header with a byte that is not printable ASCII' };
    return { state: 'incomplete' };
  }
  const line = buffer.subarray(0, end).toString('latin1');
  const length = end + 2;
  if (/[^\x20-\x7e]/.test(line)) return { state: 'invalid', reason: 'PROXY v1 header with a byte that is not printable ASCII' };
  const parts = line.split(' ');
  // "PROXY UNKNOWN" may be followed by anything up to the CRLF, which the receiver ignores.
  if (parts[1] === 'UNKNOWN') return { state: 'complete', version: 1, length, source: null };
  if (parts.length !== 6 || (parts[1] !== 'TCP4' && parts[1] !== 'TCP6')) {
    return { state: 'invalid', reason: 'PROXY v1 header is not "PROXY TCP4|TCP6 source destination sport dport" or "PROXY UNKNOWN"' };
  }
  const [, proto, source, destination, sourcePort, destinationPort] = parts as [string, string, string, string, string, string];
  const valid = proto === 'TCP4' ? isIPv4 : isIPv6;
  if (!valid(source) || !valid(destination)) return { state: 'invalid', reason: `PROXY v1 header with an address that is not ${proto}` };
  if (!PORT.test(sourcePort) || !PORT.test(destinationPort) || Number(sourcePort) > 65535 || Number(destinationPort) > 65535) {
    return { state: 'invalid', reason: 'PROXY v1 header with a port that is not 0-65535' };
  }
  const family = proto === 'TCP4' ? 'IPv4' : 'IPv6';
  return { state: 'complete', version: 1, length, source: { address: canonical(source, family), family, port: Number(sourcePort) } };
}

function parseV2(buffer: Buffer): ProxyHeaderResult {
  if (buffer.length < 16) return { state: 'incomplete' };
  const version = buffer[12]! >> 4;
  const command = buffer[12]! & 0x0f;
  const addressFamily = buffer[13]! >> 4;
  const transport = buffer[13]! & 0x0f;
  const length = 16 + buffer.readUInt16BE(14);
  if (version !== 2) return { state: 'invalid', reason: `PROXY v2 header of version ${version}` };
  if (command > 1) return { state: 'invalid', reason: `PROXY v2 header with command ${command} (neither LOCAL nor PROXY)` };
  if (addressFamily > 3 || transport > 2)
    return { state: 'invalid', reason: 'PROXY v2 header with an unknown address family or transport' };
  if (length > V2_MAX_BYTES)
    return { state: 'invalid', reason: `PROXY v2 header of ${length} bytes, more than the ${V2_MAX_BYTES} accepted`, oversized: true };
  // The address block's size, checked against the length field before anything is read from it.
  const needed = addressFamily === 1 ? 12 : addressFamily === 2 ? 36 : addressFamily === 3 ? 216 : 0;
  if (command === 1 && length - 16 < needed) {
    return { state: 'invalid', reason: `PROXY v2 header whose length (${length - 16}) is shorter than its addresses (${needed})` };
  }
  if (buffer.length < length) return { state: 'incomplete' };
  // LOCAL: the balancer's own connection (a health check); its address block, if any, is discarded.
  if (command === 0) return { state: 'complete', version: 2, length, source: null };
  // PROXY: only TCP over IPv4 or IPv6 names a client with an address; UNSPEC, UNIX and datagrams keep the peer's.
  if (transport !== 1 || (addressFamily !== 1 && addressFamily !== 2)) return { state: 'complete', version: 2, length, source: null };
  if (addressFamily === 1) {
    const address = `${buffer[16]}.${buffer[17]}.${buffer[18]}.${buffer[19]}`;
    return { state: 'complete', version: 2, length, source: { address, family: 'IPv4', port: buffer.readUInt16BE(24) } };
  }
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(buffer.readUInt16BE(16 + 2 * i).toString(16));
  return {
    state: 'complete',
    version: 2,
    length,
    source: { address: canonical(groups.join(':'), 'IPv6'), family: 'IPv6', port: buffer.readUInt16BE(48) },
  };
}

/** The address as Node writes a peer's (RFC 5952 for IPv6: `2001:db8::5`, `::ffff:1.2.3.4`). */
function canonical(address: string, family: 'IPv4' | 'IPv6'): string {
  return family === 'IPv4' ? address : new SocketAddress({ address, family: 'ipv6' }).address;
}

interface TcpHandle {
  getpeername?: (out: Record<string, unknown>) => number;
}

/**
 * Makes `source` the socket's peer: its TCP handle answers getpeername with it, for the socket and for a TLS socket
 * made on it. False when the socket has no such handle (then it must not be served).
 */
function setPeer(socket: Socket, source: ProxySource): boolean {
  const handle = (socket as unknown as { _handle?: TcpHandle | null })._handle;
  if (!handle || typeof handle.getpeername !== 'function') return false;
  handle.getpeername = (out) => {
    out.address = source.address;
    out.family = source.family;
    out.port = source.port;
    return 0;
  };
  // The balancer's address, read (and cached by Node) when the peer was checked against the list, is forgotten.
  (socket as unknown as { _peername?: unknown })._peername = null;
  return socket.remoteAddress === source.address;
}

export interface ProxyProtocolOptions {
  /** TESSERA_PROXY_PROTOCOL_FROM's entries: the peers whose connections begin with a PROXY header. */
  from: readonly string[];
  /** How long a connection from one of them has to send its header (the request head timeout). */
  headerTimeoutMs: number;
  log: { warn(o: object, m: string): void };
  now?: () => number;
  /** Told of each balancer connection closed for its header (metrics: src/metrics.ts). */
  onRefused?: (reason: ProxyProtocolRefusal) => void;
}

export interface ProxyProtocolListener {
  /** Connections from the balancers whose header has not arrived yet. */
  pending(): number;
  /** Closes those, and any that arrives from now on (the server is closing). */
  close(): void;
}

/**
 * Reads the PROXY header of every connection from `options.from` before the server's own `connection` listeners
 * see it. Null (and nothing changed) when the list is empty.
 */
export function acceptProxyProtocol(server: Server, options: ProxyProtocolOptions): ProxyProtocolListener | null {
  const balancers = trustedProxyList(options.from);
  if (balancers === null) return null;
  const now = options.now ?? Date.now;
  const waiting = new Set<Socket>();
  /** One log line a minute at most per balancer address: a broken balancer is named, and does not hide another. */
  const refusals = new KeyedRefusalLogs();
  let closing = false;
  type Emit = (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  const emit = server.emit as Emit;
  const tls = server instanceof TlsServer;

  const refuse = (socket: Socket, peer: string, kind: ProxyProtocolRefusal, reason: string): void => {
    socket.destroy();
    options.onRefused?.(kind);
    // One log per balancer address (a CIDR entry may name many), kept only while refused lately.
    const noted = refusals.note(peer, now());
    if (noted.log) {
      options.log.warn(
        { remoteAddress: peer, refused: noted.since, reason, kind },
        `connection from load balancer ${peer} closed: ${reason} (TESSERA_PROXY_PROTOCOL_FROM); logged at most once a minute per balancer`,
      );
    }
  };

  const readHeader = (socket: Socket, peer: string): void => {
    let buffered: Buffer = Buffer.alloc(0);
    waiting.add(socket);
    const done = (): void => {
      clearTimeout(timer);
      waiting.delete(socket);
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', done);
    };
    const timer = setTimeout(() => {
      done();
      refuse(socket, peer, 'timeout', `no PROXY protocol header within ${options.headerTimeoutMs / 1000} s`);
    }, options.headerTimeoutMs);
    // Reset by the peer before its header: nothing else listens yet, so the error is ended here.
    const onError = (): void => {
      done();
      socket.destroy();
    };
    const onData = (chunk: Buffer): void => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const header = parseProxyHeader(buffered);
      if (header.state === 'incomplete') return;
      done();
      if (header.state === 'invalid') return refuse(socket, peer, header.oversized ? 'oversized' : 'malformed', header.reason);
      if (header.source !== null && !setPeer(socket, header.source)) {
        return refuse(socket, peer, 'unsupported', 'the client address could not be set on this Node version');
      }
      // The bytes after the header are put back, the socket paused so that none is emitted before its new owner
      // listens. TLS reads them from the socket's buffer as it wraps it (a paused socket is what it expects); HTTP
      // listens for 'data', which a paused socket does not emit until resumed.
      socket.pause();
      const rest = buffered.subarray(header.length);
      if (rest.length > 0) socket.unshift(rest);
      emit.call(server, 'connection', socket);
      if (!tls) socket.resume();
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.once('close', done);
  };

  const held: Emit = function (this: Server, event, ...args) {
    if (event !== 'connection') return emit.call(this, event, ...args);
    const socket = args[0] as Socket;
    const peer = socket.remoteAddress;
    if (peer === undefined || !balancers.check(peer, isIPv4(peer) ? 'ipv4' : 'ipv6')) return emit.call(this, event, ...args);
    if (closing) {
      socket.destroy();
      return true;
    }
    readHeader(socket, peer);
    return true;
  };
  server.emit = held as Server['emit'];

  return {
    pending: () => waiting.size,
    close() {
      closing = true;
      for (const socket of waiting) socket.destroy();
    },
  };
}
