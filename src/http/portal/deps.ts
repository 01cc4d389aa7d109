/** What the portal's route modules share: the services, the portal keys and the CSRF token maker. */
import type { Services } from '../context.js';
import type { PortalKeys } from './crypto/keys.js';
import type { CsrfTokens } from './csrf.js';

export interface PortalDeps {
  readonly services: Services;
  readonly keys: PortalKeys;
  readonly csrf: CsrfTokens;
}
