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
