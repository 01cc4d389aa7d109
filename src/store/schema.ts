/**
 * Table types for kysely. Portable across SQLite and PostgreSQL:
 * - ids are lowercase UUID text (the URN prefix is added at the edge: `urn:vcloud:user:<id>`);
 * - times are epoch milliseconds in `bigint` (PG's int8 is parsed back to a JS number, see postgres.ts);
 * - booleans are integers 0/1 (SQLite has no boolean type);
 * - lists are JSON text.
 */
import type { ColumnType, Generated } from 'kysely';
import type { InventoryTables } from '../inventory/schema.js';

export interface OrgTable {
  id: string;
  name: string;
  name_lower: string;
  full_name: string;
  description: string;
  is_enabled: number;
  is_system: number;
  /** Org policy: the longest lifetime an API token may be given, in days; null = no limit (VCD's default). */
  max_token_lifetime_days: number | null;
  /** Org policy: API tokens unused for this many days are revoked (auth/idle-tokens.ts); null = never. Migration 0027. */
  max_token_idle_days: ColumnType<number | null, number | null | undefined, number | null>;
  deployed_vm_quota: number;
  stored_vm_quota: number;
  created_at: number;
  /**
   * The AdminOrg settings VCD clients write and read back (general, lease, LDAP, password policy) as JSON
   * (domain/org-settings.ts); `{}` reads as the defaults. Quotas stay in their columns. Migration 0007.
   */
  settings: ColumnType<string, string | undefined, string>;
}

export interface UserTable {
  id: string;
  org_id: string;
  name: string;
  name_lower: string;
  full_name: string;
  email: string;
  password_hash: string;
  is_enabled: number;
  role_id: string;
  deployed_vm_quota: number;
  stored_vm_quota: number;
  /** Sessions issued before this time (epoch ms) are rejected: set on disable, password change, "sign out everywhere". */
  sessions_not_before: number;
  totp_secret: string | null;
  totp_enabled: number;
  /** Last accepted TOTP time step: a code of that step or older is a replay. */
  totp_last_step: number;
  /** Failed second-factor attempts since the last success, and the lockout they caused. */
  totp_failures: number;
  totp_locked_until: number;
  /** When the TOTP key now in `totp_secret` was made (epoch ms; 0 before migration 0025): an unconfirmed one lapses. */
  totp_started_at: ColumnType<number, number | undefined, number>;
  /** Address blocks the user signed in from with their password lately, JSON (auth/known-addresses.ts; migration 0026). */
  sign_in_addresses: ColumnType<string, string | undefined, string>;
  created_at: number;
  /** Profile fields of VCD's User document that Terraform writes and reads back (migration 0007). */
  description: ColumnType<string, string | undefined, string>;
  telephone: ColumnType<string, string | undefined, string>;
  im: ColumnType<string, string | undefined, string>;
  /** When an administrator reset the user's two-factor authentication, until the user was told (0: nothing to tell). Migration 0009. */
  two_factor_reset_at: ColumnType<number, number | undefined, number>;
  /** The IANA time zone the user chose (domain/time-zone.ts); null: UTC. Migration 0014. */
  time_zone: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * The org's account lockout (auth/password-lockout.ts): consecutive wrong passwords since the last success or
   * lockout, and when the lockout they caused ends (epoch ms; 0: none). Migration 0020.
   */
  password_failures: ColumnType<number, number | undefined, number>;
  password_locked_until: ColumnType<number, number | undefined, number>;
}

export interface GroupTable {
  id: string;
  org_id: string;
  name: string;
  name_lower: string;
  description: string;
  role_id: string | null;
  created_at: number;
}

export interface GroupMemberTable {
  group_id: string;
  user_id: string;
}

export interface RoleTable {
  id: string;
  org_id: string;
  name: string;
  name_lower: string;
  description: string;
  /** Predefined roles are read-only. */
  read_only: number;
  created_at: number;
}

export interface RoleRightTable {
  role_id: string;
  right_name: string;
}

export interface RightsBundleTable {
  id: string;
  name: string;
  name_lower: string;
  description: string;
  read_only: number;
  /** JSON array of right names. */
  rights: string;
  /** JSON array of org ids the bundle is published to, or the string "all". */
  published_to: string;
  created_at: number;
}

