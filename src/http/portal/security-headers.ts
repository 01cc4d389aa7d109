/**
 * Response headers of the portal only (registered inside the portal plugin, so /api, /cloudapi and /oauth
 * answer exactly as before); the CSP's directives are in ../page-security.ts, shared with the error pages.
 */
import type { FastifyHelmetOptions } from '@fastify/helmet';
import { PORTAL_CSP_DIRECTIVES } from '../page-security.js';

export const PORTAL_HELMET_OPTIONS: FastifyHelmetOptions = {
  global: true,
  contentSecurityPolicy: { useDefaults: false, directives: PORTAL_CSP_DIRECTIVES },
  // Six months, this host only: a lab on `localhost` must not pin every other local service to HTTPS.
  strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: false },
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
};
