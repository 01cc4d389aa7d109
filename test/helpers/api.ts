/**
 * Small HTTP helpers for tests: sign in, create an API token through VCD's register + jwt-bearer pair,
 * exchange it. Each returns what a client would see; assertions stay in the tests.
 */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json(): any;
}

/** fetch that also works against the self-signed HTTPS server (tests only). */
export async function http(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, { ...init, redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

export const basic = (user: string, org: string, password: string) =>
  'Basic ' + Buffer.from(`${user}@${org}:${password}`).toString('base64');

export async function signIn(baseUrl: string, user: string, org: string, password: string, totp?: string): Promise<string> {
  const provider = org.toLowerCase() === 'system';
  const res = await http(`${baseUrl}/cloudapi/1.0.0/sessions${provider ? '/provider' : ''}`, {
    method: 'POST',
    headers: {
      Authorization: basic(user, org, password),
      Accept: 'application/json;version=37.0',
      ...(totp ? { 'X-Tessera-TOTP': totp } : {}),
    },
  });
  if (res.status !== 200) throw new Error(`sign-in of ${user}@${org} failed: ${res.status} ${res.text}`);
  return res.headers.get('x-vmware-vcloud-access-token')!;
}

export const oauthPath = (org: string) => (org.toLowerCase() === 'system' ? '/oauth/provider' : `/oauth/tenant/${org}`);

/** register + jwt-bearer grant, as govcd's CreateToken + GetInitialApiToken do. */
export async function createApiToken(
  baseUrl: string,
  sessionToken: string,
  org: string,
  name: string,
  extra: Record<string, unknown> = {},
) {
  const reg = await http(`${baseUrl}${oauthPath(org)}/register`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${sessionToken}`, 'Content-Type': 'application/json', Accept: 'application/json;version=' },
    body: JSON.stringify({ client_name: name, ...extra }),
  });
  if (reg.status !== 200) throw new Error(`register failed: ${reg.status} ${reg.text}`);
  const clientId = reg.json().client_id as string;
  const grant = await http(`${baseUrl}${oauthPath(org)}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ assertion: sessionToken, client_id: clientId, grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer' }),
  });
  if (grant.status !== 200) throw new Error(`jwt-bearer grant failed: ${grant.status} ${grant.text}`);
  return { clientId, tokenId: `urn:vcloud:token:${clientId}`, apiToken: grant.json().refresh_token as string };
}

export async function exchange(baseUrl: string, org: string, apiToken: string): Promise<Reply> {
  return http(`${baseUrl}${oauthPath(org)}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(apiToken)}`,
  });
}

export async function accessTokenFrom(baseUrl: string, org: string, apiToken: string): Promise<string> {
  const res = await exchange(baseUrl, org, apiToken);
  if (res.status !== 200) throw new Error(`exchange failed: ${res.status} ${res.text}`);
  return res.json().access_token as string;
}

export const bearer = (token: string, accept = 'application/json;version=37.0') => ({ Authorization: `Bearer ${token}`, Accept: accept });
