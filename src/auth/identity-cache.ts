/**
 * Who a user id is right now (name, org, role, rights, enabled), cached per node for a few seconds so a
 * bearer check does not hit the store. Role and user changes made on this node invalidate at once; a change
 * on another node is seen within TTL_MS. Disabling a user does not rely on this: it records a revocation.
 */
import type { Org, Store } from '../store/store.js';
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
/** Orgs and roles remembered (each); past this their map starts over. */
const MAX_SHARED = 10_000;

/** An org's or a role's part of identities, shared by every user of that org or role. */
interface Shared<T> {
  value: T | undefined;
  loadedAt: number;
}
type OrgPart = Pick<Org, 'id' | 'name' | 'is_enabled'>;
type RolePart = { id: string; name: string; rights: ReadonlySet<string> };

export class IdentityCache {
  private readonly entries = new Map<string, { identity: Identity | null; loadedAt: number }>();
  /**
   * Orgs and roles, kept by id under the same TTL: thousands of users share a handful of roles, so a user not
   * seen for a while (a million tokens exchanged at random) costs one user read, not four reads. An identity built
   * from them counts as loaded when its oldest part was, so nothing is served staler than TTL_MS; every
   * invalidation clears them (see `invalidate`).
   */
  private readonly orgs = new Map<string, Shared<OrgPart>>();
  private readonly roles = new Map<string, Shared<RolePart>>();
  /** Counts invalidations, so an identity or a part read across one is not kept (`get`, `shared`). */
  private generation = 0;
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
    const generation = this.generation;
    const { identity, loadedAt } = await this.load(userId);
    // Read across an invalidation (an org disabled meanwhile, say): used by this request, not kept for the next.
    if (generation === this.generation) this.remember(userId, identity, loadedAt);
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
    const loadedAt = Date.now();
    const generation = this.generation;
    const identity = await this.loadServiceAccount(id);
    if (generation === this.generation) this.remember(SA_PREFIX + id, identity, loadedAt);
    return identity;
  }

  private async shared<T>(map: Map<string, Shared<T>>, id: string, load: () => Promise<T | undefined>): Promise<Shared<T>> {
    const now = Date.now();
    const hit = map.get(id);
    if (hit && now - hit.loadedAt < TTL_MS) return hit;
    const generation = this.generation;
    const entry = { value: await load(), loadedAt: now };
    // Read before an invalidation that happened meanwhile: used by this load, not kept for the next ones.
    if (generation !== this.generation) return entry;
    if (map.size >= MAX_SHARED) map.clear();
    map.set(id, entry);
    return entry;
  }

  private org(id: string): Promise<Shared<OrgPart>> {
    return this.shared(this.orgs, id, () => this.store.getOrg(id));
  }

  private role(id: string): Promise<Shared<RolePart>> {
    return this.shared(this.roles, id, async () => {
      const [role, rights] = await Promise.all([this.store.getRole(id), this.store.roleRights(id)]);
      return role ? { id: role.id, name: role.name, rights: new Set(rights) } : undefined;
    });
  }

  /** One bound for both kinds (service accounts used to be added without it). */
  private remember(key: string, identity: Identity | null, loadedAt = Date.now()): void {
    if (this.entries.size >= MAX_IDENTITIES) this.entries.clear();
    this.entries.set(key, { identity, loadedAt });
  }

  invalidate(userId?: string): void {
    // The shared parts go in both cases: a user-level revocation can stand for a change of the user's org (disabling
    // an org revokes each of its users, and another node learns of it only that way), so the user's next load must
    // read the org afresh. They are a few rows, read again once.
    this.generation++;
    this.orgs.clear();
    this.roles.clear();
    if (userId === undefined) this.entries.clear();
    else {
      this.entries.delete(userId);
      this.entries.delete(SA_PREFIX + userId);
    }
  }

  private async loadServiceAccount(id: string): Promise<Identity | null> {
    const account = await this.store.db
      .selectFrom('service_accounts')
      .select(['id', 'name', 'org_id', 'role_id', 'status'])
      .where('id', '=', id)
      .executeTakeFirst();
    // Only an ACTIVE account has sessions. Every way out of ACTIVE records a revocation that ends them too; this is the
    // second lock on that door, should a session ever be stamped after such a revocation (a race found on 2026-12-05).
    if (!account || account.status !== 'ACTIVE') return null;
    // Read afresh, not from the shared parts: a service account's identity is loaded rarely (once per refresh).
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

  private async load(userId: string): Promise<{ identity: Identity | null; loadedAt: number }> {
    const loadedAt = Date.now();
    const user = await this.store.identityUserById(userId);
    if (!user) return { identity: null, loadedAt };
    const [org, role] = await Promise.all([this.org(user.org_id), this.role(user.role_id)]);
    const oldest = Math.min(loadedAt, org.loadedAt, role.loadedAt);
    if (!org.value || !role.value) return { identity: null, loadedAt: oldest };
    return {
      identity: {
        userId: user.id,
        userName: user.name,
        orgId: org.value.id,
        orgName: org.value.name,
        isSystemOrg: org.value.id === SYSTEM_ORG_ID,
        enabled: user.is_enabled === 1 && org.value.is_enabled === 1,
        roleId: role.value.id,
        roleName: role.value.name,
        rights: role.value.rights,
      },
      loadedAt: oldest,
    };
  }
}
