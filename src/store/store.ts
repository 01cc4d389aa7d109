/**
 * The Store: one contract, two backends (SQLite embedded, PostgreSQL for many nodes), one implementation on
 * kysely. Backend-specific code is only how the connection is opened and how revocations reach other nodes
 * (`RevocationBus`). test/store/contract.test.ts runs the same suite against both.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import { timeOrderedUuid } from '../domain/time-ordered-id.js';
import { nameKey } from '../domain/user-name.js';
import { compiledLookup, compiledManyLookup } from './compiled-lookup.js';
import { batchedLookup } from './batched-lookup.js';
import {
  sql,
  type Compilable,
  type RawBuilder,
  type Expression,
  type ExpressionBuilder,
  type SqlBool,
  type Kysely,
  type Selectable,
  type Insertable,
  type Updateable,
  type Transaction,
} from 'kysely';
import type {
  DB,
  OrgTable,
  UserTable,
  RoleTable,
  GroupTable,
  RightsBundleTable,
  ApiTokenTable,
  AuditEventTable,
  RevocationTable,
  TaskTable,
} from './schema.js';
import type { Dialect } from './dialect.js';
import { TokenListAnchors } from './token-list-anchors.js';

/** Rows per statement in batched writes: well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
const USAGE_CHUNK = 5_000;
/** The addresses a token's "last used" keeps, most recent first. */

/**
 * A revocation row's `relevant_until` is stamped with the clock of the node that revoked. Rows are read back (a
 * node's start, a feed's reconnect) and deleted this much later than it says, so that a node whose clock ran behind
 * by up to this much does not have its revocation forgotten by the others while sessions it covers still live.
 */
export const REVOCATION_CLOCK_MARGIN_MS = 15 * 60_000;
export const LAST_USED_IPS_KEPT = 5;
const AUDIT_CHUNK = 1_000;
/** Rows per transaction on the row-batch path: ~2,000 prepared runs hold the event loop for a few ms. */
const ROW_BATCH_CHUNK = 2_000;

export type Org = Selectable<OrgTable>;
export type User = Selectable<UserTable>;
export type Role = Selectable<RoleTable>;
export type Group = Selectable<GroupTable>;
export type RightsBundle = Selectable<RightsBundleTable>;
export type ApiTokenRow = Selectable<ApiTokenTable>;
/**
 * What an exchange reads of its token (auth/api-tokens.ts), nine of the row's eighteen columns: better-sqlite3
 * builds a JS object per row, and for the whole row that cost about as much as the indexed read itself.
 */
export const EXCHANGE_TOKEN_COLUMNS = [
  'id',
  'org_id',
  'user_id',
  'secret_hash',
  'revoked_at',
  'expires_at',
  'scope',
  'scope_rights',
  'last_used_ips',
] as const;
export type ExchangeTokenRow = Pick<ApiTokenRow, (typeof EXCHANGE_TOKEN_COLUMNS)[number]>;
/**
 * What a token list shows of each token (http/cloudapi/token-entity.ts): eleven of the eighteen columns. Never the
 * secret's hash, which a list has no use for, and about a third less to read per page than the whole row (25 rows
 * with their owner and org: 250-300 µs against 160-215 on the million-token store, better-sqlite3 alone).
 */
export const LISTED_TOKEN_COLUMNS = [
  'api_tokens.id',
  'api_tokens.name',
  'api_tokens.type',
  'api_tokens.user_id',
  'api_tokens.org_id',
  'api_tokens.expires_at',
  'api_tokens.created_at',
  'api_tokens.last_used_at',
  'api_tokens.last_used_ips',
  'api_tokens.token_start',
  'api_tokens.scope',
] as const;
type ColumnName<T extends string> = T extends `api_tokens.${infer C}` ? C : never;
export type ListedTokenRow = Pick<ApiTokenRow, ColumnName<(typeof LISTED_TOKEN_COLUMNS)[number]>>;
/** What an identity is built from (auth/identity-cache.ts). */
export const IDENTITY_USER_COLUMNS = ['id', 'org_id', 'name', 'is_enabled', 'role_id'] as const;
export type IdentityUserRow = Pick<User, (typeof IDENTITY_USER_COLUMNS)[number]>;
export type AuditEvent = Selectable<AuditEventTable>;
export type Revocation = Selectable<RevocationTable>;
export type TaskRow = Selectable<TaskTable>;

/** What a new user row needs; everything else has a default (see Store.createUser). */
export type NewUserRow = Pick<Insertable<UserTable>, 'id' | 'org_id' | 'name' | 'password_hash' | 'role_id'> &
  Partial<Omit<Insertable<UserTable>, 'id' | 'org_id' | 'name' | 'password_hash' | 'role_id' | 'name_lower'>>;

export type RevocationKind = 'api_token' | 'session' | 'user';
export interface RevocationEvent {
  seq: number;
  kind: RevocationKind;
  subject: string;
  at: number;
  relevantUntil: number;
  /** For kind 'user': the one session that stays valid. */
  keepSession?: string | null;
}

/**
 * Carries committed revocations to every node. SQLite: in-process (one node). PostgreSQL: LISTEN/NOTIFY on a
 * dedicated connection, with a resync from the `revocations` table after every reconnect.
 */
