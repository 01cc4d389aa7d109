/**
 * The fastify app: one plugin per API area, one error renderer, one authentication step.
 * Request flow (DESIGN.md): request id and API version (406 if unsupported) -> authenticate once into
 * `request.principal` -> the handler asks the policy -> store -> representation the Accept header asked for.
 */
import { invalidQueryMessage, invalidQueryPiece } from './query-encoding.js';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  type RouteOptions,
} from 'fastify';
import { formContentParser, otherCharsetRefusal } from './form-body.js';
import { parseJsonBody } from './json-body.js';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Services } from './context.js';
import { areaOf, areaOfPath, canonicalPath, defaultVersion, splitAbsoluteForm } from './context.js';
import { TesseraError, badRequest } from '../domain/errors.js';
import { isValidHost, repeatedSingletonHeader, requestedHost } from './request-origin.js';
import { renderError, toTesseraError, isServerError } from './error-handler.js';
import { answerClientError, answerConnect, answerTlsClientError } from './client-errors.js';
import { readRequestsAsStream } from './tls-request-stream.js';
import { limitPipelining } from './pipelining.js';
import { connectionCutReporter, type ConnectionCut } from './connection-cuts.js';
import { limitWriteStalls } from './write-stall.js';
import { httpServerTimeouts, limitConnections, type ConnectionRefusal } from './connection-limits.js';
import { discardUnreadBodies, hasUnmetExpectation } from './refused-body.js';
import { lazyChildLoggerOf } from './lazy-request-logger.js';
import { acceptProxyProtocol, type ProxyProtocolRefusal } from './proxy-protocol.js';
import { ROUTER_OPTIONS, RouteMethods } from './route-methods.js';
import { isStoreWriteRefusal, isTransientStoreError } from '../store/transient-errors.js';
import { negotiate, unsupportedVersionMessage } from '../domain/api-versions.js';
import { accessTokenHeadersAgree, authorizationsAgree, credentialFromHeaders } from '../auth/authenticator.js';
import { legacyVersionRoutes } from './legacy/versions.js';
import { legacySessionRoutes } from './legacy/sessions.js';
import { legacyInventoryRoutes } from './legacy/inventory.js';
import { legacyStorageProfileRoutes } from './legacy/storage-profiles.js';
import { legacyCatalogRoutes } from './legacy/catalogs.js';
import { legacyInventoryTeardownRoutes } from './legacy/inventory-teardown.js';
import { legacyNetworkRoutes } from './legacy/networks.js';
import { legacyControlAccessRoutes } from './legacy/control-access.js';
import { legacyVAppSectionRoutes } from './legacy/vapp-sections.js';
import { legacyAdminRoutes } from './legacy/admin.js';
import { legacyQueryRoutes } from './legacy/query.js';
import { legacyAdminOrgRoutes } from './legacy/admin-orgs.js';
import { legacyOrgMetadataRoutes } from './legacy/org-metadata.js';
import { legacyAdminUserRoutes } from './legacy/admin-users.js';
import { legacyAdminRoleRoutes } from './legacy/admin-roles.js';
import { legacyTaskRoutes } from './legacy/tasks.js';
import { cloudapiSessionRoutes } from './cloudapi/sessions.js';
import { cloudapiTokenRoutes } from './cloudapi/tokens.js';
import { cloudapiIdentityRoutes } from './cloudapi/identity.js';
import { cloudapiAuditRoutes } from './cloudapi/audit.js';
import { cloudapiTotpRoutes } from './cloudapi/totp.js';
import { cloudapiOrgRoutes } from './cloudapi/orgs.js';
import { cloudapiComputePolicyRoutes } from './cloudapi/compute-policies.js';
import { cloudapiEmptyListRoutes } from './cloudapi/empty-lists.js';
import { cloudapiRightsCategoryRoutes } from './cloudapi/rights-categories.js';
import { cloudapiSecurityTagRoutes } from './cloudapi/security-tags.js';
import { cloudapiTokenPolicyRoutes } from './cloudapi/token-policy.js';
import { cloudapiServiceAccountRoutes } from './cloudapi/service-accounts.js';
import { cloudapiInventorySyncRoutes } from './cloudapi/inventory-sync.js';
import { oauthRoutes } from './oauth/index.js';
import { portalRoutes } from './portal/index.js';
import { healthRoutes, healthProbeRoutes, type Readiness } from './health.js';
import { installRequestLog, logAnswerOutsideRoutes } from './request-log.js';
import { installSchemaCompilers } from './validation.js';
import { installNulGuard } from './nul-guard.js';
import { utf8Text } from './utf8-text.js';
import { openApiRoutes, registerOpenApi } from './openapi.js';
import type { RequestLog } from '../config.js';
import { TOKEN_EXPIRATION_HEADER, tokenExpirationValue } from './token-expiration.js';
import { TLS_ALPN_PROTOCOLS, TLS_CIPHERS } from '../tls.js';

