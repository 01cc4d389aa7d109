import type { TokenListItem } from '../../src/http/portal/token-queries.js';

/** A live token as the portal's lists show it; `over` changes what a test is about. */
export const listedToken = (over: Partial<TokenListItem> = {}): TokenListItem => ({
  id: 't1',
  name: 'ci',
  ownerId: 'u1',
  ownerName: 'bob',
  orgId: 'o1',
  orgName: 'acme',
  createdAt: 0,
  lastUsedAt: null,
  lastIp: null,
  expiresAt: null,
  access: 'All rights',
  revokedAt: null,
  revokedBy: null,
  replaced: false,
  ...over,
});
