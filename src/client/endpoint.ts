/**
 * Where a VCD (or Tessera) lives, and which org path to use. Clients are often configured with
 * `https://host/api` (vcd-wire §1.1); PowerShell scripts pass a bare host name. All of them mean the root
 * from which `/api`, `/cloudapi` and `/oauth` hang.
 */

export const DEFAULT_API_VERSION = '37.0';

/** `https://vcd.example.com`, `https://vcd.example.com/api/`, `vcd.example.com:8443` -> `https://vcd.example.com[:port]`. */
export function normalizeEndpoint(endpoint: string): string {
  if (typeof endpoint !== 'string' || endpoint.trim() === '') throw new TypeError('endpoint is required, e.g. https://vcd.example.com');
  let text = endpoint.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `https://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`endpoint is not a URL: ${endpoint}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`endpoint must be http(s): ${endpoint}`);
  if (url.search || url.hash) throw new TypeError(`endpoint must not carry a query or fragment: ${endpoint}`);
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api$/i, '');
  return `${url.protocol}//${url.host}${path}`;
}

/** VCD clients test the provider case with EqualFold(org, "system") (vcd-wire §1.5). */
export function isProviderOrg(org: string): boolean {
  return org.toLowerCase() === 'system';
}

export function requireOrg(org: unknown, what = 'org'): string {
  if (typeof org !== 'string' || org.trim() === '') throw new TypeError(`${what} is required (the organization name, or "System")`);
  return org.trim();
}

/** `/oauth/tenant/{org}` or `/oauth/provider`: the base of `/register` and `/token`. */
export function oauthBasePath(org: string): string {
  return isProviderOrg(org) ? '/oauth/provider' : `/oauth/tenant/${encodeURIComponent(org)}`;
}

/** Password sign-in: `/cloudapi/1.0.0/sessions` for tenants, `/sessions/provider` for System (vcd-wire §3.1). */
export function sessionsPath(org: string): string {
  return isProviderOrg(org) ? '/cloudapi/1.0.0/sessions/provider' : '/cloudapi/1.0.0/sessions';
}

export function requireApiVersion(version: unknown): string {
  if (version === undefined) return DEFAULT_API_VERSION;
  if (typeof version !== 'string' || !/^\d+\.\d+$/.test(version))
    throw new TypeError(`apiVersion must look like "37.0", got ${String(version)}`);
  return version;
}

/** The Accept values of each API area, versioned (vcd-wire §1.3). */
export const mediaTypes = {
  apiXml: (version: string) => `application/*+xml;version=${version}`,
  apiJson: (version: string) => `application/*+json;version=${version}`,
  cloudapi: (version: string) => `application/json;version=${version}`,
} as const;