export { LOG_REDACTIONS, LOG_SERIALIZERS, redactUrl } from './log-redaction.js';

export interface AppOptions {
  services: Services;
  https?: import('node:https').ServerOptions | null;
  /** A pino logger (the server's); tests pass none and get no logging. */
  logger?: import('pino').Logger;
  /**
   * Told of every route as it is registered (fastify's onRoute hook, added before any route). The security
   * suites build their authorization matrix and fuzzing from the real route table through it.
   */
  onRoute?: (route: RouteOptions) => void;
  /** /health/ready answers 503 once `draining` is set (the server sets it when it starts shutting down). */
  readiness?: Readiness;
  /** Replaces fastify's two info lines per request with one at a chosen level (src/http/request-log.ts). */
  requestLog?: RequestLog;
  /** Hooks added before any route (metrics: src/metrics.ts). */
  instrument?: (app: FastifyInstance) => void;
  /** Told of each connection closed at accept by the connection limits (metrics: src/metrics.ts). */
  onConnectionRefused?: (reason: ConnectionRefusal) => void;
  /** Told of each connection closed after its accept for what its client did (metrics: src/metrics.ts). */
  onConnectionCut?: (reason: ConnectionCut) => void;
  /** Told of each load balancer's connection closed for its PROXY header (metrics: src/metrics.ts). */
  onProxyProtocolRefused?: (reason: ProxyProtocolRefusal) => void;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Why authentication failed, when a credential was presented but refused (raised by requirePrincipal). */
    authError: TesseraError | null;
  }
}

const TOKEN_OR_REVOKE_PATH = /\/(token|revoke)\/?$/;

/**
 * How long a client has to send a whole request: the largest body (the inventory sync's 8 MiB) then needs about
 * 70 KiB/s. Node's default, before fastify turned it off, was 300 s.
 */
export const REQUEST_RECEIVE_TIMEOUT_MS = 120_000;

