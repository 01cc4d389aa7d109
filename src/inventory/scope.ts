/**
 * Which orgs' inventory a principal may see. The scope becomes a `where org_id = ?` in every inventory query,
 * so isolation is enforced by the SQL itself and never by filtering rows after the fact.
 */
import type { Principal } from '../domain/principal.js';
import { can } from '../domain/policy.js';

export type InventoryScope = { readonly kind: 'all' } | { readonly kind: 'org'; readonly orgId: string };

/** The System org's administrators see every org (vcd-wire §9.1); everyone else sees their own org only. */
export function inventoryScope(principal: Principal): InventoryScope {
  return principal.isSystemOrg && can(principal, 'system.view') ? { kind: 'all' } : { kind: 'org', orgId: principal.orgId };
}
