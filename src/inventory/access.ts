/**
 * Read access to single inventory entities, in terms of the policy (domain/policy.ts). Any refusal, and any
 * unknown entity, is the same 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN, as VCD answers (vcd-wire §7), so a tenant
 * cannot probe for other orgs' ids.
 */
import type { Principal } from '../domain/principal.js';
import { can, canReachOrg } from '../domain/policy.js';
import { forbidden } from '../domain/errors.js';

export type ReadableKind = 'org' | 'adminOrg' | 'vdc' | 'vapp' | 'vm';

export function mayRead(principal: Principal, kind: ReadableKind, orgId: string): boolean {
  switch (kind) {
    // Every member reads their own Org (govcd's GetOrgByName needs it right after sign-in, whatever the role).
    case 'org':
      return canReachOrg(principal, orgId);
    case 'adminOrg':
      return can(principal, 'org.view', { orgId });
    case 'vdc':
      return can(principal, 'vdc.view', { orgId });
    case 'vapp':
    case 'vm':
      return can(principal, 'vapp.view', { orgId });
  }
}

/** Returns the entity when it exists and may be read; otherwise throws the 403. */
export function readableOr403<T extends { org_id: string } | { id: string }>(
  principal: Principal,
  kind: ReadableKind,
  entity: T | undefined,
): T {
  if (!entity) throw forbidden();
  const orgId = 'org_id' in entity ? entity.org_id : entity.id;
  if (!mayRead(principal, kind, orgId)) throw forbidden();
  return entity;
}
