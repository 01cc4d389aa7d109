/**
 * `tessera/client`: a zero-dependency TypeScript SDK for VMware Cloud Director's API-token flow, against Tessera
 * or a real VCD. Start with `createVcdApiHeaders` (one exchange, ready headers) or `VcdClient` (renews itself).
 */
export { createVcdApiHeaders, buildVcdApiHeaders } from './create-vcd-api-headers.js';
export type { CreateVcdApiHeadersOptions, VcdApiHeaders, AuthHeaders } from './create-vcd-api-headers.js';
export { VcdClient, toTokenUrn, isTokenId, MAX_REGENERATE_GRACE_SECONDS } from './vcd-client.js';
export { AdminApi } from './admin.js';
export { ServiceAccountsApi, pollDeviceToken, isServiceAccountId, serviceAccountClientId, DEVICE_CODE_GRANT } from './service-accounts.js';
export type { ServiceAccountEntity, DeviceAuthorization, DeviceTokenAnswer } from './service-accounts.js';
export { readTokenFile, writeTokenFile, SERVICE_ACCOUNT_TOKEN_TYPE } from './token-file.js';
export type { ServiceAccountTokenFile } from './token-file.js';
export type { EntityRef, NewOrg, NewUser, UserSummary } from './admin.js';
export type { VcdClientOptions, RequestOptions, ListOptions, QueryVmsOptions, CreatedApiToken, RegeneratedApiToken } from './vcd-client.js';
export { VcdClientError, VcdApiError, VcdNetworkError, VcdResponseError, isVcdClientError } from './errors.js';
export type { VcdErrorCode, VcdApiErrorDetails } from './errors.js';
export { parseErrorBody } from './error-body.js';
export type { ParsedErrorBody } from './error-body.js';
export { exchangeApiToken, registerTokenClient, redeemTokenClient, JWT_BEARER_GRANT } from './oauth.js';
export { signIn, ACCESS_TOKEN_HEADER, TOTP_HEADER } from './sessions.js';
export type { SignInCredentials, SignedInSession } from './sessions.js';
export { DEFAULT_API_VERSION, normalizeEndpoint, isProviderOrg, mediaTypes } from './endpoint.js';
export { walkPages, flattenPages, sortParameters } from './paging.js';
export type { Page } from './paging.js';
export { createTransport } from './transport.js';
export type { HttpTransport, HttpRequest, HttpResponse, FetchLike, TransportOptions } from './transport.js';
export type * from './types.js';
