/**
 * Which organization's portal a URL names: `/tenant/{org}` for a tenant, `/provider` for the System org (VCD
 * keeps the two apart: a System user signs in at /provider only, a tenant user at its org's URL only).
 */
import type { Principal } from '../../domain/principal.js';
import type { OAuthOrgPath } from '../../auth/api-tokens.js';
import { SYSTEM_ORG_NAME } from '../../domain/rights.js';

export interface PortalOrg {
  readonly kind: 'tenant' | 'provider';
  /** The org name as the URL has it ("System" for the provider portal). */
  readonly orgName: string;
  /** `/tenant/acme` or `/provider`: every portal link starts here. */
  readonly basePath: string;
  /** Where this org's OAuth endpoints live, for the API-token service. */
  readonly oauthPath: OAuthOrgPath;
  /** `/oauth/tenant/acme` or `/oauth/provider`, for the "how to use this token" snippets. */
  readonly oauthUrlPath: string;
}

export function tenantPortal(orgName: string): PortalOrg {
  const encoded = encodeURIComponent(orgName);
  return {
    kind: 'tenant',
    orgName,
    basePath: `/tenant/${encoded}`,
    oauthPath: { kind: 'tenant', orgName },
    oauthUrlPath: `/oauth/tenant/${encoded}`,
  };
}

export const PROVIDER_PORTAL: PortalOrg = {
  kind: 'provider',
  orgName: SYSTEM_ORG_NAME,
  basePath: '/provider',
  oauthPath: { kind: 'provider' },
  oauthUrlPath: '/oauth/provider',
};

/** A session belongs to this portal when its user is of this org (org names compare case-insensitively). */
export function sessionBelongsTo(principal: Principal, org: PortalOrg): boolean {
  if (org.kind === 'provider') return principal.isSystemOrg;
  return !principal.isSystemOrg && principal.orgName.toLowerCase() === org.orgName.toLowerCase();
}
