/**
 * Renders any error in the format of the API area it happened in (see errors.ts). Unknown errors become a
 * generic 500 with no detail; the log gets the detail (never a secret: pino redacts credentials).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { TesseraError } from '../domain/errors.js';
import { xmlDocument } from './xml.js';
import { areaOf, defaultVersion, sendExactJson } from './context.js';
import { isStoreWriteRefusal, isTransientStoreError } from '../store/transient-errors.js';
import { isForeignKeyViolation, isStillReferenced, isUniqueViolation } from '../store/constraint-errors.js';
import { hasOwnOAuthCode, oauthErrorBody, oauthErrorCode } from './oauth-error.js';
import { credentialFromHeaders } from '../auth/authenticator.js';
import { PORTAL_ERROR_PAGE_HEADERS } from './page-security.js';

/** Maps framework errors (validation, body parsing, size) onto the catalogue. */
export function toTesseraError(error: unknown): TesseraError {
  if (error instanceof TesseraError) return error;
  const e = error as FastifyError;
  if (e && typeof e === 'object' && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 429) return new TesseraError('TOO_MANY_REQUESTS', 'Too many requests, retry later');
    if (e.statusCode === 413) return new TesseraError('BAD_REQUEST', 'Request body is too large', { status: 413 });
    // Every area reads any well-formed type (app.ts's `*` parser), so fastify's 415 is a header it cannot parse
    // (`;;;`, an empty value, `application`, a list): said so, where "Unsupported Content-Type" (until 2026-12-07) left
    // the client looking for a type the server would take.
    if (e.statusCode === 415 && e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return new TesseraError(
        'UNSUPPORTED_MEDIA_TYPE',
        'The Content-Type header is not a media type (type/subtype, such as application/json); nothing was read',
      );
    }
    if (e.statusCode === 415) return new TesseraError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Type');
    if (e.statusCode === 404) return new TesseraError('RESOURCE_NOT_FOUND', 'The requested resource was not found');
    if (e.statusCode === 405) return new TesseraError('METHOD_NOT_ALLOWED', 'Method not allowed');
    return new TesseraError('BAD_REQUEST', e.validation ? `Invalid request: ${e.message}` : safeClientMessage(e));
  }
  // Two requests that both checked a name was free (or a parent was there) and both wrote: the loser's constraint
  // error is the answer its check would have given, not a 500 (PostgreSQL, where such requests run in parallel).
  if (isUniqueViolation(error)) {
    return new TesseraError('DUPLICATE_NAME', 'An object with the same name or id was created by another request at the same moment');
  }
  if (isForeignKeyViolation(error)) {
    // A delete refused because another request gave the object to something meanwhile (a role assigned while it was
    // deleted) is told so; until 2026-12-06 it was told that something had been deleted, which had not happened.
    if (isStillReferenced(error)) {
      return new TesseraError(
        'BAD_REQUEST',
        'It is in use: another request assigned or attached it at the same moment; nothing was deleted',
      );
    }
    return new TesseraError('BAD_REQUEST', 'Something this request refers to was deleted by another request at the same moment');
  }
  if (isTransientStoreError(error)) {
    return new TesseraError('SERVICE_UNAVAILABLE', 'The store is unavailable; retry shortly', { headers: { 'Retry-After': '5' } });
  }
  if (isStoreWriteRefusal(error)) {
    return new TesseraError('SERVICE_UNAVAILABLE', 'The store cannot write now (full or read-only); nothing was changed; retry later', {
      headers: { 'Retry-After': '30' },
    });
  }
  return new TesseraError('INTERNAL_SERVER_ERROR', 'An internal error occurred');
}

function safeClientMessage(e: FastifyError): string {
  // Fastify's 4xx messages describe the request (bad JSON, empty body): safe to echo.
  return typeof e.message === 'string' && e.message.length < 300 ? e.message : 'Bad request';
}

