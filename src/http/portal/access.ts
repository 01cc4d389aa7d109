/**
 * What the signed-in user may see in the portal, asked of the policy (domain/policy.ts), never decided here.
 */
import type { Principal } from '../../domain/principal.js';
import { apiTokenListScope, can, hasProviderView } from '../../domain/policy.js';

/** User preferences > Access Tokens: present for holders of "Manage user's own API token" (or Manage All). */
export function hasAccessTokensSection(principal: Principal): boolean {
  return apiTokenListScope(principal) !== null;
}

/** User preferences > Password: the policy keeps it from token sessions (the portal only has password sessions). */
export function canChangeOwnPassword(principal: Principal): boolean {
  return can(principal, 'password.changeOwn');
}

export function canCreateOwnToken(principal: Principal): boolean {
  return can(principal, 'apiToken.create', { orgId: principal.orgId });
}

/**
 * The reach of Administration > Users / API Tokens: the org's tokens for holders of "Manage all users' API
 * tokens", every org's for System administrators; null (no Administration) for everyone else.
 */
export function administrationScope(principal: Principal): { kind: 'org'; orgId: string } | { kind: 'all' } | null {
  const scope = apiTokenListScope(principal);
  if (!scope || scope.kind === 'own') return null;
  return scope;
}

/** Administration > Service Accounts and Access Requests: "View Service Accounts" (or Manage) in the user's org. */
export function canViewServiceAccounts(principal: Principal): boolean {
  return can(principal, 'serviceAccount.view', { orgId: principal.orgId });
}

/** Creating, authorizing, changing, revoking and deleting them: "Manage Service Accounts". */
export function canManageServiceAccounts(principal: Principal): boolean {
  return can(principal, 'serviceAccount.manage', { orgId: principal.orgId });
}

// ------------------------------------------------------------------ issue 14: inventory and administration

/** Data Centers: "Organization vDC: View", as `/api/query?type=orgVdc`. */
export function canViewDatacenters(principal: Principal): boolean {
  return can(principal, 'vdc.view', { orgId: principal.orgId });
}

/** Virtual Machines: "vApp: View", as `/api/query?type=vm`. */
export function canViewVms(principal: Principal): boolean {
  return can(principal, 'vapp.view', { orgId: principal.orgId });
}

/**
 * Administration > Users: "Group / User: View" in the user's org (every org for the System administrator), or
 * the token administrators' existing view of the users whose tokens they manage. Acting on a user is asked of
 * IdentityAdmin (user.manage, and holding the user's role), never decided here.
 */
export function usersScope(principal: Principal): { kind: 'org'; orgId: string } | { kind: 'all' } | null {
  if (hasProviderView(principal) && can(principal, 'user.view')) return { kind: 'all' };
  if (can(principal, 'user.view', { orgId: principal.orgId })) return { kind: 'org', orgId: principal.orgId };
  return administrationScope(principal);
}

export function canManageUsersOf(principal: Principal, orgId: string): boolean {
  return can(principal, 'user.manage', { orgId });
}

/** Administration > Audit Trail: "General: View Audit Trail" (what it shows: auth/audit-trail.ts). */
export function canViewAudit(principal: Principal): boolean {
  return can(principal, 'audit.view');
}

/**
 * Administration > API Token Policy of the user's own org: for who may change it ("Organization: Edit
 * Properties") and for the token administrators it concerns (read-only for them).
 */
export function canViewTokenPolicy(principal: Principal): boolean {
  return (
    can(principal, 'org.view', { orgId: principal.orgId }) &&
    (can(principal, 'apiTokenPolicy.manage', { orgId: principal.orgId }) || administrationScope(principal) !== null)
  );
}

/** Administration > Organizations: the provider's alone (create, disable, enable, delete). */
export function canManageOrgs(principal: Principal): boolean {
  return can(principal, 'org.manage');
}
