/**
 * Service accounts (VCD 10.4, API 37.0) as go-vcloud-director's service_account.go calls them: register with a
 * software_id, the device authorization an administrator grants by user code, the device_code grant that gives
 * the first (rotating) refresh token, list, revoke, delete. The administrator's calls go through a `VcdClient`
 * on a password session; the device_code poll needs no bearer (`pollDeviceToken`).
 */
import { normalizeEndpoint, oauthBasePath, requireOrg } from './endpoint.js';
import { VcdApiError, VcdClientError, VcdResponseError } from './errors.js';
import { readJson, send } from './http.js';
import { flattenPages } from './paging.js';
import { createTransport, type TransportOptions } from './transport.js';
import type { VcdClient } from './vcd-client.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const URN_PREFIX = 'urn:vcloud:serviceAccount:';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ServiceAccountEntity {
  id: string;
  name: string;
  softwareId: string;
  softwareVersion: string | null;
  role: { name: string; id: string };
  uri: string | null;
  org: { name: string; id: string };
  status: 'CREATED' | 'REQUESTED' | 'GRANTED' | 'ACTIVE';
  lastUsedTimeUtc?: string | null;
}

export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  expires_in: number;
  interval: number;
}

export interface DeviceTokenAnswer {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
}

export function isServiceAccountId(value: string): boolean {
  return UUID.test(value) || (value.toLowerCase().startsWith(URN_PREFIX.toLowerCase()) && UUID.test(value.slice(URN_PREFIX.length)));
}

/** The bare lowercase UUID (the client_id) from either form. */
export function serviceAccountClientId(id: string): string {
  if (!isServiceAccountId(id)) throw new TypeError(`not a service account id (urn:vcloud:serviceAccount:<uuid> or a UUID): ${id}`);
  return (UUID.test(id) ? id : id.slice(URN_PREFIX.length)).toLowerCase();
}

export class ServiceAccountsApi {
  readonly #client: VcdClient;

  constructor(client: VcdClient) {
    this.#client = client;
  }

  list(options: { filter?: string | undefined } = {}): AsyncGenerator<ServiceAccountEntity, void, undefined> {
    // VCD caps this list at 32 a page.
    return flattenPages(this.#client.cloudapiPages<ServiceAccountEntity>('/cloudapi/1.0.0/serviceAccounts', { ...options, pageSize: 32 }));
  }

  async get(id: string): Promise<ServiceAccountEntity> {
    const path = `/cloudapi/1.0.0/serviceAccounts/${URN_PREFIX}${serviceAccountClientId(id)}`;
    return readJson<ServiceAccountEntity>(await this.#client.request(path), path);
  }

  /**
   * By id, or by name among the accounts the caller can see, in any case: the server keeps names unique regardless
   * of case (until 2026-12-05 this compared exactly, so `CI-Bot` was "not found" beside the `ci-bot` that refused it).
   */
  async resolve(idOrName: string): Promise<ServiceAccountEntity> {
    if (isServiceAccountId(idOrName)) return this.get(idOrName);
    const matches: ServiceAccountEntity[] = [];
    const wanted = idOrName.toLowerCase();
    for await (const account of this.list()) if (account.name.toLowerCase() === wanted) matches.push(account);
    if (matches.length === 0) throw new VcdClientError('ERR_VCD_NOT_FOUND', `No service account named "${idOrName}" is visible to you`);
    if (matches.length > 1) {
      const ids = matches.map((a) => `${a.id} (${a.org?.name ?? '?'})`).join(', ');
      throw new VcdClientError('ERR_VCD_AMBIGUOUS_NAME', `${matches.length} service accounts are named "${idOrName}": ${ids}; give the id`);
    }
    return matches[0]!;
  }

  /** `POST /oauth/.../register` with a software_id; `role` is a role name or URN of the org. Returns the client_id. */
  async create(input: {
    name: string;
    role: string;
    softwareId: string;
    softwareVersion?: string | undefined;
    uri?: string | undefined;
  }): Promise<{ clientId: string; id: string }> {
    const scope = input.role.startsWith('urn:') ? input.role : `urn:vcloud:role:${encodeURIComponent(input.role)}`;
    const path = `${oauthBasePath(this.#client.org)}/register`;
    const response = await this.#client.request(path, {
      method: 'POST',
      accept: `application/json;version=${this.#client.apiVersion}`,
      contentType: 'application/json',
      body: JSON.stringify({
        client_name: input.name,
        scope,
        software_id: input.softwareId,
        software_version: input.softwareVersion ?? '',
        client_uri: input.uri ?? '',
      }),
    });
    const body = readJson<{ client_id?: unknown }>(response, path);
    if (typeof body?.client_id !== 'string') throw new VcdResponseError(`${path} answered without a client_id`, response.status, path);
    return { clientId: body.client_id, id: `${URN_PREFIX}${body.client_id}` };
  }

