/**
 * The origin (`scheme://host[:port]`) a client used, for the hrefs Tessera writes. It comes from the Host
 * header, or from X-Forwarded-Host/-Proto when the peer is a trusted proxy (fastify's request.host and
 * request.protocol, see src/trusted-proxies.ts). Both are client input: a host that is not a host name or
 * address (`[::1`, `a b`, `x/y`) would make `new URL()` throw deep in a handler, so the request is refused up
 * front with a 400, and a forwarded scheme other than http/https is ignored.
 */
import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/** A DNS name or IPv4 address (letters, digits, '-', '_', '.'), or a bracketed IPv6 address; optional port. */
const HOST_WITH_PORT = /^(?:([A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252}))|\[([0-9A-Fa-f:.]{2,45})\])(?::(\d{1,5}))?$/;

export function isValidHost(host: string): boolean {
  const m = HOST_WITH_PORT.exec(host);
  if (!m) return false;
  if (m[2] !== undefined && isIP(m[2]) !== 6) return false;
  return m[3] === undefined || Number(m[3]) <= 65535;
}

/**
 * The name of a header the request carries more than once that must come once: `Host` or `Authorization`; else null.
 * Node keeps the first of either and drops the others, but a proxy or a firewall in front may have read another:
 * routed by the second Host (RFC 9112 §3.2 makes that a 400), or checked the second credential while Tessera
 * authenticated the first. `rawHeaders` alternates names and values; a name is compared only when its length
 * matches, so the usual request costs a few checks.
 */
export function repeatedSingleHeader(rawHeaders: readonly string[]): 'Host' | 'Authorization' | null {
  let host = false;
  let authorization = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') {
      if (host) return 'Host';
      host = true;
    } else if (name.length === 13 && name.toLowerCase() === 'authorization') {
      if (authorization) return 'Authorization';
      authorization = true;
    }
  }
  return null;
}

/** The host the client addressed ('' when it sent none, as HTTP/1.0 may), not validated. */
export function requestedHost(request: FastifyRequest): string {
  return request.host;
}

/** The scheme the client used: the socket's, or a trusted proxy's X-Forwarded-Proto when it is http(s). */
export function requestedScheme(request: FastifyRequest): 'http' | 'https' {
  const p = (request.protocol ?? '').toLowerCase();
  if (p === 'http' || p === 'https') return p;
  return (request.raw.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
}
