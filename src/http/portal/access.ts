/**
 * What the signed-in user may see in the portal, asked of the policy (domain/policy.ts), never decided here.
 */
import type { Principal } from '../../domain/principal.js';
import { apiTokenListScope, can } from '../../domain/policy.js';

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
