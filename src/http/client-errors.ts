/**
 * Requests Node's HTTP parser refuses before fastify sees them: a malformed request line or header, an unknown
 * method, a head over 64 KiB, Content-Length together with Transfer-Encoding, a request not received in time.
 * fastify answers those with a JSON body of its own; here they get the error format of the API their request line
 * names, like every other error (VCD's XML Error under /api, the portal's error page under its pages, the JSON
 * envelope under /cloudapi, /oauth and elsewhere), and the connection is closed, since nothing after the bad bytes
 * can be trusted to be a request.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { negotiate } from '../domain/api-versions.js';
import { areaOf, defaultVersion, splitAbsoluteForm } from './context.js';
import { xmlDocument } from './xml.js';
import { errorPageHtml } from './error-handler.js';
import { oauthErrorBody } from './oauth-error.js';
import { PORTAL_ERROR_PAGE_HEADERS } from './page-security.js';
import { answerCutShortRefusal } from './refused-body.js';

interface ParserError extends Error {
  code?: string;
  /** What Node had read when it gave up (a Buffer, on parse errors only): the request line tells the area. */
  rawPacket?: unknown;
}

// The target's first word: a raw space inside it (`?filter=name==vApp Author`, which govcd's QueryWithNotEncodedParams
// sends as given) is what the parser refused, and the area is still the one its path names (until 2026-12-05 such a
// request under /api got JSON, which govcd cannot read as an error).
const REQUEST_TARGET = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ (\S+)/;

/** A request line whose target holds a raw space: more than one word between the method and the version. */
const SPACE_IN_TARGET = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ [^\r\n]* HTTP\/\d\.\d\r?\n/;

function statusOf(error: ParserError, head: string, headParsed: boolean): { status: number; message: string } {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, message: 'The request did not arrive in time' };
  // The client closed its side with the body unfinished (a Content-Length that promised more, a chunked body without
  // its last chunk): said so, where "not valid HTTP/1.1" (until 2026-12-07) sent the client looking at its head.
  if (error.code === 'HPE_INVALID_EOF_STATE' && headParsed) {
    return {
      status: 400,
      message: 'The request ended before its body did: fewer bytes arrived than its Content-Length or its chunks announced',
    };
  }
  if (error.code === 'HPE_HEADER_OVERFLOW') return { status: 431, message: 'The request head is larger than 64 KiB' };
  if (SPACE_IN_TARGET.test(head)) {
    return { status: 400, message: 'The request is not valid HTTP/1.1: its URL holds a space; encode each space as %20' };
  }
  return { status: 400, message: 'The request is not valid HTTP/1.1' };
}

/** A header's value in the head read so far (the first of its name), if the parser got that far. */
function headerIn(head: string, name: string): string | undefined {
  const start = head.search(new RegExp(`\\r?\\n${name}:`, 'i'));
  if (start < 0) return undefined;
  const value = head.slice(head.indexOf(':', start) + 1);
  return value.slice(0, value.search(/\r?\n|$/)).trim();
}

/**
 * The response's bytes: status line, headers and the area's error body. Pure but for the request id, which is
 * a new one as fastify would have given the request. Under /api the Accept header in the head read so far picks
 * JSON or XML and the version, as for any other request (until 2026-12-05: always XML at the default version,
 * with no request id), and the id is in X-VMWARE-VCLOUD-REQUEST-ID and the message, so that a client's report of
 * the failure can be found in the server's debug log, which logs the same id.
 */
