/** Rows the store tests build again and again: an org with a role and users, and a minted API token's row. */
import { randomUUID } from 'node:crypto';
import type { Store } from '../../src/store/store.js';

/**
 * An enabled tenant org named `name`, one role, and one user per name (ids returned in the same order); the org's
 * full name is its name unless given, a user's full name empty unless `userFullName` gives it (by position).
 */
export async function orgWithUsers(
  store: Store,
  name: string,
  userNames: readonly string[],
  options: { fullName?: string; userFullName?: (index: number) => string } = {},
): Promise<{ orgId: string; userIds: string[] }> {
  const now = Date.now();
  const orgId = randomUUID();
  await store.createOrg({
    id: orgId,
    name,
    name_lower: name.toLowerCase(),
    full_name: options.fullName ?? name,
    description: '',
    is_enabled: 1,
    is_system: 0,
    max_token_lifetime_days: null,
    deployed_vm_quota: 0,
    stored_vm_quota: 0,
    created_at: now,
  });
  const roleId = randomUUID();
  await store.createRole({ id: roleId, org_id: orgId, name: 'r', description: '', read_only: 0, created_at: now }, []);
  const userIds: string[] = [];
  for (const [index, userName] of userNames.entries()) {
    const id = randomUUID();
    const fullName = options.userFullName?.(index);
    await store.createUser({
      id,
      org_id: orgId,
      name: userName,
      password_hash: 'x',
      role_id: roleId,
      ...(fullName === undefined ? {} : { full_name: fullName }),
    });
    userIds.push(id);
  }
  return { orgId, userIds };
}

/** A minted, never used API token row of `userId` (override any column). */
export function mintedTokenRow(orgId: string, userId: string, overrides: Record<string, unknown> = {}) {
  const now = Date.now();
  return {
    id: randomUUID(),
    org_id: orgId,
    user_id: userId,
    name: `t-${randomUUID()}`,
    type: 'REFRESH',
    secret_hash: randomUUID(),
    token_start: 'x',
    created_at: now,
    minted_at: now,
    expires_at: null,
    revoked_at: null,
    last_used_at: null,
    last_used_ips: '[]',
    created_ip: null,
    scope: null,
    scope_rights: null,
    ...overrides,
  };
}
