/**
 * Migrations are a fixed, ordered list in code (no file scanning: the same under tsx and compiled).
 * They run at boot through kysely's Migrator, which on PostgreSQL holds `pg_advisory_xact_lock` so that
 * several nodes booting at once migrate exactly once.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as m0001 from './migrations/0001_identity.js';
import * as m0002 from './migrations/0002_inventory.js';
import * as m0003 from './migrations/0003_revocation_keep_session.js';
import * as m0004 from './migrations/0004_vm_extra_config.js';
import * as m0005 from './migrations/0005_service_accounts.js';
import * as m0006 from './migrations/0006_tasks.js';
import * as m0007 from './migrations/0007_org_user_settings.js';
import * as m0008 from './migrations/0008_inventory_sources.js';
import * as m0009 from './migrations/0009_two_factor_reset_notice.js';
import * as m0010 from './migrations/0010_token_care.js';
import * as m0011 from './migrations/0011_scale_indexes.js';
import * as m0012 from './migrations/0012_growth_indexes.js';
import * as m0013 from './migrations/0013_service_account_lifetime.js';
import * as m0014 from './migrations/0014_portal_care.js';
import * as m0015 from './migrations/0015_minted_token_listing.js';
import * as m0016 from './migrations/0016_vm_sort_indexes.js';
import * as m0017 from './migrations/0017_drop_full_revoked_index.js';
import * as m0018 from './migrations/0018_minted_token_counts.js';
import * as m0019 from './migrations/0019_token_list_changes.js';
import * as m0020 from './migrations/0020_password_lockout.js';
import * as m0021 from './migrations/0021_shown_once.js';
import * as m0022 from './migrations/0022_role_group_queries.js';
import * as m0023 from './migrations/0023_catalog_index.js';
import * as m0024 from './migrations/0024_administrator_control.js';
import * as m0025 from './migrations/0025_totp_enrolment_expiry.js';
import * as m0026 from './migrations/0026_known_sign_in_addresses.js';
import * as m0027 from './migrations/0027_token_idle_policy.js';
import * as m0028 from './migrations/0028_inventory_version_lock_first.js';
import * as m0029 from './migrations/0029_revocations_by_subject.js';
import * as m0030 from './migrations/0030_task_actor_kind.js';
import type { Dialect } from './dialect.js';

interface DialectMigration {
  up(db: Kysely<any>, dialect: Dialect): Promise<void>;
  down?(db: Kysely<any>, dialect: Dialect): Promise<void>;
}

const MIGRATIONS: ReadonlyArray<readonly [string, DialectMigration]> = [
  ['0001_identity', m0001],
  ['0002_inventory', m0002],
  ['0003_revocation_keep_session', m0003],
  ['0004_vm_extra_config', m0004],
  ['0005_service_accounts', m0005],
  ['0006_tasks', m0006],
  ['0007_org_user_settings', m0007],
  ['0008_inventory_sources', m0008],
  ['0009_two_factor_reset_notice', m0009],
  ['0010_token_care', m0010],
  ['0011_scale_indexes', m0011],
  ['0012_growth_indexes', m0012],
  ['0013_service_account_lifetime', m0013],
  ['0014_portal_care', m0014],
  ['0015_minted_token_listing', m0015],
  ['0016_vm_sort_indexes', m0016],
  ['0017_drop_full_revoked_index', m0017],
  ['0018_minted_token_counts', m0018],
  ['0019_token_list_changes', m0019],
  ['0020_password_lockout', m0020],
  ['0021_shown_once', m0021],
  ['0022_role_group_queries', m0022],
  ['0023_catalog_index', m0023],
  ['0024_administrator_control', m0024],
  ['0025_totp_enrolment_expiry', m0025],
  ['0026_known_sign_in_addresses', m0026],
  ['0027_token_idle_policy', m0027],
  ['0028_inventory_version_lock_first', m0028],
  ['0029_revocations_by_subject', m0029],
  ['0030_task_actor_kind', m0030],
];

/** Names of every migration, in order (what `kysely_migration` holds once the store is up to date). */
export const MIGRATION_NAMES: readonly string[] = MIGRATIONS.map(([name]) => name);

class StaticMigrationProvider implements MigrationProvider {
  private readonly dialect: Dialect;
  constructor(dialect: Dialect) {
    this.dialect = dialect;
  }
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, m] of MIGRATIONS) {
      out[name] = {
        up: (db) => m.up(db, this.dialect),
        ...(m.down ? { down: (db: Kysely<any>) => m.down!(db, this.dialect) } : {}),
      };
    }
    return out;
  }
}

/**
 * Runs this version's migrations up to `name` and no further (the schema a store at that level has). `schema`: the
 * PostgreSQL schema kysely's own tables are in, when it is not the only one holding them (a scratch schema beside a
 * store: kysely otherwise takes the store's for its own, wherever the search path points).
 */
export async function migrateTo(db: Kysely<any>, dialect: Dialect, name: string, schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new StaticMigrationProvider(dialect),
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error } = await migrator.migrateTo(name);
  if (error) throw error;
}

/** The store was migrated by a newer Tessera: this version does not know one of its migrations. */
export class NewerStoreError extends Error {}

/**
 * Brings the store to this version's schema; returns the migrations applied now (none when it already was). A store
 * that could not be reached at all (no connection, no such database, a refused password) is the driver's own error,
 * for the caller to report as such: until 2026-12-05 every such error read "database migration failed".
 */
export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    const message = (error as Error).message ?? String(error);
    // kysely's words for a store whose migrations include one this code does not have.
    const unknown = /previously executed migration (\S+) is missing/.exec(message);
    if (unknown) {
      throw new NewerStoreError(
        `the store was written by a newer version of Tessera (its migration ${unknown[1]} is unknown to this one): run that version or a newer one`,
      );
    }
    if (!failed) throw error;
    throw new Error(`database migration ${failed.migrationName} failed: ${message}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
