/**
 * The Token entity (SPEC 37.2 `Token`) with Tessera's extensions: when it was created and last used, the last
 * client IPs, and the displayable start of the token. `token` is always null for API tokens: the secret is
 * shown once, at creation, and never again.
 */
import type { ApiTokenRow, ListedTokenRow } from '../../store/store.js';
import type { Services } from '../context.js';
import { compareApiVersions } from '../../domain/api-versions.js';
import type { ApiTokenEntity } from '../../schemas/wire.js';
import { isoInstant } from '../../domain/instant.js';

/** Never throws: a list renders every row the store can hold (domain/instant.ts). */
export const isoOrNull = (ms: number | null | undefined) => isoInstant(ms);

export interface TokenNames {
  ownerName: string;
  orgName: string;
}

export function tokenEntityFrom(services: Services, row: ListedTokenRow, names: TokenNames, version: string): ApiTokenEntity {
  const usage = services.apiTokens.usageOf(row);
  const entity: ApiTokenEntity = {
    id: `urn:vcloud:token:${row.id}`,
    name: row.name,
    token: null,
    expirationTimeUtc: isoOrNull(row.expires_at),
    owner: { name: names.ownerName, id: `urn:vcloud:user:${row.user_id}` },
    org: { name: names.orgName, id: `urn:vcloud:org:${row.org_id}` },
    type: row.type,
    // Tessera extensions (clients ignore unknown fields).
    createdTimeUtc: isoOrNull(row.created_at),
    lastUsedTimeUtc: isoOrNull(usage.lastUsedAt),
    lastUsedIpAddresses: usage.ips,
    tokenStart: row.token_start,
    // Least privilege: null (the owner's rights), "read-only", or the role URN the token was narrowed to.
    scope: row.scope,
  };
  if (compareApiVersions(version, '35.0') < 0) {
    // Before 35.0 the owner and org were flat fields.
    entity.username = names.ownerName;
    entity.userId = `urn:vcloud:user:${row.user_id}`;
    entity.orgName = names.orgName;
  }
  return entity;
}

export async function tokenEntity(services: Services, row: ApiTokenRow, version: string): Promise<ApiTokenEntity> {
  const [owner, org] = await Promise.all([services.store.getUser(row.user_id), services.store.getOrg(row.org_id)]);
  return tokenEntityFrom(services, row, { ownerName: owner?.name ?? '', orgName: org?.name ?? '' }, version);
}
