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
    this.entries.set(userId, { identity, loadedAt: Date.now() });
    if (this.entries.size > 100_000) this.entries.clear();
    return identity;
  }

  invalidate(userId?: string): void {
    if (userId === undefined) this.entries.clear();
    else this.entries.delete(userId);
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