export interface RevocationBus {
  /** Called with every revocation committed anywhere (including on this node). */
  subscribe(listener: (event: RevocationEvent) => void): void;
  /**
   * Called when the bus (re)connects, after LISTEN is active: the listener resyncs from the table. The bus
   * reports healthy only once every resync has finished, so no request is served from a stale view.
   */
  onResync(listener: () => Promise<void>): void;
  /** False while the bus cannot guarantee delivery (PG listener down): the revocation view fails closed. */
  healthy(): boolean;
  /**
   * Resolves true as soon as the bus is healthy, false if it is not within `waitMs`. A node whose heartbeat is
   * merely late (a starved CPU, a slow round trip) proves itself current with a fresh heartbeat instead of
   * refusing; one that is really cut off still refuses, `waitMs` later.
   */
  whenHealthy(waitMs: number): Promise<boolean>;
  /**
   * Backend hook: a revocation was committed by this node. Applies it here at once; resolves when every node
   * applies it (SQLite: at once; PostgreSQL: every live node has acknowledged it, or it fails closed). The revoking
   * request answers only then, so its next request, on whichever node, is refused.
   */
  committed(event: RevocationEvent): Promise<void>;
  /** The feed's own health, for metrics: see RevocationFeedObserver. */
  observe(observer: RevocationFeedObserver): void;
  close(): Promise<void>;
}

/**
 * What a revocation feed reports about itself (PostgreSQL; the in-process feed of SQLite has nothing to report).
 * - `heartbeat`: one of this node's heartbeats went from the pool to the LISTEN connection in `delayMs`. Revocations
 *   arrive the same way (a NOTIFY at their commit, delivered in commit order), so this is the feed's part of
 *   propagation, timed on one clock.
 * - `lost`: the listener was lost (the node fails closed until it has reconnected and resynchronised).
 */
export interface RevocationFeedObserver {
  heartbeat(delayMs: number): void;
  lost(): void;
}

export type Executor = Kysely<DB> | Transaction<DB>;

/**
 * `Store.transaction`'s option for a transaction that writes no table or column whose change bumps the inventory
 * version (the token, session and service-account paths): it does not take the version row's lock first.
 */
export const NO_INVENTORY_WRITE: { readonly writesInventory: false } = { writesInventory: false };

/**
 * A backend's fast path for the large batches written off the request path (SQLite): one prepared statement run
 * once per row, in one transaction, holding the connection only for that. Through kysely each row cost a query
 * build and an await, and the transaction held the one connection while the exchange's lookups queued behind it.
 */
export interface RowBatchWriter {
  /**
   * `relaxedDurability`: the commit does not wait for the disk (SQLite synchronous=NORMAL for that commit). For
   * records that waited in memory anyway (last used, coalesced exchange events): a crash of the process loses
   * nothing committed, a power cut may lose the last of them, as it already could while they waited.
   */
  write(statement: string, rows: readonly (readonly unknown[])[], options: { relaxedDurability: boolean }): Promise<void>;
}

export interface StoreOptions {
  db: Kysely<DB>;
  dialect: Dialect;
  bus: RevocationBus;
  rowBatches?: RowBatchWriter;
  /** See `Store.bytewiseTextOrder`. */
  bytewiseTextOrder: boolean;
  /** Where NOTIFY is sent inside a transaction (PG); a no-op on SQLite. */
  notifyInTransaction: (trx: Transaction<DB>, event: Omit<RevocationEvent, 'seq'> & { seq: number }) => Promise<void>;
  close: () => Promise<void>;
  /** PostgreSQL: told the text of each fixed-shape statement, to prepare it once per connection (store/prepared-statements.ts). */
  prepareStatement?: (sqlText: string) => void;
  /** PostgreSQL: runs `work` while no other node runs its own (a session advisory lock); see `Store.oneNodeAtATime`. */
  oneNodeAtATime?: <T>(work: () => Promise<T>) => Promise<T>;
  /** The migrations this opening applied (see Store.migrationsApplied). */
  migrationsApplied?: readonly string[];
  /** PostgreSQL: the connection pool's state now (for the metrics); absent on SQLite, which has no pool. */
  poolStats?: () => PoolStats;
}

/** A PostgreSQL connection pool's state: connections open (busy or idle), idle, queries waiting for one, the bound. */
export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
  readonly max: number;
}

/** `api_tokens` rows whose expiry has not come at `now` (no expiry, or a later one): with `revoked_at IS NULL`, live. */
export const unexpiredAt =
  (now: number) =>
  (eb: ExpressionBuilder<DB, 'api_tokens'>): Expression<SqlBool> =>
    eb.or([eb('api_tokens.expires_at', 'is', null), eb('api_tokens.expires_at', '>', now)]);

export class Store {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  /** The migrations applied when this store was opened, in order: all of them for a new store, none when current. */
  readonly migrationsApplied: readonly string[];
  readonly bus: RevocationBus;
  /**
   * Text columns compare and sort by their bytes (UTF-8, hence code points): always on SQLite (BINARY), on
   * PostgreSQL when the database's collation is C, POSIX or C.UTF-8. Range seeks that reason about the order of
   * strings (src/inventory/query/prefix-seek.ts) rely on it; under a linguistic collation they are not used.
   */
  readonly bytewiseTextOrder: boolean;
  private readonly notifyInTransaction: StoreOptions['notifyInTransaction'];
  private readonly closeBackend: () => Promise<void>;
  private readonly rowBatches: RowBatchWriter | undefined;
  private readonly prepareStatement: StoreOptions['prepareStatement'];
  /** Set while this node's transaction holds the inventory version row's lock (see `transaction`). */
  private readonly holdingInventoryVersion = new AsyncLocalStorage<{ held: boolean }>();
  /** PostgreSQL: the pool's state now; null on SQLite. */
  readonly poolStats: (() => PoolStats) | null;
  /**
   * Runs `work` (the start's bootstrap: the System org, its administrator, the demo) while no other node runs its
   * own: nodes started together on a new database each found the System org missing and created it, and one died
   * on the unique key (until 2026-12-06). SQLite has one node per file (its lock): `work` just runs.
   */
  readonly oneNodeAtATime: <T>(work: () => Promise<T>) => Promise<T>;

