/**
 * `VcdClient`: a typed client for the parts of VCD that API-token users call, equally at home against
 * Tessera and a real VCD (same wire). It authenticates with an API token (exchanged lazily, renewed before
 * `expires_in` runs out and once more on a 401) or with a password session's access token.
 */
import { ApiTokenBearer, SessionBearer, type BearerSource } from './bearer.js';
import { isProviderOrg, mediaTypes, normalizeEndpoint, requireApiVersion, requireOrg } from './endpoint.js';
import { VcdApiError, VcdClientError, VcdResponseError } from './errors.js';
import { readJson, send } from './http.js';
import { redeemTokenClient, registerTokenClient } from './oauth.js';
import { checkedPageSize, flattenPages, sortParameters, walkPages, type Page } from './paging.js';
import { parseQueryXmlPage } from './query-xml.js';
import { signIn, type SignInCredentials } from './sessions.js';
import { readTokenFile, writeTokenFile } from './token-file.js';
import { createTransport, type HttpResponse, type HttpTransport, type TransportOptions } from './transport.js';
import type { ApiTokenEntity, CloudApiPage, OrgEntity, QueryResultRecords, SessionEntity, VdcEntity, VmRecord } from './types.js';

export interface VcdClientOptions extends TransportOptions {
  /** `https://vcd.example.com` (a trailing `/api` is fine, a bare host means https). */
  endpoint: string;
  /** The organization name; `System` (any case) for the provider. */
  org: string;
  /** An API token: exchanged for short-lived access tokens as needed. */
  apiToken?: string | undefined;
  /**
   * Or a service account's token file (govcd's `{"token_type":"Service Account","refresh_token":...}`): read
   * before every exchange, and rewritten atomically (temp file, fsync, rename; mode 0600) with the rotated token.
   */
  tokenFile?: string | undefined;
  /** Or an access token from a password sign-in (not renewable). */
  accessToken?: string | undefined;
  /** VCD API version sent in Accept; default "37.0". */
  apiVersion?: string | undefined;
  /** Service-account tokens rotate on every exchange: save the new value here. */
  onApiTokenRotated?: ((apiToken: string) => void | Promise<void>) | undefined;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: (() => number) | undefined;
}

export interface RequestOptions {
  method?: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Defaults: `application/json;version=V` under /cloudapi, `application/*+xml;version=V` elsewhere. */
  accept?: string;
  body?: string;
  contentType?: string;
}

export interface ListOptions {
  /** FIQL, e.g. `(name==my-token;owner.name==alice)`. */
  filter?: string | undefined;
  /** `name`, `-name` or `name:desc`. */
  sort?: string | undefined;
  /** 1..128; default 128 (one request for most lists). */
  pageSize?: number | undefined;
}

export interface QueryVmsOptions extends ListOptions {
  /** `vm` for tenants, `adminVM` for System by default (what govcd does). */
  type?: 'vm' | 'adminVM' | undefined;
}

export interface CreatedApiToken {
  /** The secret. It is shown this once: the server keeps only its hash. */
  apiToken: string;
  /** `urn:vcloud:token:<client_id>`. */
  id: string;
  /** The token entity as listed, or null if reading it back failed (the token itself was still minted). */
  entity: ApiTokenEntity | null;
}

/** A regenerated token (Tessera extension): the new secret, once, and what became of the token it replaced. */
export interface RegeneratedApiToken {
  /** The new secret. It is shown this once: the server keeps only its hash. */
  apiToken: string;
  /** The new token's `urn:vcloud:token:<uuid>` (a new id; the name, scope and expiry rule carry over). */
  id: string;
  /** The new token's entity (`token` cleared, as everywhere else). */
  entity: ApiTokenEntity;
  /** The id of the token replaced. */
  replaces: string;
  /** When the replaced token stops (now when no grace was asked for). */
  replacedTokenStopsAt: Date;
}

/** The longest grace a regeneration may give the old token: 7 days, as the portal offers. */
export const MAX_REGENERATE_GRACE_SECONDS = 7 * 86_400;

