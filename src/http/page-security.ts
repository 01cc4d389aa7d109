/**
 * The portal's page protections as plain values, for the two places that write a portal page without the portal
 * plugin: the CSP directives (which the plugin's helmet options use, portal/security-headers.ts) and the fixed
 * headers of the error pages written outside it (error-handler.ts, client-errors.ts). Here, outside the portal
 * area, because those neutral modules may not import an API area (test/architecture/layering.test.ts).
 *
 * The CSP allows scripts and styles from this origin only: no inline script, no inline style, no eval; images from
 * here and data: URIs (the TOTP QR code); forms post only here; no framing.
 */
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