  /**
   * The exchange's read of its token by secret hash (every cache miss; with a million tokens nearly every
   * exchange): only the columns it needs, compiled once (store/compiled-lookup.ts).
   */
  readonly exchangeTokenByHash: (secretHash: string) => Promise<ExchangeTokenRow | undefined>;
  /** The identity cache's read of a user (store/compiled-lookup.ts): the columns an identity is built from. */
  readonly identityUserById: (userId: string) => Promise<IdentityUserRow | undefined>;
  /** Where this node's token list pages start, by the list's change number (store/token-list-anchors.ts). */
  readonly tokenListAnchors = new TokenListAnchors();

  constructor(options: StoreOptions) {
    this.rowBatches = options.rowBatches;
    this.db = options.db;
    this.dialect = options.dialect;
    this.bus = options.bus;
    this.bytewiseTextOrder = options.bytewiseTextOrder;
    this.notifyInTransaction = options.notifyInTransaction;
    this.closeBackend = options.close;
    this.prepareStatement = options.prepareStatement;
    this.migrationsApplied = options.migrationsApplied ?? [];
    this.poolStats = options.poolStats ?? null;
    this.oneNodeAtATime = options.oneNodeAtATime ?? ((work) => work());
    if (this.dialect === 'postgres') {
      // Reads asked for together go as one statement (store/batched-lookup.ts): on PostgreSQL each statement's
      // round trip, not the lookup, is most of a read's cost. SQLite has no round trip to share.
      this.exchangeTokenByHash = batchedLookup(
        compiledManyLookup(
          this.db,
          this.db
            .selectFrom('api_tokens')
            .select(EXCHANGE_TOKEN_COLUMNS)
            .where(sql<boolean>`secret_hash = any(${[]}::text[])`),
          options.prepareStatement,
        ),
        (row) => row.secret_hash ?? '',
      );
      this.identityUserById = batchedLookup(
        compiledManyLookup(
          this.db,
          this.db
            .selectFrom('users')
            .select(IDENTITY_USER_COLUMNS)
            .where(sql<boolean>`id = any(${[]}::text[])`),
          options.prepareStatement,
        ),
        (row) => row.id,
      );
    } else {
      this.exchangeTokenByHash = compiledLookup(
        this.db,
        this.db.selectFrom('api_tokens').select(EXCHANGE_TOKEN_COLUMNS).where('secret_hash', '=', ''),
        options.prepareStatement,
      );
      this.identityUserById = compiledLookup(
        this.db,
        this.db.selectFrom('users').select(IDENTITY_USER_COLUMNS).where('id', '=', ''),
        options.prepareStatement,
      );
    }
  }

  /**
   * Runs a query whose SQL text is one of a fixed few: its shape may depend on the code path (a scope, a page),
   * never on a request's values, which all go in as parameters. On PostgreSQL it is then prepared once per
   * connection (store/prepared-statements.ts); SQLite's statement cache keeps every statement prepared anyway.
   */
  async runPrepared<Row>(query: Compilable<Row>): Promise<Row[]> {
    const compiled = query.compile();
    this.prepareStatement?.(compiled.sql);
    return (await this.db.executeQuery<Row>(compiled)).rows;
  }

  async close(): Promise<void> {
    await this.bus.close();
    await this.closeBackend();
  }

  /**
   * Runs `fn` in one transaction. On PostgreSQL it first locks the inventory version row (`inventory_state`, id 1),
   * unless `options.writesInventory` is false: every write to a table a query result depends on bumps that row
   * (triggers of 0002, 0006, 0022), and the bump holds its lock to the commit. Taken only by the bump, after the
   * statement's own row locks, it came in the middle of each transaction: one writing vApp A then waiting for B,
   * another holding B and waiting for the version row that the first held since A, deadlocked, and PostgreSQL
   * failed one of them (a 503; until 2026-12-07 a vApp's delete beside its undeploy, for one). Taken first, it puts
   * every such writer in one order: they take turns, as their bumps made them do from their first write anyway.
   * Single statements outside a transaction take it first too (0028's triggers, before the statement).
   *
   * `writesInventory: false` is for the transactions of the token and session paths (mint, revoke, sign-out, a
   * service account's rotation), which write no versioned table or column: they do not queue behind an inventory
   * import. Should one write such a table after all, 0028's trigger still takes the row before that statement's
   * own. A transaction started inside another on this node (a second connection) does not take it again while the
   * outer one holds it: waiting for it would wait for ourselves. Work the outer one started that outlives it (a
   * timer, a worker) sees the outer one ended and takes the row first again.
   * SQLite has one writer: nothing to order.
   */
  transaction<T>(fn: (trx: Transaction<DB>) => Promise<T>, options: { writesInventory?: boolean } = {}): Promise<T> {
    if (this.dialect !== 'postgres' || options.writesInventory === false || this.holdingInventoryVersion.getStore()?.held) {
      return this.db.transaction().execute(fn);
    }
    const holding = { held: true };
    return this.holdingInventoryVersion.run(holding, async () => {
      try {
        return await this.db.transaction().execute(async (trx) => {
          await this.lockInventoryVersion(trx);
          return fn(trx);
        });
      } finally {
        holding.held = false;
      }
    });
  }

