/**
 * Who may read which audit events: one rule for every edge (the cloudapi's /auditTrail and the portal's
 * Administration > Audit Trail). The caller needs "Audit: View" (policy `audit.view`); tenants read their own
 * org's events, the provider every org's. Events name tokens, sessions and their owners, so whoever may not list
 * other users' tokens (every token session, and admins without "Manage all users' API tokens") reads only the
 * events about themselves: what they did, and what was done to their own tokens. A token session reads, of those,
 * only the events about no token or about the token it was made from.
 */
import type { Store } from '../store/store.js';
import type { Principal } from '../domain/principal.js';
import { apiTokenListScope, can, hasProviderView } from '../domain/policy.js';
import { forbidden } from '../domain/errors.js';

/** The audit events this principal may read, as a query to narrow further; 403 without "Audit: View". */
export function readableAuditEvents(store: Store, principal: Principal) {
  if (!can(principal, 'audit.view')) throw forbidden();
  let base = store.db.selectFrom('audit_events');
  if (!hasProviderView(principal)) base = base.where('org_id', '=', principal.orgId);
  const scope = apiTokenListScope(principal);
  if (scope === null || scope.kind === 'own') {
    base = base.where((eb) =>
      eb.or([
        eb('actor_id', '=', principal.userId),
        eb('token_id', 'in', eb.selectFrom('api_tokens').select('api_tokens.id').where('api_tokens.user_id', '=', principal.userId)),
      ]),
    );
  }
  // A session made from an API token sees that token and no other, not even its owner's others (docs/security.md):
  // events about any other token (its name, scope, every exchange's time and address) are not its to read.
  if (principal.kind === 'api_token') {
    const own = principal.apiTokenId;
    base = base.where((eb) => eb.or([eb('token_id', 'is', null), eb('token_id', '=', own)]));
  }
  return base;
}