export function clientErrorResponse(error: ParserError, requestId: string = randomUUID(), parsed?: ParsedHead): string {
  const packet = Buffer.isBuffer(error.rawPacket) ? error.rawPacket : null;
  const requestHead = packet ? packet.subarray(0, 8192).toString('latin1') : '';
  const { status, message } = statusOf(error, requestHead, parsed !== undefined && !(packet && REQUEST_TARGET.test(requestHead)));
  if (parsed && !(packet && REQUEST_TARGET.test(requestHead))) {
    // A head Node had parsed whole (a body too slow: 408), or the part of a head over 64 KiB its parser had handed over
    // (flushedHead): its target and headers name the area and the format.
    const header = (name: string) => {
      const value = parsed.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    return refusalResponse({ status, minorCode: 'BAD_REQUEST', message }, parsed.url, header, requestId);
  }
  const raw = packet ? REQUEST_TARGET.exec(requestHead)?.[1] : undefined;
  return refusalResponse({ status, minorCode: 'BAD_REQUEST', message }, raw, (name) => headerIn(requestHead, name), requestId);
}

/** A request whose head Node's parser completed: its target and its headers (lower-case names). */
export interface ParsedHead {
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * An answer written on the socket by hand, in the error format of the area its target names (`undefined`: no
 * request line was read). `header` reads the request's headers, as far as they are known.
 */
function refusalResponse(
  { status, minorCode, message }: { status: number; minorCode: string; message: string },
  raw: string | undefined,
  header: (name: string) => string | undefined,
  requestId: string,
  allow?: string,
): string {
  // An absolute-form target (`GET https://host/api/...`) names its area by its path, as the router reads it.
  const target = raw === undefined || raw.startsWith('/') ? raw : (splitAbsoluteForm(raw)?.path ?? raw);
  const area = target === undefined ? 'other' : areaOf(target);
  let type: string;
  let body: string;
  let extraHeaders = allow === undefined ? '' : `Allow: ${allow}\r\n`;
  if (area === 'portal' && !target?.startsWith('/static')) {
    type = 'text/html; charset=utf-8';
    body = errorPageHtml(status, message);
    extraHeaders += Object.entries(PORTAL_ERROR_PAGE_HEADERS)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
  } else if (area === 'api') {
    const negotiated = negotiate(header('accept'));
    const version = negotiated.version ?? defaultVersion();
    // The client's own id first, as every routed answer gives it (app.ts): govcd sends one on every call, and this is
    // the error its raw-space queries meet. Only printable ASCII is echoed: this head is written by hand.
    const clientId = header('x-vmware-vcloud-client-request-id');
    const id = clientId && /^[\x20-\x7e]+$/.test(clientId) ? `${clientId.slice(0, 128)}-${requestId}` : requestId;
    const identified = `[ ${id} ] ${message}`;
    extraHeaders += `X-VMWARE-VCLOUD-REQUEST-ID: ${id}\r\n`;
    if (negotiated.json) {
      type = `application/vnd.vmware.vcloud.error+json;version=${version}`;
      body = JSON.stringify({
        message: identified,
        majorErrorCode: status,
        minorErrorCode: minorCode,
        vendorSpecificErrorCode: null,
        stackTrace: null,
      });
    } else {
      type = `application/vnd.vmware.vcloud.error+xml;version=${version}`;
      body = xmlDocument('Error', { '@_minorErrorCode': minorCode, '@_message': identified, '@_majorErrorCode': status });
    }
  } else {
    type = 'application/json';
    body = JSON.stringify(
      area === 'oauth'
        ? oauthErrorBody(minorCode === 'BAD_REQUEST' ? 'invalid_request' : minorCode, message, 'invalid_request')
        : { minorErrorCode: minorCode, message, stackTrace: null },
    );
  }
  // Never sniffed, as every routed error (error-handler.ts); the portal's page headers above already say so.
  if (!extraHeaders.includes('X-Content-Type-Options')) extraHeaders += 'X-Content-Type-Options: nosniff\r\n';
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `${extraHeaders}Connection: close\r\n\r\n`;
  return head + body;
}

/** What answerClientError reads of Node's HTTP parser (Node internals; each may be missing). */
interface NodeParser {
  incoming?: (ParsedHead & { complete?: boolean }) | null;
  /** The target and the headers of a head still being read, as far as the parser handed them to JavaScript. */
  _url?: unknown;
  _headers?: unknown;
}

/**
 * A head over 64 KiB (431): Node hands over only the chunk it choked on, which holds no request line. Its parser passes
 * the target and the headers read so far to JavaScript every 32 header lines, so a head made large by many headers
 * names its target there, and is answered in its area's format (until 2026-12-06 always the JSON envelope). A head
 * made large by a few long lines is not: Node has kept its target to itself.
 */
function flushedHead(error: ParserError, parser: NodeParser | null | undefined): ParsedHead | null {
  if (error.code !== 'HPE_HEADER_OVERFLOW' || !parser || typeof parser._url !== 'string' || parser._url === '') return null;
  const headers: ParsedHead['headers'] = {};
  const flat = Array.isArray(parser._headers) ? (parser._headers as unknown[]) : [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i];
    const value = flat[i + 1];
    if (typeof name === 'string' && typeof value === 'string') headers[name.toLowerCase()] ??= value;
  }
  return { url: parser._url, headers };
}

/** fastify's `clientErrorHandler`: `this` is the fastify instance (for its logger). */
export function answerClientError(this: { log: { debug(o: object, m: string): void } }, error: ParserError, socket: Duplex): void {
  // A reset connection is gone: nothing to answer (as fastify's own handler).
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // Bytes after a request that ends its connection (`Connection: close`, or HTTP/1.0 without keep-alive): RFC 9112
  // §9.6, the server answers that request, then closes, and processes nothing after it. They are no request that
  // could be refused: until 2026-12-07 a 400 "not valid HTTP/1.1" went out in place of the answer still being
  // prepared (a sign-in's, after its password hash) and the connection was closed, so the request that was valid
  // got the 400. Node ends the connection once that answer is written; with none in flight, it is ended now.
  if (error.code === 'HPE_CLOSED_CONNECTION') {
    if (!(socket as Duplex & { _httpMessage?: unknown })._httpMessage) socket.end();
    return;
  }
  // A refused connection's later reads meet the parser's error again, and its head timeout may fire before the answer
  // is out: answered once.
  if (answered.has(socket)) return;
  answered.add(socket);
  const requestId = randomUUID();
  // Plain fields, not `err`: the logger's error serializer turns an object that is no Error into "[object Object]".
  this.log.debug({ reqId: requestId, errorCode: error.code, errorMessage: error.message }, 'client error before routing');
  // A request whose head was complete and whose body is too slow (408) is known: Node's parser holds it as
  // `incoming` until it ends. Until 2026-12-06 such a 408 was the JSON envelope even under /api.
  // A complete one is an earlier request on the connection (keep-alive), not the one refused: not read.
  const parser = (socket as Duplex & { parser?: NodeParser | null }).parser;
  const incoming = parser?.incoming;
  // A body cut short whose request was answered without it (a 413 for its declared length, a 415, ...): that answer
  // goes out, and the connection is closed after it (refused-body.ts), rather than this 400 in its place.
  if (
    error.code === 'HPE_INVALID_EOF_STATE' &&
    incoming &&
    incoming.complete !== true &&
    answerCutShortRefusal(incoming as IncomingMessage)
  )
    return;
  const parsed = incoming && incoming.complete !== true ? incoming : (flushedHead(error, parser) ?? undefined);
  const response = clientErrorResponse(error, requestId, parsed);
  afterEarlierAnswers(socket, () => writeAndClose(socket, response));
}

/** The answer in flight on a connection: Node's own field, the response it writes now (the others wait behind it). */
interface InFlight {
  _httpMessage?: (ServerResponse & { req?: { complete?: boolean } }) | null;
}

/**
 * Runs `then` once the answers to the complete requests before the refused bytes are out. A request and bad bytes sent
 * behind it in one write (a pipelining client, a proxy's coalesced writes) had the request handled, its effect done
 * (a session ended, a token revoked), while the refusal went out first: over HTTP the connection was then closed with
 * the request's own answer unsent, and over HTTPS that answer came after the 400 (until 2026-12-07), so the client read
 * "not valid HTTP/1.1" as its request's answer. A request still being received (its body too slow: the 408) is the
 * one refused, not waited for. Bounded, for an answer that never ends (a client that reads nothing).
 */
function afterEarlierAnswers(socket: Duplex, then: () => void): void {
  const current = (socket as Duplex & InFlight)._httpMessage;
  // Not `writableFinished`: an answer written out whose `finish` is still to come has the next one queued behind it.
  if (!current || current.destroyed || current.req?.complete !== true) return then();
  const giveUp = setTimeout(() => socket.destroy(), EARLIER_ANSWERS_MS);
  giveUp.unref();
  // Node hands the socket to the next queued answer on `finish` and writes what it holds: checked again after that.
  const next = () => {
    current.off('finish', next);
    current.off('close', next);
    clearTimeout(giveUp);
    setImmediate(() => (socket.destroyed ? undefined : afterEarlierAnswers(socket, then)));
  };
  current.on('finish', next);
  current.on('close', next);
}

function writeAndClose(socket: Duplex, response: string): void {
  if (!socket.writable) return void socket.destroy();
  // Closed once the answer is out, not at once: under TLS the write is still queued when this returns (the refusal
  // comes from within a read), and destroying then dropped it; a 431 over HTTPS closed the connection without a
  // byte (until 2026-12-07). Bounded, for a client that reads nothing.
  const giveUp = setTimeout(() => socket.destroy(), ANSWER_FLUSH_MS);
  giveUp.unref();
  socket.write(response, () => {
    clearTimeout(giveUp);
    socket.destroy();
  });
}

/** Refused connections already answered (answerClientError). */
const answered = new WeakSet<Duplex>();

/** How long an answer to a refused connection may take to be written before the connection is closed anyway. */
const ANSWER_FLUSH_MS = 2000;

/** How long the answers to the requests before refused bytes may take before the connection is closed without them. */
const EARLIER_ANSWERS_MS = 60_000;

/**
 * The answer to a plain-HTTP request on the HTTPS port (`curl http://host:8443/...`, an endpoint configured with
 * `http://`): OpenSSL recognises the request line (ERR_SSL_HTTP_REQUEST), and the raw connection is still open, so
 * a plain HTTP/1.1 400 can say what happened. Until 2026-12-05 the connection was closed without a byte: curl's
 * "Empty reply from server", the CLI's "other side closed". Plain text: the request's path, and with it the API
 * area whose format it would get, went to the TLS layer and is gone.
 */
const PLAIN_HTTP_MESSAGE = 'This port speaks HTTPS: send the request to https:// at the same host and port, not http://.\n';
const PLAIN_HTTP_ON_TLS_PORT =
  'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n' +
  `Content-Length: ${Buffer.byteLength(PLAIN_HTTP_MESSAGE)}\r\n\r\n${PLAIN_HTTP_MESSAGE}`;

/** The server's `tlsClientError` listener: every failed handshake ends the connection, as without a listener. */
export function answerTlsClientError(error: Error & { code?: string }, tlsSocket: Duplex): void {
  // `_parent` is the TCP socket under the TLS one; Node has kept it under this name since TLS sockets were wrapped.
  const raw = (tlsSocket as Duplex & { _parent?: Duplex | null })._parent;
  if (error.code === 'ERR_SSL_HTTP_REQUEST' && raw && raw.writable) raw.end(PLAIN_HTTP_ON_TLS_PORT);
  tlsSocket.destroy();
}

/**
 * The server's `connect` listener. Without one, Node closes a CONNECT request's connection without a byte (curl:
 * "Empty reply from server"). Tessera is no proxy: a 405 in the format of the area the target names, with `Allow`
 * naming the methods the target's routes answer (RFC 9110 §15.5.6; empty for a `host:port` target, the usual
 * CONNECT, which names no resource here and no area: the JSON envelope), and the connection is closed, as Node
 * closes it after any CONNECT. The request id is logged as for a parser refusal.
 */
export function answerConnect(
  log: { debug(o: object, m: string): void },
  request: { url?: string; headers: Record<string, string | string[] | undefined> },
  socket: Duplex,
  allowedMethods: (path: string) => readonly string[],
): void {
  const requestId = randomUUID();
  log.debug({ reqId: requestId, method: 'CONNECT' }, 'CONNECT refused before routing');
  if (!socket.writable) return void socket.destroy();
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  const target = request.url;
  // The same message as a routed 405 (app.ts) for a path; a `host:port` target is someone taking this for a proxy.
  const allow = target?.startsWith('/') ? allowedMethods(target).join(', ') : '';
  const message = target?.startsWith('/')
    ? `CONNECT is not allowed here; allowed: ${allow || 'none'}`
    : 'CONNECT is not served: this server is not a proxy';
  socket.end(refusalResponse({ status: 405, minorCode: 'METHOD_NOT_ALLOWED', message }, target, header, requestId, allow));
}