  /** The inventory version row's lock, to the end of `trx` (see `transaction`); the text is prepared once per connection. */
  private async lockInventoryVersion(trx: Transaction<DB>): Promise<void> {
    const compiled = trx.selectFrom('inventory_state').select('version').where('id', '=', 1).forUpdate().compile();
    this.prepareStatement?.(compiled.sql);
    await trx.executeQuery(compiled);
  }

  /**
   * `lower(expr)` that folds every letter on both backends, for case-insensitive searches (compare with a pattern
   * lowercased in JavaScript): SQLite's own folds A-Z only, so it calls `tessera_lower` (store/sqlite.ts).
   */
  lower(expr: RawBuilder<unknown> | ReturnType<typeof sql.ref>): RawBuilder<string> {
    return this.dialect === 'postgres' ? sql<string>`lower(${expr})` : sql<string>`tessera_lower(${expr})`;
  }

  /**
   * The form a searched name is compared in, on both backends: NFKC, then lower case, as nameKey makes it in
   * JavaScript (domain/user-name.ts), so that `José` typed decomposed on a Mac, or `Ｏps` from an IME, finds the name
   * stored precomposed. Compare with a pattern made by `nameKey` (SQLite: `tessera_search_key`, store/sqlite.ts).
   */
  searchKey(expr: RawBuilder<unknown> | ReturnType<typeof sql.ref>): RawBuilder<string> {
    return this.dialect === 'postgres' ? sql<string>`lower(normalize(${expr}, NFKC))` : sql<string>`tessera_search_key(${expr})`;
  }

  /** Case-insensitive LIKE on both backends (SQLite's LIKE already is for ASCII). */
  get likeOperator(): 'like' | 'ilike' {
    return this.dialect === 'postgres' ? 'ilike' : 'like';
  }

  // ---------------------------------------------------------------- meta
  async getMeta(key: string, ex: Executor = this.db): Promise<string | undefined> {
    const row = await ex.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async setMeta(key: string, value: string, ex: Executor = this.db): Promise<void> {
    await ex
      .insertInto('meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  /**
   * Stores the integer `value` under `key` unless a greater one is stored already: one upsert that keeps the
   * greater, so two nodes raising it at once (PostgreSQL) leave the greater of the two whatever their order. Only
   * for keys written by this method (their values are integers).
   */
  async raiseMetaInteger(key: string, value: number, ex: Executor = this.db): Promise<void> {
    if (!Number.isSafeInteger(value)) throw new Error(`meta ${key}: not an integer: ${value}`);
    await ex
      .insertInto('meta')
      .values({ key, value: String(value) })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          value: sql<string>`case when cast(excluded.value as bigint) > cast(meta.value as bigint) then excluded.value else meta.value end`,
        }),
      )
      .execute();
  }

  // ---------------------------------------------------------------- orgs
  async createOrg(values: Insertable<OrgTable>, ex: Executor = this.db): Promise<Org> {
    await ex.insertInto('orgs').values(values).execute();
    return (await this.getOrg(values.id, ex))!;
  }

  getOrg(id: string, ex: Executor = this.db): Promise<Org | undefined> {
    return ex.selectFrom('orgs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  getOrgByName(name: string, ex: Executor = this.db): Promise<Org | undefined> {
    return ex.selectFrom('orgs').selectAll().where('name_lower', '=', name.toLowerCase()).executeTakeFirst();
  }

  listOrgs(ex: Executor = this.db): Promise<Org[]> {
    return ex.selectFrom('orgs').selectAll().orderBy('is_system', 'desc').orderBy('name_lower').execute();
  }

  async updateOrg(id: string, patch: Updateable<OrgTable>, ex: Executor = this.db): Promise<void> {
    const set = { ...patch };
    if (typeof patch.name === 'string') set.name_lower = patch.name.toLowerCase();
    if (Object.values(set).every((v) => v === undefined)) return; // nothing to change: an empty UPDATE is a syntax error
    await ex.updateTable('orgs').set(set).where('id', '=', id).execute();
  }

  /**
   * Deletes an org and everything in it: its users first (so no user outlives the role it references while
   * the cascade runs), then the org row, whose cascade removes roles, groups, API tokens and the inventory.
   */
  async deleteOrg(id: string, ex: Executor = this.db): Promise<void> {
    await ex.deleteFrom('users').where('org_id', '=', id).execute();
    await ex.deleteFrom('orgs').where('id', '=', id).execute();
  }

  /** What an org holds, for the refusal of a non-recursive delete. */
  async countOrgContents(orgId: string, ex: Executor = this.db) {
    const n = (row: { n: unknown }) => Number(row.n);
    const users = await ex
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow();
    const vdcs = await ex
      .selectFrom('vdcs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow();
    const vapps = await ex
      .selectFrom('vapps')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('is_deployed').as('deployed')])
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow();
    return { users: n(users), vdcs: n(vdcs), vapps: n(vapps), deployedVapps: Number(vapps.deployed ?? 0) };
  }

