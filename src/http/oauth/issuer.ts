/**
 * The OAuth issuer identifiers (RFC 8414 §2): one per org, the URL under which its OAuth endpoints live.
 * `/oauth/provider` for the System org, `/oauth/tenant/{org}` for a tenant. The metadata documents name them,
 * and introspection's `iss` repeats the token's org's, so a resource server can match the two.
 */
import { SYSTEM_ORG_ID } from '../../domain/rights.js';

export const PROVIDER_ISSUER_PATH = '/oauth/provider';

export function tenantIssuerPath(orgName: string): string {
  return `/oauth/tenant/${encodeURIComponent(orgName)}`;
}

/** The issuer of `org`'s tokens on the server at `base` (scheme and host, no trailing slash). */
export function issuerOf(base: string, org: { id: string; name: string }): string {
  return `${base}${org.id === SYSTEM_ORG_ID ? PROVIDER_ISSUER_PATH : tenantIssuerPath(org.name)}`;
}
