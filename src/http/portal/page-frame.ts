/** The frame (header, navigation, user menu) of a signed-in page, from the request's portal state. */
import type { PageFrame, Section } from './views/layout.js';
import type { SignedInState } from './portal-session.js';
import type { PortalDeps } from './deps.js';
import {
  administrationScope,
  canManageOrgs,
  canViewAudit,
  canViewDatacenters,
  canViewServiceAccounts,
  canViewTokenPolicy,
  canViewVms,
  usersScope,
} from './access.js';

export function signedInFrame(state: SignedInState, deps: PortalDeps, active?: Section): PageFrame {
  const { principal } = state;
  const adminAreas = {
    users: usersScope(principal) !== null,
    audit: canViewAudit(principal),
    tokenPolicy: canViewTokenPolicy(principal),
    orgs: canManageOrgs(principal),
  };
  return {
    org: state.org,
    user: { name: principal.userName, orgName: principal.orgName, roleName: principal.roleName },
    csrfToken: deps.csrf.issue('session', principal.sessionId),
    timeZone: state.timeZone ?? 'UTC',
    showAdministration:
      administrationScope(principal) !== null ||
      canViewServiceAccounts(principal) ||
      adminAreas.users ||
      adminAreas.audit ||
      adminAreas.orgs,
    adminTabs: { tokens: administrationScope(principal) !== null, serviceAccounts: canViewServiceAccounts(principal) },
    adminAreas,
    inventoryNav: { datacenters: canViewDatacenters(principal), vms: canViewVms(principal) },
    ...(active ? { active } : {}),
  };
}