  /** VCD's "take ownership": the vApps and VMs a user owns pass to another user. */
  async reassignOwnership(fromUserId: string, toUserId: string, ex: Executor = this.db): Promise<void> {
    await ex.updateTable('vapps').set({ owner_id: toUserId }).where('owner_id', '=', fromUserId).execute();
    await ex.updateTable('vms').set({ owner_id: toUserId }).where('owner_id', '=', fromUserId).execute();
  }

  // ---------------------------------------------------------------- roles
  async createRole(values: Omit<Insertable<RoleTable>, 'name_lower'>, rights: readonly string[], ex: Executor = this.db): Promise<Role> {
    await ex
      .insertInto('roles')
      .values({ ...values, name_lower: values.name.toLowerCase() })
      .execute();
    await this.setRoleRights(values.id, rights, ex);
    return (await this.getRole(values.id, ex))!;
  }

  getRole(id: string, ex: Executor = this.db): Promise<Role | undefined> {
    return ex.selectFrom('roles').selectAll().where('id', '=', id).executeTakeFirst();
  }

  getRoleByName(orgId: string, name: string, ex: Executor = this.db): Promise<Role | undefined> {
    return ex.selectFrom('roles').selectAll().where('org_id', '=', orgId).where('name_lower', '=', name.toLowerCase()).executeTakeFirst();
  }

  listRoles(orgId: string, ex: Executor = this.db): Promise<Role[]> {
    return ex.selectFrom('roles').selectAll().where('org_id', '=', orgId).orderBy('name_lower').execute();
  }

  async updateRole(id: string, patch: { name?: string; description?: string }, ex: Executor = this.db): Promise<void> {
    const set: Updateable<RoleTable> = { ...patch };
    if (patch.name !== undefined) set.name_lower = patch.name.toLowerCase();
    if (Object.values(set).every((v) => v === undefined)) return; // nothing to change: an empty UPDATE is a syntax error
    await ex.updateTable('roles').set(set).where('id', '=', id).execute();
  }

  async deleteRole(id: string, ex: Executor = this.db): Promise<void> {
    await ex.deleteFrom('roles').where('id', '=', id).execute();
  }

  async roleRights(roleId: string, ex: Executor = this.db): Promise<string[]> {
    const rows = await ex.selectFrom('role_rights').select('right_name').where('role_id', '=', roleId).execute();
    return rows.map((r) => r.right_name).sort();
  }

  async setRoleRights(roleId: string, rights: readonly string[], ex: Executor = this.db): Promise<void> {
    await ex.deleteFrom('role_rights').where('role_id', '=', roleId).execute();
    const unique = [...new Set(rights)];
    if (unique.length > 0) {
      await ex
        .insertInto('role_rights')
        .values(unique.map((right_name) => ({ role_id: roleId, right_name })))
        .execute();
    }
  }