export interface ApiTokenTable {
  /** The OAuth client_id from /register; the entity id is `urn:vcloud:token:<id>`. */
  id: string;
  org_id: string;
  user_id: string;
  name: string;
  type: string; // 'REFRESH'
  /** SHA-256 hex of the token; null until the one-shot jwt-bearer grant minted it. */
  secret_hash: string | null;
  /** First characters of the token, for display. */
  token_start: string | null;
  created_at: number;
  minted_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  /** JSON array of the last few client IPs, newest first. */
  last_used_ips: string;
  created_ip: string | null;
  /**
   * Least privilege (migration 0005): null = the owner's rights; `read-only`; or `urn:vcloud:role:<id>`, a role
   * whose rights were within the owner's when the token was made. Shown on the token entity.
   */
  scope: string | null;
  /** JSON array of the right names the scope grants, fixed at creation; sessions get owner's ∩ these. */
  scope_rights: string | null;
  /** Who revoked it: a user id; null when nobody did or its holder did (RFC 7009). Migration 0010. */
  revoked_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** The token a Regenerate made in its place. Migration 0010. */
  replaced_by: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Two-factor recovery codes (migration 0010): a keyed hash of each, spent once (auth/recovery-codes.ts). */
export interface TotpRecoveryCodeTable {
  id: string;
  user_id: string;
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

/** A service account (VCD 10.4): an org's identity with a role, authorized by the device flow (migration 0005). */
export interface ServiceAccountTable {
  /** The OAuth client_id from /register; the entity id is `urn:vcloud:serviceAccount:<id>`. */
  id: string;
  org_id: string;
  name: string;
  name_lower: string;
  software_id: string;
  software_version: string | null;
  client_uri: string | null;
  role_id: string;
  /** CREATED | REQUESTED | GRANTED | ACTIVE, and DENIED (shown as CREATED) after a deny until the next authorize. */
  status: string;
  created_by: string | null;
  created_at: number;
  /** SHA-256 hex of the RFC 8628 device code and user code while a flow runs. */
  device_code_hash: string | null;
  user_code_hash: string | null;
  device_expires_at: number | null;
  device_interval: number | null;
  device_last_poll_at: number | null;
  granted_by: string | null;
  last_used_at: number | null;
  last_used_ips: string;
  /** When the authorization ends (epoch ms), fixed at activation from the org's lifetime policy; null: no limit. */
  authorized_until: number | null;
}

/** One refresh token of a service account's rotation chain; spent on use (migration 0005). */
export interface ServiceAccountTokenTable {
  id: string;
  service_account_id: string;
  secret_hash: string;
  token_start: string;
  created_at: number;
  created_ip: string | null;
  spent_at: number | null;
  spent_ip: string | null;
  successor_id: string | null;
  revoked_at: number | null;
}

/** Legacy 32-character `x-vcloud-authorization` session tokens (POST /api/sessions) map to a session here. */
export interface LegacySessionTable {
  token_hash: string;
  session_id: string;
  user_id: string;
  /** The access token sealed under a key derived from the legacy id (`sealLegacyAccessToken`), never the bearer itself. */
  access_token: string;
  expires_at: number;
}

/**
 * Revocations that every node must learn: an API token, one session, or all of a user's sessions.
 * Rows are kept for at least the access-token lifetime so a node (re)starting can rebuild its view.
 */
export interface RevocationTable {
  seq: Generated<number>;
  kind: string; // 'api_token' | 'session' | 'user'
  subject: string;
  at: number;
  /** After this time the row no longer matters (every access token it could affect has expired). */
  relevant_until: number;
  /** For kind 'user': a session id the revocation spares (the one that changed the password). */
  keep_session: string | null;
}

export interface AuditEventTable {
  id: string;
  at: number;
  event_type: string;
  outcome: string; // 'success' | 'failure'
  actor_id: string | null;
  actor_name: string | null;
  org_id: string | null;
  org_name: string | null;
  token_id: string | null;
  ip: string | null;
  /** JSON object of safe details; never a secret. */
  details: string;
}

/**
 * VCD tasks (migration 0006): one row per operation VCD runs as a task (org and user create, update, delete),
 * polled by clients at /api/task/{id}. Tessera runs them synchronously, so most rows are written finished;
 * they are kept until `expires_at` (housekeeping prunes them).
 */
export interface TaskTable {
  id: string;
  /** The org the task is about (the owner's org): the tenant-isolation column of the task list. */
  org_id: string;
  org_name: string;
  status: string; // 'queued' | 'running' | 'success' | 'error'
  operation_name: string;
  operation: string;
  progress: number;
  owner_kind: string; // TaskOwner['kind']: 'org' | 'user' | 'catalog' | 'vapp' | 'vdc'
  owner_id: string;
  owner_name: string;
  /** Who started it, and the org they belong to. */
  user_id: string | null;
  user_name: string;
  /** What `user_id` names: null for a user, `service_account` for a service account (migration 0030). */
  user_kind: string | null;
  user_org_id: string | null;
  user_org_name: string;
  error_code: string | null;
  error_status: number | null;
  error_message: string | null;
  started_at: number;
  ended_at: number | null;
  expires_at: number;
}

export interface MetaTable {
  key: string;
  value: string;
}

/**
 * Live minted tokens per org (migration 0018), kept by triggers on api_tokens: the total of an org's token list, and
 * summed, of the System org's, without counting rows (store/token-listing.ts).
 */
export interface ApiTokenCountTable {
  org_id: string;
  minted_live: number;
  /** Moves with every change of the org's list (migration 0019): the key of remembered page positions. */
  list_changes: ColumnType<number | string, number | undefined, number>;
}

/** The ids of "shown once" cookies whose page has been served (migration 0021, src/http/portal/shown-once.ts). */
export interface ShownOnceTable {
  id: string;
  expires_at: number;
}

export interface IdentityTables {
  orgs: OrgTable;
  users: UserTable;
  groups: GroupTable;
  group_members: GroupMemberTable;
  roles: RoleTable;
  role_rights: RoleRightTable;
  rights_bundles: RightsBundleTable;
  api_tokens: ApiTokenTable;
  api_token_counts: ApiTokenCountTable;
  totp_recovery_codes: TotpRecoveryCodeTable;
  service_accounts: ServiceAccountTable;
  service_account_tokens: ServiceAccountTokenTable;
  legacy_sessions: LegacySessionTable;
  revocations: RevocationTable;
  audit_events: AuditEventTable;
  tasks: TaskTable;
  meta: MetaTable;
  shown_once: ShownOnceTable;
}

export interface DB extends IdentityTables, InventoryTables {}