/** Node's limit on a request's head (request line and headers), in bytes. */
const MAX_REQUEST_HEAD_BYTES = 64 * 1024;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const config = options.services.config;
  // A head within requestHeadTimeoutSeconds of the accept (or of a request's first byte), checked often enough that a
  // silent connection is cut near its bound; a TLS handshake within tlsHandshakeTimeoutSeconds (connection-limits.ts).
  const timeouts = {
    requestHeadTimeoutMs: config.requestHeadTimeoutSeconds * 1000,
    tlsHandshakeTimeoutMs: config.tlsHandshakeTimeoutSeconds * 1000,
  };
  const serverTimeouts = httpServerTimeouts(timeouts);
  const app = Fastify({
    // No logger of fastify's own: each request's logger is a child of Tessera's made when it first writes a line, and
    // app.log is Tessera's logger (below). Given a logger, fastify also timed every response for request lines that
    // Tessera turns off (lazy-request-logger.ts says what that cost the token exchange).
    logger: false,
    ...(options.logger ? { childLoggerFactory: lazyChildLoggerOf(options.logger) } : {}),
    // Node's default request head (16 KiB) is below a query at the contract's bounds (a 2 KiB FIQL filter of
    // multi-byte characters is 18 KiB percent-encoded): Node answered its own 431 before the route's schema could
    // answer in the API's format. 64 KiB holds every declared bound; the schemas refuse anything longer.
    // requireHostHeader off: Node answered an HTTP/1.1 request without Host with a bare, empty 400 of its own; the
    // onRequest hook answers it in the area's format instead (missingHost).
    ...(options.https
      ? {
          https: {
            ...options.https,
            ciphers: TLS_CIPHERS,
            ALPNProtocols: TLS_ALPN_PROTOCOLS,
            maxHeaderSize: MAX_REQUEST_HEAD_BYTES,
            requireHostHeader: false,
            ...serverTimeouts,
            handshakeTimeout: timeouts.tlsHandshakeTimeoutMs,
          },
        }
      : { http: { maxHeaderSize: MAX_REQUEST_HEAD_BYTES, requireHostHeader: false, ...serverTimeouts } }),
    // RFC 9112 §3.2.2: a request-target in absolute form (`GET https://vcd.example.com/api/org`, as sent to a proxy)
    // must be accepted, with the host it names. Rewritten to origin form before routing, so the area rules (VCD's
    // error format, version negotiation) apply as to any request; until 2026-12-05 such a request skipped them.
    rewriteUrl: originForm,
    bodyLimit: 256 * 1024,
    // fastify sets Node's requestTimeout to 0 (none): a client could then hold a connection for ever by sending
    // its body a byte at a time, unauthenticated. The whole request (head and body) must arrive within this;
    // a slow answer is not limited by it. The head alone has requestHeadTimeoutSeconds (headersTimeout above).
    requestTimeout: REQUEST_RECEIVE_TIMEOUT_MS,
    // What Node's parser refuses (bad request line, unknown method, oversized head, timeout), in the area's format.
    clientErrorHandler: answerClientError,
    // X-Forwarded-* are believed only from the configured proxies (src/trusted-proxies.ts); none by default, so
    // a client cannot choose the address that rate limits, the audit trail and "last used" record.
    trustProxy: options.services.config.trustProxy.length > 0 ? [...options.services.config.trustProxy] : false,
    genReqId: () => randomUUID(),
    // maxParamLength above every declared path parameter's maxLength (200-220), so an over-long id is refused by
    // the route's schema in its API's format; fastify's default (100) answered its own 414 JSON first.
    // Shared with the router that tells a wrong method (405) from a missing path (404): route-methods.ts.
    routerOptions: { ...ROUTER_OPTIONS },
    // Errors the router raises before any route (a path parameter over maxParamLength, bad percent-encoding) are
    // rendered like every other error: VCD's Error under /api, the JSON envelope elsewhere; never fastify's own body.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      // Before the onRequest hook: negotiate here, so the error comes in the format and version the client asked for.
      const negotiated = negotiate(request.headers.accept);
      request.vcd ??= {
        version: negotiated.version,
        responseVersion: negotiated.version ?? defaultVersion(),
        json: negotiated.json,
        area: areaOf(request.url),
      };
      reply.header('X-VMWARE-VCLOUD-REQUEST-ID', request.id);
      if (options.requestLog && options.logger) logAnswerOutsideRoutes(request, reply, options.requestLog);
      const message =
        (error as { code?: string }).code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long' : 'The URL is malformed';
      return renderError(new TesseraError('BAD_REQUEST', message), request, reply);
    },
    // A request on a connection accepted before shutdown began is served, not refused with 503: the shutdown
    // drains in-flight work (bounded by TESSERA_SHUTDOWN_GRACE_SECONDS), and a rolling restart must drop nothing.
    return503OnClosing: false,
    ...(options.requestLog ? { logController: new LogController({ disableRequestLogging: true }) } : {}),
  } as FastifyServerOptions);
  // Connections closed for pipelining too far ahead or for not reading their answers: logged once a minute per address
  // block, counted (connection-cuts.ts). app.log is read when it happens: it is replaced just below.
  const reportCut = connectionCutReporter({ warn: (o, m) => app.log.warn(o, m) }, options.onConnectionCut);
  // At most PIPELINE_DEPTH requests in flight per connection; a client pipelining without reading its answers is held
  // there instead of having every request it sent handled, and closed past HELD_LIMIT held (pipelining.ts). Before any
  // other `request` listener.
  limitPipelining(app.server, { report: reportCut });
  // A connection whose queued answers the client takes none of for TESSERA_WRITE_STALL_TIMEOUT_SECONDS is closed.
  limitWriteStalls(app.server, { timeoutMs: config.writeStallTimeoutSeconds * 1000, https: Boolean(options.https), report: reportCut });
  // The server's own lines (listening, a failed onClose hook) and every plugin's `app.log`, inherited from here.
  if (options.logger) (app as { log: FastifyBaseLogger }).log = options.logger as unknown as FastifyBaseLogger;
  // A plain-HTTP request on the HTTPS port gets a 400 that says so, instead of a closed connection.
  if (options.https) app.server.on('tlsClientError', answerTlsClientError);
  // Behind a TCP load balancer in TLS passthrough: the client address from its PROXY header, read before TLS and
  // before every `connection` listener below (proxy-protocol.ts). Nothing changes when none is configured.
  const proxyProtocol = acceptProxyProtocol(app.server, {
    from: config.proxyProtocolFrom,
    headerTimeoutMs: timeouts.requestHeadTimeoutMs,
    log: app.log,
    ...(options.onProxyProtocolRefused ? { onRefused: options.onProxyProtocolRefused } : {}),
  });
  // Connections still waiting for their header are not HTTP's yet: Node's close would wait for their timeout.
  if (proxyProtocol) app.addHook('preClose', (done) => (proxyProtocol.close(), done()));
  // How many connections, in all and per client address (the trusted proxies exempt), before the excess is closed at
  // accept (connection-limits.ts).
  limitConnections(app.server, {
    perAddress: config.connectionsPerAddress,
    max: config.maxConnections,
    trustProxy: config.trustProxy,
    proxyProtocolFrom: config.proxyProtocolFrom,
    log: app.log,
    ...(options.onConnectionRefused ? { onRefused: options.onConnectionRefused } : {}),
  });
  // `request.ip` is read from the socket each time, and a destroyed socket has no address unless Node cached it by an
  // earlier read. A request followed in the same packet by bytes the parser refuses is still being handled when its
  // socket is destroyed: until 2026-12-06 the token endpoint's rate limiter then threw (a 500) and audited writes
  // (a token revoked, a user changed) recorded no address. One read per connection, at accept, caches it.
  const pinPeerAddress = (socket: { remoteAddress?: string }) => void socket.remoteAddress;
  app.server.on('connection', pinPeerAddress);
  if (options.https) app.server.on('secureConnection', pinPeerAddress);
  // A POST whose head and body come as two TLS records just after a large answer was refused with a 400 (Node's
  // paused parser; tls-request-stream.ts).
  if (options.https) app.server.on('secureConnection', readRequestsAsStream);
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  const routeMethods = new RouteMethods();
  // A CONNECT request gets a 405 in its area's format (Node would close the connection without a byte).
  app.server.on('connect', (request: IncomingMessage, socket: Duplex) =>
    answerConnect(app.log, request, socket, (path) => routeMethods.allowed(path)),
  );
  app.addHook('onRoute', (route) => routeMethods.add(route.method, route.url));
  // Route schemas: how ajv enforces them and why fastify's defaults are replaced (validation.ts); the OpenAPI
  // document collects them as routes are added, so both come before the first route.
  installSchemaCompilers(app);
  installNulGuard(app);
  await registerOpenApi(app);
  if (options.requestLog && options.logger) installRequestLog(app, options.requestLog, options.logger);
  options.instrument?.(app);

  app.decorate('tessera', options.services);
  app.decorateRequest('principal', null);
  app.decorateRequest('authError', null);
  app.decorateRequest('vcd', null as never);

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, formContentParser);
  // Bodies without a Content-Type (govcd <= v2.20's token request) or with one we do not parse are kept as
  // text; the OAuth endpoints parse them as a form unless the type names another format (vcd-wire §1.4, oauth/index.ts).
  const strictText = (req: FastifyRequest, body: Buffer | string, done: (error: Error | null, body?: unknown) => void) => {
    const text = utf8Text(body);
    if (text === null) return done(notUtf8(req), undefined);
    done(null, text);
  };
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, strictText);
  // fastify's own text/plain parser took the server's 256 KiB and decoded bytes that are not UTF-8 to U+FFFD, so a
  // registration or an XML document sent as text/plain was stored altered (until 2026-12-05): the same as any type.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, strictText);
  // govcd sends `Content-Type: application/json` on every OpenAPI call, bodyless DELETEs included: an empty
  // JSON body is no body, not a 400.
  app.removeContentTypeParser('application/json');
  const jsonParser = (req: FastifyRequest, body: Buffer, done: (error: Error | null, body?: unknown) => void) => {
    const text = utf8Text(body);
    if (text === null) return done(notUtf8(req), undefined);
    const trimmed = text.trim();
    if (trimmed === '') return done(null, undefined);
    // Under /oauth a body is a form whatever its type (vcd-wire §1.4): a hand-written curl that labels
    // `grant_type=...&refresh_token=...` as JSON is read as the form it is. A JSON body there is an object of
    // parameters: other JSON (a string holding a form, which a proxy reading JSON sees as a string and the server
    // would fold as a grant; an array; a number) is refused, and only text that is no JSON at all is a form.
    // The area is read from the canonical path, as the router reads it: until 2026-12-07 this tested the raw URL, and
    // `//oauth/...` or `/%6fauth/...` (the same route) folded a JSON string holding a form as a grant.
    if (areaOf(req.url) === 'oauth' && trimmed[0] !== '{') {
      return isJson(trimmed) ? done(badRequest('The parameters must be a form, or a JSON object'), undefined) : done(null, text);
    }
    let parsed: unknown;
    try {
      parsed = parseJsonBody(text, notJson);
    } catch (error) {
      return done(error as Error, undefined);
    }
    done(null, parsed);
  };
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 256 * 1024 }, jsonParser);
  // JSON under the other names clients give it (`application/*+json;version=37.0`, VCD's vendor types such as
  // `application/vnd.vmware.vcloud.user+json`, `text/json`): read as JSON, where they were text and a body schema then
  // said "body must be object" (until 2026-12-06).
  app.addContentTypeParser(
    /^(?:application\/[\w.*+-]*\+json|text\/json)(?:\s*;|\s*$)/i,
    { parseAs: 'buffer', bodyLimit: 256 * 1024 },
    jsonParser,
  );

  // Callback style with a synchronous fast path: most requests (the token exchange among them) authenticate
  // nothing here, and an async hook would cost them a promise and a microtask hop each.
  const readiness = options.readiness ?? { draining: false };
  // An answer given before the body was read (a 413, or a refusal in an onRequest hook) waits until the rest of the body
  // has been read and discarded, so the proxy in front reads the answer rather than a reset (refused-body.ts).
  discardUnreadBodies(app, readiness);
  app.addHook('onRequest', (request, reply, done) => {
    // Stopping: each answer closes its connection, so that no client keeps one open to send its next request on
    // just as the listener closes (a POST sent on a connection being closed is reset, and cannot be retried blindly).
    if (readiness.draining) reply.header('Connection', 'close');
    const clientId = request.headers['x-vmware-vcloud-client-request-id'];
    const requestId = typeof clientId === 'string' && clientId !== '' ? `${clientId.slice(0, 128)}-${request.id}` : request.id;
    reply.header('X-VMWARE-VCLOUD-REQUEST-ID', requestId);
    const path = canonicalPath(request.url);
    const area = areaOfPath(path);
    const negotiated = negotiate(request.headers.accept);
    request.vcd = {
      version: negotiated.version,
      responseVersion: negotiated.version ?? defaultVersion(),
      json: negotiated.json,
      area,
    };
    // Hrefs are built from the host the client named: a malformed one is the client's error (400 in this
    // area's envelope), not a 500 from `new URL()` in whichever handler builds the first href.
    const host = requestedHost(request);
    if (host === '' && request.raw.httpVersion !== '1.0') return done(new TesseraError('BAD_REQUEST', 'The request has no Host header'));
    if (host !== '' && !isValidHost(host)) return done(new TesseraError('BAD_REQUEST', 'The Host header is not a valid host name'));
    const repeated = repeatedSingletonHeader(request.raw.rawHeaders);
    if (repeated === 'host') return done(new TesseraError('BAD_REQUEST', 'The request has more than one Host header'));
    if (repeated === 'content-type') {
      return done(
        new TesseraError('BAD_REQUEST', 'The request has two Content-Type headers that differ: which one the body is cannot be told'),
      );
    }
    // A query string that encodes no text is refused here, in the area's format, before any route reads it.
    const badQuery = invalidQueryPiece(request.url);
    if (badQuery !== null) return done(new TesseraError('BAD_REQUEST', invalidQueryMessage(badQuery)));
    // An `Expect` other than 100-continue (Node's checkExpectation, refused-body.ts): 417, RFC 9110 §15.5.18.
    if (request.headers.expect !== undefined && hasUnmetExpectation(request.raw)) {
      return done(new TesseraError('BAD_REQUEST', 'The Expect header can only be 100-continue', { status: 417 }));
    }
    // No body is ever decompressed (so no decompression bomb): a coded body is refused for what it is (RFC 9110
    // §15.5.16), rather than read as if plain (until 2026-12-05 a gzip body was "not valid UTF-8", and a plain one
    // labelled `br` was accepted).
    const coding = request.headers['content-encoding'];
    if (coding !== undefined && coding.trim().toLowerCase() !== 'identity') {
      return done(
        new TesseraError('UNSUPPORTED_MEDIA_TYPE', 'Content-Encoding is not supported: send the body uncompressed', {
          headers: { 'Accept-Encoding': 'identity' },
        }),
      );
    }
    // A transfer coding before the final `chunked` (`gzip, chunked`): Node removes the chunking and hands over the
    // rest as it came, so a gzip body was read as if plain (a plain one labelled gzip accepted, as Content-Encoding's
    // was until 2026-12-05). Refused as Node refuses `Transfer-Encoding: gzip` alone, a 400 in the area's format
    // (RFC 9112 §6.1; until 2026-12-07 it was read).
    // The connection is closed after the answer (its body is still read to the end first, refused-body.ts): a sender
    // whose framing is refused may not be framing as Tessera reads it (`Transfer-Encoding:` empty, then `chunked`: a
    // proxy reading the first alone sees no body, and the chunks as its next request), so no request after it on that
    // connection is read (until 2026-12-07 the next one was answered).
    const transfer = request.headers['transfer-encoding'];
    if (transfer !== undefined && transfer.trim().toLowerCase() !== 'chunked') {
      reply.raw.shouldKeepAlive = false;
      return done(
        new TesseraError(
          'BAD_REQUEST',
          'Transfer-Encoding can only be chunked: send the body uncompressed, chunked or with a Content-Length',
        ),
      );
    }
    if (area === 'api' || area === 'cloudapi') {
      if (negotiated.unsupported) return done(new TesseraError('NOT_ACCEPTABLE', unsupportedVersionMessage()));
      // XML or JSON, and the version, follow Accept (RFC 9110 §12.5.5).
      reply.header('Vary', 'Accept');
      // Each answer is what its Content-Type says (VCD's XML or JSON), never to be sniffed as a page: one header set,
      // here where the area is known (errors carry it from error-handler.ts whatever the area). /oauth's successes
      // set it in oauth/index.ts, all but the token exchange's, the benchmarked hot path.
      reply.header('X-Content-Type-Options', 'nosniff');
    }
    // The token endpoint is unauthenticated: a stale bearer sent along must never cause a 401 (vcd-wire §5.1).
    if (area === 'oauth' && TOKEN_OR_REVOKE_PATH.test(path)) return done();
    // Which of two credentials is meant cannot be known (authenticator.ts): refused, whatever either holds.
    if (repeated === 'authorization' && !authorizationsAgree(request.raw.rawHeaders)) {
      return done(new TesseraError('UNAUTHORIZED', 'The request has two Authorization headers with two different credentials'));
    }
    if (!accessTokenHeadersAgree(request.headers)) {
      return done(new TesseraError('UNAUTHORIZED', 'Authorization and X-VMWARE-VCLOUD-ACCESS-TOKEN carry two different access tokens'));
    }
    const credential = credentialFromHeaders(request.headers);
    if (!credential) return done();
    // An answer to a credential is that principal's: no shared cache may keep it. RFC 9111 §3.5 keeps caches off
    // answers to `Authorization` only, and VCD's clients also send `x-vcloud-authorization` and
    // `X-VMWARE-VCLOUD-ACCESS-TOKEN`, whose 200s a cache could otherwise have served to the next caller.
    reply.header('Cache-Control', 'no-store');
    app.tessera.authenticator.authenticate(credential).then(
      (principal) => {
        request.principal = principal;
        // An expiring API token's session: every answer says when the token ends (http/token-expiration.ts).
        const tokenEnds = principal.apiTokenExpiresAt;
        if (tokenEnds !== null && tokenEnds !== undefined) reply.header(TOKEN_EXPIRATION_HEADER, tokenExpirationValue(tokenEnds));
        done();
      },
      (err: unknown) => {
        request.authError = toTesseraError(err);
        done();
      },
    );
  });

  app.setErrorHandler((error, request, reply) => {
    // A client that hung up while sending its body: Node fails the body's read with "aborted" (code ECONNRESET,
    // the code a store's dropped connection has too). It is the client's doing, not an outage: a 400 that nobody
    // will read, and a debug line rather than a "store unavailable" warning anyone could raise at will.
    if (request.raw.readableAborted && (error as { code?: unknown }).code === 'ECONNRESET') {
      request.log.debug({ err: (error as Error).message }, 'client aborted the request');
      return renderError(new TesseraError('BAD_REQUEST', 'The request was cut short by the client'), request, reply);
    }
    const tesseraError = toTesseraError(error);
    if (isServerError(tesseraError)) request.log.error({ err: error }, 'request failed');
    else if (isTransientStoreError(error)) request.log.warn({ err: (error as Error).message }, 'store unavailable: answered 503');
    else if (isStoreWriteRefusal(error))
      request.log.error({ err: (error as Error).message }, 'the store cannot write (full disk, read-only or I/O error): answered 503');
    return renderError(tesseraError, request, reply);
  });

  app.setNotFoundHandler((request, reply) => {
    // The path exists with other methods only: 405 and what they are, not "no such resource". A route of this very
    // method that found nothing itself (a static file that is not there) is a 404, as before.
    const allowed = routeMethods.allowed(request.url);
    const hint = inventoryWriteHint(request.method, request.url);
    const error =
      allowed.length > 0 && !allowed.includes(request.method)
        ? new TesseraError('METHOD_NOT_ALLOWED', `${request.method} is not allowed here; allowed: ${allowed.join(', ')}${hint}`, {
            headers: { Allow: allowed.join(', ') },
          })
        : new TesseraError('RESOURCE_NOT_FOUND', `No such resource: ${request.method} ${request.url.split('?')[0]}${hint}`);
    if (!request.vcd) {
      request.vcd = { version: null, responseVersion: defaultVersion(), json: false, area: areaOf(request.url) };
    }
    return renderError(error, request, reply);
  });

  await app.register(healthRoutes);
  await app.register(healthProbeRoutes(readiness));
  await app.register(legacyVersionRoutes);
  await app.register(legacySessionRoutes);
  await app.register(legacyInventoryRoutes);
  await app.register(legacyStorageProfileRoutes);
  await app.register(legacyCatalogRoutes);
  await app.register(legacyInventoryTeardownRoutes);
  await app.register(legacyNetworkRoutes);
  await app.register(legacyControlAccessRoutes);
  await app.register(legacyVAppSectionRoutes);
  await app.register(legacyAdminRoutes);
  await app.register(legacyQueryRoutes);
  await app.register(legacyAdminOrgRoutes);
  await app.register(legacyOrgMetadataRoutes);
  await app.register(legacyAdminUserRoutes);
  await app.register(legacyAdminRoleRoutes);
  await app.register(legacyTaskRoutes);
  await app.register(cloudapiSessionRoutes);
  await app.register(cloudapiTokenRoutes);
  await app.register(cloudapiIdentityRoutes);
  await app.register(cloudapiAuditRoutes);
  await app.register(cloudapiTotpRoutes);
  await app.register(cloudapiOrgRoutes);
  await app.register(cloudapiComputePolicyRoutes);
  await app.register(cloudapiEmptyListRoutes);
  await app.register(cloudapiRightsCategoryRoutes);
  await app.register(cloudapiSecurityTagRoutes);
  await app.register(cloudapiTokenPolicyRoutes);
  await app.register(cloudapiServiceAccountRoutes);
  await app.register(cloudapiInventorySyncRoutes);
  await app.register(oauthRoutes);
  await app.register(portalRoutes);
  await app.register(openApiRoutes);
  return app;
}