  async countUsersWithRole(roleId: string, ex: Executor = this.db): Promise<number> {
    const row = await ex
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role_id', '=', roleId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  // ---------------------------------------------------------------- users
  /** Creates a user; profile, quotas and sign-in state default to a fresh, enabled account without TOTP. */
  async createUser(values: NewUserRow, ex: Executor = this.db): Promise<User> {
    const row: Insertable<UserTable> = {
      full_name: '',
      email: '',
      is_enabled: 1,
      deployed_vm_quota: 0,
      stored_vm_quota: 0,
      sessions_not_before: 0,
      totp_secret: null,
      totp_enabled: 0,
      totp_last_step: 0,
      totp_failures: 0,
      totp_locked_until: 0,
      created_at: Date.now(),
      ...values,
      name_lower: values.name.toLowerCase(),
    };
    await ex.insertInto('users').values(row).execute();
    return (await this.getUser(values.id, ex))!;
  }

  getUser(id: string, ex: Executor = this.db): Promise<User | undefined> {
    return ex.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * The user `name` names in the org, in any case and in any Unicode form of it (nameKey): `Jose` + U+0301 as a Mac
   * may type it, or fullwidth letters, find `josé`. A stored name that is itself not NFKC (created before names
   * had to be, 2026-12-03) is still found as it is written, and is preferred when both match.
   */
  async getUserByName(orgId: string, name: string, ex: Executor = this.db): Promise<User | undefined> {
    const asTyped = name.toLowerCase();
    const keys = [...new Set([asTyped, nameKey(name)])];
    const rows = await ex.selectFrom('users').selectAll().where('org_id', '=', orgId).where('name_lower', 'in', keys).execute();
    return rows.find((u) => u.name_lower === asTyped) ?? rows[0];
  }

  listUsers(orgId: string, ex: Executor = this.db): Promise<User[]> {
    return ex.selectFrom('users').selectAll().where('org_id', '=', orgId).orderBy('name_lower').execute();
  }

  async updateUser(id: string, patch: Updateable<UserTable>, ex: Executor = this.db): Promise<void> {
    const set = { ...patch };
    if (typeof patch.name === 'string') set.name_lower = patch.name.toLowerCase();
    if (Object.values(set).every((v) => v === undefined)) return; // nothing to change: an empty UPDATE is a syntax error
    await ex.updateTable('users').set(set).where('id', '=', id).execute();
  }

  /** Disables an enabled user; false when the user was disabled (or gone) already. */
  async disableUser(id: string, ex: Executor = this.db): Promise<boolean> {
    const result = await ex.updateTable('users').set({ is_enabled: 0 }).where('id', '=', id).where('is_enabled', '=', 1).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async deleteUser(id: string, ex: Executor = this.db): Promise<void> {
    await ex.deleteFrom('users').where('id', '=', id).execute();
  }

  // ---------------------------------------------------------------- groups
  async createGroup(values: Omit<Insertable<GroupTable>, 'name_lower'>, ex: Executor = this.db): Promise<Group> {
    await ex
      .insertInto('groups')
      .values({ ...values, name_lower: values.name.toLowerCase() })
      .execute();
    return (await this.getGroup(values.id, ex))!;
  }

  getGroup(id: string, ex: Executor = this.db): Promise<Group | undefined> {
    return ex.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listGroups(orgId: string, ex: Executor = this.db): Promise<Group[]> {
    return ex.selectFrom('groups').selectAll().where('org_id', '=', orgId).orderBy('name_lower').execute();
  }

  async updateGroup(id: string, patch: { name?: string; description?: string; role_id?: string | null }, ex: Executor = this.db) {
    const set: Updateable<GroupTable> = { ...patch };
    if (patch.name !== undefined) set.name_lower = patch.name.toLowerCase();
    if (Object.values(set).every((v) => v === undefined)) return; // nothing to change: an empty UPDATE is a syntax error
    await ex.updateTable('groups').set(set).where('id', '=', id).execute();
  }

  async deleteGroup(id: string, ex: Executor = this.db): Promise<void> {
    await ex.deleteFrom('groups').where('id', '=', id).execute();
  }

  groupsOfUser(userId: string, ex: Executor = this.db): Promise<Group[]> {
    return ex
      .selectFrom('groups')
      .innerJoin('group_members', 'group_members.group_id', 'groups.id')
      .selectAll('groups')
      .where('group_members.user_id', '=', userId)
      .orderBy('groups.name_lower')
      .execute();
  }

  async groupMembers(groupId: string, ex: Executor = this.db): Promise<string[]> {
    const rows = await ex.selectFrom('group_members').select('user_id').where('group_id', '=', groupId).execute();
    return rows.map((r) => r.user_id);
  }

  /** A group's members by id and name, in name order (the legacy Group document's UsersList). */
  groupMemberRefs(groupId: string, ex: Executor = this.db): Promise<Array<{ id: string; name: string }>> {
    return ex
      .selectFrom('group_members')
      .innerJoin('users', 'users.id', 'group_members.user_id')
      .select(['users.id', 'users.name'])
      .where('group_members.group_id', '=', groupId)
      .orderBy('users.name_lower')
      .orderBy('users.id')
      .execute();
  }

  // ---------------------------------------------------------------- rights bundles
  async createRightsBundle(values: Omit<Insertable<RightsBundleTable>, 'name_lower'>, ex: Executor = this.db) {
    await ex
      .insertInto('rights_bundles')
      .values({ ...values, name_lower: values.name.toLowerCase() })
      .execute();
    return (await this.getRightsBundle(values.id, ex))!;
  }

  getRightsBundle(id: string, ex: Executor = this.db): Promise<RightsBundle | undefined> {
    return ex.selectFrom('rights_bundles').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listRightsBundles(ex: Executor = this.db): Promise<RightsBundle[]> {
    return ex.selectFrom('rights_bundles').selectAll().orderBy('name_lower').execute();
  }

  async updateRightsBundle(id: string, patch: Updateable<RightsBundleTable>, ex: Executor = this.db) {
    const set = { ...patch };
    if (typeof patch.name === 'string') set.name_lower = patch.name.toLowerCase();
    if (Object.values(set).every((v) => v === undefined)) return; // nothing to change: an empty UPDATE is a syntax error
    await ex.updateTable('rights_bundles').set(set).where('id', '=', id).execute();
  }

  // ---------------------------------------------------------------- API tokens
  async insertApiToken(values: Insertable<ApiTokenTable>, ex: Executor = this.db): Promise<ApiTokenRow> {
    await ex.insertInto('api_tokens').values(values).execute();
    return (await this.getApiToken(values.id, ex))!;
  }

  getApiToken(id: string, ex: Executor = this.db): Promise<ApiTokenRow | undefined> {
    return ex.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  getApiTokenByHash(secretHash: string, ex: Executor = this.db): Promise<ApiTokenRow | undefined> {
    return ex.selectFrom('api_tokens').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
  }

  /**
   * The one-shot mint: sets the secret only if none was set and the token is live. Returns false when another
   * grant won the race or the token was revoked: exactly one caller ever sees a given token.
   */
  async mintApiToken(id: string, secretHash: string, start: string, now: number, ex: Executor = this.db): Promise<boolean> {
    const result = await ex
      .updateTable('api_tokens')
      .set({ secret_hash: secretHash, token_start: start, minted_at: now })
      .where('id', '=', id)
      .where('secret_hash', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Marks revoked; returns false when it already was (so the caller does not announce it twice). */
  async markApiTokenRevoked(id: string, now: number, ex: Executor = this.db, revokedBy: string | null = null): Promise<boolean> {
    const result = await ex
      .updateTable('api_tokens')
      .set({ revoked_at: now, revoked_by: revokedBy })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Live (not revoked) API tokens joined with their owner and org, for the lists (cloudapi and portal); callers
   * add their visibility scope, filters, order and paging.
   */
  liveApiTokens(ex: Executor = this.db) {
    return ex
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .innerJoin('orgs', 'orgs.id', 'api_tokens.org_id')
      .where('api_tokens.revoked_at', 'is', null);
  }

  /**
   * A user's tokens that still work or may yet be minted: neither revoked nor expired. An expired token is already
   * refused (and so is every session made from it, which ends with it); until 2026-12-06 a disable or a password
   * change "revoked" those too, rewriting their history from "Expired" to "Revoked", and counted them.
   */
  async liveApiTokenIdsOfUser(userId: string, ex: Executor = this.db, now = Date.now()): Promise<string[]> {
    const rows = await ex
      .selectFrom('api_tokens')
      .select('id')
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where(unexpiredAt(now))
      .execute();
    return rows.map((r) => r.id);
  }

  async recordApiTokenUse(id: string, lastUsedAt: number, ips: string[], ex: Executor = this.db): Promise<void> {
    await this.recordApiTokenUses([{ id, lastUsedAt, ips }], ex);
  }

  /**
   * Many tokens' usage in one commit (auth/token-usage.ts batches them): one statement per chunk on PostgreSQL
   * (UPDATE ... FROM unnest), one transaction of prepared updates on SQLite. One fsync for the lot, instead of
   * one per token, which at a few thousand first uses a second was the exchange's bottleneck.
   * The rows are written in id order: each chunk then walks one stretch of the id index instead of hopping over all
   * of it (about a tenth less CPU a row on SQLite at a million tokens). On PostgreSQL two nodes writing overlapping
   * tokens then lock them in the same order wherever the plan follows the input (a nested loop over the primary key,
   * the usual plan for a chunk), so they seldom deadlock; a batch that fails is written again by the next tick
   * (auth/token-usage.ts).
   */
  async recordApiTokenUses(
    unordered: readonly { id: string; lastUsedAt: number; ips: readonly string[] }[],
    ex: Executor = this.db,
  ): Promise<void> {
    if (unordered.length === 0) return;
    const entries = [...unordered].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (this.dialect === 'postgres') {
      for (let i = 0; i < entries.length; i += USAGE_CHUNK) {
        const chunk = entries.slice(i, i + USAGE_CHUNK);
        // Several nodes write the same tokens, each from its own memory: the latest use wins the time, and the
        // addresses are merged, the later writer's first (until 2026-12-05 the last batch written replaced both, so
        // one node's address was lost and "last used" could move back in time).
        await sql`update api_tokens as t set
            last_used_at = greatest(coalesce(t.last_used_at, 0), v.at),
            last_used_ips = (
              select coalesce(jsonb_agg(m.ip order by m.ord), '[]'::jsonb)::text from (
                select ip, min(ord) as ord from (
                  select a.value as ip, a.ord + case when v.at >= coalesce(t.last_used_at, 0) then 0 else 100 end as ord
                    from jsonb_array_elements_text(v.ips::jsonb) with ordinality as a(value, ord)
                  union all
                  select b.value, b.ord + case when v.at >= coalesce(t.last_used_at, 0) then 100 else 0 end
                    from jsonb_array_elements_text(coalesce(t.last_used_ips, '[]')::jsonb) with ordinality as b(value, ord)
                ) both_lists group by ip order by min(ord) limit ${LAST_USED_IPS_KEPT}
              ) m
            )
          from unnest(${chunk.map((e) => e.id)}::text[], ${chunk.map((e) => e.lastUsedAt)}::int8[], ${chunk.map((e) => JSON.stringify(e.ips))}::text[]) as v(id, at, ips)
          where t.id = v.id`.execute(ex);
      }
      return;
    }
    if (this.rowBatches && ex === this.db) {
      for (let i = 0; i < entries.length; i += ROW_BATCH_CHUNK) {
        const rows = entries.slice(i, i + ROW_BATCH_CHUNK).map((e) => [e.lastUsedAt, JSON.stringify(e.ips), e.id]);
        await this.rowBatches.write('update api_tokens set last_used_at = ?, last_used_ips = ? where id = ?', rows, {
          relaxedDurability: true,
        });
      }
      return;
    }
    const write = async (trx: Executor) => {
      for (const e of entries) {
        await trx
          .updateTable('api_tokens')
          .set({ last_used_at: e.lastUsedAt, last_used_ips: JSON.stringify(e.ips) })
          .where('id', '=', e.id)
          .execute();
      }
    };
    if (entries.length === 1 || ex !== this.db) await write(ex);
    else await this.db.transaction().execute(write);
  }

  // ---------------------------------------------------------------- revocations
  /**
   * Records a revocation inside the caller's transaction and announces it to every node once committed.
   * Call it in the same transaction as the state change, so a node never sees one without the other.
   */
  async recordRevocation(
    trx: Transaction<DB>,
    kind: RevocationKind,
    subject: string,
    at: number,
    relevantUntil: number,
    keepSession: string | null = null,
  ): Promise<RevocationEvent> {
    const inserted = await trx
      .insertInto('revocations')
      .values({ kind, subject, at, relevant_until: relevantUntil, keep_session: keepSession })
      .returning('seq')
      .executeTakeFirstOrThrow();
    const event: RevocationEvent = { seq: Number(inserted.seq), kind, subject, at, relevantUntil, keepSession };
    await this.notifyInTransaction(trx, event);
    return event;
  }

  async relevantRevocations(now: number, ex: Executor = this.db): Promise<RevocationEvent[]> {
    const rows = await ex
      .selectFrom('revocations')
      .selectAll()
      .where('relevant_until', '>', now - REVOCATION_CLOCK_MARGIN_MS)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      kind: r.kind as RevocationKind,
      subject: r.subject,
      at: Number(r.at),
      relevantUntil: Number(r.relevant_until),
      keepSession: r.keep_session,
    }));
  }

  async pruneRevocations(now: number, ex: Executor = this.db): Promise<void> {
    await ex
      .deleteFrom('revocations')
      .where('relevant_until', '<=', now - REVOCATION_CLOCK_MARGIN_MS)
      .execute();
  }

  // ---------------------------------------------------------------- tasks
  async insertTask(values: Insertable<TaskTable>, ex: Executor = this.db): Promise<TaskRow> {
    await ex.insertInto('tasks').values(values).execute();
    return (await this.getTask(values.id, ex))!;
  }

  getTask(id: string, ex: Executor = this.db): Promise<TaskRow | undefined> {
    return ex.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async updateTask(id: string, patch: Updateable<TaskTable>, ex: Executor = this.db): Promise<void> {
    await ex.updateTable('tasks').set(patch).where('id', '=', id).execute();
  }

  async pruneTasks(now: number, ex: Executor = this.db): Promise<void> {
    await ex.deleteFrom('tasks').where('expires_at', '<=', now).execute();
  }

  // ---------------------------------------------------------------- audit
  async appendAudit(values: Omit<Insertable<AuditEventTable>, 'id'>, ex: Executor = this.db): Promise<void> {
    await ex
      .insertInto('audit_events')
      .values({ id: timeOrderedUuid(), ...values })
      .execute();
  }

  /**
   * Several events in one commit (coalesced exchange events, written in batches off the request path).
   * `relaxedDurability` is for those only (see RowBatchWriter); nothing else is written this way.
   */
  async appendAuditBatch(
    rows: readonly Omit<Insertable<AuditEventTable>, 'id'>[],
    ex: Executor = this.db,
    options: { relaxedDurability: boolean } = { relaxedDurability: false },
  ): Promise<void> {
    if (this.rowBatches && ex === this.db) {
      for (let i = 0; i < rows.length; i += ROW_BATCH_CHUNK) {
        const values = rows
          .slice(i, i + ROW_BATCH_CHUNK)
          .map((r) => [
            timeOrderedUuid(),
            r.at,
            r.event_type,
            r.outcome,
            r.actor_id ?? null,
            r.actor_name ?? null,
            r.org_id ?? null,
            r.org_name ?? null,
            r.token_id ?? null,
            r.ip ?? null,
            r.details,
          ]);
        await this.rowBatches.write(
          'insert into audit_events (id, at, event_type, outcome, actor_id, actor_name, org_id, org_name, token_id, ip, details) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          values,
          options,
        );
      }
      return;
    }
    for (let i = 0; i < rows.length; i += AUDIT_CHUNK) {
      const chunk = rows.slice(i, i + AUDIT_CHUNK);
      if (this.dialect === 'postgres') {
        // One array per column (`unnest`), as the usage batches: eleven parameters whatever the chunk's size,
        // instead of eleven per row that kysely would build and node-postgres serialize one by one.
        const column = <T>(read: (r: (typeof chunk)[number]) => T) => chunk.map(read);
        await sql`insert into audit_events (id, at, event_type, outcome, actor_id, actor_name, org_id, org_name, token_id, ip, details)
          select * from unnest(${column(() => timeOrderedUuid())}::text[], ${column((r) => r.at)}::int8[],
            ${column((r) => r.event_type)}::text[], ${column((r) => r.outcome)}::text[], ${column((r) => r.actor_id ?? null)}::text[],
            ${column((r) => r.actor_name ?? null)}::text[], ${column((r) => r.org_id ?? null)}::text[],
            ${column((r) => r.org_name ?? null)}::text[], ${column((r) => r.token_id ?? null)}::text[],
            ${column((r) => r.ip ?? null)}::text[], ${column((r) => r.details)}::text[])`.execute(ex);
        continue;
      }
      await ex
        .insertInto('audit_events')
        .values(chunk.map((r) => ({ id: timeOrderedUuid(), ...r })))
        .execute();
    }
  }

  // ---------------------------------------------------------------- signing keys
  /**
   * The current HS256 key, created once and shared by every node through the store. Two nodes booting at once
   * may both propose one: the meta row's primary key lets exactly one insert win, and everyone reads it back.
   */
  async currentSigningKey(): Promise<{ kid: string; secret: string }> {
    const candidate = JSON.stringify({ kid: randomUUID(), secret: randomBytes(32).toString('base64url') });
    await this.db
      .insertInto('meta')
      .values({ key: 'signing_key', value: candidate })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const stored = await this.getMeta('signing_key');
    return JSON.parse(stored!) as { kid: string; secret: string };
  }

  /**
   * Claims a "shown once" id (migration 0021): true for the one call, on any node, that records it; false when it
   * was claimed before. The insert is the whole check, so two requests racing with one cookie cannot both win.
   */
  async claimShownOnce(id: string, expiresAt: number): Promise<boolean> {
    const result = await this.db
      .insertInto('shown_once')
      .values({ id, expires_at: expiresAt })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Whether a "shown once" id was claimed (claimShownOnce): a read, which claims nothing. */
  async isShownOnceClaimed(id: string): Promise<boolean> {
    const row = await this.db.selectFrom('shown_once').select('id').where('id', '=', id).executeTakeFirst();
    return row !== undefined;
  }

  /** Liveness of the backend, for /health. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }
}
