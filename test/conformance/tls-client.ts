/**
 * HTTPS to the conformance server's self-signed certificate on loopback, for the tests' own checks beside the real
 * clients (fetch cannot skip verification): one request, and VCD's documented way to get an API token.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { oauthPath } from '../helpers/api.js';

/** HTTPS to the test server's self-signed certificate on loopback (fetch cannot skip verification). */
export function call(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Password sign-in at the cloudapi: the session's access token. */
export async function signInFor(base: string, user: string, org: string, password: string): Promise<string> {
  const provider = org.toLowerCase() === 'system';
  const signIn = await call(`${base}/cloudapi/1.0.0/sessions${provider ? '/provider' : ''}`, {
    method: 'POST',
    headers: {
      Authorization: 'Basic ' + Buffer.from(`${user}@${org}:${password}`).toString('base64'),
      Accept: 'application/json;version=37.2',
    },
  });
  assert.equal(signIn.status, 200, `sign-in of ${user}@${org}: ${signIn.body}`);
  return String(signIn.headers['x-vmware-vcloud-access-token']);
}

/** An API token's exchange at its org's token endpoint, as a script makes it. */
export function exchangeFor(base: string, org: string, refreshToken: string) {
  return call(`${base}${oauthPath(org)}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
  });
}

/** Password sign-in, then VCD's register + jwt-bearer pair: a new API token and its id. */
export async function apiTokenFor(base: string, user: string, org: string, password: string) {
  const session = await signInFor(base, user, org, password);
  const register = await call(`${base}${oauthPath(org)}/register`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json', Accept: 'application/json;version=' },
    body: JSON.stringify({ client_name: `capvcd-conformance-${user}-${Date.now()}` }),
  });
  assert.equal(register.status, 200, register.body);
  const clientId = JSON.parse(register.body).client_id as string;
  const grant = await call(`${base}${oauthPath(org)}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      assertion: session,
      client_id: clientId,
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    }).toString(),
  });
  assert.equal(grant.status, 200, grant.body);
  return { tokenId: `urn:vcloud:token:${clientId}`, refreshToken: JSON.parse(grant.body).refresh_token as string };
}
