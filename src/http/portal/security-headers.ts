/**
 * Response headers of the portal only (registered inside the portal plugin, so /api, /cloudapi and /oauth
 * answer exactly as before). The CSP allows scripts and styles from this origin only: no inline script, no
 * inline style, no eval; images from here and data: URIs (the TOTP QR code); forms post only here; no framing.
 */
import type { FastifyHelmetOptions } from '@fastify/helmet';

export const PORTAL_CSP_DIRECTIVES: Readonly<Record<string, string[]>> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
};

export const PORTAL_HELMET_OPTIONS: FastifyHelmetOptions = {
  global: true,
  contentSecurityPolicy: { useDefaults: false, directives: PORTAL_CSP_DIRECTIVES },
  // Six months, this host only: a lab on `localhost` must not pin every other local service to HTTPS.
  strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: false },
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
};

/**
 * The same protections, as fixed header values, for the portal's error pages written outside the portal plugin (the
 * root error handler for a path the router refuses, Node's parser for a malformed request): helmet's hook never runs
 * for them, and until 2026-12-06 `GET /tenant/acme/%zz` was a page with none of these (it could be framed).
 */
export const PORTAL_ERROR_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': Object.entries(PORTAL_CSP_DIRECTIVES)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join(';'),
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};