  /** `POST /oauth/.../device_authorization`: a device code (secret) and the user code an administrator grants. */
  async authorize(id: string): Promise<DeviceAuthorization> {
    const path = `${oauthBasePath(this.#client.org)}/device_authorization`;
    const response = await this.#client.request(path, {
      method: 'POST',
      accept: 'application/json',
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({ client_id: serviceAccountClientId(id) }).toString(),
    });
    const body = readJson<Partial<DeviceAuthorization>>(response, path);
    if (typeof body?.device_code !== 'string' || typeof body.user_code !== 'string') {
      throw new VcdResponseError(`${path} answered without a device_code and user_code`, response.status, path);
    }
    return body as DeviceAuthorization;
  }

  /** `POST /cloudapi/1.0.0/deviceLookup/grant` (or `/deny`) by user code. */
  async decide(userCode: string, grant: boolean): Promise<void> {
    await this.#client.request(`/cloudapi/1.0.0/deviceLookup/${grant ? 'grant' : 'deny'}`, {
      method: 'POST',
      contentType: 'application/json',
      body: JSON.stringify({ userCode }),
    });
  }

  async revoke(id: string): Promise<void> {
    await this.#client.request(`/cloudapi/1.0.0/serviceAccounts/${URN_PREFIX}${serviceAccountClientId(id)}/revoke`, { method: 'POST' });
  }

  async remove(id: string): Promise<void> {
    await this.#client.request(`/cloudapi/1.0.0/serviceAccounts/${URN_PREFIX}${serviceAccountClientId(id)}`, { method: 'DELETE' });
  }
}

/**
 * RFC 8628 §3.4 polling until an administrator decides: waits `interval` seconds between polls (5 more after a
 * `slow_down`), gives up at `expires_in`. Resolves with the first token; rejects with the server's
 * `access_denied` / `expired_token` as a VcdApiError.
 */
export async function pollDeviceToken(
  options: TransportOptions & {
    endpoint: string;
    org: string;
    clientId: string;
    deviceCode: string;
    intervalSeconds?: number | undefined;
    /** Called before each wait (progress output). */
    onPending?: ((waitSeconds: number) => void) | undefined;
    /** Injectable for tests. */
    sleep?: ((ms: number) => Promise<void>) | undefined;
  },
): Promise<DeviceTokenAnswer> {
  const transport = createTransport(options);
  const url = `${normalizeEndpoint(options.endpoint)}${oauthBasePath(requireOrg(options.org))}/token`;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let interval = options.intervalSeconds ?? 5;
  for (;;) {
    try {
      const response = await send(transport, {
        method: 'POST',
        url,
        headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: DEVICE_CODE_GRANT,
          client_id: serviceAccountClientId(options.clientId),
          device_code: options.deviceCode,
        }).toString(),
      });
      const body = readJson<Partial<DeviceTokenAnswer>>(response, url);
      if (typeof body?.access_token !== 'string' || typeof body.refresh_token !== 'string') {
        throw new VcdResponseError(`${url} answered the device_code grant without tokens`, response.status, url);
      }
      return body as DeviceTokenAnswer;
    } catch (error) {
      if (!(error instanceof VcdApiError)) throw error;
      if (error.minorErrorCode === 'slow_down') interval += 5;
      else if (error.minorErrorCode !== 'authorization_pending') throw error;
    }
    options.onPending?.(interval);
    await sleep(interval * 1000);
  }
}
