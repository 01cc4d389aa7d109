/**
 * The TypeScript twin of the PowerShell `Create-VcdApiHeaders -VCDEndpointurl -Tenant -ApiToken` from VMware's
 * 10.3.1 API-token blog: trade the API token at the org's token endpoint and hand back ready-made headers.
 *
 *   const h = await createVcdApiHeaders({ endpoint: 'https://vcd.example.com', tenant: 'acme', apiToken });
 *   await fetch(`${h.endpoint}/api/query?type=vm`, { headers: h.api });          // XML
 *   await fetch(`${h.endpoint}/cloudapi/1.0.0/orgs`, { headers: h.cloudapi });  // JSON
 *
 * The headers hold a short-lived access token (`expiresAt`); for long-running work use `VcdClient`, which renews.
 */
import { mediaTypes, normalizeEndpoint, requireApiVersion, requireOrg } from './endpoint.js';
import { exchangeApiToken } from './oauth.js';
import { createTransport, type TransportOptions } from './transport.js';

export interface CreateVcdApiHeadersOptions extends TransportOptions {
  /** `https://vcd.example.com`, with or without `/api`; a bare host name means https. */
  endpoint: string;
  /** The organization name; `System` (any case) exchanges at `/oauth/provider/token`. */
  tenant: string;
  apiToken: string;
  /** Default "37.0". */
  apiVersion?: string | undefined;
}

export interface AuthHeaders {
  Authorization: string;
  Accept: string;
  [header: string]: string;
}

export interface VcdApiHeaders {
  /** The normalized root: `${endpoint}/api/...`, `${endpoint}/cloudapi/...`. */
  endpoint: string;
  apiVersion: string;
  accessToken: string;
  tokenType: string;
  expiresAt: Date;
  /** For `/api` in XML: `Accept: application/*+xml;version=V`. */
  api: AuthHeaders;
  /** For `/api` in JSON (the query service): `Accept: application/*+json;version=V`. */
  apiJson: AuthHeaders;
  /** For `/cloudapi`: `Accept: application/json;version=V`. */
  cloudapi: AuthHeaders;
  /** Set when the server rotated the token (service accounts): the old one is dead, keep this one. */
  rotatedApiToken: string | null;
}

export async function createVcdApiHeaders(options: CreateVcdApiHeadersOptions): Promise<VcdApiHeaders> {
  const endpoint = normalizeEndpoint(options.endpoint);
  const org = requireOrg(options.tenant, 'tenant');
  const apiVersion = requireApiVersion(options.apiVersion);
  const startedAt = Date.now();
  const token = await exchangeApiToken({ transport: createTransport(options), endpoint, org, apiToken: options.apiToken });
  return buildVcdApiHeaders({
    endpoint,
    apiVersion,
    accessToken: token.access_token,
    expiresAt: new Date(startedAt + token.expires_in * 1000),
    rotatedApiToken: token.refresh_token && token.refresh_token !== options.apiToken.trim() ? token.refresh_token : null,
  });
}

/** The header sets for an access token already in hand (pure). */
export function buildVcdApiHeaders(input: {
  endpoint: string;
  apiVersion: string;
  accessToken: string;
  expiresAt: Date;
  rotatedApiToken?: string | null;
}): VcdApiHeaders {
  const authorization = `Bearer ${input.accessToken}`;
  return {
    endpoint: input.endpoint,
    apiVersion: input.apiVersion,
    accessToken: input.accessToken,
    tokenType: 'Bearer',
    expiresAt: input.expiresAt,
    api: { Authorization: authorization, Accept: mediaTypes.apiXml(input.apiVersion) },
    apiJson: { Authorization: authorization, Accept: mediaTypes.apiJson(input.apiVersion) },
    cloudapi: { Authorization: authorization, Accept: mediaTypes.cloudapi(input.apiVersion) },
    rotatedApiToken: input.rotatedApiToken ?? null,
  };
}
