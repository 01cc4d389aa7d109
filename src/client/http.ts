/**
 * One request to a VCD endpoint, with VCD's error bodies turned into `VcdApiError`.
 */
import { parseErrorBody } from './error-body.js';
import { VcdApiError, VcdResponseError } from './errors.js';
import type { HttpResponse, HttpTransport } from './transport.js';

export const REQUEST_ID_HEADER = 'x-vmware-vcloud-request-id';

export interface SendOptions {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** Replaces the error's message when the status is not 2xx (the status, minor code and server message are kept). */
  describeError?: ((details: { status: number; minorErrorCode: string | null; message: string }) => string | undefined) | undefined;
}

export async function send(transport: HttpTransport, options: SendOptions): Promise<HttpResponse> {
  const request = {
    method: options.method,
    url: options.url,
    headers: options.headers,
    ...(options.body === undefined ? {} : { body: options.body }),
  };
  const response = await transport(request);
  if (response.status >= 200 && response.status < 300) return response;
  throw toApiError(response, options);
}

export function toApiError(response: HttpResponse, options: Pick<SendOptions, 'method' | 'url' | 'describeError'>): VcdApiError {
  const parsed = parseErrorBody(response.body);
  const details = {
    status: response.status,
    minorErrorCode: parsed.minorErrorCode,
    majorErrorCode: parsed.majorErrorCode,
    message: parsed.message ?? (response.statusText || `HTTP ${response.status}`),
    requestId: response.headers.get(REQUEST_ID_HEADER),
    method: options.method,
    url: withoutQuery(options.url),
    retryAfterSeconds: retryAfter(response.headers.get('retry-after')),
  };
  return new VcdApiError(details, options.describeError?.(details));
}

export function readJson<T>(response: HttpResponse, url: string): T {
  try {
    return JSON.parse(response.body) as T;
  } catch {
    const type = response.headers.get('content-type') ?? 'no content type';
    throw new VcdResponseError(
      `Expected JSON from ${withoutQuery(url)}, got ${type}: is this a VCD endpoint?`,
      response.status,
      withoutQuery(url),
    );
  }
}

export function withoutQuery(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? url : url.slice(0, at);
}

function retryAfter(value: string | null): number | null {
  if (value === null) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
