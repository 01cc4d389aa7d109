/**
 * A service account taken through RFC 8628 to its first token, as govcd's Test_ServiceAccount does: register, device
 * authorization, the administrator's grant, the device-code grant. Each step may go to another node of a cluster.
 */
import assert from 'node:assert/strict';
import { bearer, http, oauthPath } from './api.js';

const JSON_37 = 'application/json;version=37.0';

export interface FlowNodes {
  readonly register: string;
  readonly grant: string;
  readonly poll: string;
}

/**
 * Registers an account in `org` (acme unless told) as `session` (an administrator of it) and activates it; its first
 * token.
 */
export async function activeServiceAccount(
  nodes: FlowNodes,
  session: string,
  name: string,
  scope = 'urn:vcloud:role:vApp%20User',
  org = 'acme',
) {
  const oauth = oauthPath(org);
  const reg = await http(`${nodes.register}${oauth}/register`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_name: name, scope, software_id: '12345678-1234-1234-1234-1234567890ab' }),
  });
  assert.equal(reg.status, 200, reg.text);
  const id = reg.json().client_id as string;
  const auth = await http(`${nodes.register}${oauth}/device_authorization`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: id }),
  });
  assert.equal(auth.status, 200, auth.text);
  const granted = await http(`${nodes.grant}/cloudapi/1.0.0/deviceLookup/grant`, {
    method: 'POST',
    headers: { ...bearer(session, JSON_37), 'Content-Type': 'application/json' },
    body: JSON.stringify({ userCode: auth.json().user_code }),
  });
  assert.equal(granted.status, 204, granted.text);
  const first = await http(`${nodes.poll}${oauth}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: id,
      device_code: auth.json().device_code,
    }),
  });
  assert.equal(first.status, 200, first.text);
  return { id, refreshToken: first.json().refresh_token as string, accessToken: first.json().access_token as string };
}