const TOKEN_URN_PREFIX = 'urn:vcloud:token:';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PLAIN_NAME = /^[\w.-]+$/;

export class VcdClient {
  readonly endpoint: string;
  readonly org: string;
  readonly apiVersion: string;
  readonly #transport: HttpTransport;
  readonly #bearer: BearerSource;

  constructor(options: VcdClientOptions) {
    this.endpoint = normalizeEndpoint(options.endpoint);
    this.org = requireOrg(options.org);
    this.apiVersion = requireApiVersion(options.apiVersion);
    this.#transport = createTransport(options);
    const given = [options.apiToken, options.tokenFile, options.accessToken].filter((x) => x !== undefined).length;
    if (given > 1) throw new TypeError('pass one of apiToken, tokenFile or accessToken');
    if (options.tokenFile !== undefined) {
      const path = options.tokenFile;
      if (typeof path !== 'string' || path === '') throw new TypeError('tokenFile must be a path');
      this.#bearer = new ApiTokenBearer({
        transport: this.#transport,
        endpoint: this.endpoint,
        org: this.org,
        readApiToken: () => readTokenFile(path),
        onApiTokenRotated: async (rotated) => {
          // Written before the access token is used: a crash after this point loses nothing.
          await writeTokenFile(path, rotated);
          await options.onApiTokenRotated?.(rotated);
        },
        now: options.now,
      });
    } else if (options.apiToken !== undefined) {
      this.#bearer = new ApiTokenBearer({
        transport: this.#transport,
        endpoint: this.endpoint,
        org: this.org,
        apiToken: options.apiToken,
        onApiTokenRotated: options.onApiTokenRotated,
        now: options.now,
      });
    } else if (options.accessToken !== undefined) {
      this.#bearer = new SessionBearer(options.accessToken);
    } else {
      throw new TypeError('apiToken, tokenFile (or the accessToken of a session) is required');
    }
  }

  /** Signs in with a password (and a TOTP code when the account has one) and returns a client on that session. */
  static async signIn(
    options: Omit<VcdClientOptions, 'apiToken' | 'accessToken' | 'tokenFile' | 'onApiTokenRotated'> & SignInCredentials,
  ): Promise<{ client: VcdClient; session: SessionEntity; accessToken: string }> {
    const endpoint = normalizeEndpoint(options.endpoint);
    const org = requireOrg(options.org);
    const apiVersion = requireApiVersion(options.apiVersion);
    const { accessToken, session } = await signIn(
      { transport: createTransport(options), endpoint, org, apiVersion },
      { user: options.user, password: options.password, totp: options.totp },
    );
    return { client: new VcdClient({ ...options, endpoint, org, apiVersion, accessToken }), session, accessToken };
  }

  /** True when the client holds an API token (it can renew its bearer). */
  get usesApiToken(): boolean {
    return this.#bearer.renewable;
  }

  /** The bearer to send now (exchanging the API token first if needed). */
  accessToken(): Promise<string> {
    return this.#bearer.current();
  }

  /** Any call on the API; throws `VcdApiError` for an error status. */
  async request(path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    if (!path.startsWith('/')) throw new TypeError(`path must start with "/": ${path}`);
    const method = options.method ?? 'GET';
    const url = this.#url(path, options.query);
    const accept =
      options.accept ?? (path.startsWith('/cloudapi/') ? mediaTypes.cloudapi(this.apiVersion) : mediaTypes.apiXml(this.apiVersion));
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { Accept: accept, Authorization: `Bearer ${await this.#bearer.current()}` };
      if (options.contentType) headers['Content-Type'] = options.contentType;
      try {
        return await send(this.#transport, {
          method,
          url,
          headers,
          body: options.body,
          describeError: ({ status, minorErrorCode, message }) =>
            status === 401 && !this.#bearer.renewable
              ? `The session is no longer valid (expired, signed out or revoked): sign in again (${minorErrorCode ?? status}: ${message})`
              : undefined,
        });
      } catch (error) {
        // One retry with a fresh bearer: the access token may have expired or been cut short since we got it.
        if (error instanceof VcdApiError && error.status === 401 && attempt === 1 && this.#bearer.invalidate()) continue;
        throw error;
      }
    }
  }

  async #json<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(path, options);
    return readJson<T>(response, this.#url(path));
  }

  // -- sessions ---------------------------------------------------------------------------------------------

  currentSession(): Promise<SessionEntity> {
    return this.#json<SessionEntity>('/cloudapi/1.0.0/sessions/current');
  }

  /** Ends the current session (`DELETE /cloudapi/1.0.0/sessions/current`). */
  async signOut(): Promise<void> {
    await this.request('/cloudapi/1.0.0/sessions/current', { method: 'DELETE' });
  }

  // -- query service ----------------------------------------------------------------------------------------

  /** Every VM the caller may see, page after page (JSON query service). */
  queryVms(options: QueryVmsOptions = {}): AsyncGenerator<VmRecord, void, undefined> {
    return flattenPages(this.queryVmPages(options));
  }

  queryVmPages(options: QueryVmsOptions = {}): AsyncGenerator<Page<VmRecord>, void, undefined> {
    const params = this.#queryParams(options);
    return walkPages(async (page) => {
      const body = await this.#json<QueryResultRecords<VmRecord>>('/api/query', {
        query: { ...params, page },
        accept: mediaTypes.apiJson(this.apiVersion),
      });
      const items = Array.isArray(body.record) ? body.record : [];
      return { page: body.page ?? page, pageSize: body.pageSize ?? items.length, total: body.total ?? items.length, items };
    });
  }

  /** The same pages in XML: each item is one `<VMRecord .../>` (or `<AdminVMRecord>`) element as the server wrote it. */
  queryVmXmlPages(options: QueryVmsOptions = {}): AsyncGenerator<Page<string>, void, undefined> {
    const params = this.#queryParams(options);
    const element = params.type === 'adminVM' ? 'AdminVMRecord' : 'VMRecord';
    return walkPages(async (page) => {
      const response = await this.request('/api/query', { query: { ...params, page }, accept: mediaTypes.apiXml(this.apiVersion) });
      const parsed = parseQueryXmlPage(response.body, element);
      if (!parsed) {
        const url = this.#url('/api/query');
        throw new VcdResponseError(`Expected QueryResultRecords XML from ${url}`, response.status, url);
      }
      return parsed;
    });
  }

  #queryParams(options: QueryVmsOptions): Record<string, string | number> {
    const type = options.type ?? (isProviderOrg(this.org) ? 'adminVM' : 'vm');
    const params: Record<string, string | number> = {
      type,
      format: 'records',
      pageSize: checkedPageSize(options.pageSize, 128),
      ...sortParameters(options.sort),
    };
    if (options.filter) params.filter = options.filter;
    return params;
  }

  // -- cloudapi lists ---------------------------------------------------------------------------------------

  listOrgs(options: ListOptions = {}): AsyncGenerator<OrgEntity, void, undefined> {
    return flattenPages(this.cloudapiPages<OrgEntity>('/cloudapi/1.0.0/orgs', options));
  }

  listVdcs(options: ListOptions = {}): AsyncGenerator<VdcEntity, void, undefined> {
    return flattenPages(this.cloudapiPages<VdcEntity>('/cloudapi/1.0.0/vdcs', options));
  }

  /** Any paged cloudapi list (`{resultTotal, pageCount, page, pageSize, values}`). */
  cloudapiPages<T>(path: string, options: ListOptions = {}): AsyncGenerator<Page<T>, void, undefined> {
    const params: Record<string, string | number> = { pageSize: checkedPageSize(options.pageSize, 128), ...sortParameters(options.sort) };
    if (options.filter) params.filter = options.filter;
    return walkPages(async (page) => {
      const body = await this.#json<CloudApiPage<T>>(path, { query: { ...params, page } });
      const items = Array.isArray(body.values) ? body.values : [];
      return { page: body.page ?? page, pageSize: body.pageSize ?? items.length, total: body.resultTotal ?? items.length, items };
    });
  }

  // -- API tokens -------------------------------------------------------------------------------------------

  listTokens(options: ListOptions = {}): AsyncGenerator<ApiTokenEntity, void, undefined> {
    return flattenPages(this.cloudapiPages<ApiTokenEntity>('/cloudapi/1.0.0/tokens', options));
  }

  /** By `urn:vcloud:token:<uuid>` or the bare UUID. VCD answers 403 for a missing token (vcd-wire §6). */
  getToken(id: string): Promise<ApiTokenEntity> {
    return this.#json<ApiTokenEntity>(`/cloudapi/1.0.0/tokens/${encodeURIComponent(toTokenUrn(id))}`);
  }

  /** Finds a token by id, or by exact name among the tokens the caller can see. */
  async resolveToken(idOrName: string): Promise<ApiTokenEntity> {
    if (isTokenId(idOrName)) return this.getToken(idOrName);
    const filter = PLAIN_NAME.test(idOrName) ? `name==${idOrName}` : undefined;
    const matches: ApiTokenEntity[] = [];
    // In any Unicode form of the name: a terminal sends `café` precomposed, a token made from a file may hold it
    // decomposed (`cafe` + U+0301), and the two are one name on screen. A server refuses two such names to one owner.
    const wanted = idOrName.normalize('NFC');
    for await (const token of this.listTokens({ filter })) if (token.name.normalize('NFC') === wanted) matches.push(token);
    if (matches.length === 0) throw new VcdClientError('ERR_VCD_NOT_FOUND', `No API token named "${idOrName}" is visible to you`);
    if (matches.length > 1) {
      // Created and expiry tell a regenerated token's two generations apart (the old one ends with its grace).
      const owners = matches
        .map((token) => {
          const ends = token.expirationTimeUtc ? `expires ${token.expirationTimeUtc}` : 'never expires';
          return `${token.id} (${token.owner?.name ?? '?'}@${token.org?.name ?? '?'}, created ${token.createdTimeUtc}, ${ends})`;
        })
        .join(', ');
      throw new VcdClientError('ERR_VCD_AMBIGUOUS_NAME', `${matches.length} API tokens are named "${idOrName}": ${owners}; give the id`);
    }
    return matches[0]!;
  }

  /** Revokes the token and, with it, every session made from it (204). */
  async revokeToken(id: string): Promise<void> {
    await this.request(`/cloudapi/1.0.0/tokens/${encodeURIComponent(toTokenUrn(id))}`, { method: 'DELETE' });
  }

  /**
   * A new secret for one of the caller's own tokens, under the same name and scope (Tessera:
   * `POST /cloudapi/x-tessera/tokens/{id}/regenerate`). The old token stops at once, or after `graceSeconds`
   * (0 to 7 days) so that scripts can be given the new one first. Password sessions only, as creation.
   * `expiresAt`: the new token's expiry (a Date), `null` for none (the org's maximum when it has one), absent for
   * the old lifetime again from now.
   */
  async regenerateToken(
    id: string,
    options: { graceSeconds?: number | undefined; expiresAt?: Date | null | undefined } = {},
  ): Promise<RegeneratedApiToken> {
    const grace = options.graceSeconds ?? 0;
    if (!Number.isInteger(grace) || grace < 0 || grace > MAX_REGENERATE_GRACE_SECONDS) {
      throw new TypeError(`graceSeconds must be a whole number from 0 to ${MAX_REGENERATE_GRACE_SECONDS}`);
    }
    const expiresAt = options.expiresAt;
    if (expiresAt !== undefined && expiresAt !== null && !(expiresAt instanceof Date && !Number.isNaN(expiresAt.getTime()))) {
      throw new TypeError('expiresAt must be a valid Date or null');
    }
    if (this.#bearer.renewable) {
      throw new VcdClientError(
        'ERR_VCD_FORBIDDEN',
        'API tokens can only be regenerated from a password session, not from another API token',
      );
    }
    const path = `/cloudapi/x-tessera/tokens/${encodeURIComponent(toTokenUrn(id))}/regenerate`;
    const answer = await this.#json<ApiTokenEntity & { token: string; replaces: string; replacedTokenStopsAtUtc: string }>(path, {
      method: 'POST',
      contentType: 'application/json',
      body: JSON.stringify({
        graceSeconds: grace,
        ...(expiresAt === undefined ? {} : { expirationTimeUtc: expiresAt === null ? null : expiresAt.toISOString() }),
      }),
    });
    const { token, replaces, replacedTokenStopsAtUtc, ...entity } = answer;
    return {
      apiToken: token,
      id: entity.id,
      entity: { ...entity, token: null },
      replaces,
      replacedTokenStopsAt: new Date(replacedTokenStopsAtUtc),
    };
  }

  /**
   * Mints an API token from a password session: register a client, then the one-shot jwt-bearer grant with
   * the session's access token as the assertion (vcd-wire §4). API-token sessions are refused by the server.
   */
  /**
   * `scope` narrows the token (Tessera): `read-only`, or a role of the user's org within the user's rights, as a
   * role URN or a plain role name.
   */
  async createToken(name: string, options: { expiresAt?: Date | undefined; scope?: string | undefined } = {}): Promise<CreatedApiToken> {
    if (typeof name !== 'string' || name.trim() === '') throw new TypeError('token name is required');
    if (options.expiresAt !== undefined && !(options.expiresAt instanceof Date && !Number.isNaN(options.expiresAt.getTime()))) {
      throw new TypeError('expiresAt must be a valid Date');
    }
    if (this.#bearer.renewable) {
      // VCD refuses it too (vcd-wire §10); saying so here beats a generic 403 after a token exchange.
      throw new VcdClientError('ERR_VCD_FORBIDDEN', 'API tokens can only be created from a password session, not from another API token');
    }
    const accessToken = await this.#bearer.current();
    const target = { transport: this.#transport, endpoint: this.endpoint, org: this.org, accessToken, apiVersion: this.apiVersion };
    const scope =
      options.scope === undefined || options.scope === 'read-only' || options.scope.startsWith('urn:')
        ? options.scope
        : `urn:vcloud:role:${encodeURIComponent(options.scope)}`;
    const registration = await registerTokenClient({
      ...target,
      name: name.trim(),
      expirationTimeUtc: options.expiresAt?.toISOString(),
      scope,
    });
    const granted = await redeemTokenClient({ ...target, clientId: registration.client_id });
    const id = toTokenUrn(registration.client_id);
    let entity: ApiTokenEntity | null = null;
    try {
      entity = await this.getToken(id);
    } catch {
      // The secret exists now and is shown only once: never lose it because the read-back failed.
    }
    return { apiToken: granted.refresh_token, id, entity };
  }

  #url(path: string, query?: Record<string, string | number | boolean | undefined>): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) search.set(key, String(value));
    const text = search.toString();
    return `${this.endpoint}${path}${text ? `?${text}` : ''}`;
  }
}

export function isTokenId(value: string): boolean {
  return UUID.test(value) || (value.toLowerCase().startsWith(TOKEN_URN_PREFIX) && UUID.test(value.slice(TOKEN_URN_PREFIX.length)));
}

/** `urn:vcloud:token:<uuid>` from either form; govcd insists on the lowercase UUID (vcd-wire §0.4). */
export function toTokenUrn(id: string): string {
  if (!isTokenId(id)) throw new TypeError(`not a token id (urn:vcloud:token:<uuid> or a UUID): ${id}`);
  const uuid = UUID.test(id) ? id : id.slice(TOKEN_URN_PREFIX.length);
  return TOKEN_URN_PREFIX + uuid.toLowerCase();
}
