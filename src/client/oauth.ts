/**
 * VCD's OAuth endpoints (vcd-wire §4, §5): trading an API token for a bearer, and minting a new API token
 * from a password session (dynamic client registration, then the one-shot jwt-bearer grant).
 */
import { oauthBasePath } from './endpoint.js';
import { VcdResponseError } from './errors.js';
import { readJson, send } from './http.js';
import type { HttpTransport } from './transport.js';
import type { OAuthClientRegistration, OAuthTokenResponse } from './types.js';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

interface OAuthTarget {
  transport: HttpTransport;
  /** Normalized root, e.g. `https://vcd.example.com`. */
  endpoint: string;
  org: string;
}

/** `grant_type=refresh_token`: the exchange every VCD client does with an API token (vcd-wire §5). */
export async function exchangeApiToken(target: OAuthTarget & { apiToken: string }): Promise<OAuthTokenResponse> {
  if (typeof target.apiToken !== 'string' || target.apiToken.trim() === '') throw new TypeError('apiToken is required');
  const url = `${target.endpoint}${oauthBasePath(target.org)}/token`;
  const response = await send(target.transport, {
    method: 'POST',
    url,
    headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: target.apiToken.trim() }).toString(),
    // A 400 without an OAuth error code is no verdict on the token: a plain-HTTP request to an HTTPS port, a proxy's
    // page. Until 2026-12-05 it was reported as a refused token too.
    describeError: ({ status, minorErrorCode, message }) =>
      status === 401 || (status === 400 && minorErrorCode !== null && minorErrorCode.toLowerCase() === 'invalid_grant')
        ? `The API token was refused by ${target.endpoint} for org "${target.org}": it is unknown, revoked or expired, ` +
          `or it belongs to another organization (${minorErrorCode ?? status}: ${message})`
        : undefined,
  });
  return validateTokenResponse(readJson<unknown>(response, url), url, response.status);
}

/** `POST /oauth/.../register {client_name}` -> the new token's `client_id` (a lowercase UUID). */
export async function registerTokenClient(
  target: OAuthTarget & {
    accessToken: string;
    name: string;
    apiVersion: string;
    expirationTimeUtc?: string | undefined;
    scope?: string | undefined;
  },
): Promise<OAuthClientRegistration> {
  const url = `${target.endpoint}${oauthBasePath(target.org)}/register`;
  const body: Record<string, string> = { client_name: target.name };
  // Tessera extension (issue 3): optional expiry at creation. Real VCD ignores unknown fields.
  if (target.expirationTimeUtc) body.expirationTimeUtc = target.expirationTimeUtc;
  // Tessera extension (issue 13): least privilege, `read-only` or `urn:vcloud:role:<id or name>`.
  if (target.scope) body.scope = target.scope;
  const response = await send(target.transport, {
    method: 'POST',
    url,
    headers: {
      Accept: `application/json;version=${target.apiVersion}`,
      'Content-Type': 'application/json',
      Authorization: `Bearer ${target.accessToken}`,
    },
    body: JSON.stringify(body),
  });
  const registration = readJson<Partial<OAuthClientRegistration>>(response, url);
  if (typeof registration?.client_id !== 'string' || registration.client_id === '') {
    throw new VcdResponseError(`${url} answered without a client_id`, response.status, url);
  }
  return registration as OAuthClientRegistration;
}

/** The one-shot grant that returns the API token, in `refresh_token`, exactly once (vcd-wire §4.2). */
export async function redeemTokenClient(
  target: OAuthTarget & { accessToken: string; clientId: string; apiVersion: string },
): Promise<OAuthTokenResponse & { refresh_token: string }> {
  const url = `${target.endpoint}${oauthBasePath(target.org)}/token`;
  const response = await send(target.transport, {
    method: 'POST',
    url,
    headers: {
      Accept: `application/json;version=${target.apiVersion}`,
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Bearer ${target.accessToken}`,
    },
    body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: target.accessToken, client_id: target.clientId }).toString(),
  });
  const token = validateTokenResponse(readJson<unknown>(response, url), url, response.status);
  if (typeof token.refresh_token !== 'string' || token.refresh_token === '') {
    throw new VcdResponseError(`${url} answered the jwt-bearer grant without a refresh_token (the API token)`, response.status, url);
  }
  return token as OAuthTokenResponse & { refresh_token: string };
}

function validateTokenResponse(value: unknown, url: string, status: number): OAuthTokenResponse {
  const body = value as Partial<OAuthTokenResponse> | null;
  if (typeof body?.access_token !== 'string' || body.access_token === '') {
    throw new VcdResponseError(`${url} answered without an access_token`, status, url);
  }
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in);
  if (!Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new VcdResponseError(`${url} answered without a positive expires_in`, status, url);
  }
  return {
    access_token: body.access_token,
    token_type: typeof body.token_type === 'string' ? body.token_type : 'Bearer',
    expires_in: expiresIn,
    refresh_token: typeof body.refresh_token === 'string' ? body.refresh_token : null,
  };
}
