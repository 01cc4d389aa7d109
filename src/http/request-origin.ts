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
 * The header, of those read once, that the request repeats: `host` (Node keeps the first Host and drops the
 * others, but a proxy in front may have routed by another: RFC 9112 §3.2 makes such a request a 400), else
 * `content-type` when its copies differ (Node keeps the first, a proxy or WAF in front may have read the body as the
 * other says: `application/json` checked there, a form acted on here; copies that agree say one thing), else
 * `authorization` (Node keeps the first there too, while a gateway may have authorized by another; whether the
 * copies name one credential is the caller's to tell, authenticator.ts), else null. `rawHeaders` alternates names
 * and values; a name of four, twelve or thirteen characters is compared only then, so the usual request costs a few
 * checks in the one pass every request already made for Host.
 */
export function repeatedSingletonHeader(rawHeaders: readonly string[]): 'host' | 'content-type' | 'authorization' | null {
  let host = false;
  let authorization = false;
  let repeatedAuthorization = false;
  let contentType: string | undefined;
  let contentTypesDiffer = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const length = name.length;
    if (length === 4) {
      if (name.toLowerCase() !== 'host') continue;
      if (host) return 'host';
      host = true;
    } else if (length === 12) {
      if (name.toLowerCase() !== 'content-type') continue;
      // The first copy is kept as it came (the usual request has one); a second is compared with it as media types
      // are compared (RFC 9110 §8.3.1: type, subtype and parameter names are case-insensitive).
      const value = rawHeaders[i + 1]!;
      if (contentType === undefined) contentType = value;
      else if (value.trim().toLowerCase() !== contentType.trim().toLowerCase()) contentTypesDiffer = true;
    } else if (length === 13) {
      if (name.toLowerCase() !== 'authorization') continue;
      if (authorization) repeatedAuthorization = true;
      authorization = true;
    }
  }
  return contentTypesDiffer ? 'content-type' : repeatedAuthorization ? 'authorization' : null;
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