export function renderError(error: TesseraError, request: FastifyRequest, reply: FastifyReply) {
  for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
  // An error is read as its Content-Type says, never sniffed: its message may echo what the request sent (a name,
  // a path), which a browser guessing HTML would render. Every area (the portal's pages carry it among their own
  // headers too); until 2026-12-07 the errors of /api, /cloudapi and /oauth went without it.
  reply.header('X-Content-Type-Options', 'nosniff');
  // Every 401 names the scheme (RFC 7235 §3.1), /oauth's too: its 401s are the Bearer-protected endpoints' (register,
  // introspect, device_authorization); the token endpoint's errors are 400s (until 2026-12-05 /oauth sent none).
  // A request that sent a token is told it was refused (RFC 6750 §3.1 `invalid_token`: "refresh and retry", not "sign
  // in"); one that sent none gets no error code, as §3.1 asks.
  const sentCredential = error.status === 401 || error.status === 403 ? credentialFromHeaders(request.headers) : null;
  if (error.status === 401 && !reply.hasHeader('WWW-Authenticate')) {
    reply.header('WWW-Authenticate', sentCredential ? 'Bearer realm="tessera", error="invalid_token"' : 'Bearer realm="tessera"');
  }
  // A bearer token that does not enable the request (its session's kind, its narrowed scope, or its user's role; VCD's
  // 403 also stands for "does not exist"): RFC 6750 §3.1's insufficient_scope, so a standard client can tell it from
  // other refusals. VCD's clients read the body and ignore the header.
  if (error.status === 403 && !reply.hasHeader('WWW-Authenticate') && sentCredential?.kind === 'access_token') {
    reply.header('WWW-Authenticate', 'Bearer realm="tessera", error="insufficient_scope"');
  }
  reply.code(error.status);
  const area = request.vcd?.area ?? areaOf(request.url);
  const version = request.vcd?.responseVersion ?? defaultVersion();
  const withRequestId = (msg: string) => {
    const id = reply.getHeader('X-VMWARE-VCLOUD-REQUEST-ID');
    return id ? `[ ${id} ] ${msg}` : msg;
  };
  if (area === 'api') {
    if (request.vcd?.json) {
      return sendExactJson(reply, `application/vnd.vmware.vcloud.error+json;version=${version}`, {
        message: withRequestId(error.message),
        majorErrorCode: error.status,
        minorErrorCode: error.minorErrorCode,
        vendorSpecificErrorCode: null,
        stackTrace: null,
      });
    }
    return reply.header('content-type', `application/vnd.vmware.vcloud.error+xml;version=${version}`).send(
      xmlDocument('Error', {
        '@_minorErrorCode': error.minorErrorCode,
        '@_message': withRequestId(error.message),
        '@_majorErrorCode': error.status,
      }),
    );
  }
  // The portal's pages answer every error with a page, whatever the method or Accept, as the portal's own error
  // handler does (their contract is text/html); this covers what the router refuses before any page's handler (a
  // path parameter over its bound, bad percent-encoding) and paths that match no page. Static files keep the JSON
  // envelope unless a browser asks for a page.
  const browserAsksForPage = request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
  if (area === 'portal' && (!request.url.startsWith('/static') || browserAsksForPage)) {
    return reply.headers(PORTAL_ERROR_PAGE_HEADERS).type('text/html; charset=utf-8').send(errorPageHtml(error.status, error.message));
  }
  // /cloudapi and /oauth: VCD's JSON envelope. Old govcd decodes it as map[string]string: strings and null only.
  // Under /oauth a malformed request is OAuth's `invalid_request` (RFC 6749 §5.2), whatever layer caught it, and
  // RFC 6749's own `error` and `error_description` stand beside VCD's fields (http/oauth-error.ts).
  if (area === 'oauth' && !error.vcdBodyOnly) {
    const minor = error.code === 'BAD_REQUEST' ? 'invalid_request' : error.minorErrorCode;
    // A 401 to a request that sent no credential: a missing parameter (RFC 6750 §3.1 leaves the header without a code,
    // and the body does not claim a token was refused), unless the error names its own OAuth code: GitHub secret
    // scanning's unsigned message is `invalid_client` in both fields (until 2026-12-07 `error` said invalid_request
    // beside `minorErrorCode` invalid_client).
    // A 403 to a bearer: the header's insufficient_scope in the body too (it said access_denied beside it).
    const code =
      error.status === 401 && !sentCredential && !hasOwnOAuthCode(error)
        ? 'invalid_request'
        : error.status === 403 && sentCredential?.kind === 'access_token' && error.minorErrorCode === 'ACCESS_TO_RESOURCE_IS_FORBIDDEN'
          ? 'insufficient_scope'
          : oauthErrorCode(error);
    return sendExactJson(reply, 'application/json', oauthErrorBody(minor, error.message, code));
  }
  const minor = area === 'oauth' && error.code === 'BAD_REQUEST' ? 'invalid_request' : error.minorErrorCode;
  return sendExactJson(reply, 'application/json', { minorErrorCode: minor, message: error.message, stackTrace: null });
}

/** The portal's page for an error no page's own handler rendered (the router's, Node's parser's, no such page). */
export function errorPageHtml(status: number, message: string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error ${status}</title><link rel="stylesheet" href="/static/app.css"></head><body><main class="card narrow"><h1>${status}</h1><p>${esc(message)}</p><p><a href="/">Back</a></p></main></body></html>`;
}

export function isServerError(error: TesseraError): boolean {
  return error.status >= 500 && error.code !== 'SERVICE_UNAVAILABLE';
}
