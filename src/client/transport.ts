/**
 * How the SDK sends one HTTP request. The default is the platform's global `fetch`; callers may pass their own
 * `fetch` (an undici `fetch` bound to a custom `Agent`, a test double). Bodies are small (a page of at most 128
 * records), so responses are read whole.
 *
 * `insecure: true` (self-signed certificates) cannot be done with the global fetch on Node 20 without a
 * dependency: Node bundles undici but does not export its `Agent`, and `NODE_TLS_REJECT_UNAUTHORIZED=0` would
 * switch verification off for the whole process. So, for https URLs only, an insecure client sends its requests
 * through `node:https` with `rejectUnauthorized: false` on an agent of its own: the choice stays per client.
 * `node:https` is imported lazily, so the SDK still loads where there is no Node (browsers, workers).
 */
import { VcdNetworkError } from './errors.js';

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Headers;
  body: string;
}

export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  /** Accept any TLS certificate (self-signed lab servers). Per client, never process-wide. */
  insecure?: boolean | undefined;
  /** A fetch implementation to use instead of the global one. Ignored for https URLs when `insecure` is set. */
  fetch?: FetchLike | undefined;
  /** Per-request timeout; default 60 s. */
  timeoutMs?: number | undefined;
}

const DEFAULT_TIMEOUT_MS = 60_000;

const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function createTransport(options: TransportOptions = {}): HttpTransport {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const viaFetch = fetchTransport(options.fetch, timeoutMs);
  if (!options.insecure) return viaFetch;
  const viaHttps = insecureHttpsTransport(timeoutMs);
  return (request) => (request.url.startsWith('https:') ? viaHttps(request) : viaFetch(request));
}

function fetchTransport(fetchImpl: FetchLike | undefined, timeoutMs: number): HttpTransport {
  return async (request) => {
    const doFetch = fetchImpl ?? (globalThis.fetch as FetchLike | undefined);
    if (!doFetch) throw new TypeError('No global fetch: pass `fetch` in the client options');
    try {
      const init: RequestInit = { method: request.method, headers: request.headers, signal: AbortSignal.timeout(timeoutMs) };
      if (request.body !== undefined) init.body = request.body;
      const response = await doFetch(request.url, init);
      return { status: response.status, statusText: response.statusText, headers: response.headers, body: await response.text() };
    } catch (error) {
      throw networkError(error, request.url);
    }
  };
}

function insecureHttpsTransport(timeoutMs: number): HttpTransport {
  let agentPromise: Promise<{ https: typeof import('node:https'); agent: import('node:https').Agent }> | undefined;
  const load = () =>
    (agentPromise ??= import('node:https').then((https) => ({
      https,
      // keepAlive sockets are unref'd while idle, so they never hold the process open.
      agent: new https.Agent({ rejectUnauthorized: false, keepAlive: true }),
    })));
  return async (request) => {
    const { https, agent } = await load();
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = https.request(request.url, { method: request.method, headers: request.headers, agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(networkError(error, request.url)));
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value === undefined) continue;
            for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
          }
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (error) => reject(networkError(error, request.url)));
      req.end(request.body);
    });
  };
}

/** The SDK's advice for an untrusted certificate; the CLI says `pass --insecure` in its place (cli/io.ts). */
export const INSECURE_ADVICE = 'use insecure: true (CLI: --insecure)';

/** Turns fetch's `TypeError: fetch failed` (cause: the socket error) into a message a person can act on. */
function networkError(error: unknown, url: string): VcdNetworkError {
  const origin = safeOrigin(url);
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const code = (cause as { code?: unknown })?.code;
  const name = (error as { name?: unknown })?.name;
  if (name === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new VcdNetworkError(`No answer from ${origin} in time`, url, { cause: error });
  }
  if (typeof code === 'string' && TLS_TRUST_CODES.has(code)) {
    return new VcdNetworkError(
      `The TLS certificate of ${origin} is not trusted (${code}). For a self-signed lab server ${INSECURE_ADVICE}, ` +
        'or trust its CA with NODE_EXTRA_CA_CERTS',
      url,
      { cause: error },
    );
  }
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new VcdNetworkError(`Cannot reach ${origin}: ${detail}`, url, { cause: error });
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
