/**
 * The portal's cookies, all HttpOnly and SameSite=Strict, Secure when the page came over HTTPS: the origin the
 * hrefs name (context.ts baseUrl), so an https `--public-url` makes them Secure even when the proxy in front sends
 * no `X-Forwarded-Proto` (HAProxy's `option forwardfor` adds X-Forwarded-For only); without one, the socket's
 * scheme or a trusted proxy's `X-Forwarded-Proto` (see app.ts trustProxy). Over HTTPS the names carry the `__Host-` prefix
 * (the browser then refuses them unless Secure, Path=/ and host-only, so a sibling subdomain cannot plant
 * one) or `__Secure-` for the one cookie that needs a narrower path.
 *
 *   session        the access token of a password session (the portal's whole sign-in)
 *   pending        signed "password checked, verification code pending" record: never a session
 *   signInForm     random id the sign-in form's CSRF token is bound to (there is no session yet)
 *   createdToken   the new API token, encrypted, for the single page that shows it
 *   recoveryCodes  new two-factor recovery codes, encrypted, for the single page that shows them
 *
 * `session` and `pending` are browser-session cookies (no Max-Age): the browser keeps them in memory and forgets them
 * when it closes, rather than writing them to its profile on disk. Their ends are the server's (the access token's
 * `exp`, the sealed record's own end). Until 2026-12-06 the session cookie carried Max-Age (the access token's
 * lifetime): Chromium wrote the password session's bearer to its Cookies file, which on Linux without a keyring is
 * encrypted with a key every copy of Chromium knows, and a browser closed without signing out reopened signed in, for
 * whoever used it next or read that file.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CookieSerializeOptions } from '@fastify/cookie';
import { baseUrl } from '../context.js';
import { requestedScheme } from '../request-origin.js';

export const PENDING_SIGN_IN_SECONDS = 5 * 60;
export const SIGN_IN_FORM_SECONDS = 12 * 60 * 60;
export const CREATED_TOKEN_SECONDS = 2 * 60;

type CookieName = 'session' | 'pending' | 'signInForm' | 'createdToken' | 'recoveryCodes';

const BASE_NAMES: Record<CookieName, string> = {
  session: 'tessera_session',
  pending: 'tessera_pending',
  signInForm: 'tessera_sign_in',
  createdToken: 'tessera_new_token',
  recoveryCodes: 'tessera_recovery_codes',
};

/**
 * Whether the browser speaks HTTPS to this site. Until 2026-12-06 this read request.protocol alone: behind a TLS proxy
 * that sends no X-Forwarded-Proto the cookies (the session's included) lost Secure and their `__Host-` names while the
 * hrefs, from an https --public-url, named https.
 */
export function isSecureRequest(request: FastifyRequest): boolean {
  // Either says HTTPS: the connection itself (or a trusted proxy's X-Forwarded-Proto), or the public URL.
  return requestedScheme(request) === 'https' || baseUrl(request).startsWith('https:');
}

export function cookieName(request: FastifyRequest, cookie: CookieName): string {
  if (!isSecureRequest(request)) return BASE_NAMES[cookie];
  return (cookie === 'createdToken' || cookie === 'recoveryCodes' ? '__Secure-' : '__Host-') + BASE_NAMES[cookie];
}

function options(request: FastifyRequest, path: string, maxAgeSeconds?: number): CookieSerializeOptions {
  return {
    httpOnly: true,
    secure: isSecureRequest(request),
    sameSite: 'strict',
    path,
    ...(maxAgeSeconds === undefined ? {} : { maxAge: Math.max(0, Math.floor(maxAgeSeconds)) }),
  };
}

export function readCookie(request: FastifyRequest, cookie: CookieName): string | undefined {
  const value = request.cookies[cookieName(request, cookie)];
  return value === undefined || value === '' ? undefined : value;
}

/** Sets a cookie on `/` (every cookie but createdToken lives there), kept by the browser `maxAgeSeconds`. */
export function setCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  cookie: Exclude<CookieName, 'session' | 'pending'>,
  value: string,
  maxAgeSeconds: number,
): void {
  reply.setCookie(cookieName(request, cookie), value, options(request, '/', maxAgeSeconds));
}

/**
 * Sets `session` or `pending` on `/` without Max-Age: the browser keeps it in memory until it closes and never writes
 * it to its profile; the server ends it (the access token's `exp`, the sealed record's own end).
 */
export function setBrowserSessionCookie(request: FastifyRequest, reply: FastifyReply, cookie: 'session' | 'pending', value: string): void {
  reply.setCookie(cookieName(request, cookie), value, options(request, '/'));
}

export function clearCookie(request: FastifyRequest, reply: FastifyReply, cookie: CookieName, path = '/'): void {
  reply.clearCookie(cookieName(request, cookie), options(request, path));
}

/** The created-token cookie is sent only to the page that shows the token. */
export function createdTokenPath(basePath: string): string {
  return `${basePath}/preferences/tokens/created`;
}

export function setCreatedTokenCookie(request: FastifyRequest, reply: FastifyReply, basePath: string, value: string): void {
  reply.setCookie(cookieName(request, 'createdToken'), value, options(request, createdTokenPath(basePath), CREATED_TOKEN_SECONDS));
}

/** The recovery-codes cookie, like the created-token one, goes only to the page that shows them, once. */
export function recoveryCodesPath(basePath: string): string {
  return `${basePath}/preferences/totp/recovery-codes`;
}

export function setRecoveryCodesCookie(request: FastifyRequest, reply: FastifyReply, basePath: string, value: string): void {
  reply.setCookie(cookieName(request, 'recoveryCodes'), value, options(request, recoveryCodesPath(basePath), CREATED_TOKEN_SECONDS));
}
