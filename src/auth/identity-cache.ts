/**
 * Who a user id is right now (name, org, role, rights, enabled), cached per node for a few seconds so a
 * bearer check does not hit the store. Role and user changes made on this node invalidate at once; a change
 * on another node is seen within TTL_MS. Disabling a user does not rely on this: it records a revocation.
 */
import type { Store } from '../store/store.js';
import { SYSTEM_ORG_ID } from '../domain/rights.js';

export interface Identity {
  userId: string;
  userName: string;
  orgId: string;
  orgName: string;
  isSystemOrg: boolean;
  enabled: boolean;
  roleId: string;
  roleName: string;
  rights: ReadonlySet<string>;
}

const TTL_MS = 5_000;
/** Users and service accounts remembered; past this the cache starts over (entries live 5 s anyway). */
export const MAX_IDENTITIES = 100_000;
const SA_PREFIX = 'sa:';

export class IdentityCache {
  private readonly entries = new Map<string, { identity: Identity | null; loadedAt: number }>();
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  /** Sync fast path: a fresh cached identity, or undefined when it must be loaded. */
  peek(userId: string, now = Date.now()): Identity | null | undefined {
    const entry = this.entries.get(userId);
    if (entry && now - entry.loadedAt < TTL_MS) return entry.identity;
    return undefined;
  }

  async get(userId: string): Promise<Identity | null> {
    const cached = this.peek(userId);
    if (cached !== undefined) return cached;
    const identity = await this.load(userId);
    this.remember(userId, identity);
    return identity;
  }

  /**
   * A service account as an identity: its name, org and role, under its own key (`sa:` + id) so a user and a
   * service account never share an entry. Same TTL and invalidation as users: a revoke records a user-level
   * revocation on the account's id, which invalidates both keys.
   */
  peekServiceAccount(id: string, now = Date.now()): Identity | null | undefined {
    return this.peek(SA_PREFIX + id, now);
  }

  async getServiceAccount(id: string): Promise<Identity | null> {
    const cached = this.peekServiceAccount(id);
    if (cached !== undefined) return cached;
    const identity = await this.loadServiceAccount(id);
    this.remember(SA_PREFIX + id, identity);
    return identity;
  }

  /** One bound for both kinds (service accounts used to be added without it). */
  private remember(key: string, identity: Identity | null): void {
    if (this.entries.size >= MAX_IDENTITIES) this.entries.clear();
    this.entries.set(key, { identity, loadedAt: Date.now() });
  }

  invalidate(userId?: string): void {
    if (userId === undefined) this.entries.clear();
    else {
      this.entries.delete(userId);
      this.entries.delete(SA_PREFIX + userId);
    }
  }

  private async loadServiceAccount(id: string): Promise<Identity | null> {
    const account = await this.store.db
      .selectFrom('service_accounts')
      .select(['id', 'name', 'org_id', 'role_id'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!account) return null;
    const [org, role, rights] = await Promise.all([
      this.store.getOrg(account.org_id),
      this.store.getRole(account.role_id),
      this.store.roleRights(account.role_id),
    ]);
    if (!org || !role) return null;
    return {
      userId: account.id,
      userName: account.name,
      orgId: org.id,
      orgName: org.name,
      isSystemOrg: org.id === SYSTEM_ORG_ID,
      enabled: org.is_enabled === 1,
      roleId: role.id,
      roleName: role.name,
      rights: new Set(rights),
    };
  }

  private async load(userId: string): Promise<Identity | null> {
    const user = await this.store.getUser(userId);
    if (!user) return null;
    const [org, role, rights] = await Promise.all([
      this.store.getOrg(user.org_id),
      this.store.getRole(user.role_id),
      this.store.roleRights(user.role_id),
    ]);
    if (!org || !role) return null;
    return {
      userId: user.id,
      userName: user.name,
      orgId: org.id,
      orgName: org.name,
      isSystemOrg: org.id === SYSTEM_ORG_ID,
      enabled: user.is_enabled === 1 && org.is_enabled === 1,
      roleId: role.id,
      roleName: role.name,
      rights: new Set(rights),
    };
  }
}