/** A body that is not UTF-8: a 415 naming the charset its Content-Type declares (form-body.ts), else a 400. */
const notUtf8 = (req: FastifyRequest) =>
  otherCharsetRefusal(req.headers['content-type']) ?? new TesseraError('BAD_REQUEST', 'The request body is not valid UTF-8');
const notJson = () => new TesseraError('BAD_REQUEST', 'The request body is not valid JSON');

/**
 * fastify's rewriteUrl: a request-target in absolute form becomes its path and query, and its authority (without
 * user information) the Host, which RFC 9112 §3.2.2 says it takes precedence over; any other target is kept.
 */
function originForm(req: IncomingMessage): string {
  const url = req.url ?? '/';
  if (url.startsWith('/')) return url;
  const absolute = splitAbsoluteForm(url);
  if (!absolute) return url;
  if (absolute.authority !== '') req.headers.host = absolute.authority;
  return absolute.path;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The inventory's VCD paths: VDCs, vApps, templates, VMs, catalogs, networks, disks, media, edge gateways. */
const INVENTORY_PATH = /^\/api\/(admin\/)?(vdc|vApp|vAppTemplate|vm|catalog|catalogItem|network|disk|media|edgeGateway)(\/|$)/i;

/**
 * What a write to the inventory that matched no route is told besides "no such resource": that the inventory is read
 * here, not written (a developer's `terraform apply` of a vcd_vapp, a VM's power action, a VM's metadata PUT). Until
 * 2026-12-06 the answer read like a wrong URL. Empty for reads and for other areas.
 */
export function inventoryWriteHint(method: string, url: string): string {
  if (method === 'GET' || method === 'HEAD' || !INVENTORY_PATH.test(url.split('?')[0]!)) return '';
  return '. Tessera serves the inventory (VDCs, vApps, VMs, catalogs) for reading: it is written by the provider through an inventory file or the sync API (docs/inventory.md), and VCD clients may only take an org apart (docs/design.md); creating, changing, powering or customizing VMs and vApps through the VCD API is not served';
}
