/**
 * Password sign-in on VCD's cloudapi (vcd-wire §3.1): `POST /cloudapi/1.0.0/sessions` (or `/sessions/provider`
 * for System) with `Basic user@org:password`; the bearer comes back in `X-VMWARE-VCLOUD-ACCESS-TOKEN`.
 * When the user has TOTP enrolled, Tessera answers 401 `TOTP_REQUIRED` and the same request is sent again with
 * the code in `X-Tessera-TOTP` (real VCD has no such step; there the header is simply never needed).
 */
import { mediaTypes, sessionsPath } from './endpoint.js';
import { VcdResponseError } from './errors.js';
import { readJson, send } from './http.js';
import type { HttpTransport } from './transport.js';
import type { SessionEntity } from './types.js';

export const ACCESS_TOKEN_HEADER = 'x-vmware-vcloud-access-token';
export const TOTP_HEADER = 'X-Tessera-TOTP';

export interface SignInTarget {
  transport: HttpTransport;
  endpoint: string;
  org: string;
  apiVersion: string;
}

export interface SignInCredentials {
  user: string;
  password: string;
  /** The 6-digit code, when the account has TOTP enrolled. */
  totp?: string | undefined;
}

export interface SignedInSession {
  accessToken: string;
  session: SessionEntity;
}

export async function signIn(target: SignInTarget, credentials: SignInCredentials): Promise<SignedInSession> {
  if (typeof credentials.user !== 'string' || credentials.user === '') throw new TypeError('user is required');
  if (typeof credentials.password !== 'string') throw new TypeError('password is required');
  const url = `${target.endpoint}${sessionsPath(target.org)}`;
  const headers: Record<string, string> = {
    Accept: mediaTypes.cloudapi(target.apiVersion),
    Authorization: `Basic ${base64Utf8(`${credentials.user}@${target.org}:${credentials.password}`)}`,
  };
  if (credentials.totp !== undefined) headers[TOTP_HEADER] = credentials.totp;
  const response = await send(target.transport, { method: 'POST', url, headers });
  const accessToken = response.headers.get(ACCESS_TOKEN_HEADER);
  if (!accessToken) throw new VcdResponseError(`${url} answered without an ${ACCESS_TOKEN_HEADER} header`, response.status, url);
  return { accessToken, session: readJson<SessionEntity>(response, url) };
}

/** btoa over UTF-8 bytes (no Buffer, so the SDK also runs outside Node). */
function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
