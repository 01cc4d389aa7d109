/**
 * Service accounts (issue 13, VCD 10.4): an org-owned identity with its own role, authorized through the
 * OAuth 2.0 device flow, whose refresh token rotates on every use.
 *
 * - `service_accounts`: the identity (a role of its org, like a user's) and the device-flow state. Device and
 *   user codes are stored only as SHA-256: they are bearer secrets while the flow runs.
 * - `service_account_tokens`: the rotation chain. Every refresh spends one row (`spent_at`, `spent_ip`,
 *   `successor_id`) and inserts the next; a spent row presented again is how reuse (a copied token) is seen.
 *   Only SHA-256 of each secret is kept, never the secret itself.
 * - `api_tokens.scope` / `scope_rights`: a user API token may be narrowed at creation (read-only, or a role within
 *   the owner's rights); the rights it was given are fixed then, and sessions get the owner's current rights
 *   intersected with them (auth/authenticator.ts).
 * - The new rights go into the predefined roles and bundles of stores created before this migration, so an
 *   Organization Administrator can manage service accounts without an edit (fresh stores get them from the
 *   catalogue at bootstrap).
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

const VIEW = 'Service Accounts: View';
const MANAGE = 'Service Accounts: Manage';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('service_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_lower', 'text', (c) => c.notNull())
    .addColumn('software_id', 'text', (c) => c.notNull())
    .addColumn('software_version', 'text')
    .addColumn('client_uri', 'text')
    .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('device_code_hash', 'text', (c) => c.unique())
    .addColumn('user_code_hash', 'text')
    .addColumn('device_expires_at', 'bigint')
    .addColumn('device_interval', 'integer')
    .addColumn('device_last_poll_at', 'bigint')
    .addColumn('granted_by', 'text')
    .addColumn('last_used_at', 'bigint')
    .addColumn('last_used_ips', 'text', (c) => c.notNull())
    .addUniqueConstraint('service_accounts_org_name', ['org_id', 'name_lower'])
    .execute();
  await db.schema.createIndex('service_accounts_user_code').on('service_accounts').columns(['org_id', 'user_code_hash']).execute();

  await db.schema
    .createTable('service_account_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service_account_id', 'text', (c) => c.notNull().references('service_accounts.id').onDelete('cascade'))
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_start', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_ip', 'text')
    .addColumn('spent_at', 'bigint')
    .addColumn('spent_ip', 'text')
    .addColumn('successor_id', 'text')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('service_account_tokens_account').on('service_account_tokens').column('service_account_id').execute();

  await db.schema.alterTable('api_tokens').addColumn('scope', 'text').execute();
  await db.schema.alterTable('api_tokens').addColumn('scope_rights', 'text').execute();

  for (const right of [VIEW, MANAGE]) {
    await sql`insert into role_rights (role_id, right_name)
      select id, ${right} from roles
      where read_only = 1 and name in ('System Administrator', 'Organization Administrator')
      and not exists (select 1 from role_rights rr where rr.role_id = roles.id and rr.right_name = ${right})`.execute(db);
  }
  // The default bundle publishes every tenant right: add the new ones to bundles that publish the API-token rights.
  const bundles = await db.selectFrom('rights_bundles').select(['id', 'rights']).execute();
  for (const b of bundles as { id: string; rights: string }[]) {
    let rights: unknown;
    try {
      rights = JSON.parse(b.rights);
    } catch {
      continue;
    }
    if (!Array.isArray(rights) || !rights.includes('API Tokens: Manage All')) continue;
    const next = [...new Set([...rights, VIEW, MANAGE])];
    if (next.length !== rights.length)
      await db
        .updateTable('rights_bundles')
        .set({ rights: JSON.stringify(next) })
        .where('id', '=', b.id)
        .execute();
  }
}
