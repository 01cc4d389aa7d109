/**
 * Managing orgs (create, change, enable, disable, delete, and deleting their catalogs) takes a right of its own,
 * "General: Administrator Control", a write. Until this migration it took "General: Administrator View", a view
 * right, so a read-only API token of the System administrator, or a provider role made only to look, could create,
 * disable and delete orgs. The predefined System Administrator role is given the new right here (new stores get it
 * from the role's definition); a custom System-org role that should manage orgs must be given it by an
 * administrator: a role made to view is not assumed to be one that should change (docs/security.md).
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

// The names as they were when this migration was written: a migration must not change with later code.
const SYSTEM_ORG_ID = 'a93c9db9-7471-3192-8d09-a8f7eeda85f9';
const CONTROL = 'General: Administrator Control';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await sql`
    insert into role_rights (role_id, right_name)
    select r.id, ${CONTROL} from roles r
    where r.org_id = ${SYSTEM_ORG_ID} and r.name = 'System Administrator' and r.read_only = 1
      and not exists (select 1 from role_rights rr where rr.role_id = r.id and rr.right_name = ${CONTROL})
  `.execute(db);
}

export async function down(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.deleteFrom('role_rights').where('right_name', '=', CONTROL).execute();
}
