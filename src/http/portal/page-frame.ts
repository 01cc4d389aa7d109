/** The frame (header, navigation, user menu) of a signed-in page, from the request's portal state. */
import type { PageFrame, Section } from './views/layout.js';
import type { SignedInState } from './portal-session.js';
import type { PortalDeps } from './deps.js';
import { administrationScope, canViewServiceAccounts } from './access.js';

export function signedInFrame(state: SignedInState, deps: PortalDeps, active?: Section): PageFrame {
  const { principal } = state;
  return {
    org: state.org,
    user: { name: principal.userName, orgName: principal.orgName, roleName: principal.roleName },
    csrfToken: deps.csrf.issue('session', principal.sessionId),
    showAdministration: administrationScope(principal) !== null || canViewServiceAccounts(principal),
    adminTabs: { tokens: administrationScope(principal) !== null, serviceAccounts: canViewServiceAccounts(principal) },
    ...(active ? { active } : {}),
  };
}
