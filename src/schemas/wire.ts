/**
 * The wire contract: VCD's shapes as Tessera serves them (vcd-wire §4-7, §9). The server's renderers are typed
 * against these interfaces and the SDK (src/client) reads them, so the two cannot drift apart: a field renamed
 * on one side fails the type check on the other. Types only: nothing here exists at run time.
 * Fields VCD may leave out are optional; records keep any further attribute the server sends.
 */

/** `{name, id}` with a URN id, as in `owner`, `org`, `roleRefs`. */
export interface EntityReference {
  name: string;
  id: string;
}

/** 200 from `POST /oauth/{tenant/{org}|provider}/token` (vcd-wire §4.2, §5.2). */
export interface OAuthTokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  /** The API token on the jwt-bearer grant; null on a user-token refresh; a new value when a service account rotates. */
  refresh_token?: string | null;
  /** A narrowed API token's scope (`read-only` or a role URN); absent for a token with its owner's rights. */
  scope?: string;
}

/** 200/201 from `POST /oauth/.../register` (vcd-wire §4.1). */
export interface OAuthClientRegistration {
  client_name: string;
  client_id: string;
  grant_types?: string[];
  token_endpoint_auth_method?: string;
  [field: string]: unknown;
}

/** The paged envelope of every `/cloudapi` list (vcd-wire §7). */
export interface CloudApiPage<T> {
  resultTotal: number;
  pageCount: number;
  page: number;
  pageSize: number;
  associations?: unknown[];
  values: T[];
}

/** `/cloudapi/1.0.0/tokens` entity (vcd-wire §6). `token` is null for API tokens (REFRESH). */
export interface ApiTokenEntity {
  id: string;
  name: string;
  token: string | null;
  /** ISO date-time, or null: VCD's own API tokens never expire. */
  expirationTimeUtc: string | null;
  owner: EntityReference;
  org: EntityReference;
  type: string;
  /** Tessera extensions (absent on real VCD). */
  createdTimeUtc?: string | null;
  lastUsedTimeUtc?: string | null;
  lastUsedIpAddresses?: string[];
  /** The displayable start of the secret: 4 characters (`AbCd`), or `tsr_AbCdEf` for a legacy token. */
  tokenStart?: string | null;
  /** Least privilege: null (the owner's rights), `read-only`, or `urn:vcloud:role:<id>`. */
  scope?: string | null;
  [extension: string]: unknown;
}

/** `/cloudapi/1.0.0/sessions` entity (vcd-wire §3.1). */
export interface SessionEntity {
  id: string;
  user: EntityReference;
  org: EntityReference;
  site?: EntityReference;
  location?: string;
  roles?: string[];
  roleRefs?: EntityReference[];
  sessionIdleTimeoutMinutes?: number;
  [field: string]: unknown;
}

/** `/cloudapi/1.0.0/orgs` entity. */
export interface OrgEntity {
  id: string;
  name: string;
  displayName?: string;
  description?: string | null;
  isEnabled?: boolean;
  [field: string]: unknown;
}

/** `/cloudapi/1.0.0/vdcs` entity. */
export interface VdcEntity {
  id: string;
  name: string;
  description?: string | null;
  org?: EntityReference;
  allocationType?: string;
  [field: string]: unknown;
}

/** One `record` of `GET /api/query?type=vm|adminVM` in JSON (vcd-wire §9.2-9.3). */
export interface VmRecord {
  href: string;
  name: string;
  id?: string | null;
  _type?: string;
  status?: string;
  containerName?: string;
  container?: string;
  vdcName?: string;
  vdc?: string;
  ownerName?: string;
  guestOs?: string;
  numberOfCpus?: number;
  memoryMB?: number;
  isVAppTemplate?: boolean;
  isDeployed?: boolean;
  networkName?: string;
  ipAddress?: string;
  storageProfileName?: string;
  hardwareVersion?: number | string;
  /** adminVM only. */
  org?: string;
  [attribute: string]: unknown;
}

/** The JSON envelope of the query service (vcd-wire §9.3). */
export interface QueryResultRecords<T> {
  total: number;
  page: number;
  pageSize: number;
  name?: string;
  href?: string;
  type?: string;
  record: T[];
  [field: string]: unknown;
}
